"""Calibrate a process from an event log: work, waits, branch probabilities, arrivals.

The log has one row per executed step: a case id, an activity (the step's id or
name) and start and end times — flowkit's own :meth:`Result.to_eventlog` CSV, or
a government system's export with columns named by the caller. Reading it
(columns, times, the mapping of activities to steps, ordering) is
:mod:`flowkit.interop.eventlog`'s; fitting is this module's.

What is estimated, and how (see :func:`calibrate`):

* **work** of a step — from ``end - start`` of its events, measured in working
  time of the department's calendar (the inverse of how the simulation lays work
  out: work only advances inside working hours); on ``calendar: always`` this is
  the elapsed time.
* **wait** of a step — from the gap between its end and the start of the next
  step the case ran, minus the modelled handoff delay of that flow. A ``wd`` wait
  (and, on a working calendar, a wait that was 0) is measured in working days of
  the calendar; any other in elapsed time. The gap also holds the time the case
  queued for staff at the next step, so the estimate is an upper bound when staff
  are busy. A wait cannot be seen for a final step, nor for a step that flows into
  a ``join: all`` (the join also waits for the other branches) or into a scheduled
  step (it waits for the session): those are kept and noted.
* **branch probabilities** of each choice (XOR) step, loops included — from the
  step each of its executions was followed by (the first later event of one of
  its targets).
* **arrivals** — from the first start of each case: ``every: exp(mean gap)`` on
  ``calendar: always`` (``per_day`` if the process had ``per_day``), ``per_day``
  over working days on a working calendar.

Distributions are fitted by the method of moments, so the fitted mean is the
observed mean whatever the family; the family is chosen by the smallest
Kolmogorov–Smirnov distance among exponential, lognormal and triangular; when
even the best is rejected at the 5 % level (D > 1.36/√n, n ≥ 20) the distribution
becomes ``empirical`` over 20 quantiles. Constant observations give a constant;
fewer than 5 give their mean as a constant; when at least 90 % are equal (a
constant with a few stragglers that queued), that common value is the constant.

Calibration draws no random numbers (the fits and the KS distances are exact
computations on the log), so it takes no ``seed``: the same log gives the same
process.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.flowcalc import FlowModel
from ..errors import FlowkitError
from ..interop.eventlog import EventLog, PathLike, read_events
from ..model.calendar import Calendar
from ..model.durations import Exponential, _Dist, format_duration
from ..model.process import Arrivals, Change, HistoryEntry, Process, Step
from ..model.worktime import Clock, make_clock
from .fitdist import fit_distribution, round_sig, same_distribution

__all__ = ["calibrate"]

#: what calibrate can fit
PARTS = ("work", "wait", "branches", "arrivals")

_MINUTES = {"min": 1.0, "h": 60.0, "d": 1440.0, "w": 10080.0}
_REPORT_COLUMNS = [
    "parameter", "step", "target", "old", "new", "n", "unit", "old_mean", "new_mean", "se",
    "family", "ks", "changed", "note",
]


def _display(mean_minutes: float, elapsed: bool) -> tuple[str, float]:
    """The unit to write a duration of this mean in, and minutes per unit."""
    if mean_minutes < 120:
        return "min", 1.0
    if elapsed and mean_minutes >= 2 * 1440:
        return "d", 1440.0
    return "h", 60.0


# --------------------------------------------------------------------------- the work
class _Clocks:
    """Working-time clocks from the log's origin, one per calendar, made when first asked."""

    def __init__(self, p: Process, origin: pd.Timestamp) -> None:
        self.p = p
        self.origin = origin.to_pydatetime()
        self._clocks: dict[Calendar, Clock] = {}

    def of(self, dept: str) -> Clock:
        """The clock of a department's calendar."""
        cal = self.p.calendar_of(dept)
        if cal not in self._clocks:
            self._clocks[cal] = make_clock(cal, self.origin)
        return self._clocks[cal]

    def process(self) -> Clock:
        """The clock of the process's calendar."""
        cal = self.p.calendar
        if cal not in self._clocks:
            self._clocks[cal] = make_clock(cal, self.origin)
        return self._clocks[cal]


