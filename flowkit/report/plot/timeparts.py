"""``breakdown``: where the days go, as stacked bars (one per scenario)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ...kpis import BREAKDOWN_ROWS, KPIS
from .common import axes, finish, wrap
from .fonts import family, rc_params

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ...simulation.compare import Comparison
    from ...simulation.results import Result

__all__ = ["PART_COLORS", "breakdown", "parts"]

#: one colour per part of the elapsed time (:data:`flowkit.kpis.BREAKDOWN_ROWS`)
PART_COLORS: dict[str, str] = {
    "t_work": "#2e86c1",
    "t_queue": "#e67e22",
    "t_closed": "#bdc3c7",
    "t_wait": "#8e44ad",
    "t_transfer": "#16a085",
    "t_applicant": "#c0392b",
}


def parts(result_or_comparison: Result | Comparison) -> dict[str, dict[str, float]]:
    """The mean days of each part, per bar: ``{bar name: {part id: days}}``.

    A Comparison gives one bar per scenario (``c.breakdown()``), a Result one bar
    (``r.breakdown()``), named by its processes.
    """
    from ...simulation.compare import Comparison

    if isinstance(result_or_comparison, Comparison):
        b = result_or_comparison.breakdown()
        return {name: dict(zip(b.index, b[name].astype(float), strict=True))
                for name in result_or_comparison.names}
    r = result_or_comparison
    b = r.breakdown()
    return {"、".join(r.meta.process_names):
            dict(zip(b.index, b["days"].astype(float), strict=True))}


def breakdown(result_or_comparison: Result | Comparison, ax: Axes | None = None,
              **kwargs: Any) -> Axes:
    """Where the days go (时间构成): a stacked bar per scenario of the mean elapsed days.

    The segments are the parts of a case's elapsed time (staff work, queueing,
    closed office, step waits, transfers, the applicant's own time:
    :data:`flowkit.kpis.BREAKDOWN_ROWS`, labelled from :func:`flowkit.kpis`); they add
    up to the mean ``days``, written at the end of each bar. A segment wide enough
    to read carries its days.

    Parameters
    ----------
    result_or_comparison : Result or Comparison
        A Comparison draws a bar per scenario (before, after …); a Result one bar.
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure of its own (each call makes one).
    **kwargs
        ``figsize=`` for the new figure made when ``ax`` is None; any other keyword is an
        Axes property set after drawing (``title=``, ``xlabel=``, ``xlim=`` … as
        :meth:`matplotlib.axes.Axes.set` takes them).

    Returns
    -------
    matplotlib.axes.Axes
        One bar container per part, in the order of ``BREAKDOWN_ROWS``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import flowkit as fk
    >>> p = fk.loads('''
    ... name: t
    ... calendar: always
    ... arrivals: {every: 1d}
    ... departments: [{id: a}]
    ... steps: [{id: s, department: a, work: 6h, wait: 18h}]
    ... ''')
    >>> ax = fk.plot.breakdown(fk.simulate(p, n_cases=20, seed=1, replications=2))
    >>> [round(float(c[0].get_width()), 2) for c in ax.containers]   # work … applicant
    [0.25, 0.0, 0.0, 0.75, 0.0, 0.0]
    >>> plt.close("all")
    """
    import matplotlib

    bars = parts(result_or_comparison)
    names = list(bars)
    fam = family()
    y = np.arange(len(names))
    totals = np.array([sum(bars[n].values()) for n in names])
    top = float(totals.max(initial=0.0)) or 1.0
    with matplotlib.rc_context(rc_params()):
        ax = axes(ax, (9.0, 1.8 + 0.7 * len(names)), kwargs)
        left = np.zeros(len(names))
        for k in BREAKDOWN_ROWS:
            w = np.array([bars[n].get(k, 0.0) for n in names])
            label = f"{KPIS[k].label_zh.removesuffix('（天）')} {KPIS[k].label_en}"
            ax.barh(y, w, left=left, height=0.55, color=PART_COLORS[k], label=label,
                    gid=f"part-{k}", zorder=2)
            for j, v in enumerate(w):
                if v >= 0.06 * top:
                    ax.text(left[j] + v / 2, j, f"{v:.1f}", ha="center", va="center",
                            fontsize=7.5, color="white" if k != "t_closed" else "#212f3d",
                            fontfamily=fam, zorder=3)
            left += w
        for j, t in enumerate(totals):
            ax.text(t, j, f"  {t:.1f} 天", ha="left", va="center", fontsize=8.5,
                    fontfamily=fam)
        ax.set_yticks(y, [wrap(n, 16) for n in names], fontfamily=fam, fontsize=8.5)
        ax.invert_yaxis()
        ax.set_xlim(0, top * 1.15)
        ax.set_xlabel("平均办理时间（天） mean calendar days per case", fontfamily=fam)
        ax.set_title("时间去哪儿了 Where the days go", fontfamily=fam, fontsize=10, loc="left")
        ax.legend(prop={"family": fam, "size": 7}, frameon=False, ncols=3,
                  loc="upper center", bbox_to_anchor=(0.5, -0.25))
        ax.grid(axis="x", color="#e5e8e8", lw=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    return finish(ax, kwargs)
