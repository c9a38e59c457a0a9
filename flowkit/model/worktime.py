"""Working-time arithmetic on the simulation clock (minutes after the start instant).

A :class:`Clock` turns a :class:`~flowkit.Calendar` into working intervals on
the simulation's time axis and answers, in O(log n):

* ``add(t, w)``: the instant ``w`` working minutes after ``t`` (work that reaches
  closing time resumes at the next opening);
* ``working(t1, t2)``: working minutes between two instants;
* ``day(t)``: the ordinal of the working day an instant falls in (or the next one),
  used for "the location has closed" in the visit rule;
* ``next_session(t, weekdays, minutes)``: the next session of a scheduled step.

Intervals are generated two months at a time, as the simulation reaches them.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_left, bisect_right

from ..errors import CalendarError
from .calendar import Calendar

__all__ = ["AlwaysClock", "Clock", "make_clock"]

_CHUNK_DAYS = 62  # generated ahead as the run reaches them (holiday data warns late)


class Clock:
    """Working intervals of a calendar from a start instant on.

    Parameters
    ----------
    calendar : Calendar
    start : datetime.datetime
        The instant of simulation time 0 (naive, local time).

    Examples
    --------
    >>> import datetime as dt
    >>> c = Clock(Calendar(), dt.datetime(2026, 1, 5))          # a Monday, 00:00
    >>> c.add(0, 60) / 60                                         # opens 09:00: done 10:00
    10.0
    >>> c.add(9 * 60, 7 * 60) / 60                                # 7 h from opening: 17:30
    17.5
    >>> c.working(0, 24 * 60) / 60                                # Monday's working hours
    7.0
    >>> c.add(4 * 1440 + 17 * 60, 60) / 1440                      # Fri 17:00 + 1h -> Mon 09:30
    7.395833333333333
    """

    always = False

    def __init__(self, calendar: Calendar, start: dt.datetime) -> None:
        self.calendar = calendar
        self.start = start
        self.minutes_per_day = calendar.minutes_per_day
        self._origin = dt.datetime.combine(start.date(), dt.time())
        self._offset = (start - self._origin).total_seconds() / 60.0  # start within its day
        self.starts: list[float] = []
        self.ends: list[float] = []
        self.cum: list[float] = [0.0]  # working minutes before interval i
        self.days: list[int] = []  # working-day ordinal of interval i
        self._next_date = 0  # days after the origin not generated yet
        self._n_workdays = 0
        self._extend()

    # -- generation -------------------------------------------------------------
    def _extend(self) -> None:
        cal = self.calendar
        spans = cal.intervals
        for k in range(self._next_date, self._next_date + _CHUNK_DAYS):
            date = self._origin.date() + dt.timedelta(days=k)
            if not cal.is_workday(date):
                continue
            base = k * 1440.0 - self._offset
            for a, b in spans:
                s, e = base + a, base + b
                if e <= 0:
                    continue
                s = max(s, 0.0)
                self.starts.append(s)
                self.ends.append(e)
                self.cum.append(self.cum[-1] + (e - s))
                self.days.append(self._n_workdays)
            self._n_workdays += 1
        self._next_date += _CHUNK_DAYS
        if not self.starts:  # no working day yet: go on looking
            if self._next_date > 366 * 20:
                raise CalendarError(
                    "the calendar has no working time in 20 years after the start: give it "
                    "working weekdays and hours that are not all holidays"
                )
            self._extend()

    def _cover(self, t: float) -> None:
        while t >= self.ends[-1]:
            self._extend()

    def _cover_work(self, w: float) -> None:
        while w >= self.cum[-1]:
            self._extend()

    # -- queries ----------------------------------------------------------------
    def done_before(self, t: float) -> float:
        """Working minutes between time 0 and ``t``."""
        self._cover(t)
        i = bisect_right(self.starts, t) - 1
        if i < 0:
            return 0.0
        end = self.ends[i]
        return self.cum[i] + ((t if t < end else end) - self.starts[i])

    def at_work(self, w: float) -> float:
        """The instant when ``w`` working minutes have passed since time 0."""
        self._cover_work(w)
        j = bisect_left(self.cum, w) - 1
        if j < 0:
            return self.starts[0]
        return self.starts[j] + (w - self.cum[j])

    def add(self, t: float, w: float) -> float:
        """The instant ``w`` working minutes after ``t`` (``t`` itself when ``w`` is 0)."""
        if w <= 0:
            return t
        return self.at_work(self.done_before(t) + w)

    def open_at(self, t: float) -> float:
        """``t`` if the office is open then, else its next opening."""
        self._cover(t)
        i = bisect_right(self.ends, t)
        s = self.starts[i]
        return t if s <= t else s

    def working(self, t1: float, t2: float) -> float:
        """Working minutes between ``t1`` and ``t2``."""
        if t2 <= t1:
            return 0.0
        return self.done_before(t2) - self.done_before(t1)

    def day(self, t: float) -> int:
        """Ordinal of the working day ``t`` falls in, or of the next one after ``t``."""
        self._cover(t)
        i = bisect_right(self.ends, t)
        return self.days[i]

    def next_session(self, t: float, weekdays: tuple[int, ...], minutes: tuple[int, ...]) -> float:
        """The first session at or after ``t`` on a working day (weekday, minute of day)."""
        k = math.floor((t + self._offset) / 1440.0)
        for d in range(k, k + 366 * 2):
            date = self._origin.date() + dt.timedelta(days=d)
            if date.isoweekday() not in weekdays or not self.calendar.is_workday(date):
                continue
            for m in minutes:
                s = d * 1440.0 + m - self._offset
                if s >= t - 1e-9:
                    return max(s, t)
        raise CalendarError(
            "a schedule has no session within two years of the time asked: check its "
            "weekdays and times against the calendar's working days"
        )

    def timestamp(self, t: float) -> dt.datetime:
        return self.start + dt.timedelta(minutes=t)


class AlwaysClock(Clock):
    """The 24/7 calendar: working time is elapsed time, and a location never closes."""

    always = True

    def __init__(self, calendar: Calendar, start: dt.datetime) -> None:
        self.calendar = calendar
        self.start = start
        self.minutes_per_day = 1440.0
        self._origin = dt.datetime.combine(start.date(), dt.time())
        self._offset = (start - self._origin).total_seconds() / 60.0

    def done_before(self, t: float) -> float:
        return t

    def at_work(self, w: float) -> float:
        return w

    def add(self, t: float, w: float) -> float:
        return t + w if w > 0 else t

    def open_at(self, t: float) -> float:
        return t

    def working(self, t1: float, t2: float) -> float:
        return t2 - t1 if t2 > t1 else 0.0

    def day(self, t: float) -> int:
        return 0


def make_clock(calendar: Calendar, start: dt.datetime) -> Clock:
    """A :class:`Clock` for a calendar (the fast :class:`AlwaysClock` for 24/7)."""
    if calendar.is_always:
        return AlwaysClock(calendar, start)
    return Clock(calendar, start)