def _row(parameter: str, **kw: Any) -> dict[str, Any]:
    """A row of the fit report: ``kw`` over the empty defaults."""
    out: dict[str, Any] = dict.fromkeys(_REPORT_COLUMNS)
    out.update(parameter=parameter, step="", target="", old="", new="", n=0, unit="",
               old_mean=math.nan, new_mean=math.nan, se=math.nan, family="", ks=math.nan,
               changed=False, note="")
    out.update(kw)
    return out


def _mean_minutes(d: _Dist | None, minutes_per_wd: float) -> float:
    """Mean of a duration in minutes (0 for none)."""
    if d is None:
        return 0.0
    return float(d.minutes(minutes_per_wd).mean())


def calibrate(
    process: Process,
    log: pd.DataFrame | PathLike,
    *,
    case: str = "case:concept:name",
    activity: str | None = None,
    start: str = "start_timestamp",
    end: str = "time:timestamp",
    fit: Iterable[str] = PARTS,
) -> tuple[Process, pd.DataFrame]:
    """Fit a process's work, waits, branch probabilities and arrivals to an event log.

    Parameters
    ----------
    process : Process
        The model whose parameters are fitted; it is not changed.
    log : pandas.DataFrame or path
        One row per executed step. A ``.csv`` path is read as UTF-8 (with or
        without BOM) or GB18030; times are ISO 8601 (an offset is converted to
        Asia/Shanghai local time; times without one are taken as local).
    case, activity, start, end : str
        Column names. Defaults: flowkit's own :meth:`Result.to_eventlog` CSV —
        ``case:concept:name``, ``step`` (step ids) if the log has it else
        ``concept:name`` (step names), ``start_timestamp``, ``time:timestamp``.
        A government system's export: pass its names, e.g. ``case="办件编号",
        activity="环节名称", start="开始时间", end="结束时间"``. Activities map to
        steps by id, else by name; unmapped activities are reported and left out.
    fit : iterable of str
        What to fit, among ``work``, ``wait``, ``branches``, ``arrivals`` (all by
        default).

    Returns
    -------
    (Process, pandas.DataFrame)
        The calibrated process — a new one whose ``history`` ends with an entry
        ``calibrate`` listing each change — and the fit report: one row per
        parameter with ``parameter`` (work, wait, probability, arrivals; unmapped
        and data for problems of the log), ``step``, ``target`` (of a probability),
        ``old``, ``new`` (as written in the model), ``n`` (observations), ``unit``,
        ``old_mean``, ``new_mean``, ``se`` (standard error of ``new_mean``),
        ``family``, ``ks`` (Kolmogorov–Smirnov distance of the fit), ``changed`` and
        ``note``. Means are in ``unit``: ``min`` (work and elapsed waits), ``wd``,
        ``p`` (probability), ``per_day`` or ``min`` (mean gap between arrivals).

    Notes
    -----
    See the module documentation for how each parameter is measured. Parameters
    are fitted by the method of moments; the family with the smallest KS distance
    wins (exponential, lognormal, triangular; ``empirical`` over 20 quantiles when
    the best is rejected at 5 %, constant when every observation is equal, the
    mean as a constant under 5 observations, the common value as a constant when
    at least 90 % of the observations are equal). Branch probabilities are observed
    frequencies rounded to 4 decimals; ``by_type`` re-weightings are kept as they
    are. A log holding several replications of flowkit's simulation (case ids
    ``R-N``) gives arrivals pooled over the replications.

    Examples
    --------
    >>> import flowkit as fk, pathlib, tempfile
    >>> from flowkit.simulation.calibrate import calibrate
    >>> p = fk.loads('''
    ... name: 示例
    ... calendar: always
    ... arrivals: {every: exp(1h)}
    ... departments: [{id: d, staff: 20}]
    ... steps:
    ...   - {id: a, department: d, channel: counter, work: 30min, next: b}
    ...   - {id: b, department: d, work: 2h}
    ... ''')
    >>> log = pathlib.Path(tempfile.mkdtemp()) / "log.csv"
    >>> _ = fk.simulate(p, n_cases=50, seed=1, replications=1).to_eventlog(log)
    >>> wrong = p.replace(steps=[p.step("a").replace(work="1h"), p.step("b")])
    >>> q, report = calibrate(wrong, log)
    >>> str(q.step("a").work), q.history[-1].lever
    ('30min', 'calibrate')
    >>> report.loc[report.parameter == "work", ["step", "old", "new", "n"]].to_numpy().tolist()
    [['a', '1h', '30min', 50], ['b', '2h', '2h', 50]]
    """
    parts = _parts(fit)
    if not isinstance(process, Process):
        raise FlowkitError("calibrate takes a Process first: load files with flowkit.load")
    ev = read_events(log, process, case=case, activity=activity, start=start, end=end)
    st = _State.of(process, ev)
    if "work" in parts:
        _fit_work(st)
    if parts & {"wait", "branches"}:
        follow = _follow(st, waits="wait" in parts)
        if "wait" in parts:
            _fit_waits(st, follow)
        if "branches" in parts:
            _fit_branches(st, follow)
    new_arrivals = _fit_arrivals(st) if "arrivals" in parts else None
    report = pd.DataFrame(st.rows, columns=_REPORT_COLUMNS)
    report["n"] = report["n"].astype(int)
    report["changed"] = report["changed"].astype(bool)
    if not st.changes:
        return process, report
    return _calibrated(st, parts, new_arrivals), report


