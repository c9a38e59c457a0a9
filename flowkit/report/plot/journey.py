"""``journey``: the applicant's trips (跑动), in order, with where and how long between."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...errors import FlowkitError
from ...model.process import Process
from .common import CHANNEL_STYLE, axes, finish, wrap
from .fonts import family, rc_params

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ...simulation.results import Result

__all__ = ["Trip", "case_events", "dodge", "journey", "likely_trips", "result_trips", "size"]


@dataclass
class Trip:
    """One trip of the applicant to a location: the steps done there and when."""

    location: str
    start: float
    end: float
    steps: list[str] = field(default_factory=list)
    fetch: bool = False


def likely_trips(p: Process) -> tuple[list[Trip], float]:
    """Trips along the most likely path, with static mean times in working days.

    Returns the trips in order of start and the time the path ends.
    """
    from ...analysis.flowcalc import FlowModel

    fm = FlowModel(p)
    trips = _fetch_trips(p)
    # fetch trips: all at the start; the first step waits for the longest issue time
    t0 = 0.0
    for m in p.fetched:
        issuer = p.department(p.material(m).issued_by or "")
        t0 = max(t0, fm.elapsed_wd(issuer.issue_time))
    walk = _LikelyWalk(p, fm, trips)
    _, end = walk.walk(p.start_step, None, None, t0, False)
    trips.sort(key=lambda tr: tr.start)
    return trips, end


def _fetch_trips(p: Process) -> list[Trip]:
    """The fetch trips (取证) before the start, in the order materials are listed."""
    return [
        Trip(p.department(p.material(m).issued_by or "").where, 0.0, 0.0,
             [f"取证：{p.material(m).label}"], fetch=True)
        for m in p.fetched
    ]


#: where the applicant is after a step: (location, index of the trip there), or None
_Here = tuple[str, int] | None


class _LikelyWalk:
    """The walk of :func:`likely_trips` along the most likely path, collecting trips.

    ``taken`` holds the steps already walked (a choice prefers a branch not yet
    taken); ``budget`` bounds the walk (a loop that is always the likelier
    outcome ends it).
    """

    def __init__(self, p: Process, fm: Any, trips: list[Trip]) -> None:
        self.p, self.fm, self.trips = p, fm, trips
        self.steps = {s.id: s for s in p.steps}
        self.blocks = p.structure.blocks
        self.taken: set[str] = set()
        self.budget = 20 * len(p.steps) + 10

    def choose(self, s: Any) -> str | None:
        """The most probable next step of ``s``, preferring one not yet taken."""
        options = [(t, pr) for t, pr in s.branches if pr > 0]
        if not options:
            return None
        fresh = [o for o in options if o[0] not in self.taken] or options
        return max(fresh, key=lambda o: o[1])[0]

    def visit(self, s: Any, here: _Here, t: float, work: float, back: bool) -> _Here:
        """A counter step: a new trip, unless the applicant is still at its location."""
        loc = self.p.location_of(s)
        if back or s.join == "all" or here is None or here[0] != loc:
            self.trips.append(Trip(loc, t, t + work, [s.label]))
            return (loc, len(self.trips) - 1)
        trip = self.trips[here[1]]
        trip.steps.append(s.label)
        trip.end = t + work
        return here

    def parallel(self, node: str, s: Any, here: _Here, t: float) -> tuple[str, float]:
        """Every branch of the AND block at ``node``: its join and when the longest ends."""
        fm, blk = self.fm, self.blocks[node]
        ends = []
        for head in s.targets:
            e = fm.edges[(node, head)]
            h = None if e.delayed else here
            tb = t + (fm.elapsed_wd(e.delay) if e.delay is not None else 0.0)
            if head == blk.join:
                ends.append(tb)
            else:
                ends.append(self.walk(head, blk.join, h, tb, False)[1])
        return blk.join, max(ends)

    def walk(self, node: str, stop: str | None, here: _Here, t: float,
             back: bool) -> tuple[_Here, float]:
        """Walk from ``node`` until ``stop`` (or the end); where and when it ends."""
        fm = self.fm
        while node != stop and self.budget > 0:
            self.budget -= 1
            s = self.steps[node]
            self.taken.add(node)
            if s.schedule is not None:
                t += fm.session_wd(s)
                here = None
            work = fm.work_wd(s)
            if s.is_visit:
                here = self.visit(s, here, t, work, back)
            t += work
            if not s.wait.is_zero:
                t += fm.elapsed_wd(s.wait)
                here = None
            if s.flow == "end":
                return here, t
            if s.flow == "and":
                node, t = self.parallel(node, s, here, t)
                here, back = None, False
                continue
            nxt = self.choose(s)
            if nxt is None:
                return here, t
            e = fm.edges[(node, nxt)]
            if e.delay is not None:
                t += fm.elapsed_wd(e.delay)
            if e.delayed:
                here = None
            back = e.back
            node = nxt
        return here, t


def case_events(r: Result, case: int, replication: int,
                process: str | None = None) -> Any:
    """The events of one case, in order of start (FlowkitError when there are none)."""
    ev = r.events
    if ev.empty:
        raise FlowkitError(
            "the result holds no events: simulate with keep_events=True to plot one case"
        )
    mask = (ev["case"] == case) & (ev["replication"] == replication)
    if "process" in ev:
        name = process if process is not None else r.meta.process_names[0]
        mask &= ev["process"].astype(str) == name
    sel = ev[mask.to_numpy()]
    if sel.empty:
        raise FlowkitError(
            f"no events of case {case} in replication {replication}: cases run from 0 to "
            f"{int(ev['case'].max())}, replications from 0 to {r.replications - 1}"
        )
    return sel.sort_values(["start", "end"], kind="stable")


def result_trips(r: Result, p: Process, case: int = 0, replication: int = 0
                 ) -> tuple[list[Trip], float]:
    """Trips of one simulated case rebuilt from its events by the visit rule.

    Times are calendar days since the case arrived. Returns the trips and the
    time the case was done.
    """
    sel = case_events(r, case, replication, p.name if "process" in r.events else None)
    arrival, done = _arrival_done(r, p, case, replication)
    steps = {s.id: s for s in p.steps}
    from ...analysis.flowcalc import FlowModel

    edges = FlowModel(p).edges
    trips = _fetch_trips(p)
    #: per event: presence after it, (location, day of the visit's last counter step, trip)
    after: list[tuple[str, Any, int] | None] = []
    seen: list[tuple[str, Any, Any]] = []  # (step id, end, start) of earlier events
    for _, e in sel.iterrows():
        sid = str(e["step"])
        s = steps[sid]
        pred = _predecessor(seen, sid, e["enabled"], steps)
        here = after[pred] if pred is not None else None
        back = False
        if pred is not None:
            edge = edges[(seen[pred][0], sid)]
            back = edge.back
            if edge.delayed:
                here = None
        if s.schedule is not None:
            here = None
        start = float((e["start"] - arrival) / _day())
        end = float((e["end"] - arrival) / _day())
        if s.is_visit:
            loc = p.location_of(s)
            cal = p.calendar_of(s.department)
            day = None if cal.is_always else e["start"].date()
            if back or s.join == "all" or here is None or here[0] != loc or here[1] != day:
                trips.append(Trip(loc, start, end, [s.label]))
                here = (loc, day, len(trips) - 1)
            else:
                trip = trips[here[2]]
                trip.steps.append(s.label)
                trip.end = end
                here = (loc, day, here[2])
        if not s.wait.is_zero:
            here = None
        after.append(here)
        seen.append((sid, e["end"], e["start"]))
    trips.sort(key=lambda tr: tr.start)
    return trips, done


def _arrival_done(r: Result, p: Process, case: int, replication: int) -> tuple[Any, float]:
    """When the case arrived (a timestamp) and when it was done (days since arrival)."""
    cases = r.cases
    row_mask = (cases["case"] == case) & (cases["replication"] == replication)
    if "process" in cases:
        row_mask &= cases["process"].astype(str) == p.name
    row = cases[row_mask.to_numpy()].iloc[0]
    arrival = row["arrival"]
    return arrival, float((row["done"] - arrival) / _day())


def _predecessor(seen: list[tuple[str, Any, Any]], sid: str, enabled: Any,
                 steps: dict[str, Any]) -> int | None:
    """The step an event came from: the latest earlier event that flows into ``sid``
    and ended by the time it was enabled (its index in ``seen``)."""
    for k in range(len(seen) - 1, -1, -1):
        u, u_end, _ = seen[k]
        if sid in steps[u].targets and u_end <= enabled:
            return k
    return None


def size(trips: list[Trip]) -> tuple[float, float]:
    """A figure size (inches) for a journey of these trips."""
    places = len({t.location for t in trips})
    return min(max(7.0, 1.5 + 0.9 * len(trips)), 20.0), 1.6 + 0.75 * max(places, 1)


def _day() -> Any:
    import pandas as pd

    return pd.Timedelta(days=1)


def journey(
    p_or_result: Process | Result,
    ax: Axes | None = None,
    *,
    process: Process | None = None,
    case: int = 0,
    replication: int = 0,
    **kwargs: Any,
) -> Axes:
    """Draw the applicant's journey: each trip (跑动) in order, where, and the waits between.

    Rows are the places the applicant goes to (in order of the first trip there);
    each trip is a numbered red marker at the time it starts, labelled with the
    steps done on it; grey lines join consecutive trips and carry the time between
    them. Fetch trips (collecting certificates before starting, 取证) come first.

    * From a **Process**, the path is the most likely one: from the start, each
      exclusive choice takes its most probable branch among the steps not yet
      taken (so a loop such as 补正 is taken only when it is the more likely
      outcome), and every branch of a parallel block is followed. Trips follow the
      static visit rule of :func:`flowkit.analyze` (a counter step starts a trip
      unless the applicant is still at its location); times are mean working days
      (work, waits and internal transfer delays; the join of a parallel block waits
      for its longest branch). The path's trips can differ from ``analyze(p).visits``,
      which is an expectation over all paths.
    * From a **Result** (simulated with ``keep_events=True``), the trips of one case
      (``case``, ``replication``) are rebuilt from its events by the same rule, plus
      a new trip when a location closed in between (the next day); times are
      calendar days since the case arrived. The count equals that case's
      ``visits``. A Result does not hold its Process: pass it as ``process``.

    Parameters
    ----------
    p_or_result : Process or Result
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure of its own (each call makes one).
    process : Process, optional
        The simulated process (required with a Result).
    case, replication : int
        The case to draw from a Result.
    **kwargs
        ``figsize=`` for the new figure made when ``ax`` is None; any other keyword is an
        Axes property set after drawing (``title=``, ``xlabel=``, ``xlim=`` … as
        :meth:`matplotlib.axes.Axes.set` takes them).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import flowkit as fk
    >>> p = fk.load("examples/jiaxing_swimming_pool/current.yaml")
    >>> fig, ax = plt.subplots(figsize=(10, 4))
    >>> ax = fk.plot.journey(p, ax=ax)
    >>> ax.get_title(loc="left")
    '南湖区开办游泳场所（改革前）：跑动 4 次（最可能路径）'
    >>> r = fk.simulate(p, n_cases=5, seed=1, replications=1, keep_events=True)
    >>> ax2 = fk.plot.journey(r, process=p, case=0)
    >>> plt.close("all")
    """
    import matplotlib

    j = _journey_of(p_or_result, process, case, replication)
    fam = family()
    places = list(dict.fromkeys(tr.location for tr in j.trips))
    row = {loc: k for k, loc in enumerate(places)}
    with matplotlib.rc_context(rc_params()):
        ax = axes(ax, size(j.trips), kwargs)
        span = max(j.end, max((tr.end for tr in j.trips), default=0.0), 1e-9)
        _draw_trips(ax, j.trips, row, span, fam)
        _draw_moves(ax, j, row, span, fam)
        _draw_done(ax, j, fam)
        _dress(ax, j, places, span, fam)
    return finish(ax, kwargs)


@dataclass
class _Journey:
    """What a journey plot shows: the trips, when the case ends, the time unit
    (English and Chinese) and the title."""

    trips: list[Trip]
    end: float
    unit: str
    unit_zh: str
    title: str


def _journey_of(p_or_result: Process | Result, process: Process | None, case: int,
                replication: int) -> _Journey:
    """The trips of a Process (most likely path) or of one case of a Result."""
    if isinstance(p_or_result, Process):
        p = p_or_result
        trips, end = likely_trips(p)
        return _Journey(trips, end, "working days (static means)", "工作日",
                        f"{p.name}：跑动 {len(trips)} 次（最可能路径）")
    if process is None:
        raise FlowkitError(
            "journey(result) needs the simulated process: journey(r, process=p, case=0)"
        )
    p = process
    trips, end = result_trips(p_or_result, p, case, replication)
    return _Journey(trips, end, "days since arrival (simulated)", "天",
                    f"{p.name}：案件 {case}（重复 {replication}）跑动 {len(trips)} 次")


def dodge(trips: list[Trip], row: dict[str, int], gap: float) -> list[float]:
    """Where each trip's marker goes: at its start, moved right (in order) until it is
    ``gap`` from the marker before it on the same row, so that trips on the same day
    (or fetch trips at one office, all at 0) stay apart.

    Examples
    --------
    >>> trips = [Trip("A", 0.0, 0.0), Trip("A", 0.1, 0.2), Trip("B", 0.1, 0.1),
    ...          Trip("A", 5.0, 5.0)]
    >>> dodge(trips, {"A": 0, "B": 1}, 1.0)
    [0.0, 1.0, 0.1, 5.0]
    """
    last: dict[int, float] = {}
    out = []
    for tr in trips:
        y = row[tr.location]
        x = tr.start if y not in last else max(tr.start, last[y] + gap)
        last[y] = x
        out.append(x)
    return out


def _draw_trips(ax: Axes, trips: list[Trip], row: dict[str, int], span: float,
                fam: list[str]) -> None:
    """Each trip: a bar over its time, a numbered marker (hollow for a fetch trip)
    and the steps done on it; a marker moved off its time (:func:`dodge`) is joined
    to it by a thin line."""
    red = CHANNEL_STYLE["counter"][0]
    inches = max(float(ax.get_figure(root=True).get_figwidth())  # type: ignore[union-attr]
                 * ax.get_position().width, 1.0)
    xs = dodge(trips, row, 0.95 * span * 1.1 / inches)  # about an inch: a label's width
    for k, (tr, x) in enumerate(zip(trips, xs, strict=True)):
        y = row[tr.location]
        ax.plot([tr.start, max(tr.end, tr.start + span * 0.004)], [y, y], color=red,
                lw=5, solid_capstyle="round", alpha=0.5, zorder=2)
        if x > tr.start:
            ax.plot([tr.start, x], [y, y - 0.28], color=red, lw=0.8, zorder=2)
            ax.plot([tr.start], [y], marker="|", ms=8, color=red, zorder=2)
        yy = y - 0.28 if x > tr.start else y
        ax.plot([x], [yy], marker="o", ms=15, mfc="white" if tr.fetch else red,
                mec=red, mew=1.5, zorder=3, ls="none", gid=f"trip-{k + 1}")
        ax.text(x, yy, str(k + 1), ha="center", va="center", fontsize=7,
                color=red if tr.fetch else "white", zorder=4, fontfamily=fam)
        ax.text(x, yy + 0.2, wrap("、".join(tr.steps), 18), ha="center", va="top",
                fontsize=6.5, fontfamily=fam, zorder=4, linespacing=1.1)


def _draw_moves(ax: Axes, j: _Journey, row: dict[str, int], span: float,
                fam: list[str]) -> None:
    """Dashed lines between consecutive trips, labelled with the wait when it is long
    enough to read (over 5 % of the span)."""
    moves = [tr for tr in j.trips if not tr.fetch] or j.trips
    for a, b in itertools.pairwise(moves):
        ya, yb = row[a.location], row[b.location]
        ax.plot([a.end, b.start], [ya, yb], color="#95a5a6", lw=1.0, ls="--", zorder=1)
        gap = b.start - a.end
        if gap > 0.05 * span:
            ax.text((a.end + b.start) / 2, (ya + yb) / 2 - 0.06,
                    f"等 {gap:.1f} {j.unit_zh}", ha="center", va="bottom", fontsize=6.5,
                    color="#566573", fontfamily=fam, zorder=4,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                          "alpha": 0.85})


def _draw_done(ax: Axes, j: _Journey, fam: list[str]) -> None:
    """The line where the case is done (办结); 零跑动 when there is no trip."""
    end, unit_zh = j.end, j.unit_zh
    ax.axvline(end, color="#1e8449", lw=1.2, ls=":", zorder=1)
    ax.text(end, -0.6, f"办结 {end:.1f} {unit_zh}", ha="right", va="center", fontsize=7,
            color="#1e8449", fontfamily=fam)
    if not j.trips:
        ax.text(end / 2 if end > 0 else 0.5, 0, "零跑动 no visit", ha="center",
                va="center", fontsize=11, color="#1e8449", fontfamily=fam)


def _dress(ax: Axes, j: _Journey, places: list[str], span: float, fam: list[str]) -> None:
    """Rows of places, limits, the time axis, the title and a light grid."""
    ax.set_yticks(range(len(places)), [wrap(loc, 14) for loc in places],
                  fontfamily=fam, fontsize=7.5)
    ax.set_ylim(len(places) - 0.4 if places else 0.6, -0.9)
    pad = 0.04 * span if math.isfinite(span) else 1.0
    ax.set_xlim(-pad - 0.02 * span, span + pad)
    ax.set_xlabel(f"{j.unit_zh} {j.unit}", fontfamily=fam)
    ax.set_title(j.title, fontsize=10, fontfamily=fam, loc="left")
    ax.grid(axis="x", color="#e5e8e8", lw=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
