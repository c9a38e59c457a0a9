"""Reports of a comparison: one self-contained HTML file, and an Excel workbook."""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import FlowkitError
from ..interop.text import display_width
from ..model.render import register
from .shading import BETTER_ZH, cell_text, row_shade

if TYPE_CHECKING:
    from ..simulation.compare import Comparison

__all__ = ["comparison_excel", "comparison_html"]

_CSS = """
body{font-family:"Noto Sans SC","PingFang SC","Microsoft YaHei","Helvetica Neue",Arial,sans-serif;
margin:2em auto;max-width:1100px;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}
h2{font-size:1.25em;margin-top:1.8em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}
th,td{border:1px solid #ddd;padding:.3em .6em;text-align:right}
th{background:#f4f6f8}td.l,th.l{text-align:left}
tr.better td{background:#eef8ee}tr.worse td{background:#fbeaea}.muted{color:#777;font-size:.9em}
.figure{margin:1em 0}.figure svg,.figure img{max-width:100%;height:auto}
"""


def _fmt(v: Any) -> str:
    text = cell_text(v)
    if text is not None:
        return text
    if isinstance(v, float):
        if math.isnan(v):
            return "–"
        return f"{v:,.3f}".rstrip("0").rstrip(".") if abs(v) < 1e6 else f"{v:,.0f}"
    return html.escape(str(v))


def _kpi_table(c: Comparison) -> str:
    t = c.table
    names = c.names
    extra = [col for col in ("delta", "change_pct", "ci_low", "ci_high", "significant",
                             "improved") if col in t.columns]
    if not extra:  # several scenarios: show every delta column
        extra = [col for col in t.columns if ":" in col]
    head = ("<tr><th class=l>指标 KPI</th>" + "".join(f"<th>{html.escape(n)}</th>" for n in names)
            + "".join(f"<th>{html.escape(col)}</th>" for col in extra)
            + "<th>方向</th><th>来源</th></tr>")
    body = []
    for kpi, row in t.iterrows():
        # shaded by improved (green better, red worse), never by significance alone
        shade = row_shade(row)
        cells = "".join(f"<td>{_fmt(row[n])}</td>" for n in names)
        cells += "".join(f"<td>{_fmt(row[col])}</td>" for col in extra)
        source = "静态（精确）" if row["source"] == "static" else "仿真"
        better = BETTER_ZH.get(str(row.get("better")), "描述")
        body.append(
            f"<tr class='{shade}'><td class=l>{html.escape(str(row['label_zh']))}"
            f"<br><span class=muted>{html.escape(str(row['label_en']))} ({kpi})</span></td>"
            f"{cells}<td>{better}</td><td>{source}</td></tr>"
        )
    return f"<table>{head}{''.join(body)}</table>"


def _ratios_table(c: Comparison) -> str:
    r = c.ratios
    if r.empty:
        return ""
    others = list(c.names[1:])
    head = "<tr><th class=l>比率</th>" + "".join(f"<th>{html.escape(n)}</th>" for n in others)
    rows = []
    for _, row in r.iterrows():
        vals = "".join(
            f"<td>{'–' if math.isnan(row[n]) else f'{row[n]:.1%}'}</td>" for n in others
        )
        rows.append(f"<tr><td class=l>{html.escape(row['label_zh'])}<br>"
                    f"<span class=muted>{html.escape(row['label_en'])}</span></td>{vals}</tr>")
    return f"<table>{head}</tr>{''.join(rows)}</table>"


def _history(c: Comparison) -> str:
    parts = []
    for name, p in c.scenarios.items():
        if not p.history:
            continue
        items = []
        for h in p.history:
            changes = "".join(f"<li>{html.escape(str(ch))}</li>" for ch in h.changes)
            note = f"<div class=muted>{html.escape(h.note)}</div>" if h.note else ""
            items.append(f"<li><b>{html.escape(h.label or h.lever)}</b> "
                         f"<code>{html.escape(h.lever)}</code>{note}<ul>{changes}</ul></li>")
        parts.append(f"<h3>{html.escape(name)}</h3><ol>{''.join(items)}</ol>")
        checks = p.post_checks
        if checks:
            parts.append("<p>事后核查 (checks after the decision): "
                         + "; ".join(html.escape(x) for x in checks) + "</p>")
    return "".join(parts) or "<p class=muted>No lever was applied.</p>"