def _parts(fit: Iterable[str]) -> set[str]:
    """The parts to fit, checked against :data:`PARTS`."""
    parts = set(fit)
    unknown = parts - set(PARTS)
    if unknown:
        raise FlowkitError(f"fit={sorted(unknown)} is not among {', '.join(PARTS)}")
    return parts


@dataclass
class _State:
    """What the fitting steps share: the process, its events, and what they found.

    ``rows`` are the report's rows, ``changes`` the history entry's, ``new_steps``
    the fields of each step to replace.
    """

    p: Process
    ev: EventLog
    clocks: _Clocks
    steps: dict[str, Step]
    rows: list[dict[str, Any]]
    changes: list[Change] = field(default_factory=list)
    new_steps: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, p: Process, ev: EventLog) -> _State:
        """The state before any fit: the log's notes as the first rows."""
        rows = [_row(n.kind, old=n.value, n=n.n, note=n.note) for n in ev.notes]
        return cls(p, ev, _Clocks(p, ev.origin), {s.id: s for s in p.steps}, rows,
                   new_steps={s.id: {} for s in p.steps})


def _fit_work(st: _State) -> None:
    """Fit each step's work to ``end - start`` of its events, in working time."""
    p, ev = st.p, st.ev
    for s in p.steps:
        sel = ev.step == s.id
        clock = st.clocks.of(s.department)
        if clock.always:
            x = ev.end[sel] - ev.start[sel]
        else:
            x = np.array([clock.working(a, b) for a, b in
                          zip(ev.start[sel], ev.end[sel], strict=True)])
        dept_mpd = p.calendar_of(s.department).minutes_per_day
        x = np.round(x, 6)  # the log's microseconds; no float noise in a constant
        st.rows.append(_fit_row("work", s, s.work, x, dept_mpd, elapsed=False,
                                new_steps=st.new_steps, changes=st.changes))


@dataclass
class _Follow:
    """What the successors of each execution show.

    ``gaps``: per step, the observed waits (minutes, or working minutes for a wait
    in wd); ``counts``: per choice step, how often each target came next;
    ``skipped``: steps whose wait the log cannot show, and why; ``wd_wait``: whether
    a step's wait is measured in working days.
    """

    gaps: dict[str, list[float]]
    counts: dict[str, dict[str, int]]
    skipped: dict[str, str]
    wd_wait: dict[str, bool]


