"""``gantt``: the steps of one simulated case on a time line, with closed hours shaded."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np

from ...errors import FlowkitError
from .common import axes, finish, wrap
from .fonts import family, rc_params
from .journey import case_events

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from ...model.calendar import Calendar
    from ...model.process import Process
    from ...simulation.results import Result

__all__ = ["closed_spans", "gantt"]

#: a bar narrower than this share of the time axis gets a marker and its duration
SHORT = 0.006
#: shading of closed time: a closed day (weekend, holiday), closed hours of an open day
CLOSED_DAY = "#d5d8dc"
CLOSED_HOURS = "#eef0f1"


def closed_spans(calendars: list[Calendar], first: dt.date, last: dt.date
                 ) -> list[tuple[dt.datetime, dt.datetime, bool]]:
    """When none of ``calendars`` is open, from ``first`` to ``last`` (inclusive):
    ``(start, end, whole_day)`` spans; ``whole_day`` for a day none works (weekend,
    holiday), else the hours outside every opening interval of an open day.

    Examples
    --------
    >>> import datetime as dt
    >>> from flowkit.model.calendar import Calendar
    >>> spans = closed_spans([Calendar(hours=("09:00-17:00",))], dt.date(2026, 1, 9),
    ...                      dt.date(2026, 1, 10))         # a Friday and a Saturday
    >>> [(a.strftime("%a %H:%M"), b.strftime("%a %H:%M"), whole) for a, b, whole in spans]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('Fri 00:00', 'Fri 09:00', False), ('Fri 17:00', 'Sat 00:00', False),
     ('Sat 00:00', 'Sun 00:00', True)]
    """
    if not calendars or any(c.is_always for c in calendars):
        return []
    out: list[tuple[dt.datetime, dt.datetime, bool]] = []
    day = first
    while day <= last:
        midnight = dt.datetime.combine(day, dt.time())
        open_ = [c for c in calendars if c.is_workday(day)]
        if not open_:
            out.append((midnight, midnight + dt.timedelta(days=1), True))
        else:
            merged = sorted(iv for c in open_ for iv in c.intervals)
            t = 0
            for a, b in merged:
                if a > t:
                    out.append((midnight + dt.timedelta(minutes=t),
                                midnight + dt.timedelta(minutes=a), False))
                t = max(t, b)
            if t < 24 * 60:
                out.append((midnight + dt.timedelta(minutes=t),
                            midnight + dt.timedelta(days=1), False))
        day += dt.timedelta(days=1)
    return out


def _minutes(days: float) -> str:
    """A short duration in words: 12 分钟, 1.5 小时."""
    m = days * 24 * 60
    return f"{m:.0f} 分钟" if m < 90 else f"{m / 60:.1f} 小时"


def gantt(
    result: Result,
    ax: Axes | None = None,
    *,
    case: int = 0,
    replication: int = 0,
    process: Process | str | None = None,
    **kwargs: Any,
) -> Axes:
    """The steps of one simulated case on a time line (甘特图).

    One bar per event of the case (from the start to the end of its work), in order
    of start, coloured by department; a thin grey line before a bar is the time
    the step waited for staff (from ``enabled`` to ``start``), a dotted line after
    it the time until the next step became ready (its wait, a transfer: exact when
    ``process`` is the Process, else the next step in time, which parallel branches
    can blur); a diamond marks a step with no work. Time when none of the case's
    departments is open is shaded: closed days (weekends, holidays) darker, the
    closed hours of an open day lighter. Work too short to see on the axis (under
    0.6 % of it: minutes on a 24-day case) keeps a tick mark and its duration. The
    result must hold events (``keep_events=True``).

    Parameters
    ----------
    result : Result
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure of its own (each call makes one).
    case, replication : int
        Which case.
    process : Process or str, optional
        The simulated Process (its flows place the dotted lines exactly), or with a
        Result of several processes the name of the one to draw (default: the first).
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
    >>> p = fk.load("examples/shanghai_business_startup/current.yaml")
    >>> r = fk.simulate(p, n_cases=5, seed=1, replications=1, keep_events=True)
    >>> ax = fk.plot.gantt(r, case=0, process=p)
    >>> n_events = int(((r.events["case"] == 0) & (r.events["replication"] == 0)).sum())
    >>> len(ax.containers[0]) == n_events
    True
    >>> plt.close("all")
    """
    import matplotlib

    if ax is not None and not hasattr(ax, "barh"):
        raise FlowkitError(
            f"gantt(result, {ax!r}): the second argument is the Axes; pass the case by "
            f"name: gantt(result, case={ax!r})"
        )
    pname = process.name if process is not None and not isinstance(process, str) else process
    ev = case_events(result, case, replication, pname)
    with matplotlib.rc_context(rc_params()):
        ax = axes(ax, (9.0, 1.4 + 0.38 * len(ev)), kwargs)
        _draw(ax, result, ev, process if not isinstance(process, str) else None)
        _dress(ax, result, ev, case, replication, pname)
    return finish(ax, kwargs)


def _num(s: pd.Series) -> np.ndarray:
    import matplotlib.dates as mdates

    return np.asarray(mdates.date2num(s.dt.tz_localize(None).to_numpy()))


def _draw(ax: Axes, result: Result, ev: pd.DataFrame, process: Process | None) -> None:
    """Bars, queue lines, lines until the next step, markers for short or empty work."""
    import matplotlib

    meta = result.meta
    palette = matplotlib.colormaps["tab10"]
    dept = [str(d) for d in ev["department"]]
    color = {d: palette(meta.dept_ids.index(d) % 10) for d in dept}
    start, end, enabled = _num(ev["start"]), _num(ev["end"]), _num(ev["enabled"])
    y = np.arange(len(ev))
    bars = ax.barh(y, end - start, left=start, height=0.6,
                   color=[color[d] for d in dept], label="events", zorder=2)
    for k, b in enumerate(bars):
        b.set_gid(f"event-{k}")
    ax.hlines(y, enabled, start, color="#95a5a6", lw=1.2, zorder=1)
    targets = {s.id: set(s.targets) for s in process.steps} if process is not None else None
    step_ids = [str(s) for s in ev["step"]]
    for k in range(len(ev)):
        nxt = [j for j in range(k + 1, len(ev)) if enabled[j] >= end[k] - 1e-9
               and (targets is None or step_ids[j] in targets.get(step_ids[k], ()))]
        later = enabled[nxt]
        if len(later) and later.min() > end[k]:
            ax.hlines(k, end[k], later.min(), color=color[dept[k]], lw=1.0, ls=":",
                      alpha=0.8, zorder=1)
    span = max(float(max(end.max(), enabled.max()) - min(start.min(), enabled.min())), 1e-9)
    work = end - start
    zero = work <= 0
    short = ~zero & (work < SHORT * span)
    if zero.any():
        ax.plot(start[zero], y[zero], ls="none", marker="D", ms=5, mfc="white",
                mec="#34495e", zorder=3)
    for k in (int(i) for i in np.flatnonzero(short)):
        ax.plot([start[k]], [k], ls="none", marker="|", ms=11, mew=2.5,
                color=color[dept[k]], zorder=3, gid=f"short-{k}")
        ax.annotate(_minutes(float(work[k])), (end[k], k), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=6.5,
                    fontfamily=family(), color="#34495e", zorder=4)
    _shade(ax, result, dept, float(min(start.min(), enabled.min())), float(end.max()))


def _shade(ax: Axes, result: Result, dept: list[str], lo: float, hi: float) -> None:
    """Shade the time when none of the case's departments is open."""
    import matplotlib.dates as mdates

    cals = result.meta.dept_calendars
    ids = result.meta.dept_ids
    used = [cals[ids.index(d)] for d in dict.fromkeys(dept)] if len(cals) == len(ids) else []
    first = mdates.num2date(lo).date() - dt.timedelta(days=1)
    last = mdates.num2date(hi).date() + dt.timedelta(days=1)
    for a, b, whole in closed_spans(used, first, last):
        ax.axvspan(float(mdates.date2num(a)), float(mdates.date2num(b)), lw=0,
                   color=CLOSED_DAY if whole else CLOSED_HOURS, zorder=0,
                   gid="closed-day" if whole else "closed-hours")
    pad = 0.02 * max(hi - lo, 1e-3)
    ax.set_xlim(lo - pad, hi + pad)


