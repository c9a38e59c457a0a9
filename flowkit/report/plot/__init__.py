"""Plots of processes, simulation results and comparisons (``fk.plot``).

Every plot is called ``plot(obj, ax=None, *, options…, **kwargs)``: with ``ax=None`` it
makes a figure of its own (each call one, as pandas does), ``figsize=`` sizes it and any
other keyword is an Axes property set after drawing (``title=``, ``xlim=`` …). It
returns the Axes, imports matplotlib only when called, and never changes matplotlib's
global settings: Chinese text renders through a CJK font used inside
``matplotlib.rc_context`` (see :func:`rc_params`). For your own matplotlib and pandas
charts, :func:`use_chinese_font` (a function or a context manager) does the same.

- ``swimlane(p)``: lanes of departments, steps, handoffs, choices and loops (泳道图);
- ``journey(p)``: the applicant's trips in order, where, and the waits (跑动);
- ``compare(c)``: KPI bars per scenario with confidence intervals (改革前后对比);
- ``distribution(r)``: days per case, per scenario (办理时间分布);
- ``utilization(r)``: staff utilisation per department (部门利用率);
- ``gantt(r)``: the steps of one simulated case on a time line, closed time shaded (甘特图);
- ``breakdown(r_or_c)``: where the days go, a stacked bar per scenario (时间构成).

:func:`report_figures` gives the figures of a comparison report as inline SVG.
"""

from __future__ import annotations

from .charts import compare, distribution, utilization
from .figures import report_figures
from .fonts import cjk_font, rc_params, use_chinese_font
from .journey import journey
from .swimlane import swimlane
from .timeline import gantt
from .timeparts import breakdown

__all__ = [
    "breakdown",
    "cjk_font",
    "compare",
    "distribution",
    "gantt",
    "journey",
    "rc_params",
    "report_figures",
    "swimlane",
    "use_chinese_font",
    "utilization",
]