def _unseen_waits(p: Process, steps: dict[str, Step]) -> dict[str, str]:
    """Steps whose wait the gap to the next step cannot show, and why."""
    skipped: dict[str, str] = {}
    for s in p.steps:
        for t in s.targets:
            if steps[t].join == "all" and s.flow != "and":
                skipped[s.id] = (f"flows into the join '{t}': its wait cannot be told apart "
                                 "from waiting for the other branches")
            elif steps[t].schedule is not None:
                skipped[s.id] = (f"flows into '{t}', which runs in sessions: the gap holds "
                                 "the wait for the session")
    return skipped


def _successors(ev: EventLog, s: Step, i: int, hi: int) -> dict[str, int]:
    """The events (up to ``hi``) that followed event ``i`` of step ``s``, by target.

    The first later event of each target that starts after ``i`` ended; for a
    choice step, only the first one found.
    """
    targets = s.targets
    found: dict[str, int] = {}
    for j in range(i + 1, hi):
        sj = ev.step[j]
        if sj in targets and sj not in found and ev.start[j] >= ev.end[i] - 1e-6:
            found[sj] = j
            if s.flow != "and" or len(found) == len(targets):
                break
    return found


def _gap(st: _State, fm: FlowModel, s: Step, i: int, found: dict[str, int], wd: bool) -> float:
    """The wait event ``i`` of step ``s`` shows: the shortest gap to a successor,
    less the flow's modelled handoff delay, never negative."""
    ev, p = st.ev, st.p
    clock = st.clocks.of(s.department)
    g = math.inf
    for t, j in found.items():
        edge = fm.edges[(s.id, t)]
        delay = edge.delay if edge.delay is not None and not edge.delay.is_zero else None
        if wd:
            gap = clock.working(ev.end[i], ev.start[j])
            gap -= _delay_working(delay, p, s.department)
        else:
            gap = ev.start[j] - ev.end[i]
            gap -= _mean_minutes(delay, p.calendar.minutes_per_day) if delay is not None else 0.0
        g = min(g, gap)
    return max(g, 0.0)


def _follow(st: _State, *, waits: bool) -> _Follow:
    """Walk each case's events: which target followed each execution, after what gap."""
    p, ev, steps = st.p, st.ev, st.steps
    fm = FlowModel(p)
    out = _Follow(
        gaps={s.id: [] for s in p.steps},
        counts={s.id: dict.fromkeys(s.targets, 0) for s in p.steps if s.flow == "xor"},
        skipped=_unseen_waits(p, steps),
        wd_wait={s.id: _wait_in_wd(s, p) for s in p.steps},
    )
    for k in range(len(ev.bounds) - 1):
        lo, hi = int(ev.bounds[k]), int(ev.bounds[k + 1])
        for i in range(lo, hi):
            s = steps[ev.step[i]]
            if s.flow == "end":
                continue
            found = _successors(ev, s, i, hi)
            if not found:
                continue
            if s.flow == "xor":
                first = min(found.items(), key=itemgetter(1))[0]
                out.counts[s.id][first] += 1
                found = {first: found[first]}
            if s.id in out.skipped or not waits:
                continue
            out.gaps[s.id].append(_gap(st, fm, s, i, found, out.wd_wait[s.id]))
    return out


def _fit_waits(st: _State, follow: _Follow) -> None:
    """Fit each step's wait to the gaps; final steps and unseen waits are kept."""
    p = st.p
    for s in p.steps:
        if s.flow == "end":
            st.rows.append(_row("wait", step=s.id, old=str(s.wait), new=str(s.wait),
                                note="a final step: the log cannot show its wait; kept"))
            continue
        if s.id in follow.skipped:
            st.rows.append(_row("wait", step=s.id, old=str(s.wait), new=str(s.wait),
                                note=follow.skipped[s.id] + "; kept"))
            continue
        wd = follow.wd_wait[s.id]
        x = np.round(np.asarray(follow.gaps[s.id], dtype=float), 6)
        dept_mpd = p.calendar_of(s.department).minutes_per_day
        if wd:
            x = x / dept_mpd
        st.rows.append(_fit_row("wait", s, s.wait, x, dept_mpd, elapsed=not wd,
                                new_steps=st.new_steps, changes=st.changes))


