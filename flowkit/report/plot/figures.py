"""Figures of a comparison report, as inline SVG (no network, no font needed to view)."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .charts import compare, distribution
from .common import svg
from .journey import journey, likely_trips, size
from .swimlane import figure_size, layout, swimlane

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ...model.process import Process
    from ...simulation.compare import Comparison

__all__ = ["figure_svg", "journey_size", "report_figures", "swimlane_size"]

_log = logging.getLogger("flowkit")

#: what drawing a figure raises on data it cannot draw: matplotlib's ValueError
#: (non-finite limits, an image too large …, and every FlowkitError), a lookup of a
#: kind, channel or KPI the figure has no style for (KeyError, IndexError), a bad
#: value type (TypeError), a renderer limit (OverflowError, RuntimeError)
_FIGURE_ERRORS: tuple[type[Exception], ...] = (
    ValueError, KeyError, IndexError, TypeError, OverflowError, RuntimeError,
)


def swimlane_size(p: Process, scale: float = 1.0) -> tuple[float, float]:
    """A figure size (inches) that gives every swimlane column and row room."""
    w, h = figure_size(layout(p))
    return w * scale, h * scale


def journey_size(p: Process) -> tuple[float, float]:
    """A figure size (inches) for the journey of a process."""
    return size(likely_trips(p)[0])


def figure_svg(draw: Callable[[Axes], Any], figsize: tuple[float, float]) -> str:
    """Draw on a new figure (not managed by pyplot) and return it as inline SVG."""
    import matplotlib
    from matplotlib.figure import Figure

    from .fonts import rc_params

    with matplotlib.rc_context(rc_params()):
        fig = Figure(figsize=figsize)
        ax = fig.add_subplot()
        draw(ax)
        return svg(fig, bbox_inches="tight")


def _figure(title: str, draw: Callable[[Axes], Any], figsize: tuple[float, float]) -> str:
    """A titled figure of the report; a note in its place when it cannot be drawn.

    The guard stays because one figure failing must not lose the report (the
    tables stay readable); it catches only ``_FIGURE_ERRORS`` and
    logs what it swallowed, with the traceback, on the ``flowkit`` logger.
    """
    try:
        body = figure_svg(draw, figsize)
    except _FIGURE_ERRORS as exc:
        _log.warning("report figure %r could not be drawn", title, exc_info=exc)
        body = (f"<p class=muted>(figure unavailable: {html.escape(type(exc).__name__)}: "
                f"{html.escape(str(exc))})</p>")
    return f"<div class=figure><h3>{html.escape(title)}</h3>{body}</div>"


def report_figures(c: Comparison) -> str:
    """The figures of a comparison report as HTML with inline SVG.

    KPI bars with confidence intervals, the distribution of days per scenario,
    and the swimlane and the applicant's journey of the first scenario and of the
    last. :meth:`flowkit.Comparison.to_html` puts them in the report.

    Parameters
    ----------
    c : Comparison

    Returns
    -------
    str
        HTML: headings and ``<svg>`` elements (text drawn as paths), no scripts,
        no external references.

    Examples
    --------
    >>> import flowkit as fk
    >>> p = fk.load("examples/jiaxing_swimming_pool/current.yaml")
    >>> q = fk.redesign(p, fk.levers.share_data(), name="改革后")
    >>> c = fk.compare({"现状": p, "改革后": q}, n_cases=20, seed=1, replications=2)
    >>> out = fk.plot.report_figures(c)
    >>> out.count("<svg"), "http://" in out.replace("http://www.w3.org", "")
    (6, False)
    """
    first, last = c.names[0], c.names[-1]
    pf, pl = c.scenarios[first], c.scenarios[last]
    n = len(c.names)
    parts = [
        "<h2>图表 Figures</h2>",
        _figure("指标对比 KPIs (error bars: confidence intervals of simulated means)",
                lambda ax: compare(c, ax=ax), (max(7.0, 1.6 * max(n, 2) + 5.0), 4.2)),
        _figure("办理时间分布 Days per case", lambda ax: distribution(c, ax=ax), (8.0, 3.8)),
        "<h2>泳道图 Swimlanes</h2>",
        _figure(f"{first}", lambda ax: swimlane(pf, ax=ax), swimlane_size(pf)),
        _figure(f"{last}", lambda ax: swimlane(pl, ax=ax), swimlane_size(pl)),
        "<h2>申请人跑动 The applicant's journey</h2>",
        _figure(f"{first}", lambda ax: journey(pf, ax=ax), journey_size(pf)),
        _figure(f"{last}", lambda ax: journey(pl, ax=ax), journey_size(pl)),
    ]
    return "".join(parts)
