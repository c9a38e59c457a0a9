"""Procedures, days and cost under the World Bank Doing Business rules.

* A **procedure** is each step done at a counter, online, on site or by mail,
  and each fetch trip; back-office steps are not procedures.
* The time of back-office steps and internal handoff delays adds to the
  procedure before them; before the first procedure (of the process, or of a
  parallel branch), to the first.
* A procedure's time is its work + wait (+ added time) in calendar days
  (hours / hours per working day = working days; 1 wd = 7 / working weekdays
  days), then **at least 1 day**, except an **online** procedure under a day,
  which counts **half a day**.
* **Simultaneous procedures cannot start on the same day**: among parallel
  branches that start with a procedure (AND blocks, and the fetch trips before
  the first step) the i-th in listed order starts i - 1 days after the first.
* Days = the longest chain, XOR and loops in expectation (unrounded);
  procedures = expected count; cost = expected fees.

Back-office time after an AND block (at the join, before the next procedure)
adds to the chain as it is, without a minimum.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..kpis import DB_ROWS, KPIS, label_en, label_zh
from ..model.process import PROCEDURE_CHANNELS, Process, Step
from .chain import Chain
from .equality import dataclass_eq, figures_hash
from .flowcalc import Edge, FlowModel, Scope

__all__ = ["DoingBusiness", "doing_business"]

_log = logging.getLogger("flowkit")


def _floor(days: float, online: bool) -> float:
    if online and days < 1.0:
        return 0.5
    return max(1.0, days)


@dataclass(frozen=True)
class DoingBusiness:
    """Doing Business figures of a process: ``procedures``, ``days``, ``cost``, ``table()``."""

    process: Process = field(repr=False)
    procedures: float
    days: float
    cost: float
    rows: tuple[dict[str, object], ...] = field(repr=False)

    # equal when every figure is equal, NaN included, on every supported Python
    __eq__ = dataclass_eq
    __hash__ = figures_hash

    def table(self) -> pd.DataFrame:
        """One row per procedure: name, department, channel, expected times done, days, fee.

        ``days`` is the procedure's own time under the rules (with the back-office time
        it carries); fetch trips come first, in the order materials are listed.
        """
        return pd.DataFrame(list(self.rows)).set_index("procedure")

    def _repr_html_(self) -> str:
        """Notebook HTML: the figures and the table; a one-line note when they cannot
        be shown (a display hook must not break a notebook), logged on the ``flowkit``
        logger."""
        try:
            head = f"<div><b>{self.process.name}</b> — " + " · ".join(
                f"{label_zh(k)} {label_en(k)} {getattr(self, KPIS[k].of[3:]):.4g}"
                for k in DB_ROWS)
            return head + self.table().to_html() + "</div>"
        except (KeyError, TypeError, ValueError) as exc:
            # KeyError: no procedure rows to index; TypeError/ValueError: a figure that
            # is not a number
            _log.warning("display of DoingBusiness failed", exc_info=exc)
            return f"<pre>DoingBusiness ({exc.__class__.__name__} while displaying)</pre>"


@dataclass
class _Segments:
    """Back-office time of one scope: ``B(v)`` for each back-office step ``v``.

    ``B(v)`` is v's own time, then onward, until a procedure, an AND block or the
    end of the scope (handoff delays on the way included).
    """

    nodes: list[str]
    trans: dict[str, list[tuple[str | None, float]]]
    bidx: dict[str, int]
    chain: Chain
    value: np.ndarray
    exit_edge: dict[tuple[str, str | None], float]


class _DB:
    def __init__(self, p: Process, case_type: str | None = None) -> None:
        self.p = p
        self.fm = FlowModel(p, case_type)
        self.days_per_wd = 7.0 / p.calendar.workdays_per_week
        self.steps = {s.id: s for s in p.steps}

    def is_proc(self, s: Step) -> bool:
        return s.channel in PROCEDURE_CHANNELS

    def own(self, s: Step) -> float:
        """Work + wait (+ session wait) of a step in calendar days."""
        return self.fm.step_wd(s) * self.days_per_wd

    def delay(self, e: Edge) -> float:
        if e.delay is None:
            return 0.0
        return self.fm.elapsed_wd(e.delay) * self.days_per_wd

    def segments(self, scope: Scope) -> _Segments:
        fm, st = self.fm, self.fm.structure
        nodes = fm.nodes(scope)
        trans = fm.transitions(scope)
        delay: dict[tuple[str, str | None], float] = {}
        for v in nodes:
            if self.steps[v].flow == "and":
                continue  # the block's own flows are its branches' business
            for t, _ in trans[v]:
                target = t if t is not None else st.blocks[scope[0]].join  # type: ignore[index]
                delay[(v, t)] = self.delay(fm.edges[(v, target)])
        bo = [v for v in nodes if not self.is_proc(self.steps[v])]
        bidx = {v: i for i, v in enumerate(bo)}
        edges, reward = [], np.zeros(len(bo))
        for v in bo:
            r = self.own(self.steps[v])
            if self.steps[v].flow != "and":  # an AND block ends the segment
                for t, p in trans[v]:
                    r += p * delay[(v, t)]
                    if t is not None and t in bidx:
                        edges.append((bidx[v], bidx[t], p))
            reward[bidx[v]] = r
        chain = Chain(len(bo), edges)
        value = chain.accumulate(reward) if bo else np.zeros(0)
        return _Segments(nodes, trans, bidx, chain, value, delay)

    def onward(self, seg: _Segments, v: str) -> float:
        """Back-office time a procedure ``v`` carries: what follows it until the next one."""
        if self.steps[v].flow == "and":
            return 0.0
        total = 0.0
        for t, p in seg.trans[v]:
            total += p * seg.exit_edge[(v, t)]
            if t is not None and t in seg.bidx:
                total += p * float(seg.value[seg.bidx[t]])
        return total

    def free(self, seg: _Segments, v: str) -> float:
        return float(seg.value[seg.bidx[v]]) if v in seg.bidx else 0.0

    def scope_days(
        self, scope: Scope, block_days: dict[str, float]
    ) -> tuple[float, dict[str, float]]:
        """Expected days of a scope and the time ``T`` of each procedure in it."""
        fm, st = self.fm, self.fm.structure
        entry = fm.entry(scope)
        lead = 0.0
        if scope is not None:
            split, i = scope
            lead = self.delay(fm.edges[(split, st.blocks[split].branches[i].head)])
        if entry is None:
            return lead, {}
        seg = self.segments(scope)
        base: dict[str, float] = {}
        own_t: dict[str, float] = {}
        for v in seg.nodes:
            s = self.steps[v]
            if self.is_proc(s):
                base[v] = self.own(s) + self.onward(seg, v)
                own_t[v] = _floor(base[v], s.channel == "online")
        chain, index = fm.chain(scope)
        n = chain.visits(index[entry])
        total = lead + self.free(seg, entry)
        for v, t_v in own_t.items():
            total += float(n[index[v]]) * t_v
        for v in seg.nodes:
            if self.steps[v].flow == "and":
                join = st.blocks[v].join
                total += float(n[index[v]]) * (block_days[v] + self.free(seg, join))
        if entry in seg.bidx:
            total += self.first_correction(seg, entry, base)
        return total, own_t

    def first_correction(self, seg: _Segments, entry: str, base: dict[str, float]) -> float:
        """Move the back-office time before the first procedure into that procedure.

        It was counted as plain time; the first procedure ``P`` reached (with
        probability ``q``, carrying ``l`` of that time in expectation) gets
        ``floor(base + l / q)`` instead of ``floor(base) + l / q``.
        """
        bo = list(seg.bidx)
        firsts = sorted({t for v in bo for t, _ in seg.trans[v] if t in base})
        correction = 0.0
        for target in firsts:
            direct = np.zeros(len(bo))
            for v in bo:
                if self.steps[v].flow != "and":
                    direct[seg.bidx[v]] = sum(p for t, p in seg.trans[v] if t == target)
            h = seg.chain.accumulate(direct)  # P(the first procedure is target | at v)
            g_reward = np.zeros(len(bo))
            for v in bo:
                if self.steps[v].flow == "and":
                    continue
                r = self.own(self.steps[v]) * h[seg.bidx[v]]
                for t, p in seg.trans[v]:
                    hit = 1.0 if t == target else (h[seg.bidx[t]] if t in seg.bidx else 0.0)
                    r += p * seg.exit_edge[(v, t)] * hit
                g_reward[seg.bidx[v]] = r
            g = seg.chain.accumulate(g_reward)
            q, ell = float(h[seg.bidx[entry]]), float(g[seg.bidx[entry]])
            if q <= 1e-15:
                continue
            online = self.steps[target].channel == "online"
            b = base[target]
            correction += q * _floor(b + ell / q, online) - q * _floor(b, online) - ell
        return correction

    def run(self) -> DoingBusiness:
        fm, st = self.fm, self.fm.structure
        scope_days: dict[Scope, float] = {}
        step_t: dict[str, float] = {}
        for scope in fm.scopes:
            blocks: dict[str, float] = {}
            for v in fm.nodes(scope):
                if self.steps[v].flow != "and":
                    continue
                rank, best = 0, 0.0
                for i, br in enumerate(st.blocks[v].branches):
                    offset = 0.0
                    if not br.empty and self.is_proc(self.steps[br.head]):
                        offset = float(rank)
                        rank += 1
                    best = max(best, offset + scope_days[(v, i)])
                blocks[v] = best
            scope_days[scope], own_t = self.scope_days(scope, blocks)
            step_t.update(own_t)

        # fetch trips: parallel before the first step, the i-th starting i - 1 days later
        rows: list[dict[str, object]] = []
        fetch_block = 0.0
        for i, mid in enumerate(self.p.fetched):
            m = self.p.material(mid)
            dept = self.p.department(m.issued_by or "")
            t = _floor(self.fm.elapsed_wd(dept.issue_time) * self.days_per_wd, False)
            fetch_block = max(fetch_block, i + t)
            rows.append({
                "procedure": f"fetch:{mid}", "name": f"取得{m.label}", "department": dept.id,
                "channel": "counter", "times": 1.0, "days": t, "fee": 0.0,
            })
        n = fm.executions
        for s in self.p.steps:
            if s.id in step_t:
                rows.append({
                    "procedure": s.id, "name": s.label, "department": s.department,
                    "channel": s.channel, "times": n.get(s.id, 0.0), "days": step_t[s.id],
                    "fee": s.fee,
                })
        procedures = len(self.p.fetched) + sum(
            n.get(s.id, 0.0) for s in self.p.steps if self.is_proc(s)
        )
        cost = sum(n.get(s.id, 0.0) * s.fee for s in self.p.steps)
        return DoingBusiness(
            process=self.p,
            procedures=float(procedures),
            days=float(fetch_block + scope_days[None]),
            cost=float(cost),
            rows=tuple(rows),
        )


def doing_business(process: Process) -> DoingBusiness:
    """Procedures, days and cost of a process under the Doing Business rules.

    Parameters
    ----------
    process : Process

    Returns
    -------
    DoingBusiness
        ``procedures`` (expected count), ``days`` (calendar days, unrounded),
        ``cost`` (expected fees) and ``table()`` (one row per procedure).

    Examples
    --------
    >>> import flowkit as fk
    >>> p = fk.loads('''
    ... name: 刻章备案（示例）
    ... departments: [{id: amr}, {id: psb}]
    ... steps:
    ...   - {id: apply, department: amr, channel: online, work: 1h, next: check}
    ...   - {id: check, department: amr, work: 2h, next: seal}
    ...   - {id: seal, department: psb, channel: counter, work: 30min, fee: 400}
    ... ''')
    >>> db = fk.analyze(p).doing_business()
    >>> db.procedures, db.days, db.cost
    (2.0, 1.5, 400.0)
    """
    if not process.case_types:
        return _DB(process).run()
    parts = [(t.share, _DB(process, t.id).run()) for t in process.case_types]
    total = sum(w for w, _ in parts)
    rows: dict[str, dict[str, object]] = {}
    for w, r in parts:
        for row in r.rows:
            key = str(row["procedure"])
            acc = rows.setdefault(key, {**row, "times": 0.0, "days": 0.0})
            acc["times"] = float(acc["times"]) + w / total * float(row["times"])  # type: ignore[arg-type]
            acc["days"] = float(acc["days"]) + w / total * float(row["days"])  # type: ignore[arg-type]
    return DoingBusiness(
        process=process,
        procedures=sum(w * r.procedures for w, r in parts) / total,
        days=sum(w * r.days for w, r in parts) / total,
        cost=sum(w * r.cost for w, r in parts) / total,
        rows=tuple(rows.values()),
    )
