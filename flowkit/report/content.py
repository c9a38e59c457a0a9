"""What a comparison report says, as data: the headline, the KPI rows, the run's facts.

The HTML report (:mod:`flowkit.report.html`) and the workbook
(:mod:`flowkit.report.workbook`) both show these; labels, units and directions come
from the KPI registry (:func:`flowkit.kpis`), so a KPI that got worse is never
shaded as a gain (see :mod:`flowkit.report.shading`).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._version import __version__
from ..analysis.load import offered_load, overload_message
from ..kpis import KPIS
from ..model.calendar import calendar_warning_message, uncovered_years
from .shading import row_shade

if TYPE_CHECKING:
    from ..simulation.compare import Comparison

__all__ = ["HEADLINE", "change_columns", "fmt_change", "fmt_pct", "fmt_value", "headline",
           "kpi_rows", "run_facts"]

#: the figures a reform is judged by, in the order the headline shows them
HEADLINE: tuple[str, ...] = ("one_visit", "visits", "days", "materials", "within_time_limit")

#: decimals shown per unit (others: 2)
_DECIMALS = {"days": 1, "working days": 1, "hours": 1, "yuan": 0, "services": 0}


def _nan(v: Any) -> bool:
    try:
        return v is None or v is pd.NA or math.isnan(float(v))
    except (TypeError, ValueError):
        return False


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def fmt_value(kpi: str, v: Any) -> str:
    """A KPI value as a report shows it, by the KPI's unit.

    Examples
    --------
    >>> fmt_value("one_visit", True), fmt_value("visits", 4.176), fmt_value("visits", 1.0)
    ('是', '4.18', '1')
    >>> fmt_value("within_time_limit", 0.96), fmt_value("days", 28.54), fmt_value("fee", 1200)
    ('96.0%', '28.5', '1,200')
    >>> fmt_value("max_visits", float("inf")), fmt_value("days", float("nan"))
    ('∞', '–')
    """
    unit = KPIS[kpi].unit
    if _nan(v):
        return "–"
    if unit == "bool" or isinstance(v, bool):
        return "是" if bool(v) else "否"
    f = float(v)
    if math.isinf(f):
        return "∞" if f > 0 else "−∞"
    if unit == "share":
        return f"{f:.1%}"
    dec = _DECIMALS.get(unit, 2)
    return f"{f:,.0f}" if dec == 0 else _trim(f"{f:,.{dec}f}")


def fmt_change(kpi: str, d: Any) -> str:
    """A change of a KPI with its sign, by the KPI's unit (percentage points for shares).

    Examples
    --------
    >>> fmt_change("visits", -3.176), fmt_change("within_time_limit", 0.04)
    ('−3.18', '+4.0 pp')
    >>> fmt_change("one_visit", 1.0), fmt_change("days", 0.0)
    ('否 → 是', '0')
    """
    unit = KPIS[kpi].unit
    if _nan(d):
        return "–"
    f = float(d)
    if unit == "bool":
        return "否 → 是" if f > 0 else ("是 → 否" if f < 0 else "不变")
    if f == 0:
        return "0"
    sign = "+" if f > 0 else "−"
    if unit == "share":
        return f"{sign}{abs(f) * 100:.1f} pp"
    return sign + fmt_value(kpi, abs(f))


def fmt_pct(pct: Any) -> str:
    """A percent change (``change_pct``: 100 = doubled) with its sign.

    Examples
    --------
    >>> fmt_pct(-76.056), fmt_pct(36.0), fmt_pct(float("nan"))
    ('−76.1%', '+36.0%', '–')
    """
    if _nan(pct):
        return "–"
    f = float(pct)
    if f == 0:
        return "0%"
    return f"{'+' if f > 0 else '−'}{abs(f):.1f}%"


def change_columns(c: Comparison, other: str) -> dict[str, str]:
    """The columns of ``c.table`` that compare scenario ``other`` with the first."""
    suffix = "" if len(c.names) == 2 else f":{other}"
    return {k: f"{k}{suffix}" for k in ("delta", "change_pct", "ci_low", "ci_high",
                                       "significant", "improved")}


def _all_zero(row: pd.Series, names: list[str]) -> bool:
    vals = [row[n] for n in names]
    return all(not isinstance(v, bool) and not _nan(v) and float(v) == 0 for v in vals)


def kpi_rows(c: Comparison) -> pd.DataFrame:
    """The rows of the report's KPI table, formatted, one per KPI of ``c.table``.

    Returns
    -------
    pandas.DataFrame
        Indexed by KPI id: ``label_zh``, ``label_en``, a formatted column per
        scenario, per other scenario ``Δ <name>`` and ``% <name>`` (changes against
        the first) and ``区间 <name>`` (the paired interval, ``精确`` for static rows),
        ``方向`` (越低越好 / 越高越好 / 描述), ``shade`` (``better``, ``worse`` or ``""``,
        from ``improved`` and so from the registry's ``better``), ``exact`` (a static
        row) and ``zero`` (every scenario 0: the report folds these away).

    Examples
    --------
    >>> import flowkit as fk
    >>> p = fk.load("examples/jiaxing_swimming_pool/current.yaml")
    >>> q = fk.redesign(p, fk.levers.share_data(), name="改革后")
    >>> c = fk.compare({"现状": p, "改革后": q}, n_cases=20, seed=1, replications=2)
    >>> r = kpi_rows(c)
    >>> r.loc["visits", ["现状", "改革后", "Δ 改革后", "% 改革后", "区间 改革后", "shade"]].tolist()
    ['4.18', '3.18', '−1', '−23.9%', '精确', 'better']
    >>> bool(r.loc["fee", "zero"]), r.loc["one_visit", "现状"]
    (True, '否')
    """
    from .shading import BETTER_ZH

    t, names = c.table, c.names
    out = []
    for kpi, row in t.iterrows():
        k = str(kpi)
        rec: dict[str, Any] = {"kpi": k, "label_zh": KPIS[k].label_zh,
                               "label_en": KPIS[k].label_en}
        rec.update({n: fmt_value(k, row[n]) for n in names})
        for other in names[1:]:
            cols = change_columns(c, other)
            rec[f"Δ {other}"] = fmt_change(k, row[cols["delta"]])
            rec[f"% {other}"] = fmt_pct(row[cols["change_pct"]])
            if row["source"] == "static":
                rec[f"区间 {other}"] = "精确"
            else:
                rec[f"区间 {other}"] = (f"{fmt_change(k, row[cols['ci_low']])} … "
                                       f"{fmt_change(k, row[cols['ci_high']])}")
        rec["方向"] = BETTER_ZH.get(str(KPIS[k].better), "描述")
        rec["shade"] = row_shade(row)
        rec["exact"] = row["source"] == "static"
        rec["zero"] = _all_zero(row, names)
        out.append(rec)
    return pd.DataFrame(out).set_index("kpi")


def headline(c: Comparison) -> pd.DataFrame:
    """The 3–5 figures the reform is judged by: first scenario → last.

    Indexed by KPI id (those of :data:`HEADLINE` that the table has), with
    ``label_zh``, ``label_en``, ``before``, ``after`` (formatted), ``change``
    (percent, or the yes/no change), ``shade`` and ``verdict`` (a sentence for
    最多跑一次, else empty).

    Examples
    --------
    >>> import flowkit as fk
    >>> p = fk.load("examples/jiaxing_swimming_pool/current.yaml")
    >>> q = fk.redesign(p, fk.levers.share_data(), name="改革后")
    >>> c = fk.compare({"现状": p, "改革后": q}, n_cases=20, seed=1, replications=2)
    >>> h = headline(c)
    >>> h.loc["visits", ["before", "after", "change", "shade"]].tolist()
    ['4.18', '3.18', '−23.9%', 'better']
    >>> h.loc["one_visit", "verdict"]
    '最多跑一次 未达成'
    """
    t, first, last = c.table, c.names[0], c.names[-1]
    cols = change_columns(c, last)
    rows = []
    for k in (k for k in HEADLINE if k in t.index):
        row = t.loc[k]
        bool_kpi = KPIS[k].unit == "bool"
        change = (fmt_change(k, row[cols["delta"]]) if bool_kpi or KPIS[k].unit == "share"
                  else fmt_pct(row[cols["change_pct"]]))
        verdict = ""
        if k == "one_visit":
            after, before = bool(row[last]), bool(row[first])
            verdict = "最多跑一次 " + ("达成" if after else "未达成")
            if after and not before:
                verdict += f"（{first}未达成）"
        improved = row[cols["improved"]]
        shade: str = "" if pd.isna(improved) else ("better" if bool(improved) else "worse")
        rows.append({"kpi": k, "label_zh": KPIS[k].label_zh, "label_en": KPIS[k].label_en,
                     "before": fmt_value(k, row[first]), "after": fmt_value(k, row[last]),
                     "change": change, "shade": shade, "verdict": verdict})
    return pd.DataFrame(rows).set_index("kpi")


def _warnings(c: Comparison) -> list[str]:
    """The calendar and overload warnings the comparison raised, recomputed."""
    notes = []
    for name, p in c.scenarios.items():
        msg = overload_message(offered_load(p), name)
        if msg:
            notes.append(msg)
    years: set[int] = set()
    for r in c.results.values():
        cases = r.cases
        if len(cases) and "arrival" in cases and "done" in cases:
            first = cases["arrival"].min().date()
            last = pd.to_datetime(cases["done"]).max()
            last_day = first if pd.isna(last) else last.date()
            years.update(uncovered_years(r.meta.dept_calendars, first, last_day))
    if years:
        notes.append(calendar_warning_message(sorted(years)))
    return notes


def run_facts(c: Comparison, inputs: list[str] | None = None,
              today: dt.date | None = None) -> dict[str, Any]:
    """The facts a report's footer states: version, date, inputs, seed, cases, start, warnings.

    Examples
    --------
    >>> import flowkit as fk
    >>> p = fk.load("examples/jiaxing_swimming_pool/current.yaml")
    >>> q = fk.redesign(p, fk.levers.share_data(), name="改革后")
    >>> c = fk.compare({"现状": p, "改革后": q}, n_cases=20, seed=1, replications=2,
    ...                start="2025-03-03")
    >>> f = run_facts(c, inputs=["current.yaml"], today=dt.date(2026, 1, 2))
    >>> f["cases"], f["seed"], f["start"], f["date"], f["inputs"]
    ('20 × 2', 1, '2025-03-03', '2026-01-02', ['current.yaml'])
    """
    r0 = c.results[c.names[0]]
    per_rep = len(r0.cases) // max(r0.replications, 1)
    return {
        "version": __version__,
        "date": (today or dt.date.today()).isoformat(),
        "inputs": list(inputs) if inputs else [],
        "scenarios": [f"{n}: {p.name}" for n, p in c.scenarios.items()],
        "seed": r0.seed,
        "cases": f"{per_rep} × {r0.replications}",
        "start": r0.meta.start.date().isoformat(),
        "crn": c.common_random_numbers,
        "level": c.level,
        "warnings": _warnings(c),
    }
