"""The one KPI registry: every figure flowkit reports, with its labels, unit and direction.

Each KPI has an ``id`` (the row index of every table that shows it), a Chinese and
an English label (no two KPIs share either), a ``unit``, the direction that counts
as an improvement (``better``: ``"lower"``, ``"higher"``, or ``None`` for a
descriptive figure such as ``departments``), its ``source`` (``"static"``: exact,
from static analysis or the Doing Business rules; ``"simulated"``: a statistic of
simulated cases) and a one-sentence ``definition``. Static analysis
(``Analysis.table()``), simulation summaries (``Result.summary()``), comparisons
(``Comparison.table`` and ``.ratios``), reports, plots and the command line all
take their rows, labels and directions from here; :func:`kpis` shows the table.
This module imports nothing of flowkit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import pandas as pd

__all__ = [
    "ANALYSIS_ROWS",
    "BREAKDOWN_ROWS",
    "CATALOGUE_ROWS",
    "COMPARE_ROWS",
    "DB_ROWS",
    "KPIS",
    "RATIO_ROWS",
    "SUMMARY_ROWS",
    "Kpi",
    "kpis",
    "label_en",
    "label_zh",
]

Better = Literal["lower", "higher"] | None
Source = Literal["static", "simulated"]


@dataclass(frozen=True)
class Kpi:
    """One KPI of the registry (see the module docstring for the fields)."""

    id: str
    label_zh: str
    label_en: str
    unit: str
    better: Better
    source: Source
    definition: str
    basis: str = ""
    """Where the figure is read, when not from the KPI's own id: an attribute of
    ``Analysis`` (``db.<name>`` for ``DoingBusiness``), a column of ``Result.cases``,
    or, for a ratio, the compare row it reduces."""
    stat: Literal["mean", "p90"] = "mean"
    """The statistic over simulated cases (``p90``: the 90th percentile)."""

    @property
    def of(self) -> str:
        """The attribute, column or compare row the figure is read from."""
        return self.basis or self.id


_S: Source = "static"
_M: Source = "simulated"
_LO: Better = "lower"
_HI: Better = "higher"

_TABLE: tuple[Kpi, ...] = (
    # -- static analysis (Analysis.table(), in its order) -------------------------
    Kpi("visits", "跑动次数", "visits", "trips", _LO, _S,
        "Expected physical trips of the applicant to a service location per case, "
        "fetch trips included."),
    Kpi("one_visit", "最多跑一次", "at most one visit", "bool", _HI, _S,
        "1 when 最多跑一次 holds, i.e. at most one visit on every path of positive "
        "probability, else 0."),
    Kpi("zero_visit", "零跑动", "no visit", "bool", _HI, _S,
        "1 when 零跑动 holds, i.e. no visit on any path of positive probability, else 0."),
    Kpi("max_visits", "最多跑动次数", "most visits on any path", "trips", _LO, _S,
        "The most visits on any path of positive probability, infinite when a loop can "
        "repeat a visit."),
    Kpi("fetch_trips", "取证跑动", "fetch trips", "trips", _LO, _S,
        "Trips before the first step to fetch issued, unshared certificates that no "
        "step produces, one per such material."),
    Kpi("materials", "申请材料", "materials submitted", "submissions", _LO, _S,
        "Expected submissions per case: the unshared materials listed by the steps a "
        "case executes, a material listed at two steps counting twice."),
    Kpi("steps", "环节", "steps", "steps", _LO, _S,
        "Expected step executions per case, a step run twice counting twice."),
    Kpi("distinct_materials", "材料份数", "distinct materials", "materials", _LO, _S,
        "Expected number of different unshared materials a case hands in, each counted "
        "once however many executed steps list it (a material produced earlier in the "
        "case included)."),
    Kpi("applicant_steps", "办事环节（申请人）", "applicant-facing steps", "steps", _LO, _S,
        "Expected executed counter and online steps per case: the steps the applicant "
        "goes through."),
    Kpi("departments", "部门", "departments", "departments", None, _S,
        "Expected number of distinct departments whose steps a case executes (fetch "
        "trips do not add their issuer)."),
    Kpi("handoffs", "移交", "handoffs", "handoffs", _LO, _S,
        "Expected flows per case from a step of one department to a step of another."),
    Kpi("cross_department", "跨部门移交", "cross-department handoffs", "handoffs", _LO, _S,
        "Expected handoffs per case that cross a department boundary (every handoff "
        "does)."),
    Kpi("cross_level", "跨层级移交", "cross-level handoffs", "handoffs", _LO, _S,
        "Expected handoffs per case between departments of different levels."),
    Kpi("cross_region", "跨区域移交", "cross-region handoffs", "handoffs", _LO, _S,
        "Expected handoffs per case between departments whose regions are both set "
        "and differ."),
    Kpi("by_applicant", "申请人携带移交", "handoffs carried by the applicant", "handoffs",
        _LO, _S,
        "Expected handoffs per case into a counter or online step, where the applicant "
        "carries the file."),
    Kpi("workdays", "办理时间（工作日）", "working days", "working days", _LO, _M,
        "Working time from arrival to completion divided by the length of a working "
        "day, the mean over simulated cases (static analysis reports it as the "
        "mean-value critical path)."),
    Kpi("clock_workdays", "计时工作日（法定口径）", "working days on the statutory clock",
        "working days", _LO, _M,
        "Working days from 受理 (the end of the first intake) to the decision (the end of "
        "the last approval), leaving out 特殊环节 steps marked clock: excluded and 补正 "
        "time with the applicant (行政许可法 Articles 42–45), the mean over simulated cases "
        "(static analysis reports it on the mean-value critical path)."),
    Kpi("meets_time_limit", "符合承诺办结时限", "meets the committed time limit", "bool",
        _HI, _S,
        "1 when the critical-path working days on the statutory clock stay within the "
        "service's committed time limit (承诺办结时限), 0 when not, NaN when the service "
        "states none."),
    Kpi("fee", "费用（元）", "fee (yuan)", "yuan", _LO, _S,
        "Expected fees the applicant pays per case."),
    Kpi("time_limit", "承诺时限（工作日）", "committed time limit (working days)",
        "working days", _LO, _S,
        "Total committed time limit (承诺时限) along the critical path, NaN when no step "
        "states one."),
    Kpi("legal_limit", "法定时限（工作日）", "legal time limit (working days)",
        "working days", None, _S,
        "Total legal time limit (法定时限) along the critical path, NaN when no step "
        "states one."),
    Kpi("compression", "时限压缩率", "time-limit compression", "share", _HI, _S,
        "1 − committed time limit ÷ legal time limit, NaN unless both are known."),
    # -- simulation summary (Result.summary(), in its order; shared ids above) ----
    Kpi("days", "办理时间（天）", "days", "days", _LO, _M,
        "Calendar days from arrival to completion, the mean over simulated cases."),
    Kpi("closing_visits", "因下班多跑次数", "visits added because an office closed",
        "trips", _LO, _M,
        "Visits per simulated case that start only because the location closed before "
        "the applicant's next counter step there."),
    Kpi("one_visit_share", "最多跑一次（占比）", "share with at most one visit", "share",
        _HI, _M, "Share of simulated cases with at most one visit.", basis="one_visit"),
    Kpi("zero_visit_share", "零跑动（占比）", "share with no visit", "share", _HI, _M,
        "Share of simulated cases with no visit.", basis="zero_visit"),
    Kpi("touch_hours", "实际办理工时", "staff touch hours", "hours", _LO, _M,
        "Staff working hours spent on a case, the mean over simulated cases."),
    Kpi("queue_hours", "排队时间（小时）", "hours queueing for staff", "hours", _LO, _M,
        "Hours a case waits for a free member of staff while the office is open, along "
        "the path that determined its completion (t_queue in hours); nights, weekends "
        "and holidays are t_closed."),
    Kpi("wait_hours", "等待时间（小时）", "hours of waits and transfers", "hours", _LO, _M,
        "Hours of step waits, handoff transfers and fetch issue times per case, the "
        "mean over simulated cases."),
    Kpi("staff_cost", "人力成本（元）", "staff cost (yuan)", "yuan", _LO, _M,
        "Work hours times the department's cost per hour, the mean over simulated cases."),
    Kpi("applicant_hours", "申请人耗时（小时）", "applicant hours", "hours", _LO, _M,
        "Hours the applicant spends queueing and being served at counter steps plus "
        "travel per visit, the mean over simulated cases."),
    Kpi("within_time_limit", "按时办结率", "share decided within the committed limit",
        "share", _HI, _M,
        "Share of simulated cases decided within the committed limit: the service's "
        "承诺办结时限 compared with the case's working days on the statutory clock when "
        "the service states one, else the step limits along the case's path."),
    Kpi("within_legal_limit", "法定时限内办结率", "share decided within the legal limit",
        "share", _HI, _M,
        "Share of simulated cases decided within the legal limit: the service's 法定办结时限 "
        "compared with the case's working days on the statutory clock when the service "
        "states one, else the step limits along the case's path."),
    # -- where the days go (Result.breakdown(), Analysis.breakdown()) -------------
    Kpi("t_work", "办理用时（天）", "days of staff work", "days", _LO, _M,
        "Calendar days staff spend working on the case, along the path that determined "
        "its completion."),
    Kpi("t_queue", "排队等候（天）", "days queueing while open", "days", _LO, _M,
        "Calendar days the case waits for a free member of staff while the office is "
        "open, along the path that determined its completion."),
    Kpi("t_closed", "非工作时间（天）", "days the office is closed", "days", _LO, _M,
        "Calendar days the case is ready but the office is closed (nights, weekends, "
        "holidays, lunch) or waits for a scheduled session, along its completing path."),
    Kpi("t_wait", "等待期（天）", "days of step waits", "days", _LO, _M,
        "Calendar days of the steps' waits (statutory periods, expert panels, courier), "
        "weekends inside them included, along the path that determined completion."),
    Kpi("t_transfer", "流转时间（天）", "days in transfer", "days", _LO, _M,
        "Calendar days of handoff delays between departments, along the path that "
        "determined completion."),
    Kpi("t_applicant", "申请人自身时间（天）", "days with the applicant", "days", _LO, _M,
        "Calendar days the case waits on the applicant: fetch trips for certificates "
        "and the applicant's own delay before a trip."),
    # -- compare rows that are not shown elsewhere ---------------------------------
    Kpi("workdays_static", "办理时间（工作日，静态）", "working days (critical path)",
        "working days", _LO, _S,
        "The mean-value critical path in working days (static analysis's workdays).",
        basis="workdays"),
    Kpi("db_procedures", "营商环境：程序数", "Doing Business procedures", "procedures",
        _LO, _S,
        "Expected number of procedures under the World Bank Doing Business rules: "
        "counter, online, onsite and mail steps, and fetch trips.",
        basis="db.procedures"),
    Kpi("db_days", "营商环境：天数", "Doing Business days", "days", _LO, _S,
        "Calendar days of the longest chain of procedures under the Doing Business "
        "rules, each at least one day (half a day online).", basis="db.days"),
    Kpi("db_cost", "营商环境：费用", "Doing Business cost", "yuan", _LO, _S,
        "Expected fees per case under the Doing Business rules.", basis="db.cost"),
    Kpi("days_p90", "办理时间（天，90%分位）", "days, 90th percentile", "days", _LO, _M,
        "The 90th percentile of calendar days from arrival to completion over simulated "
        "cases.", basis="days", stat="p90"),
    Kpi("visits_simulated", "跑动次数（仿真）", "visits (simulated)", "trips", _LO, _M,
        "Visits per case, the mean over simulated cases.", basis="visits"),
    # -- compare ratios (Comparison.ratios): (first − other) ÷ first ----------------
    Kpi("visits_reduction", "跑动减少率", "reduction of visits", "share", _HI, _S,
        "Relative fall of the expected visits from the first scenario.", basis="visits"),
    Kpi("materials_reduction", "减材料率", "reduction of materials", "share", _HI, _S,
        "Relative fall of the expected submissions from the first scenario.",
        basis="materials"),
    Kpi("steps_reduction", "减环节率", "reduction of steps", "share", _HI, _S,
        "Relative fall of the expected step executions from the first scenario.",
        basis="steps"),
    Kpi("handoffs_reduction", "减移交率", "reduction of handoffs", "share", _HI, _S,
        "Relative fall of the expected handoffs from the first scenario.",
        basis="handoffs"),
    Kpi("workdays_reduction", "办理时间缩短率", "reduction of working days", "share",
        _HI, _S,
        "Relative fall of the static working days (critical path) from the first "
        "scenario.", basis="workdays_static"),
    Kpi("days_reduction", "办理时间缩短率（仿真）", "reduction of simulated days", "share",
        _HI, _M,
        "Relative fall of the mean simulated calendar days from the first scenario.",
        basis="days"),
    # -- a catalogue of services (summarize_catalogue): each service weighs one ---
    Kpi("services", "事项数", "services", "services", None, _S,
        "Number of services in the catalogue."),
    Kpi("one_visit_service_share", "最多跑一次事项占比",
        "share of services with at most one visit", "share", _HI, _S,
        "Share of the catalogue's services for which 最多跑一次 holds.", basis="one_visit"),
    Kpi("zero_visit_service_share", "零跑动事项占比", "share of services with no visit",
        "share", _HI, _S, "Share of the catalogue's services for which 零跑动 holds.",
        basis="zero_visit"),
    Kpi("mean_visits", "平均跑动次数", "mean visits", "trips", _LO, _S,
        "Mean over the catalogue's services of their expected visits.", basis="visits"),
    Kpi("mean_materials", "平均申请材料（件）", "mean materials submitted", "submissions",
        _LO, _S, "Mean over the catalogue's services of their expected submissions.",
        basis="materials"),
    Kpi("mean_steps", "平均环节数", "mean steps", "steps", _LO, _S,
        "Mean over the catalogue's services of their expected step executions.",
        basis="steps"),
    Kpi("mean_departments", "平均涉及部门数", "mean departments", "departments", None, _S,
        "Mean over the catalogue's services of their expected distinct departments.",
        basis="departments"),
    Kpi("cross_level_service_share", "涉及跨层级移交的事项占比",
        "share of services with a cross-level handoff", "share", _LO, _S,
        "Share of the catalogue's services with an expected cross-level handoff above 0.",
        basis="cross_level"),
    Kpi("mean_workdays", "平均办理时间（工作日）", "mean working days", "working days",
        _LO, _S, "Mean over the catalogue's services of their critical-path working days.",
        basis="workdays"),
    Kpi("mean_time_limit", "平均承诺时限（工作日）",
        "mean committed time limit (working days)", "working days", _LO, _S,
        "Mean committed time limit over the services that state one.",
        basis="time_limit"),
    Kpi("mean_legal_limit", "平均法定时限（工作日）", "mean legal time limit (working days)",
        "working days", None, _S, "Mean legal time limit over the services that state one.",
        basis="legal_limit"),
    Kpi("mean_compression", "承诺时限平均压缩率", "mean compression of the legal time limit",
        "share", _HI, _S,
        "Mean of 1 − committed ÷ legal time limit over the services that state both.",
        basis="compression"),
    Kpi("mean_fee", "平均收费（元）", "mean fee (yuan)", "yuan", _LO, _S,
        "Mean over the catalogue's services of their expected fees.", basis="fee"),
)

#: KPI id -> its :class:`Kpi`, in registry order
KPIS: Mapping[str, Kpi] = MappingProxyType({k.id: k for k in _TABLE})

#: rows of ``Analysis.table()``, in order (each an attribute of ``Analysis``)
ANALYSIS_ROWS: tuple[str, ...] = (
    "visits", "one_visit", "zero_visit", "max_visits", "fetch_trips", "materials",
    "distinct_materials", "steps", "applicant_steps", "departments", "handoffs",
    "cross_department", "cross_level", "cross_region",
    "by_applicant", "workdays", "clock_workdays", "meets_time_limit", "fee", "time_limit",
    "legal_limit", "compression",
)

#: the parts of a case's elapsed time (``Result.breakdown()``, ``Analysis.breakdown()``)
BREAKDOWN_ROWS: tuple[str, ...] = (
    "t_work", "t_queue", "t_closed", "t_wait", "t_transfer", "t_applicant",
)

#: rows of ``Result.summary()``, in order (each the mean of the column ``KPIS[id].of``)
SUMMARY_ROWS: tuple[str, ...] = (
    "days", "workdays", "visits", "closing_visits", "one_visit_share", "zero_visit_share",
    "handoffs", "cross_department", "cross_level", "cross_region", "by_applicant",
    "materials", "distinct_materials", "steps", "applicant_steps", "departments", "fee",
    "touch_hours", "queue_hours", "wait_hours",
    "staff_cost", "applicant_hours", "clock_workdays", "within_time_limit",
    "within_legal_limit", *BREAKDOWN_ROWS,
)

#: rows of ``Comparison.table``, in order: static rows, then simulated rows
COMPARE_ROWS: tuple[str, ...] = (
    "visits", "one_visit", "zero_visit", "materials", "distinct_materials", "steps",
    "applicant_steps", "departments", "handoffs", "cross_department", "cross_level",
    "cross_region", "by_applicant", "fee",
    "workdays_static", "time_limit", "legal_limit", "db_procedures", "db_days", "db_cost",
    "days", "days_p90", "workdays", "visits_simulated", "one_visit_share", "queue_hours",
    "touch_hours", "applicant_hours", "staff_cost", "clock_workdays", "within_time_limit",
    *BREAKDOWN_ROWS,
)

#: the Doing Business figures (``KPIS[id].of`` is ``db.`` + an attribute of ``DoingBusiness``)
DB_ROWS: tuple[str, ...] = ("db_procedures", "db_days", "db_cost")

#: rows of ``Comparison.ratios``, in order (each reduces the compare row ``KPIS[id].of``)
RATIO_ROWS: tuple[str, ...] = (
    "visits_reduction", "materials_reduction", "steps_reduction", "handoffs_reduction",
    "workdays_reduction", "days_reduction",
)

#: rows of ``summarize_catalogue()``, in order (each over the catalogue's services)
CATALOGUE_ROWS: tuple[str, ...] = (
    "services", "one_visit_service_share", "zero_visit_service_share", "mean_visits",
    "mean_materials", "mean_steps", "mean_departments", "cross_level_service_share",
    "mean_workdays", "mean_time_limit", "mean_legal_limit", "mean_compression", "mean_fee",
)

_COLUMNS = ("label_zh", "label_en", "unit", "better", "source", "definition")


def label_zh(kpi: str) -> str:
    """The Chinese label of a KPI id (``KeyError`` for an id not in the registry)."""
    return KPIS[kpi].label_zh


def label_en(kpi: str) -> str:
    """The English label of a KPI id (``KeyError`` for an id not in the registry)."""
    return KPIS[kpi].label_en


def kpis() -> pd.DataFrame:
    """The KPI registry: every figure flowkit reports, one row per KPI id.

    Every table flowkit shows (analysis, summary, compare, reports, Excel, the
    command line) takes its labels and directions from this registry, and no two
    KPIs share a label.

    Returns
    -------
    pandas.DataFrame
        Indexed by KPI id (index name ``kpi``), with the columns ``label_zh``,
        ``label_en``, ``unit``, ``better`` (``"lower"``, ``"higher"`` or ``None``
        for a descriptive figure), ``source`` (``"static"`` or ``"simulated"``) and
        ``definition`` (one sentence); every column has dtype ``object``.

    Examples
    --------
    >>> import flowkit as fk
    >>> k = fk.kpis()
    >>> list(k.columns)
    ['label_zh', 'label_en', 'unit', 'better', 'source', 'definition']
    >>> k.loc["compression", ["label_zh", "unit", "better", "source"]].tolist()
    ['时限压缩率', 'share', 'higher', 'static']
    >>> k.loc["workdays_reduction", "label_zh"], k.loc["departments", "better"] is None
    ('办理时间缩短率', True)
    """
    rows = [[getattr(k, c) for c in _COLUMNS] for k in _TABLE]
    index = pd.Index([k.id for k in _TABLE], name="kpi", dtype=object)
    return pd.DataFrame(rows, index=index, columns=list(_COLUMNS), dtype=object)
