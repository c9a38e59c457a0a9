"""Compile processes into the flat, picklable form the simulation engine runs.

Everything the engine needs per step is resolved here once: the staff pool, the
clock (calendar) it works by, its location, its samplers in minutes, its flows
with their handoff classes and delays, and its figures (submissions, fee, limits).
Departments with the same id in several processes share one pool.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from ..analysis.flowcalc import FlowModel
from ..errors import SimulationError
from ..model.calendar import Calendar
from ..model.durations import _Dist
from ..model.process import Process

__all__ = ["CProcess", "CStep", "CompiledModel", "Timing", "compile_model"]

END, SEQ, XOR, AND = 0, 1, 2, 3
_FLOW = {"end": END, "seq": SEQ, "xor": XOR, "and": AND}


@dataclass(frozen=True)
class Timing:
    """A duration ready for the engine.

    ``kind`` says how it advances the clock: ``work`` = working minutes on the clock
    ``clock``; ``elapsed`` = plain minutes. ``dist`` is in minutes (``None`` = zero);
    ``const`` is the value when it never varies.
    """

    kind: Literal["work", "elapsed"]
    clock: int
    dist: _Dist | None
    const: float | None
    key: tuple[object, ...]

    @property
    def zero(self) -> bool:
        return self.dist is None


@dataclass
class CStep:
    idx: int
    id: str
    name: str
    dept: int
    loc: int
    loc_clock: int
    counter: bool
    work: Timing
    wait: Timing
    session: tuple[int, tuple[int, ...], tuple[int, ...]] | None  # (clock, weekdays, minutes)
    submissions: int
    fee: float
    flow: int
    targets: list[int]
    cum: list[float]
    cum_by_type: dict[int, list[float]]
    back: list[bool]
    hand: list[tuple[int, int, int, int] | None]  # (cross_dept, level, region, by_applicant)
    delay: list[Timing | None]
    join: bool
    split_join: int
    time_limit: float
    legal_limit: float
    in_loop: bool
    cost_per_min: float


@dataclass
class CProcess:
    pos: int
    name: str
    start: int
    steps: list[CStep]
    clock: int
    minutes_per_day: float
    arrivals: Literal["poisson", "every", "at"]
    interarrival: Timing | None
    at: list[float]
    fetch: list[Timing]
    fetch_depts: list[int]
    type_ids: list[str]
    type_cum: list[float]
    type_priority: list[int]
    travel_min: float
    has_time_limit: bool
    has_legal_limit: bool


@dataclass
class CompiledModel:
    processes: list[CProcess]
    calendars: list[Calendar]
    dept_ids: list[str]
    dept_names: list[str]
    dept_staff: list[int]
    dept_clock: list[int]
    locations: list[str]
    start: dt.datetime
    priorities: bool
    step_ids: list[list[str]] = field(default_factory=list)


class _Registry:
    def __init__(self) -> None:
        self.calendars: list[Calendar] = []
        self.locations: dict[str, int] = {}

    def clock(self, cal: Calendar) -> int:
        for i, c in enumerate(self.calendars):
            if c == cal:
                return i
        self.calendars.append(cal)
        return len(self.calendars) - 1

    def location(self, name: str) -> int:
        return self.locations.setdefault(name, len(self.locations))


_MIN = {"min": 1.0, "h": 60.0, "d": 1440.0, "w": 10080.0}


def _timing(
    d: _Dist | None, *, work: bool, clock: int, minutes_per_wd: float, key: tuple[object, ...]
) -> Timing:
    """``work``: staff time, in working minutes. Otherwise a wait: wd -> working minutes
    on ``clock``, other units elapsed minutes."""
    if d is None or d.is_zero:
        return Timing("elapsed", clock, None, 0.0, key)
    if d.unit == "wd":
        m = d.scaled(minutes_per_wd, "min")
        kind: Literal["work", "elapsed"] = "work"
    else:
        m = d.scaled(_MIN[d.unit], "min")
        kind = "work" if work else "elapsed"
    const = m.mean() if m.is_constant else None
    return Timing(kind, clock, m, const, key)


def compile_model(processes: list[Process], start: dt.datetime) -> CompiledModel:
    """Resolve processes into engine form; shared department ids must agree."""
    reg = _Registry()
    dept_index: dict[str, int] = {}
    dept_names: list[str] = []
    dept_staff: list[int] = []
    dept_clock: list[int] = []
    dept_owner: list[str] = []
    dept_cal: list[Calendar] = []
    problems: list[str] = []
    for p in processes:
        for d in p.departments:
            cal = d.calendar or p.calendar
            if d.id in dept_index:
                j = dept_index[d.id]
                if dept_staff[j] != d.staff or dept_cal[j] != cal:
                    problems.append(
                        f"department '{d.id}' is declared by '{dept_owner[j]}' and '{p.name}' "
                        f"with different staff ({dept_staff[j]} vs {d.staff}) or calendars: "
                        "processes that share a department must declare it alike"
                    )
                continue
            dept_index[d.id] = len(dept_names)
            dept_names.append(d.label)
            dept_staff.append(d.staff)
            dept_clock.append(reg.clock(cal))
            dept_owner.append(p.name)
            dept_cal.append(cal)
    if problems:
        raise SimulationError("; ".join(problems))

    compiled: list[CProcess] = []
    priorities = False
    for pos, p in enumerate(processes):
        fm = FlowModel(p)
        st = fm.structure
        index = {s.id: i for i, s in enumerate(p.steps)}
        pclock = reg.clock(p.calendar)
        # steps inside a loop (may run more than once per case)
        loopy: set[str] = set()
        import networkx as nx

        g = nx.DiGraph()
        g.add_nodes_from(index)
        g.add_edges_from((s.id, t) for s in p.steps for t in s.targets)
        for comp in nx.strongly_connected_components(g):
            if len(comp) > 1 or any(g.has_edge(c, c) for c in comp):
                loopy |= comp
        # a block repeated by a loop repeats its branches
        for split, blk in st.blocks.items():
            if split in loopy:
                loopy |= set(blk.nodes)
        types = [t.id for t in p.case_types]
        steps: list[CStep] = []
        for i, s in enumerate(p.steps):
            dept = p.department(s.department)
            di = dept_index[dept.id]
            dcal = dept.calendar or p.calendar
            mpd = dcal.minutes_per_day
            loc_name = p.location_of(s)
            key = (pos, s.id)
            cum: list[float] = []
            acc = 0.0
            for _, prob in s.branches:
                acc += prob
                cum.append(acc)
            cum_by_type: dict[int, list[float]] = {}
            for ti, tid in enumerate(types):
                if tid in s.by_type:
                    c2, a2 = [], 0.0
                    for _, prob in s.branches_for(tid):
                        a2 += prob
                        c2.append(a2)
                    cum_by_type[ti] = c2
            hand: list[tuple[int, int, int, int] | None] = []
            delays: list[Timing | None] = []
            back: list[bool] = []
            for t in s.targets:
                e = fm.edges[(s.id, t)]
                back.append(e.back)
                hand.append(
                    (1, int(e.cross_level), int(e.cross_region), int(e.by_applicant))
                    if e.cross_department else None
                )
                if e.delay is not None and not e.delay.is_zero:
                    tdept = p.department(p.step(t).department)
                    tcal = tdept.calendar or p.calendar
                    delays.append(_timing(
                        e.delay, work=False, clock=reg.clock(tcal),
                        minutes_per_wd=tcal.minutes_per_day, key=("delay", *key, t),
                    ))
                else:
                    delays.append(None)
            session = None
            if s.schedule is not None:
                session = (reg.clock(dcal), s.schedule.weekdays, s.schedule.minutes)

            def limit(d: _Dist | None, fm: FlowModel = fm) -> float:
                return fm.elapsed_wd(d) if d is not None else 0.0

            steps.append(CStep(
                idx=i, id=s.id, name=s.label, dept=di, loc=reg.location(loc_name),
                loc_clock=reg.clock(dcal), counter=s.channel == "counter",
                work=_timing(s.work, work=True, clock=reg.clock(dcal), minutes_per_wd=mpd,
                             key=("work", *key)),
                wait=_timing(s.wait, work=False, clock=reg.clock(dcal), minutes_per_wd=mpd,
                             key=("wait", *key)),
                session=session,
                submissions=fm.submissions(s),
                fee=s.fee,
                flow=_FLOW[s.flow],
                targets=[index[t] for t in s.targets],
                cum=cum,
                cum_by_type=cum_by_type,
                back=back,
                hand=hand,
                delay=delays,
                join=s.join == "all",
                split_join=index[st.blocks[s.id].join] if s.flow == "and" else -1,
                time_limit=limit(s.time_limit),
                legal_limit=limit(s.legal_limit),
                in_loop=s.id in loopy,
                cost_per_min=dept.cost_per_hour / 60.0,
            ))
        arr = p.arrivals
        inter: Timing | None = None
        at: list[float] = []
        if arr.at is not None:
            kind: Literal["poisson", "every", "at"] = "at"
            for x in arr.at:
                m = (x - start).total_seconds() / 60.0
                if m < 0:
                    raise SimulationError(
                        f"process '{p.name}': arrivals.at {x} is before the simulation start "
                        f"{start}: pass start= no later than the first arrival"
                    )
                at.append(m)
        elif arr.every is not None:
            kind = "every"
            inter = _timing(arr.every, work=True, clock=pclock,
                            minutes_per_wd=p.calendar.minutes_per_day, key=("arrivals", pos))
        else:
            kind = "poisson"
            from ..model.durations import Exponential

            mean = p.calendar.minutes_per_day / float(arr.per_day or 10.0)
            inter = _timing(Exponential(mean_=mean, unit="min"), work=True, clock=pclock,
                            minutes_per_wd=p.calendar.minutes_per_day, key=("arrivals", pos))
        fetch: list[Timing] = []
        fetch_depts: list[int] = []
        for mid in p.fetched:
            issuer = p.department(p.material(mid).issued_by or "")
            ical = issuer.calendar or p.calendar
            fetch.append(_timing(issuer.issue_time, work=False, clock=reg.clock(ical),
                                 minutes_per_wd=ical.minutes_per_day, key=("issue", pos, mid)))
            fetch_depts.append(dept_index[issuer.id])
        type_cum: list[float] = []
        a = 0.0
        for ct in p.case_types:
            a += ct.share
            type_cum.append(a)
        prios = [ct.priority for ct in p.case_types]
        if any(prios):
            priorities = True
        travel = p.travel
        compiled.append(CProcess(
            pos=pos, name=p.name, start=index[p.start_step], steps=steps, clock=pclock,
            minutes_per_day=p.calendar.minutes_per_day, arrivals=kind, interarrival=inter,
            at=at, fetch=fetch, fetch_depts=fetch_depts, type_ids=types, type_cum=type_cum,
            type_priority=prios,
            travel_min=travel.minutes().mean() if not travel.is_zero and travel.unit != "wd"
            else travel.mean() * p.calendar.minutes_per_day,
            has_time_limit=any(s.time_limit is not None for s in p.steps),
            has_legal_limit=any(s.legal_limit is not None for s in p.steps),
        ))
    return CompiledModel(
        processes=compiled,
        calendars=reg.calendars,
        dept_ids=list(dept_index),
        dept_names=dept_names,
        dept_staff=dept_staff,
        dept_clock=dept_clock,
        locations=list(reg.locations),
        start=start,
        priorities=priorities,
        step_ids=[[s.id for s in cp.steps] for cp in compiled],
    )
