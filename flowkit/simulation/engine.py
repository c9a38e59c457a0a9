"""The discrete-event engine: one replication of a compiled model on SimPy.

Design (what makes it fast and exact):

* **One generator per case** walks the steps; a sub-process is started only for
  the branches of an AND block.
* **Staff pools** hand a free person over without an event: a case that finds
  someone free starts at once; one that does not waits on a single event, and the
  person who finishes hands over directly (FIFO, or by case-type priority).
* **Draws in numpy batches**, indexed by case (see :mod:`flowkit.simulation.streams`).
* **Working time** through :class:`~flowkit.model.worktime.Clock` (bisection on
  precomputed intervals); the 24/7 calendar takes a shortcut.

The engine never reads files or plots; it returns columns of numbers.
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_right
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from ..model.worktime import Clock, make_clock
from .compile import AND, END, XOR, CompiledModel, CProcess, CStep, Timing
from .streams import CaseStream, SeqStream, key_hash

__all__ = ["CASE_COLUMNS", "EVENT_COLUMNS", "RepOutput", "run_replication"]

CASE_COLUMNS = (
    "process", "case", "case_type", "arrival", "done", "workdays", "visits", "handoffs",
    "cross_department", "cross_level", "cross_region", "by_applicant", "materials", "steps",
    "departments", "touch", "queue", "wait", "fee", "staff_cost", "applicant",
    "time_limit", "legal_limit", "closing_visits", "distinct_materials", "applicant_steps",
)
EVENT_COLUMNS = ("process", "case", "step", "dept", "unit", "enabled", "start", "end")
_EVENT_INTS = EVENT_COLUMNS[:5]  # the whole-number columns come first
#: case columns holding whole numbers (stored as 32-bit integers to keep large runs small)
_INT_COLUMNS = frozenset({
    "process", "case", "case_type", "visits", "handoffs", "cross_department", "cross_level",
    "cross_region", "by_applicant", "materials", "steps", "departments", "closing_visits",
    "distinct_materials", "applicant_steps",
})


def _column(name: str) -> array:  # type: ignore[type-arg,unused-ignore]
    return array("i" if name in _INT_COLUMNS else "d")


def _numpy(col: array) -> np.ndarray:  # type: ignore[type-arg,unused-ignore]
    dtype = np.int32 if col.typecode == "i" else np.float64
    return np.frombuffer(col, dtype=dtype) if len(col) else np.zeros(0, dtype=dtype)


def _event_columns(
    ints: array, floats: array,  # type: ignore[type-arg,unused-ignore]
) -> dict[str, np.ndarray]:
    """The event log's columns (``EVENT_COLUMNS``) from its rows, as numpy views.

    The engine appends each event as one row of whole numbers (``ints``, 32-bit)
    and one of times (``floats``): one call each instead of one per column.
    """
    ni, nf = len(_EVENT_INTS), len(EVENT_COLUMNS) - len(_EVENT_INTS)
    iv = _numpy(ints).reshape(-1, ni)
    fv = _numpy(floats).reshape(-1, nf)
    out = {c: iv[:, k] for k, c in enumerate(_EVENT_INTS)}
    out |= {c: fv[:, k] for k, c in enumerate(EVENT_COLUMNS[ni:])}
    return out


@dataclass
class RepOutput:
    """What one replication returns: columns of numbers, no objects."""

    replication: int
    cases: dict[str, np.ndarray]
    events: dict[str, np.ndarray] | None
    busy: list[float]  # working minutes of work per department
    available: list[float]  # staff x working minutes per department over the run
    makespan: float


class _Pool:
    """Staff of one department: free people are handed over without an event."""

    __slots__ = ("busy", "env", "free", "prio", "queue", "seq")

    def __init__(self, env: simpy.Environment, capacity: int, prio: bool) -> None:
        self.env = env
        self.free = list(range(capacity - 1, -1, -1))
        self.prio = prio
        self.queue: Any = [] if prio else deque()
        self.seq = 0
        self.busy = 0.0  # working minutes of work done

    def wait(self, priority: int) -> simpy.Event:
        ev = self.env.event()
        if self.prio:
            heapq.heappush(self.queue, (-priority, self.seq, ev))
            self.seq += 1
        else:
            self.queue.append(ev)
        return ev

    def release(self, unit: int, work: float) -> None:
        """Free person ``unit`` after ``work`` minutes: the first in the queue gets them."""
        self.busy += work
        q = self.queue
        if q:
            ev = heapq.heappop(q)[2] if self.prio else q.popleft()
            ev.succeed(unit)
        else:
            self.free.append(unit)


class _Acc:
    """Figures a case (or one parallel branch of it) collects."""

    __slots__ = (
        "app_steps", "applicant", "by_applicant", "closing", "cross_level", "cross_region",
        "depts", "fee", "handoffs", "ll", "materials", "mats", "queue", "staff_cost", "steps",
        "tl", "touch", "visits", "wait",
    )

    def __init__(self) -> None:
        self.visits = 0
        self.closing = 0
        self.handoffs = 0
        self.cross_level = 0
        self.cross_region = 0
        self.by_applicant = 0
        self.materials = 0
        self.steps = 0
        self.fee = 0.0
        self.touch = 0.0
        self.queue = 0.0
        self.wait = 0.0
        self.staff_cost = 0.0
        self.applicant = 0.0
        self.tl = 0.0
        self.ll = 0.0
        self.depts: set[int] = set()
        self.mats: set[str] = set()  # unshared materials handed in (distinct_materials)
        self.app_steps = 0  # counter and online steps executed (applicant_steps)

    def merge(self, branches: list[_Acc]) -> None:
        for b in branches:
            self.visits += b.visits
            self.closing += b.closing
            self.handoffs += b.handoffs
            self.cross_level += b.cross_level
            self.cross_region += b.cross_region
            self.by_applicant += b.by_applicant
            self.materials += b.materials
            self.steps += b.steps
            self.fee += b.fee
            self.touch += b.touch
            self.queue += b.queue
            self.wait += b.wait
            self.staff_cost += b.staff_cost
            self.applicant += b.applicant
            self.depts |= b.depts
            self.mats |= b.mats
            self.app_steps += b.app_steps
        self.tl += max(b.tl for b in branches)
        self.ll += max(b.ll for b in branches)


class _Sampler:
    """Draws of one timing: per case for first executions, in sequence for repeats."""

    __slots__ = ("const", "first", "more")

    def __init__(self, t: Timing, root: np.random.SeedSequence) -> None:
        self.const = t.const
        if t.const is None and t.dist is not None:
            dist = t.dist
            h = key_hash(*t.key)

            def draw(g: np.random.Generator, n: int) -> np.ndarray:
                return dist.sample(g, n)

            self.first: CaseStream | None = CaseStream(root, h, draw)
            self.more: SeqStream | None = SeqStream(root, h, draw)
        else:
            self.first = None
            self.more = None

    def draw(self, case: int, repeat: bool) -> float:
        if self.const is not None:
            return self.const
        if repeat:
            return self.more.draw()  # type: ignore[union-attr]
        return self.first.draw(case)  # type: ignore[union-attr]


class _Uniform:
    __slots__ = ("first", "more")

    def __init__(self, root: np.random.SeedSequence, *key: object) -> None:
        h = key_hash(*key)

        def draw(g: np.random.Generator, n: int) -> np.ndarray:
            return g.random(n)

        self.first = CaseStream(root, h, draw)
        self.more = SeqStream(root, h, draw)

    def draw(self, case: int, repeat: bool) -> float:
        return self.more.draw() if repeat else self.first.draw(case)


class _Run:
    def __init__(
        self,
        model: CompiledModel,
        root: np.random.SeedSequence,
        *,
        n_cases: list[int | None],
        warmup: int,
        until: float | None,
        keep_events: bool,
        tick: Callable[[int], None] | None,
    ) -> None:
        self.model = model
        self.env = simpy.Environment()
        self.clocks: list[Clock] = [make_clock(c, model.start) for c in model.calendars]
        self.pools = [
            _Pool(self.env, n, model.priorities) for n in model.dept_staff
        ]
        self.warmup = warmup
        self.until = until
        self.n_cases = n_cases
        self.keep_events = keep_events
        self.tick = tick
        self.finished = 0
        self.cols = {c: _column(c) for c in CASE_COLUMNS}
        # the event log, row by row: its whole-number columns, then its times
        self.ev_i = array("i") if keep_events else None
        self.ev_f = array("d") if keep_events else None
        # samplers per process and step
        self.work: list[list[_Sampler]] = []
        self.wait: list[list[_Sampler]] = []
        self.choice: list[list[_Uniform | None]] = []
        self.delays: list[list[list[_Sampler | None]]] = []
        self.fetch: list[list[_Sampler]] = []
        for cp in model.processes:
            self.work.append([_Sampler(s.work, root) for s in cp.steps])
            self.wait.append([_Sampler(s.wait, root) for s in cp.steps])
            self.choice.append([
                _Uniform(root, "choice", cp.pos, s.id) if s.flow == XOR else None
                for s in cp.steps
            ])
            self.delays.append([
                [_Sampler(d, root) if d is not None else None for d in s.delay]
                for s in cp.steps
            ])
            self.fetch.append([_Sampler(t, root) for t in cp.fetch])
        self.root = root

    # -- arrivals ---------------------------------------------------------------
    def source(self, cp: CProcess) -> Any:
        env = self.env
        n = self.n_cases[cp.pos]
        total = None if n is None else self.warmup + n
        clock = self.clocks[cp.clock]
        gaps = SeqStream(self.root, key_hash("arrivals", cp.pos), self._gap_sampler(cp))
        types = _Uniform(self.root, "type", cp.pos) if cp.type_ids else None
        t = 0.0
        i = 0
        while total is None or i < total:
            if cp.arrivals == "at":
                if i >= len(cp.at):
                    break
                t = cp.at[i]
            else:
                gap = gaps.draw()
                t = clock.add(t, gap) if gap > 0 else t
            if self.until is not None and t > self.until:
                break
            if t > env.now:
                yield env.timeout(t - env.now)
            ctype = -1
            if types is not None:
                ctype = bisect_right(cp.type_cum, types.draw(i, False) * cp.type_cum[-1])
                ctype = min(ctype, len(cp.type_cum) - 1)
            env.process(self.case(cp, i, t, ctype))
            i += 1

    @staticmethod
    def _gap_sampler(cp: CProcess) -> Callable[[np.random.Generator, int], np.ndarray]:
        timing = cp.interarrival
        if timing is None or timing.dist is None:
            return lambda g, n: np.zeros(n)
        dist = timing.dist
        return lambda g, n: dist.sample(g, n)

    # -- a case -----------------------------------------------------------------
    def case(self, cp: CProcess, i: int, arrival: float, ctype: int) -> Any:
        env = self.env
        acc = _Acc()
        if cp.fetch:
            acc.visits += len(cp.fetch)
            acc.applicant += cp.travel_min * len(cp.fetch)
            end = arrival
            for k, timing in enumerate(cp.fetch):
                d = self.fetch[cp.pos][k].draw(i, False)
                if d > 0:
                    e = self.clocks[timing.clock].add(arrival, d) if timing.kind == "work" \
                        else arrival + d
                    end = max(end, e)
            if end > arrival:
                acc.wait += end - arrival
                yield env.timeout(end - arrival)
        prio = cp.type_priority[ctype] if ctype >= 0 else 0
        yield from self.walk(cp, i, ctype, prio, cp.start, -1, acc, -1, -1, False, set())
        if i < self.warmup:
            return
        done = env.now
        pclock = self.clocks[cp.clock]
        c = self.cols
        c["process"].append(cp.pos)
        c["case"].append(i - self.warmup)
        c["case_type"].append(ctype)
        c["arrival"].append(arrival)
        c["done"].append(done)
        c["workdays"].append(pclock.working(arrival, done) / cp.minutes_per_day)
        c["visits"].append(acc.visits)
        c["handoffs"].append(acc.handoffs)
        c["cross_department"].append(acc.handoffs)
        c["cross_level"].append(acc.cross_level)
        c["cross_region"].append(acc.cross_region)
        c["by_applicant"].append(acc.by_applicant)
        c["materials"].append(acc.materials)
        c["steps"].append(acc.steps)
        c["departments"].append(len(acc.depts))
        c["touch"].append(acc.touch)
        c["queue"].append(acc.queue)
        c["wait"].append(acc.wait)
        c["fee"].append(acc.fee)
        c["staff_cost"].append(acc.staff_cost)
        c["applicant"].append(acc.applicant + cp.travel_min * (acc.visits - len(cp.fetch)))
        c["time_limit"].append(acc.tl if cp.has_time_limit else np.nan)
        c["legal_limit"].append(acc.ll if cp.has_legal_limit else np.nan)
        c["closing_visits"].append(acc.closing)
        c["distinct_materials"].append(len(acc.mats))
        c["applicant_steps"].append(acc.app_steps)
        self.finished += 1
        if self.tick is not None and self.finished % 1000 == 0:
            self.tick(1000)

    def walk(self, cp: CProcess, i: int, ctype: int, prio: int, node: int, stop: int,
             acc: _Acc, here: int, hday: int, back: bool, seen: set[int]) -> Any:
        """Run steps from ``node`` until ``stop`` (a join) or the end.

        ``here``/``hday``: where the applicant is (location index, -1 = not present) and
        the working day their visit there started; ``back``: entered by a loop flow;
        ``seen``: the case's loop steps already run (later runs draw from the sequential
        streams, so common random numbers stay aligned by case)."""
        env, steps, pos, clocks, pools = self.env, cp.steps, cp.pos, self.clocks, self.pools
        work_s, wait_s = self.work[pos], self.wait[pos]
        ev_i, ev_f, case = self.ev_i, self.ev_f, i - self.warmup
        record = ev_i is not None and case >= 0
        while node != stop:
            st: CStep = steps[node]
            repeat = False
            if st.in_loop:
                repeat = node in seen
                seen.add(node)
            t_en = env.now
            if st.session is not None:  # waits for the session, not kept waiting there
                t_s = clocks[st.session[0]].next_session(t_en, st.session[1], st.session[2])
                if t_s > t_en:
                    yield env.timeout(t_s - t_en)
                here = -1
            pool = None if st.work.dist is None else pools[st.dept]  # no work: no staff
            if pool is None:
                unit = -1
            elif pool.free:
                unit = pool.free.pop()
            else:
                unit = yield pool.wait(prio)
            t_st = env.now
            if st.counter:
                lc = clocks[st.loc_clock]
                day = lc.day(t_st) if not lc.always else 0
                if back or st.join or here != st.loc:
                    acc.visits += 1
                elif day != hday:  # still there by the rule, but the location has closed
                    acc.visits += 1
                    acc.closing += 1
                here, hday = st.loc, day
            w = work_s[node].draw(i, repeat)
            if w > 0:
                yield env.timeout(clocks[st.work.clock].add(t_st, w) - t_st)
            if pool is not None:
                pool.release(unit, w)
            t_end = env.now
            if not st.routing:  # a routing step is no 环节
                acc.steps += 1
                acc.depts.add(st.dept)
            acc.touch += w
            acc.queue += t_st - t_en
            acc.materials += st.submissions
            acc.fee += st.fee
            acc.staff_cost += w * st.cost_per_min
            if st.unshared:
                acc.mats.update(st.unshared)
            if st.applicant_step:
                acc.app_steps += 1
            if st.counter:
                acc.applicant += t_end - t_en
            if not repeat:
                acc.tl += st.time_limit
                acc.ll += st.legal_limit
            if record:  # a row of EVENT_COLUMNS: whole numbers, then times
                ev_i.fromlist([pos, case, node, st.dept, unit])  # type: ignore[union-attr]
                ev_f.fromlist([t_en, t_st, t_end])  # type: ignore[union-attr]
            wt = st.wait
            if wt.dist is not None:
                d = wait_s[node].draw(i, repeat)
                if d > 0:
                    e = clocks[wt.clock].add(t_end, d) if wt.kind == "work" else t_end + d
                    acc.wait += e - t_end
                    yield env.timeout(e - t_end)
                here = -1
            if st.flow == END:
                return
            if st.flow == AND:
                yield from self._split(cp, i, ctype, prio, st, acc, here, hday, seen, repeat)
                node, here, hday, back = st.split_join, -1, -1, False
                continue
            k, transfer = self._route(acc, cp, st, ctype, i, repeat)
            if transfer > 0:
                yield env.timeout(transfer)
                here = -1
            back, node = st.back[k], st.targets[k]

    def _split(self, cp: CProcess, i: int, ctype: int, prio: int, st: CStep, acc: _Acc,
               here: int, hday: int, seen: set[int], repeat: bool) -> Any:
        """Run the branches of the AND split ``st`` in parallel up to its join; merge
        their figures into ``acc``."""
        env = self.env
        subs = []
        accs = []
        for k, head in enumerate(st.targets):
            b = _Acc()
            accs.append(b)
            subs.append(env.process(self._branch(
                cp, i, ctype, prio, st, k, head, st.split_join, b, here, hday, seen, repeat,
            )))
        yield env.all_of(subs)
        acc.merge(accs)

    def _route(self, acc: _Acc, cp: CProcess, st: CStep, ctype: int, i: int, repeat: bool,
               k: int = -1) -> tuple[int, float]:
        """The flow out of ``st`` the case takes and how long its transfer takes.

        The flow is ``k``, else drawn at a choice (the first one otherwise); its
        handoff is counted in ``acc``.
        """
        if k < 0:
            k = 0
            if st.flow == XOR:
                cum = st.cum_by_type.get(ctype, st.cum) if st.cum_by_type else st.cum
                u = self.choice[cp.pos][st.idx].draw(i, repeat) * cum[-1]  # type: ignore[union-attr]
                k = bisect_right(cum, u, 0, len(cum) - 1)  # at most the last flow
        h = st.hand[k]
        if h is not None:
            acc.handoffs += h[0]
            acc.cross_level += h[1]
            acc.cross_region += h[2]
            acc.by_applicant += h[3]
        timing = st.delay[k]
        if timing is None:
            return k, 0.0
        d = self.delays[cp.pos][st.idx][k].draw(i, repeat)  # type: ignore[union-attr]
        if d <= 0:
            return k, 0.0
        now = self.env.now
        end = self.clocks[timing.clock].add(now, d) if timing.kind == "work" else now + d
        acc.wait += end - now
        return k, end - now

    def _branch(
        self, cp: CProcess, i: int, ctype: int, prio: int, split: CStep, k: int, head: int,
        join: int, acc: _Acc, here: int, hday: int, seen: set[int], repeat: bool,
    ) -> Any:
        """One parallel branch: the flow from the split to its head, then the steps."""
        transfer = self._route(acc, cp, split, ctype, i, repeat, k)[1]
        if transfer > 0:
            yield self.env.timeout(transfer)
            here = -1
        if head != join:
            yield from self.walk(cp, i, ctype, prio, head, join, acc, here, hday, False, seen)
        # the flow from the branch's last step into the join is taken in walk()

    # -- run --------------------------------------------------------------------
    def run(self, replication: int) -> RepOutput:
        for cp in self.model.processes:
            self.env.process(self.source(cp))
        self.env.run()
        makespan = self.env.now
        available = []
        for j, n in enumerate(self.model.dept_staff):
            clock = self.clocks[self.model.dept_clock[j]]
            available.append(n * clock.working(0.0, makespan))
        cases = {k: _numpy(v) for k, v in self.cols.items()}
        events = None
        if self.ev_i is not None and self.ev_f is not None:
            events = _event_columns(self.ev_i, self.ev_f)
        busy = [pool.busy for pool in self.pools]
        return RepOutput(replication, cases, events, busy, available, makespan)


def run_replication(
    model: CompiledModel,
    replication: int,
    root: np.random.SeedSequence,
    *,
    n_cases: list[int | None],
    warmup: int = 0,
    until: float | None = None,
    keep_events: bool = True,
    tick: Callable[[int], None] | None = None,
) -> RepOutput:
    """Simulate one replication; ``n_cases[p]`` cases of process ``p`` after ``warmup``."""
    run = _Run(model, root, n_cases=n_cases, warmup=warmup, until=until,
               keep_events=keep_events, tick=tick)
    return run.run(replication)
