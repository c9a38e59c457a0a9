"""Compile processes into the flat, picklable form the simulation engine runs.

Everything the engine needs per step is resolved here once: the staff pool, the
clock (calendar) it works by, its location, its samplers in minutes, its flows
with their handoff classes and delays, and its figures (submissions, fee, limits).
Departments with the same id in several processes share one pool.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from ..analysis.flowcalc import FlowModel
from ..errors import SimulationError
from ..model.calendar import Calendar
from ..model.durations import Exponential, _Dist
from ..model.process import APPLICANT_CHANNELS, Process, Step

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


@dataclass(slots=True)
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
    # handoffs a flow carries (cross_dept, level, region, by_applicant); None: none
    hand: list[tuple[int, int, int, int] | None]
    delay: list[Timing | None]
    join: bool
    split_join: int
    time_limit: float
    legal_limit: float
    in_loop: bool
    cost_per_min: float
    mbit: int = 0  # the unshared materials the step lists, as bits (distinct_materials)
    applicant_step: bool = False  # a counter or online step (applicant_steps)
    dbit: int = 0  # its department, as a bit (departments)
    routing: bool = False  # a routing step: no 环节, not counted in steps or departments
    intake: bool = False  # the statutory clock starts when the first such step ends
    approval: bool = False  # ... and stops when the last such step ends
    excluded: bool = False  # a special step (特殊环节): its time is not on the clock
    resubmit: bool = False  # a counter or online step: a loop back to it is 补正
    marks: bool = False  # any of intake, approval, excluded (derived)
    # derived, for the engine's speed
    staffed: bool = False  # it has work, so it takes one of the department's staff
    work_always: bool = False  # its work runs on a 24/7 clock (span = work)
    has_wait: bool = False
    counted: bool = True  # a 环节 (not routing)
    figures: bool = True  # it lists materials, a fee, a staff cost or limits
    cross: list[bool] = field(default_factory=list)  # per flow: a handoff with classes

    def __post_init__(self) -> None:
        self.staffed = self.work.dist is not None
        self.has_wait = self.wait.dist is not None
        self.counted = not self.routing
        self.marks = self.intake or self.approval or self.excluded
        self.cross = [h is not None and bool(h[1] or h[2] or h[3]) for h in self.hand]
        self.figures = bool(self.submissions or self.fee or self.cost_per_min or self.mbit
                            or self.time_limit or self.legal_limit)


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
    applicant_delay: Timing | None = None  # before each trip after the first
    time_limit: float = float("nan")  # service-level limits in working days (nan: none)
    legal_limit: float = float("nan")


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
    """Resolve processes into engine form; shared department ids must agree.

    Raises
    ------
    SimulationError
        When processes declare a shared department differently, or a listed
        arrival falls before ``start``.
    """
    reg = _Registry()
    depts = _departments(processes, reg)
    compiled = [_process(p, pos, reg, depts, start) for pos, p in enumerate(processes)]
    return CompiledModel(
        processes=compiled,
        calendars=reg.calendars,
        dept_ids=list(depts.index),
        dept_names=depts.names,
        dept_staff=depts.staff,
        dept_clock=depts.clock,
        locations=list(reg.locations),
        start=start,
        priorities=any(any(cp.type_priority) for cp in compiled),
        step_ids=[[s.id for s in cp.steps] for cp in compiled],
    )


@dataclass
class _Departments:
    """The staff pools of all processes: index by id, then name, staff and clock by index."""

    index: dict[str, int] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)
    staff: list[int] = field(default_factory=list)
    clock: list[int] = field(default_factory=list)


def _departments(processes: list[Process], reg: _Registry) -> _Departments:
    """One pool per department id; processes sharing one must declare it alike."""
    out = _Departments()
    owner: list[str] = []
    cals: list[Calendar] = []
    problems: list[str] = []
    for p in processes:
        for d in p.departments:
            cal = d.calendar or p.calendar
            if d.id in out.index:
                j = out.index[d.id]
                if out.staff[j] != d.staff or cals[j] != cal:
                    problems.append(
                        f"department '{d.id}' is declared by '{owner[j]}' and '{p.name}' "
                        f"with different staff ({out.staff[j]} vs {d.staff}) or calendars: "
                        "processes that share a department must declare it alike"
                    )
                continue
            out.index[d.id] = len(out.names)
            out.names.append(d.label)
            out.staff.append(d.staff)
            out.clock.append(reg.clock(cal))
            owner.append(p.name)
            cals.append(cal)
    if problems:
        raise SimulationError("; ".join(problems))
    return out


def _process(p: Process, pos: int, reg: _Registry, depts: _Departments,
             start: dt.datetime) -> CProcess:
    """One process in engine form (``pos``: its place among those simulated together)."""
    fm = FlowModel(p)
    index = {s.id: i for i, s in enumerate(p.steps)}
    pclock = reg.clock(p.calendar)
    loopy = _loop_steps(p, fm)
    types = [t.id for t in p.case_types]
    mats = {m.id: k for k, m in enumerate(m for m in p.materials if not m.shared)}
    steps = [_step(p, fm, s, i, pos, index, loopy, types, reg, depts, mats)
             for i, s in enumerate(p.steps)]
    kind, inter, at = _arrivals(p, pos, pclock, start)
    fetch, fetch_depts = _fetch(p, pos, reg, depts)
    travel = p.travel
    return CProcess(
        pos=pos, name=p.name, start=index[p.start_step], steps=steps, clock=pclock,
        minutes_per_day=p.calendar.minutes_per_day, arrivals=kind, interarrival=inter,
        at=at, fetch=fetch, fetch_depts=fetch_depts, type_ids=types,
        type_cum=_cumulative(ct.share for ct in p.case_types),
        type_priority=[ct.priority for ct in p.case_types],
        travel_min=travel.minutes().mean() if not travel.is_zero and travel.unit != "wd"
        else travel.mean() * p.calendar.minutes_per_day,
        has_time_limit=any(s.time_limit is not None for s in p.steps),
        has_legal_limit=any(s.legal_limit is not None for s in p.steps),
        applicant_delay=None if p.applicant_delay.is_zero else _timing(
            p.applicant_delay, work=False, clock=pclock,
            minutes_per_wd=p.calendar.minutes_per_day, key=("applicant_delay", pos)),
        time_limit=p.time_limit.mean() if p.time_limit is not None else float("nan"),
        legal_limit=p.legal_limit.mean() if p.legal_limit is not None else float("nan"),
    )


def _loop_steps(p: Process, fm: FlowModel) -> set[str]:
    """Steps inside a loop (they may run more than once per case).

    A block repeated by a loop repeats its branches.
    """
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(s.id for s in p.steps)
    g.add_edges_from((s.id, t) for s in p.steps for t in s.targets)
    loopy: set[str] = set()
    for comp in nx.strongly_connected_components(g):
        if len(comp) > 1 or any(g.has_edge(c, c) for c in comp):
            loopy |= comp
    for split, blk in fm.structure.blocks.items():
        if split in loopy:
            loopy |= set(blk.nodes)
    return loopy


def _cumulative(weights: Iterable[float]) -> list[float]:
    """Running sums of ``weights`` (what the engine bisects a uniform draw into).

    Examples
    --------
    >>> _cumulative([0.25, 0.5, 0.25])
    [0.25, 0.75, 1.0]
    """
    out: list[float] = []
    acc = 0.0
    for w in weights:
        acc += w
        out.append(acc)
    return out


def _step(p: Process, fm: FlowModel, s: Step, i: int, pos: int, index: dict[str, int],
          loopy: set[str], types: list[str], reg: _Registry, depts: _Departments,
          mats: dict[str, int]) -> CStep:
    """Step ``s`` (the ``i``-th) in engine form."""
    dept = p.department(s.department)
    dcal = dept.calendar or p.calendar
    mpd = dcal.minutes_per_day
    key = (pos, s.id)
    hand, delays, back = _flows(p, fm, s, reg, key)
    dclock = reg.clock(dcal)  # after the flows': calendars are numbered as first met
    session = None
    if s.schedule is not None:
        session = (dclock, s.schedule.weekdays, s.schedule.minutes)
    return CStep(
        idx=i, id=s.id, name=s.label, dept=depts.index[dept.id],
        loc=reg.location(p.location_of(s)), loc_clock=dclock, counter=s.channel == "counter",
        work=_timing(s.work, work=True, clock=dclock, minutes_per_wd=mpd, key=("work", *key)),
        wait=_timing(s.wait, work=False, clock=dclock, minutes_per_wd=mpd, key=("wait", *key)),
        session=session,
        submissions=fm.submissions(s),
        fee=s.fee,
        flow=_FLOW[s.flow],
        targets=[index[t] for t in s.targets],
        cum=_cumulative(prob for _, prob in s.branches),
        cum_by_type={ti: _cumulative(prob for _, prob in s.branches_for(tid))
                     for ti, tid in enumerate(types) if tid in s.by_type},
        back=back,
        hand=hand,
        delay=delays,
        join=s.join == "all",
        split_join=index[fm.structure.blocks[s.id].join] if s.flow == "and" else -1,
        time_limit=fm.elapsed_wd(s.time_limit) if s.time_limit is not None else 0.0,
        legal_limit=fm.elapsed_wd(s.legal_limit) if s.legal_limit is not None else 0.0,
        in_loop=s.id in loopy,
        cost_per_min=dept.cost_per_hour / 60.0,
        mbit=_bits(mats[m] for m in s.materials if m in mats),
        applicant_step=s.channel in APPLICANT_CHANNELS,
        dbit=1 << depts.index[dept.id],
        resubmit=s.channel in APPLICANT_CHANNELS,
        work_always=dcal.is_always,
        intake=s.kind == "intake",
        approval=s.kind == "approval",
        excluded=s.clock == "excluded",
        routing=s.routing,
    )


def _bits(positions: Iterable[int]) -> int:
    """A bit set of ``positions``.

    Examples
    --------
    >>> bin(_bits([0, 3]))
    '0b1001'
    """
    out = 0
    for k in positions:
        out |= 1 << k
    return out


def _flows(
    p: Process, fm: FlowModel, s: Step, reg: _Registry, key: tuple[object, ...]
) -> tuple[list[tuple[int, int, int, int] | None], list[Timing | None], list[bool]]:
    """Per flow out of ``s``: its handoff classes (``None`` inside a department), its
    transfer delay on the target's calendar, and whether it loops back."""
    hand: list[tuple[int, int, int, int] | None] = []
    delays: list[Timing | None] = []
    back: list[bool] = []
    for t in s.targets:
        e = fm.edges[(s.id, t)]
        back.append(e.back)
        # the handoffs across routing steps are counted here, at compile time: a flow
        # carries every working-step pair it stands for (flowkit.analysis.handoffs)
        hand.append(e.counts if e.counts[0] else None)
        if e.delay is not None and not e.delay.is_zero:
            tdept = p.department(p.step(t).department)
            tcal = tdept.calendar or p.calendar
            delays.append(_timing(
                e.delay, work=False, clock=reg.clock(tcal),
                minutes_per_wd=tcal.minutes_per_day, key=("delay", *key, t),
            ))
        else:
            delays.append(None)
    return hand, delays, back


