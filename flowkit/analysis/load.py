"""Offered load (ρ) per department, from the arrival stream and the expected work.

The offered load of a department is the work its staff is asked to do per unit of
its open time::

    ρ = arrival rate × expected work per case there ÷ (staff × open hours)

Both sides are counted per calendar week, so a department with its own calendar
is measured against its own opening hours: arrivals per working day of the
process calendar × working days per week of that calendar × expected work hours
per case, over staff × hours per day × working days per week of the department's
calendar. When the two calendars are the same this is arrival rate per working
day × work hours per case ÷ (staff × hours per working day). Holidays are
ignored, as in the rest of static analysis. Several processes that share a
department (same id) add their demands (:func:`combined_load`).

The arrival rate, in cases per working day of the process calendar:

* ``per_day: N`` — N;
* ``every: DIST`` — working minutes per day ÷ the mean gap (gaps run in working
  time on a working calendar, in elapsed time on ``calendar: always``, exactly as
  the simulator draws them);
* ``at: [...]`` — (n − 1) ÷ the working time from the first to the last listed
  arrival, in working days (n − 1 gaps over the span; NaN with fewer than two
  arrivals or a span without working time).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import pandas as pd

from ..errors import OverloadWarning
from ..model.calendar import Calendar
from ..model.process import Process
from ..model.worktime import make_clock

__all__ = ["arrival_rate", "combined_load", "offered_load", "overload_message",
           "staff_needed", "warn_overload", "work_hours"]

#: ρ from which a department is overloaded (the queue grows without bound)
OVERLOADED = 1.0


def arrival_rate(process: Process) -> float:
    """Cases per working day of the process calendar (see the module docstring).

    Examples
    --------
    >>> import flowkit as fk
    >>> p = fk.loads('''
    ... name: t
    ... arrivals: {every: exp(30min)}
    ... departments: [{id: d}]
    ... steps: [{id: s, department: d, work: 1h}]
    ... ''')
    >>> arrival_rate(p)            # 7 working hours a day, one case every 30 working minutes
    14.0
    """
    arr = process.arrivals
    mpd = process.calendar.minutes_per_day
    if arr.at is not None:
        times = sorted(arr.at)
        if len(times) < 2:
            return math.nan
        clock = make_clock(process.calendar, times[0])
        span = clock.working(0.0, (times[-1] - times[0]).total_seconds() / 60.0) / mpd
        return (len(times) - 1) / span if span > 0 else math.nan
    if arr.every is not None:
        gap = arr.every.minutes(mpd).mean()
        return mpd / gap if gap > 0 else math.inf
    return float(arr.per_day if arr.per_day is not None else 10.0)


def work_hours(process: Process) -> pd.Series:
    """Expected staff work hours per case at each department of the process.

    Each step counts its expected executions per case (loops and XOR choices
    solved exactly, case types weighted by their shares) × its mean ``work``
    (a ``wd`` is the department's working day).
    """
    from .analyze import analyze

    execs = analyze(process).executions
    out = {d.id: 0.0 for d in process.departments}
    for s in process.steps:
        if s.work is None or s.work.is_zero:
            continue
        cal = _calendar(process, s.department)
        minutes = s.work.minutes(cal.minutes_per_day).mean()
        out[s.department] += float(execs.get(s.id, 0.0)) * minutes / 60.0
    return pd.Series(out, dtype=float, name="work_hours")


def _calendar(process: Process, dept_id: str) -> Calendar:
    return process.department(dept_id).calendar or process.calendar


def _demand(process: Process) -> tuple[pd.Series, pd.Series]:
    """Work hours offered per week, and capacity hours per week, per department."""
    rate = arrival_rate(process) * process.calendar.workdays_per_week
    demand = work_hours(process) * rate
    cap = {}
    for d in process.departments:
        cal = d.calendar or process.calendar
        cap[d.id] = d.staff * cal.hours_per_day * cal.workdays_per_week
    return demand, pd.Series(cap, dtype=float)


def offered_load(process: Process) -> pd.Series:
    """Offered load ρ per department of one process (index: department id).

    Examples
    --------
    >>> import flowkit as fk
    >>> p = fk.loads('''
    ... name: t
    ... arrivals: {per_day: 20}
    ... departments: [{id: amr, staff: 2}, {id: tax}]
    ... steps:
    ...   - {id: a, department: amr, work: 30min, next: b}
    ...   - {id: b, department: tax, work: 15min}
    ... ''')
    >>> offered_load(p).round(4).to_dict()     # 20 × 0.5 h ÷ (2 × 7 h); 20 × 0.25 h ÷ 7 h
    {'amr': 0.7143, 'tax': 0.7143}
    """
    return combined_load([process])


def combined_load(processes: Sequence[Process]) -> pd.Series:
    """Offered load ρ per department of several processes run together.

    Departments with the same id share their staff: their demands add up (the
    staff and calendar are those of the first process that declares the
    department; :func:`flowkit.simulate` requires them to agree).

    Examples
    --------
    >>> import flowkit as fk
    >>> def service(name, n):
    ...     return fk.loads(f'''
    ... name: {name}
    ... arrivals: {{per_day: {n}}}
    ... departments: [{{id: hall, staff: 2}}]
    ... steps: [{{id: s, department: hall, work: 1h}}]
    ... ''')
    >>> float(combined_load([service("甲", 7), service("乙", 3.5)])["hall"])   # 10.5 h ÷ 14 h
    0.75
    """
    demand: dict[str, float] = {}
    cap: dict[str, float] = {}
    for p in processes:
        dem, c = _demand(p)
        for k, v in dem.items():
            demand[str(k)] = demand.get(str(k), 0.0) + float(v)
        for k, v in c.items():
            cap.setdefault(str(k), float(v))
    rho = {k: (demand[k] / cap[k] if cap[k] > 0 else math.inf) for k in demand}
    return pd.Series(rho, dtype=float, name="load")


def staff_needed(rho: float, staff: int, target: float = 0.8) -> int:
    """The fewest staff to add so the load falls below ``target`` (ρ scales as 1/staff).

    Examples
    --------
    >>> staff_needed(1.2, 2)        # 2.4 staff-loads: 4 staff give 0.6 (3 give 0.8, not below)
    2
    """
    if not math.isfinite(rho) or rho <= 0:
        return 0
    total = rho * staff  # staff-loads: the load one person would carry
    n = max(staff, math.floor(total / target) - 1)
    while total / n >= target - 1e-9:  # "below" with a margin for rounding (2.4 / 3)
        n += 1
    return n - staff


def overload_message(loads: pd.Series, scenario: str | None = None) -> str | None:
    """The warning text for the departments at ρ ≥ 1 (``None`` when there are none)."""
    over = loads[loads >= OVERLOADED]
    if over.empty:
        return None
    named = ", ".join(f"'{d}' ρ = {v:.2f}" for d, v in over.items())
    where = f"{scenario}: " if scenario else ""
    return f"{where}{named}"


def warn_overload(messages: Sequence[str], stacklevel: int = 2) -> None:
    """Warn :class:`~flowkit.OverloadWarning` once for the overloaded departments listed."""
    if not messages:
        return
    warnings.warn(
        "offered load ρ ≥ 1, the queue grows without bound and the figures never settle: "
        + "; ".join(messages)
        + ". Add staff (fk.levers.add_staff), send fewer arrivals, or pass until= to study "
        "a finite peak.",
        OverloadWarning,
        stacklevel=stacklevel + 1,
    )