def _figures(c: Comparison) -> str:
    """The report's figures, as inline SVG."""
    from .plot.figures import report_figures

    return str(report_figures(c))


@register("comparison_report_html")
def comparison_html(c: Comparison) -> str:
    """The report as one HTML document (inline CSS and images, no network)."""
    r0 = c.results[c.names[0]]
    meta = (f"{len(r0.cases) // max(r0.replications, 1)} cases × {r0.replications} "
            f"replication(s) per scenario, seed {r0.seed}, "
            f"{'common random numbers' if c.common_random_numbers else 'independent seeds'}; "
            f"{c.level:.0%} paired confidence intervals of the differences.")
    title = " vs ".join(c.names)
    return (
        "<!DOCTYPE html><html lang=zh-CN><head><meta charset=utf-8>"
        f"<meta name=viewport content='width=device-width,initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p class=muted>{html.escape(meta)}</p>"
        f"<h2>对比汇总 Summary</h2>{_kpi_table(c)}"
        f"<h2>改革成效 Reductions</h2>{_ratios_table(c)}"
        f"{_figures(c)}"
        f"<h2>改革举措 Levers applied</h2>{_history(c)}"
        "<p class=muted>Generated by flowkit. Static figures are exact expected values "
        "(精确: no interval); simulated figures are means over cases. Green rows changed "
        "the better way, red rows the worse way (改善 / 变差, by each KPI's direction 方向); "
        "a simulated change inside its interval is left plain.</p></body></html>"
    )


def _sheet_name(name: str, used: set[str]) -> str:
    bad = '[]:*?/\\'
    clean = "".join("_" if ch in bad else ch for ch in name)[:31] or "sheet"
    base, k = clean, 2
    while clean in used:
        clean = f"{base[:28]}_{k}"
        k += 1
    used.add(clean)
    return clean


@register("comparison_excel")
def comparison_excel(c: Comparison, path: Path) -> Path:
    """Write the comparison workbook (xlsxwriter, else openpyxl)."""
    engine: Any = None
    for mod in ("xlsxwriter", "openpyxl"):
        try:
            __import__(mod)
            engine = mod
            break
        except ImportError:
            continue
    if engine is None:
        raise FlowkitError(
            'to_excel needs an Excel writer: pip install "flowkit[excel]" (xlsxwriter)'
        )
    used: set[str] = set()
    sheets: dict[str, pd.DataFrame] = {}
    table = c.table.reset_index()
    sheets[_sheet_name("对比汇总", used)] = table
    sheets[_sheet_name("改革成效", used)] = c.ratios.reset_index()
    for name, r in c.results.items():
        cases = r.cases.copy()
        for col in ("arrival", "done"):
            if col in cases:
                cases[col] = cases[col].dt.tz_localize(None)
        sheets[_sheet_name(f"cases_{name}", used)] = cases
    hist_rows = []
    for name, p in c.scenarios.items():
        for k, h in enumerate(p.history):
            for ch in h.changes or ():
                hist_rows.append({"scenario": name, "order": k + 1, "lever": h.lever,
                                  "label": h.label, "target": ch.target, "id": ch.id,
                                  "action": ch.action, "field": ch.field,
                                  "before": str(ch.before), "after": str(ch.after)})
    sheets[_sheet_name("改革举措", used)] = pd.DataFrame(
        hist_rows, columns=["scenario", "order", "lever", "label", "target", "id", "action",
                            "field", "before", "after"])
    with pd.ExcelWriter(path, engine=engine) as writer:
        for sheet, df in sheets.items():
            df.to_excel(writer, sheet_name=sheet, index=False)
            widths = [
                min(60, max([display_width(str(col))]
                            + [display_width(str(v)) for v in df[col].head(500)]) + 2)
                for col in df.columns
            ]
            ws = writer.sheets[sheet]
            for i, w in enumerate(widths):
                if engine == "xlsxwriter":
                    ws.set_column(i, i, w)
                else:
                    from openpyxl.utils import get_column_letter

                    ws.column_dimensions[get_column_letter(i + 1)].width = w
    return path
