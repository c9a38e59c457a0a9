"""Static analysis: the exact expected reform figures of a process, without sampling."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..kpis import ANALYSIS_ROWS, BREAKDOWN_ROWS, label_en, label_zh
from ..model.process import Process, Step
from ..model.render import repr_html
from .clock import applicant_delay_wd, clock_workdays
from .equality import dataclass_eq, figures_hash
from .flowcalc import Edge, FlowModel
from .materials import applicant_steps, distinct_materials

if TYPE_CHECKING:
    from .doing_business import DoingBusiness

__all__ = ["Analysis", "analyze"]



@dataclass(frozen=True)
class Analysis:
    """Exact expected figures of one case of a process (see :func:`analyze`).

    Attributes
    ----------
    visits : float
        Expected trips of the applicant (跑动次数), fetch trips included.
    materials : float
        Expected submissions of materials (申请材料件数).
    distinct_materials : float
        Expected number of different unshared materials a case hands in (材料份数).
    applicant_steps : float
        Expected executed counter and online steps (办事环节（申请人）).
    handoffs, cross_department, cross_level, cross_region, by_applicant : float
        Expected handoffs (移交) and their classes.
    steps : float
        Expected step executions (环节).
    departments : float
        Expected number of distinct departments a case meets.
    fee : float
        Expected fees (元).
    workdays : float
        Mean-value critical path in working days (``applicant_delay`` included).
    clock_workdays : float
        Working days on the statutory clock (行政许可法 Art. 42–45) on the critical
        path of means: from the end of the first intake to the end of the last
        approval, without ``clock: excluded`` steps, 补正 time or the applicant's
        delay (see :mod:`flowkit.analysis.clock`).
    meets_time_limit : bool or None
        ``clock_workdays`` ≤ the service's ``time_limit``; None when the process
        states no service-level ``time_limit`` (shown as NaN in ``table()``).
    one_visit : bool
        最多跑一次: at most one visit on every path of positive probability.
    zero_visit : bool
        零跑动: no visit on any path.
    max_visits : float
        The most visits on any path (``inf`` when a loop can repeat a visit).
    fetch_trips : int
        Trips to fetch certificates before starting (each one visit).
    time_limit, legal_limit : float
        The service's 承诺办结时限 / 法定办结时限 when the process states them, else the
        totals of the steps' limits along the critical path (NaN when none has one).
    compression : float
        1 - time_limit / legal_limit (NaN unless both are known).
    executions : pandas.Series
        Expected executions per step.
    """

    process: Process = field(repr=False)
    visits: float
    materials: float
    distinct_materials: float
    applicant_steps: float
    handoffs: float
    cross_department: float
    cross_level: float
    cross_region: float
    by_applicant: float
    steps: float
    departments: float
    fee: float
    workdays: float
    clock_workdays: float
    meets_time_limit: bool | None
    one_visit: bool
    zero_visit: bool
    max_visits: float
    fetch_trips: int
    time_limit: float
    legal_limit: float
    compression: float
    executions: pd.Series = field(repr=False, compare=False)

    # equal when every figure is equal, NaN included, on every supported Python
    __eq__ = dataclass_eq
    __hash__ = figures_hash

    def table(self) -> pd.DataFrame:
        """One row per KPI: ``value``, ``label_zh``, ``label_en`` (booleans as 0/1).

        Rows and labels come from the KPI registry (:func:`flowkit.kpis`).

        Examples
        --------
        >>> import flowkit as fk
        >>> p = fk.loads('''
        ... name: 示例
        ... departments: [{id: d}]
        ... steps: [{id: a, department: d, channel: counter, work: 7h}]
        ... ''')
        >>> t = fk.analyze(p).table()
        >>> float(t.loc["visits", "value"]), float(t.loc["workdays", "value"])
        (1.0, 1.0)
        >>> t.loc["one_visit", "label_zh"], float(t.loc["one_visit", "value"])
        ('最多跑一次', 1.0)
        """
        rows = []
        for kpi in ANALYSIS_ROWS:
            value = getattr(self, kpi)
            rows.append({"kpi": kpi, "value": math.nan if value is None else float(value),
                         "label_zh": label_zh(kpi), "label_en": label_en(kpi)})
        return pd.DataFrame(rows).set_index("kpi")

    def by_step(self) -> pd.DataFrame:
        """Per step: expected executions, submissions and fees, with names and channel."""
        p = self.process
        fm = FlowModel(p)
        rows = []
        for s in p.steps:
            n = float(self.executions.get(s.id, 0.0))
            rows.append({
                "step": s.id,
                "name": s.label,
                "department": s.department,
                "kind": s.kind,
                "channel": s.channel,
                "executions": n,
                "materials": n * fm.submissions(s),
                "fee": n * s.fee,
                "workdays": fm.step_wd(s),
            })
        return pd.DataFrame(rows).set_index("step")

    def breakdown(self) -> pd.DataFrame:
        """Where the days go, statically: the critical path of means split into parts.

        One row per part of :data:`flowkit.kpis.BREAKDOWN_ROWS`, in **working days** (the
        unit of :attr:`workdays`, which the parts add up to): ``t_work`` (work),
        ``t_queue`` (0: static analysis has no queues; simulate for them),
        ``t_closed`` (waiting for a scheduled session; nights and weekends are not
        working days), ``t_wait`` (step waits), ``t_transfer`` (handoff delays),
        ``t_applicant`` (the longest fetch trip and the applicant's own delays).
        Columns ``workdays``, ``share`` (of
        the total; NaN when it is 0) and the labels. With case types, the
        share-weighted mean over types.

        Examples
        --------
        >>> import flowkit as fk
        >>> p = fk.loads('''
        ... name: t
        ... departments: [{id: a}, {id: b}]
        ... handoff: {mode: paper, delay: 1wd}
        ... steps:
        ...   - {id: s, department: a, work: 3.5h, next: r}
        ...   - {id: r, department: b, work: 7h, wait: 2wd}
        ... ''')
        >>> b = fk.analyze(p).breakdown()
        >>> b["workdays"].round(2).tolist()      # work, queue, closed, wait, transfer, applicant
        [1.5, 0.0, 0.0, 2.0, 1.0, 0.0]
        >>> float(b["workdays"].sum()) == fk.analyze(p).workdays
        True
        """
        p = self.process
        types: list[tuple[float, str | None]] = [(t.share, t.id) for t in p.case_types]
        types = types or [(1.0, None)]
        total = sum(w for w, _ in types)
        parts: np.ndarray = sum((w * _critical_parts(p, t) for w, t in types),
                                np.zeros(len(BREAKDOWN_ROWS))) / total
        whole = float(parts.sum())
        return pd.DataFrame({
            "workdays": parts,
            "share": parts / whole if whole > 0 else np.nan,
            "label_zh": [label_zh(k) for k in BREAKDOWN_ROWS],
            "label_en": [label_en(k) for k in BREAKDOWN_ROWS],
        }, index=pd.Index(BREAKDOWN_ROWS, name="part"))

    def doing_business(self) -> DoingBusiness:
        """Procedures, days and cost under the World Bank Doing Business rules.

        See :func:`flowkit.doing_business`.
        """
        from .doing_business import doing_business

        return doing_business(self.process)

    @property
    def load(self) -> pd.Series:
        """Offered load ρ per department (index: department id) from the arrival stream.

        ρ = arrival rate × expected work per case there ÷ (staff × working hours
        per day); see :mod:`flowkit.analysis.load`. ρ ≥ 1: the queue grows without
        bound.

        Examples
        --------
        >>> import flowkit as fk
        >>> p = fk.loads('''
        ... name: t
        ... arrivals: {per_day: 10}
        ... departments: [{id: d}]
        ... steps: [{id: s, department: d, work: 1h}]
        ... ''')
        >>> round(float(fk.analyze(p).load["d"]), 4)          # 10 × 1 h ÷ (1 × 7 h)
        1.4286
        """
        from .load import offered_load

        return offered_load(self.process)

    def _repr_html_(self) -> str:
        return repr_html("analysis_html", self)


def _critical_parts(p: Process, case_type: str | None) -> np.ndarray:
    """The parts (``BREAKDOWN_ROWS``, working days) of the critical path of one type."""
    fm = FlowModel(p, case_type)

    def node(s: Step) -> np.ndarray:
        return np.array([fm.work_wd(s), 0.0, fm.session_wd(s), fm.elapsed_wd(s.wait), 0.0, 0.0])

    def edge(e: Edge) -> np.ndarray:
        return np.array([0.0, 0.0, 0.0, 0.0, fm.elapsed_wd(e.delay), 0.0])

    parts = fm.critical_parts(node, edge)
    parts[5] += _fetch_wd(p, fm) + applicant_delay_wd(fm)
    return parts


def _fetch_wd(p: Process, fm: FlowModel) -> float:
    """The longest issue time of the fetch trips, in working days (they run in parallel)."""
    return max(
        (fm.elapsed_wd(p.department(p.material(m).issued_by or "").issue_time) for m in p.fetched),
        default=0.0,
    )


def _analyze_one(p: Process, case_type: str | None) -> dict[str, float]:
    fm = FlowModel(p, case_type)
    n = fm.executions
    classes = ("handoffs", "cross_department", "cross_level", "cross_region", "by_applicant")
    out: dict[str, float] = dict.fromkeys(classes, 0.0)
    for e, t in fm.traversals():
        out["handoffs"] += t * e.counts[0]
        out["cross_department"] += t * e.counts[0]
        out["cross_level"] += t * e.counts[1]
        out["cross_region"] += t * e.counts[2]
        out["by_applicant"] += t * e.counts[3]
    steps = {s.id: s for s in p.steps}
    out["steps"] = sum(x for v, x in n.items() if not steps[v].routing)
    out["materials"] = sum(n[v] * fm.submissions(steps[v]) for v in n)
    out["distinct_materials"] = distinct_materials(fm)
    out["applicant_steps"] = applicant_steps(fm)
    out["fee"] = sum(n[v] * steps[v].fee for v in n)
    depts: dict[str, set[str]] = {}
    for s in p.steps:
        if not s.routing:  # a routing step is no 环节 of its department
            depts.setdefault(s.department, set()).add(s.id)
    out["departments"] = sum(fm.hit_probabilities(list(depts.values())).tolist())

    fetch = len(p.fetched)
    fetch_wd = _fetch_wd(p, fm)
    mean_visits, max_visits = fm.visit_figures()
    out["visits"] = fetch + mean_visits
    out["max_visits"] = fetch + max_visits
    out["fetch_trips"] = float(fetch)
    out["workdays"] = fetch_wd + applicant_delay_wd(fm) + fm.critical_time(
        fm.step_wd, lambda e: fm.elapsed_wd(e.delay) if e.delay is not None else 0.0
    )
    out["clock_workdays"] = clock_workdays(fm)
    out["time_limit"] = _limit(fm, "time_limit")
    out["legal_limit"] = _limit(fm, "legal_limit")
    for k, v in n.items():
        out[f"__n__{k}"] = v
    return out


def _limit(fm: FlowModel, name: str) -> float:
    """The service's limit ``name`` in wd, else the steps' total on the critical path, else NaN."""
    p = fm.process
    own = getattr(p, name)
    if own is not None:
        return float(own.mean())
    if not any(getattr(s, name) is not None for s in p.steps):
        return math.nan
    return fm.critical_time(lambda s: fm.elapsed_wd(getattr(s, name)), lambda e: 0.0,
                            skeleton=True)


def analyze(process: Process) -> Analysis:
    """Exact expected figures of one case, computed without sampling.

    Visits follow the rule of ``docs/concepts.md`` (a counter step starts a
    visit unless the applicant is still at that location; loops back to a
    counter and ``join: all`` counters always start one; each fetch trip is
    one); loops are solved as absorbing Markov chains; ``workdays`` is the
    mean-value critical path (XOR in expectation, AND the longest branch). With
    case types, figures are the share-weighted mean over types and
    ``one_visit`` must hold for every type.

    Parameters
    ----------
    process : Process

    Returns
    -------
    Analysis

    Examples
    --------
    >>> import flowkit as fk
    >>> p = fk.loads('''
    ... name: 开餐馆（示例）
    ... departments:
    ...   - {id: amr, name: 市场监管局, level: 区县, location: 政务服务中心}
    ...   - {id: fire, name: 消防救援大队, level: 区县}
    ... steps:
    ...   - {id: apply, department: amr, kind: intake, channel: counter, work: 30min,
    ...      next: check}
    ...   - {id: check, department: amr, kind: review, work: 1h, wait: 3wd,
    ...      next: {permit: 0.8, apply: 0.2}}
    ...   - {id: permit, department: fire, kind: approval, channel: counter, work: 1h}
    ... ''')
    >>> a = fk.analyze(p)
    >>> round(a.visits, 4), a.one_visit, round(a.handoffs, 2), round(a.steps, 2)
    (2.25, False, 1.0, 3.5)
    """
    types = process.case_types
    if not types:
        parts = [(1.0, _analyze_one(process, None))]
    else:
        parts = [(t.share, _analyze_one(process, t.id)) for t in types]
    total = sum(w for w, _ in parts)

    def mean(key: str) -> float:
        vals = [(w, d[key]) for w, d in parts]
        if any(math.isnan(v) for _, v in vals):
            return math.nan
        return sum(w * v for w, v in vals) / total

    max_visits = max(d["max_visits"] for _, d in parts)
    tl, ll = mean("time_limit"), mean("legal_limit")
    compression = 1 - tl / ll if not math.isnan(tl) and not math.isnan(ll) and ll > 0 else math.nan
    clock = mean("clock_workdays")
    execs = pd.Series(
        {s.id: mean(f"__n__{s.id}") for s in process.steps}, name="executions", dtype=float
    )
    return Analysis(
        process=process,
        visits=mean("visits"),
        materials=mean("materials"),
        distinct_materials=mean("distinct_materials"),
        applicant_steps=mean("applicant_steps"),
        handoffs=mean("handoffs"),
        cross_department=mean("cross_department"),
        cross_level=mean("cross_level"),
        cross_region=mean("cross_region"),
        by_applicant=mean("by_applicant"),
        steps=mean("steps"),
        departments=mean("departments"),
        fee=mean("fee"),
        workdays=mean("workdays"),
        clock_workdays=clock,
        meets_time_limit=(
            None if process.time_limit is None
            else bool(clock <= process.time_limit.mean() + 1e-9)
        ),
        one_visit=bool(max_visits <= 1),
        zero_visit=bool(max_visits == 0),
        max_visits=float(max_visits),
        fetch_trips=len(process.fetched),
        time_limit=tl,
        legal_limit=ll,
        compression=compression,
        executions=execs,
    )
