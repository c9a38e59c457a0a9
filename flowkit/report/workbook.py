"""The Excel workbook of a comparison (openpyxl), ready to print and hand over.

Sheets: 摘要 first (the headline, a chart of it and the KPI table, Chinese first),
改革成效 (the reduction ratios), 改革举措 (the levers in Chinese), then, when asked
for or when all scenarios together have at most :data:`MAX_CASE_ROWS` cases, one
sheet of cases per scenario. Every sheet has a frozen, filtered header, number
formats by the KPI's unit, 是/否 for yes/no values and a landscape, fit-to-width
print setup.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import FlowkitError
from ..interop.text import display_width
from ..kpis import KPIS
from .content import change_columns, headline
from .sentences import lever_log
from .shading import BETTER_ZH

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from ..simulation.compare import Comparison

__all__ = ["MAX_CASE_ROWS", "UNIT_FORMATS", "write_workbook"]

#: above this many cases in all, the per-case sheets are left out unless asked for
MAX_CASE_ROWS = 2000

#: Excel number format per KPI unit (others: ``0.00``)
UNIT_FORMATS = {"share": "0.0%", "days": "0.0", "working days": "0.0", "hours": "0.0",
                "yuan": "#,##0", "services": "0", "bool": "@"}

_GREEN, _RED, _HEAD = "EEF8EE", "FBEAEA", "F4F6F8"


def _fmt(kpi: str) -> str:
    return UNIT_FORMATS.get(KPIS[kpi].unit, "0.00")


def _signed(fmt: str) -> str:
    return f"+{fmt};-{fmt};0" if fmt not in ("@",) else fmt


def _yes_no(v: Any) -> Any:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float) and math.isinf(v):
        return "∞"
    return v


def _summary_frame(c: Comparison) -> tuple[pd.DataFrame, list[str]]:
    """The KPI table of 摘要, Chinese first, and the number format of each row."""
    t, names = c.table, c.names
    rows, formats = [], []
    for k, r in t.iterrows():
        kpi = str(k)
        rec: dict[str, Any] = {"指标": KPIS[kpi].label_zh, "KPI": KPIS[kpi].label_en}
        for n in names:
            rec[n] = _yes_no(r[n])
        for o in names[1:]:
            cols = change_columns(c, o)
            tag = "" if len(names) == 2 else f" {o}"
            bool_kpi = KPIS[kpi].unit == "bool"
            rec[f"变化{tag}"] = None if bool_kpi else r[cols["delta"]]
            pct = r[cols["change_pct"]]
            rec[f"变化率{tag}"] = None if pd.isna(pct) else float(pct) / 100
            improved = r[cols["improved"]]
            rec[f"改善{tag}"] = None if pd.isna(improved) else ("是" if improved else "否")
        rec["方向"] = BETTER_ZH.get(str(KPIS[kpi].better), "描述")
        rec["来源"] = "静态（精确）" if r["source"] == "static" else "仿真"
        rec["id"] = kpi
        rows.append(rec)
        formats.append(_fmt(kpi))
    return pd.DataFrame(rows), formats


def _header(ws: Worksheet, row: int, ncols: int) -> None:
    from openpyxl.styles import Font, PatternFill

    for col in range(1, ncols + 1):
        cell = ws.cell(row=row, column=col)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=_HEAD)


def _widths(ws: Worksheet, df: pd.DataFrame) -> None:
    from openpyxl.utils import get_column_letter

    for i, col in enumerate(df.columns, start=1):
        sample = [display_width(str(col))] + [display_width(str(v)) for v in df[col].head(300)]
        ws.column_dimensions[get_column_letter(i)].width = min(48, max(sample) + 2)


def _print_setup(ws: Worksheet, header_row: int) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.print_options.gridLines = True


def _table(ws: Worksheet, df: pd.DataFrame, top: int, formats: dict[str, Any]) -> None:
    """``df`` from row ``top`` (its header), with a frozen, filtered header; ``formats``
    maps a column to a number format, or to a list of one format per row."""
    from openpyxl.utils import get_column_letter

    for j, col in enumerate(df.columns, start=1):
        ws.cell(row=top, column=j, value=str(col))
    for i, rec in enumerate(df.itertuples(index=False), start=top + 1):
        for j, (col, v) in enumerate(zip(df.columns, rec, strict=True), start=1):
            cell = ws.cell(row=i, column=j, value=_yes_no(v))
            fmt = formats.get(str(col))
            if isinstance(fmt, list):
                fmt = fmt[i - top - 1]
            if fmt:
                cell.number_format = fmt
    _header(ws, top, len(df.columns))
    ws.freeze_panes = ws.cell(row=top + 1, column=1)
    last = get_column_letter(max(len(df.columns), 1))
    ws.auto_filter.ref = f"A{top}:{last}{top + max(len(df), 1)}"
    _widths(ws, df)
    _print_setup(ws, top)


def _headline_block(ws: Worksheet, c: Comparison) -> list[int]:
    """The headline figures from row 3 (numbers with their formats); the rows that
    carry a percent change (the chart's), first and adjacent."""
    from openpyxl.styles import PatternFill

    t, first, last = c.table, c.names[0], c.names[-1]
    cols = change_columns(c, last)
    h = headline(c)
    order = sorted(h.index, key=lambda k: KPIS[k].unit == "bool")
    ws.append(["改革成效", "KPI", first, last, "变化率"])
    _header(ws, 3, 5)
    charted = []
    for k in order:
        r = h.loc[k]
        pct = t.loc[k, cols["change_pct"]]
        change = r["change"] if pd.isna(pct) else float(pct) / 100
        ws.append([r["label_zh"] + (f"：{r['verdict']}" if r["verdict"] else ""),
                   r["label_en"], _yes_no(t.loc[k, first]), _yes_no(t.loc[k, last]), change])
        row = ws.max_row
        for col in (3, 4):
            ws.cell(row=row, column=col).number_format = _fmt(k)
        if not pd.isna(pct):
            ws.cell(row=row, column=5).number_format = "+0.0%;-0.0%;0%"
            charted.append(row)
        if r["shade"]:
            fill = PatternFill("solid", fgColor=_GREEN if r["shade"] == "better" else _RED)
            for col in range(1, 6):
                ws.cell(row=row, column=col).fill = fill
    return charted


def _summary(wb: Any, c: Comparison) -> None:
    from openpyxl.styles import Font, PatternFill

    ws = wb.active
    ws.title = "摘要"
    ws["A1"] = " → ".join(c.names) + "：" + c.scenarios[c.names[-1]].name
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    charted = _headline_block(ws, c)
    top = max(ws.max_row + 2, 17) if charted else ws.max_row + 2  # below the chart
    df, fmts = _summary_frame(c)
    formats: dict[str, Any] = dict.fromkeys(c.names, fmts)
    for col in df.columns:
        if col.startswith("变化率"):
            formats[col] = "+0.0%;-0.0%;0%"
        elif col.startswith("变化"):
            formats[col] = [_signed(f) for f in fmts]
    _table(ws, df, top, formats)
    for i, shade in enumerate(_shades(c), start=top + 1):
        if shade:
            fill = PatternFill("solid", fgColor=_GREEN if shade == "better" else _RED)
            for j in range(1, len(df.columns) + 1):
                ws.cell(row=i, column=j).fill = fill
    if charted:
        _chart(ws, charted)


def _chart(ws: Worksheet, rows: list[int]) -> None:
    """A bar chart of the headline's percent changes (one axis: percent)."""
    from openpyxl.chart import BarChart, Reference

    chart = BarChart()
    chart.type = "bar"
    chart.title = "改革成效：变化率"
    chart.height, chart.width = 6.5, 13
    chart.legend = None
    chart.y_axis.number_format = "0%"
    chart.add_data(Reference(ws, min_col=5, min_row=min(rows), max_row=max(rows)))
    chart.set_categories(Reference(ws, min_col=1, min_row=min(rows), max_row=max(rows)))
    ws.add_chart(chart, "G2")  # beside the headline, above the KPI table


def _shades(c: Comparison) -> list[str]:
    from .shading import row_shade

    return [row_shade(r) for _, r in c.table.iterrows()]


def write_workbook(c: Comparison, path: Path, cases: bool | None = None) -> Path:
    """Write the workbook of ``c`` to ``path`` (see the module docstring)."""
    try:
        from openpyxl import Workbook
    except ImportError as exc:
        raise FlowkitError(f'to_excel({str(path)!r}) needs openpyxl: pip install '
                           f'"flowkit[excel]"') from exc
    total = sum(len(r.cases) for r in c.results.values())
    with_cases = total <= MAX_CASE_ROWS if cases is None else cases
    wb = Workbook()
    _summary(wb, c)
    ratios = c.ratios.reset_index()
    rdf = pd.DataFrame({"比率": ratios["label_zh"], "ratio": ratios["label_en"],
                        **{o: ratios[o] for o in c.names[1:]}})
    _table(wb.create_sheet("改革成效"), rdf, 1, dict.fromkeys(c.names[1:], "0.0%"))
    _table(wb.create_sheet("改革举措"), _levers_frame(c), 1, {})
    if with_cases:
        for name, r in c.results.items():
            df = r.cases.copy()
            for col in df.columns:
                if isinstance(df[col].dtype, pd.DatetimeTZDtype):
                    df[col] = df[col].dt.tz_localize(None)
            _table(wb.create_sheet(_sheet(f"案例 {name}")), df, 1,
                   {col: "0.00" for col in df.columns if df[col].dtype.kind == "f"})
    else:
        ws = wb["摘要"]
        ws.cell(row=ws.max_row + 2, column=1,
                value=f"共 {total:,} 个仿真案例，超过 {MAX_CASE_ROWS:,} 行，未列出逐案明细；"
                      "需要时用 to_excel(path, cases=True)。")
    wb.save(path)
    return path


def _sheet(name: str) -> str:
    return "".join("_" if ch in '[]:*?/\\' else ch for ch in name)[:31]


def _levers_frame(c: Comparison) -> pd.DataFrame:
    first = c.scenarios[c.names[0]]
    rows = []
    for name in c.names[1:]:
        for k, e in enumerate(lever_log(first, c.scenarios[name]), start=1):
            for s in e["sentences"] or [""]:
                rows.append({"方案": name, "序号": k, "举措": e["label"], "内容": s,
                             "输入值": "是" if e["input"] else "否",
                             "依据": e["source"] or "", "lever": e["lever"]})
    return pd.DataFrame(rows, columns=["方案", "序号", "举措", "内容", "输入值", "依据", "lever"])
