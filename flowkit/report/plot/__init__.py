"""Plots of processes, simulation results and comparisons (``fk.plot``).

Every plot takes ``ax=None`` (draw on the current Axes; a new figure when there is
none), returns the Axes, imports matplotlib only when called, and never changes
matplotlib's global settings: Chinese text renders through a CJK font used inside
``matplotlib.rc_context`` (see :func:`rc_params`).

- ``swimlane(p)``: lanes of departments, steps, handoffs, choices and loops (泳道图);
- ``journey(p)``: the applicant's trips in order, where, and the waits (跑动);
- ``compare(c)``: KPI bars per scenario with confidence intervals (改革前后对比);
- ``distribution(r)``: days per case, per scenario (办理时间分布);
- ``utilization(r)``: staff utilisation per department (部门利用率);
- ``gantt(r)``: the steps of one simulated case on a time line (甘特图).

:func:`report_figures` gives the figures of a comparison report as inline SVG.
"""

from __future__ import annotations

from .charts import compare, distribution, gantt, utilization
from .figures import report_figures
from .fonts import cjk_font, rc_params
from .journey import journey
from .swimlane import swimlane

__all__ = [
    "cjk_font",
    "compare",
    "distribution",
    "gantt",
    "journey",
    "rc_params",
    "report_figures",
    "swimlane",
    "utilization",
]