def _arrivals(
    p: Process, pos: int, pclock: int, start: dt.datetime
) -> tuple[Literal["poisson", "every", "at"], Timing | None, list[float]]:
    """How cases arrive: the kind, the interarrival time, and the listed arrival minutes."""
    arr = p.arrivals
    mpd = p.calendar.minutes_per_day
    if arr.at is not None:
        at: list[float] = []
        for x in arr.at:
            m = (x - start).total_seconds() / 60.0
            if m < 0:
                raise SimulationError(
                    f"process '{p.name}': arrivals.at {x} is before the simulation start "
                    f"{start}: pass start= no later than the first arrival"
                )
            at.append(m)
        return "at", None, at
    if arr.every is not None:
        return "every", _timing(arr.every, work=True, clock=pclock, minutes_per_wd=mpd,
                                key=("arrivals", pos)), []
    mean = mpd / float(arr.per_day or 10.0)
    return "poisson", _timing(Exponential(mean_=mean, unit="min"), work=True, clock=pclock,
                              minutes_per_wd=mpd, key=("arrivals", pos)), []


def _fetch(p: Process, pos: int, reg: _Registry, depts: _Departments
           ) -> tuple[list[Timing], list[int]]:
    """The fetch trips before a case starts: issue times, and the issuing departments."""
    fetch: list[Timing] = []
    fetch_depts: list[int] = []
    for mid in p.fetched:
        issuer = p.department(p.material(mid).issued_by or "")
        ical = issuer.calendar or p.calendar
        fetch.append(_timing(issuer.issue_time, work=False, clock=reg.clock(ical),
                             minutes_per_wd=ical.minutes_per_day, key=("issue", pos, mid)))
        fetch_depts.append(depts.index[issuer.id])
    return fetch, fetch_depts