def _dress(ax: Axes, result: Result, ev: pd.DataFrame, case: int, replication: int,
           pname: str | None) -> None:
    """Labels, date axis, legend and a title with the arrival and the days."""
    import matplotlib
    import matplotlib.dates as mdates
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    meta = result.meta
    fam = family()
    name_of = dict(zip(meta.dept_ids, meta.dept_names, strict=True))
    depts = list(dict.fromkeys(str(d) for d in ev["department"]))
    palette = matplotlib.colormaps["tab10"]
    ax.set_yticks(np.arange(len(ev)), [wrap(str(s), 24) for s in ev["step_name"]],
                  fontfamily=fam, fontsize=7.5)
    ax.invert_yaxis()
    loc = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
    handles: list[Any] = [Patch(color=palette(meta.dept_ids.index(d) % 10),
                                label=name_of.get(d, d)) for d in depts]
    handles += [
        Line2D([], [], color="#95a5a6", lw=1.2, label="排队 waiting for staff"),
        Line2D([], [], color="#566573", lw=1.0, ls=":",
               label="等待、移交 until the next step is ready"),
        Patch(color=CLOSED_DAY, label="休息日 closed day"),
        Patch(color=CLOSED_HOURS, label="非办公时间 closed hours"),
    ]
    ax.legend(handles=handles, prop={"family": fam, "size": 7}, frameon=False,
              loc="upper left", bbox_to_anchor=(1.0, 1.0))
    cases = result.cases
    mask = (cases["case"] == case) & (cases["replication"] == replication)
    if "process" in cases and pname is not None:
        mask &= cases["process"].astype(str) == pname
    row = cases[mask.to_numpy()]
    title = f"{pname or meta.process_names[0]}：案件 {case}（重复 {replication}）"
    if len(row):
        arrival = row["arrival"].iloc[0]
        title += f"，{arrival:%Y-%m-%d %H:%M} 到达，办理 {float(row['days'].iloc[0]):.1f} 天"
        ax.axvline(float(mdates.date2num(arrival.tz_localize(None))), color="#1e8449",
                   lw=1.0, ls=":")
    ax.set_title(title, fontfamily=fam, fontsize=10, loc="left")
    ax.grid(axis="x", color="#e5e8e8", lw=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