def _fit_branches(st: _State, follow: _Follow) -> None:
    """Set each choice's probabilities to the observed frequencies (4 decimals)."""
    for sid, cnt in follow.counts.items():
        s = st.steps[sid]
        total = sum(cnt.values())
        old = dict(s.next) if isinstance(s.next, dict) else {}
        if total == 0:
            for t in s.targets:
                st.rows.append(_row("probability", step=sid, target=t, old=f"{old[t]:g}",
                                    new=f"{old[t]:g}", unit="p", old_mean=old[t],
                                    new_mean=old[t], note="no execution followed: kept"))
            continue
        new = {t: round(c / total, 4) for t, c in cnt.items()}
        top = max(new, key=lambda t: new[t])
        new[top] = round(1.0 - sum(v for t, v in new.items() if t != top), 10)
        for t in s.targets:
            ph = cnt[t] / total
            st.rows.append(_row(
                "probability", step=sid, target=t, old=f"{old[t]:g}", new=f"{new[t]:g}",
                n=total, unit="p", old_mean=old[t], new_mean=ph,
                se=math.sqrt(ph * (1 - ph) / total), changed=abs(new[t] - old[t]) > 1e-12,
            ))
        if any(abs(new[t] - old[t]) > 1e-12 for t in new):
            st.new_steps[sid]["next"] = new
            st.changes.append(Change(target="step", id=sid, action="set", field="next",
                                     before=old, after=new))


def _fit_arrivals(st: _State) -> Arrivals | None:
    """Fit the arrivals; the new ones, or ``None`` when they are kept."""
    new_arrivals, row = _arrivals(st.p, st.ev, st.clocks)
    st.rows.append(row)
    if new_arrivals is not None:
        st.changes.append(Change(target="process", id=st.p.name, action="set",
                                 field="arrivals", before=row["old"], after=row["new"]))
    return new_arrivals


def _calibrated(st: _State, parts: set[str], new_arrivals: Arrivals | None) -> Process:
    """The process with the fitted fields and a ``calibrate`` history entry."""
    p, ev = st.p, st.ev
    built = [s.replace(**st.new_steps[s.id]) if st.new_steps[s.id] else s for s in p.steps]
    entry = HistoryEntry(
        lever="calibrate", label="校准",
        params={"log": ev.source, "cases": len(ev.case_ids), "events": len(ev.step),
                "fit": [x for x in PARTS if x in parts]},
        changes=tuple(st.changes),
        note="fitted from an event log (method of moments; family by KS distance)",
    )
    fields: dict[str, Any] = {"steps": built, "history": (*p.history, entry)}
    if new_arrivals is not None:
        fields["arrivals"] = new_arrivals
    return p.replace(**fields)


def _wait_in_wd(s: Step, p: Process) -> bool:
    """Whether a step's wait is measured in working days (see the module notes)."""
    if s.wait.unit == "wd":
        return True
    return s.wait.is_zero and not p.calendar_of(s.department).is_always


def _delay_working(delay: _Dist | None, p: Process, dept: str) -> float:
    """Mean handoff delay in working minutes of the department's calendar."""
    if delay is None:
        return 0.0
    cal = p.calendar_of(dept)
    if delay.unit == "wd":
        return delay.mean() * cal.minutes_per_day
    elapsed_days = _mean_minutes(delay, cal.minutes_per_day) / 1440.0
    return elapsed_days * cal.workdays_per_week / 7.0 * cal.minutes_per_day


def _fit_row(
    parameter: str, s: Step, old: _Dist, x: np.ndarray, minutes_per_wd: float, *,
    elapsed: bool, new_steps: dict[str, dict[str, Any]], changes: list[Change],
) -> dict[str, Any]:
    """Fit one work or wait; record the change. ``x`` in minutes, or wd for a wd wait."""
    wd = parameter == "wait" and not elapsed
    unit = "wd" if wd else "min"
    old_mean = old.mean() if wd and old.unit == "wd" else _mean_minutes(old, minutes_per_wd)
    if wd and old.unit != "wd":
        old_mean = _mean_minutes(old, minutes_per_wd) / minutes_per_wd
    if len(x) == 0:
        return _row(parameter, step=s.id, old=str(old), new=str(old), unit=unit,
                    old_mean=old_mean, note="no observation: kept")
    m = float(np.mean(x))
    if wd:
        disp, scale = "wd", 1.0
    elif (old.unit in ("min", "h") or (elapsed and old.unit == "d")) and not old.is_zero \
            and m >= _MINUTES[old.unit]:
        disp, scale = old.unit, _MINUTES[old.unit]  # keep the unit the model was written in
    else:
        disp, scale = _display(m, elapsed)
    f = fit_distribution(x, disp, scale)
    changed = not same_distribution(old, f.dist, minutes_per_wd)
    new_text = format_duration(f.dist) if changed else str(old)
    if changed:
        new_steps[s.id][parameter] = f.dist
        changes.append(Change(target="step", id=s.id, action="set", field=parameter,
                              before=str(old), after=new_text))
    se = float(np.std(x, ddof=1) / math.sqrt(len(x))) if len(x) > 1 else math.nan
    return _row(parameter, step=s.id, old=str(old), new=new_text, n=len(x), unit=unit,
                old_mean=old_mean, new_mean=m, se=se, family=f.family, ks=f.ks,
                changed=changed, note=f.note)


_FLOWKIT_CASE = re.compile(r"^(\d+)-\d+$")


def _arrivals(p: Process, ev: EventLog, clocks: _Clocks) -> tuple[Arrivals | None, dict[str, Any]]:
    """Arrivals fitted to the first start of each case (pooled over flowkit's
    replications, case ids ``R-N``), and the report row."""
    old = p.arrivals
    old_text = _arrivals_text(old)
    firsts = ev.start[ev.bounds[:-1]]
    ids = ev.case_ids
    groups: dict[str, list[float]] = {}
    if ids and all(_FLOWKIT_CASE.match(c) for c in ids):
        for c, t in zip(ids, firsts, strict=True):
            m = _FLOWKIT_CASE.match(c)
            groups.setdefault(m.group(1) if m else "", []).append(float(t))
    else:
        groups[""] = [float(t) for t in firsts]
    always = p.calendar.is_always
    clock = clocks.process()
    gaps = 0
    span = 0.0
    for times in groups.values():
        ts = sorted(times)
        if len(ts) < 2:
            continue
        gaps += len(ts) - 1
        span += (ts[-1] - ts[0]) if always else clock.working(ts[0], ts[-1])
    if gaps < 1 or span <= 0:
        return None, _row("arrivals", old=old_text, new=old_text, n=max(gaps, 0),
                          note="fewer than two cases (or all at once): kept")
    mpd = p.calendar.minutes_per_day
    rate = gaps / span  # per minute of (working) time
    if always and old.per_day is None:
        mean_gap = span / gaps
        unit, _ = _display(mean_gap, elapsed=True)
        new = Arrivals(every=Exponential(mean_=round_sig(mean_gap / _MINUTES[unit]), unit=unit))
        text = _arrivals_text(new)
        old_mean = _mean_minutes(old.every, mpd) if old.every is not None else math.nan
        row = _row("arrivals", old=old_text, new=text, n=gaps, unit="min", old_mean=old_mean,
                   new_mean=mean_gap, se=mean_gap / math.sqrt(gaps), family="exponential",
                   note="mean gap between the first starts of cases")
    else:
        per_day = rate * mpd
        new = Arrivals(per_day=round_sig(per_day))
        text = _arrivals_text(new)
        row = _row("arrivals", old=old_text, new=text, n=gaps, unit="per_day",
                   old_mean=old.per_day if old.per_day is not None else math.nan,
                   new_mean=per_day, se=per_day / math.sqrt(gaps), family="poisson",
                   note="cases per working day, from the first starts of cases")
    row["changed"] = text != old_text
    return (new if row["changed"] else None), row


def _arrivals_text(a: Arrivals) -> str:
    """Arrivals as the report writes them."""
    if a.per_day is not None:
        return f"per_day: {a.per_day:g}"
    if a.every is not None:
        return f"every: {a.every}"
    return f"at: {len(a.at or ())} times"
