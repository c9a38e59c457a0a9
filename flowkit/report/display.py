"""HTML for notebook display (``_repr_html_``), registered in :mod:`flowkit.model.render`.

A display error must never break a notebook: the registry's
:func:`~flowkit.model.render.repr_html` guards every view (and logs what it
swallowed), and a figure that cannot be drawn only drops the figure.
Figures are inline SVG (text as paths: no font needed to view them); matplotlib is
imported only when a figure is drawn.
"""

from __future__ import annotations

import html
import logging
import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..analysis.analyze import analyze
from ..errors import FlowkitError
from ..kpis import KPIS, label_en, label_zh
from ..model.render import register
from .shading import BETTER_ZH, cell_text, row_shade

if TYPE_CHECKING:
    import pandas as pd

    from ..analysis.analyze import Analysis
    from ..model.process import Process
    from ..simulation.compare import Comparison
    from ..simulation.results import Result

__all__ = ["analysis_html", "comparison_html", "process_html", "result_html"]

#: processes with more steps than this are shown without their swimlane
MAX_FIGURE_STEPS = 60

_log = logging.getLogger("flowkit")

_STYLE = (
    "<style>.fk-table td,.fk-table th{padding:2px 8px;text-align:right}"
    ".fk-table td.l,.fk-table th.l{text-align:left}.fk-muted{color:#777;font-size:90%}"
    ".fk-fig{max-width:100%;overflow-x:auto}"
    ".fk-table tr.better td{background:#eef8ee}.fk-table tr.worse td{background:#fbeaea}</style>"
)


def _figure(draw: Callable[[], str], scale: float = 0.7) -> str:
    """An inline SVG figure shrunk to ``scale``; empty when it cannot be drawn."""
    try:
        svg = draw()
    except Exception as exc:  # one figure failing drops the figure, not the view; logged
        _log.warning("a display figure could not be drawn", exc_info=exc)
        return f"<p class=fk-muted>(figure unavailable: {html.escape(exc.__class__.__name__)})</p>"

    def shrink(m: re.Match[str]) -> str:
        return f'{m.group(1)}="{float(m.group(2)) * scale:.1f}pt"'

    head, sep, rest = svg.partition(">")
    head = re.sub(r'\b(width|height)="([\d.]+)pt"', shrink, head)
    return f"<div class=fk-fig>{head}{sep}{rest}</div>"


def _num(v: Any) -> str:
    text = cell_text(v)
    if text is not None:
        return text
    try:
        f = float(v)
    except (TypeError, ValueError):
        return html.escape(str(v))
    if math.isnan(f):
        return "–"
    return f"{f:.4g}"


def _table(df: pd.DataFrame, label: str, columns: list[str]) -> str:
    head = "<tr><th class=l>指标</th>" + "".join(
        f"<th>{html.escape(str(c))}</th>" for c in columns) + "</tr>"
    rows = []
    for kpi, row in df.iterrows():
        cells = "".join(f"<td>{_num(row[c])}</td>" for c in columns)
        rows.append(f"<tr><td class=l title='{html.escape(str(kpi))}'>"
                    f"{html.escape(str(row[label]))}</td>{cells}</tr>")
    return f"<table class=fk-table>{head}{''.join(rows)}</table>"


def _label(kpi: str) -> str:
    """A KPI's Chinese and English labels, for running text."""
    return f"{label_zh(kpi)} {label_en(kpi)}"


@register("process_html")
def process_html(p: Process) -> str:
    """A process: its counts and static figures, a small swimlane, and its steps."""

    parts = [_STYLE, f"<div><b>{html.escape(p.name)}</b> — {len(p.steps)} 环节, "
             f"{len(p.departments)} 部门, {len(p.materials)} 材料"]
    try:
        a = analyze(p)
    except FlowkitError as exc:
        _log.warning("the static figures of %r could not be computed", p.name, exc_info=exc)
    else:
        parts.append(
            f"<br><span class=fk-muted>{_label('visits')} {a.visits:.3g} · {label_zh('one_visit')} "
            f"{'是' if a.one_visit else '否'} · {_label('handoffs')} {a.handoffs:.3g} · "
            f"{_label('workdays')} {a.workdays:.3g}</span>"
        )
    if len(p.steps) <= MAX_FIGURE_STEPS:
        from .plot.figures import figure_svg, swimlane_size
        from .plot.swimlane import swimlane

        parts.append(_figure(lambda: figure_svg(lambda ax: swimlane(p, ax=ax),
                                                swimlane_size(p))))
    rows = "".join(
        f"<tr><td class=l>{html.escape(s.id)}</td><td class=l>{html.escape(s.label)}</td>"
        f"<td class=l>{html.escape(p.department(s.department).label)}</td>"
        f"<td class=l>{s.kind_zh}</td><td class=l>{s.channel_zh}</td>"
        f"<td class=l>{html.escape(', '.join(s.targets) or '—')}</td></tr>"
        for s in p.steps
    )
    parts.append(
        "<details><summary>环节 steps</summary><table class=fk-table><thead><tr>"
        "<th class=l>id</th><th class=l>环节</th><th class=l>部门</th><th class=l>类型</th>"
        "<th class=l>方式</th><th class=l>下一环节</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></details></div>"
    )
    return "".join(parts)


@register("analysis_html")
def analysis_html(a: Analysis) -> str:
    """A static analysis: one row per KPI with its Chinese and English label."""

    t = a.table()
    rows = []
    for kpi, row in t.iterrows():
        v = float(row["value"])
        unit = KPIS[str(kpi)].unit
        if unit == "bool":
            text = "是" if v else "否"
        elif math.isnan(v):
            text = "–"
        elif unit == "share":
            text = f"{v:.0%}"
        else:
            text = f"{v:.4g}"
        rows.append(f"<tr><td class=l>{html.escape(str(row['label_zh']))}</td>"
                    f"<td class=l><span class=fk-muted>{html.escape(str(row['label_en']))}"
                    f"</span></td><td>{text}</td></tr>")
    return (f"{_STYLE}<div><b>{html.escape(a.process.name)}</b> — static analysis "
            f"静态分析<table class=fk-table>{''.join(rows)}</table></div>")


@register("result_html")
def result_html(r: Result) -> str:
    """A simulation result: the run and its summary table."""

    s = r.summary()
    n = len(r.cases)
    names = ", ".join(r.meta.process_names)
    return (
        f"{_STYLE}<div><b>{html.escape(names)}</b> — simulation 仿真: {n} cases, "
        f"{r.replications} replication(s), seed {r.seed}"
        + _table(s, "label_zh", ["mean", "ci_low", "ci_high", "p50", "p90", "max"])
        + "</div>"
    )


@register("comparison_html")
def comparison_html(c: Comparison) -> str:
    """A comparison: the KPI table and the KPI bars with confidence intervals.

    (The report file is :func:`flowkit.report.files.comparison_html`; this is the
    notebook view.)
    """

    t = c.table
    extra = [col for col in ("delta", "change_pct", "ci_low", "ci_high", "significant",
                             "improved") if col in t.columns]
    if not extra:
        extra = [col for col in t.columns if ":" in str(col)]
    from .plot.charts import compare
    from .plot.figures import figure_svg

    fig = _figure(lambda: figure_svg(lambda ax: compare(c, ax=ax),
                                     (max(7.0, 1.6 * max(len(c.names), 2) + 5.0), 4.2)),
                  scale=0.8)
    return (f"{_STYLE}<div><b>{html.escape(' vs '.join(c.names))}</b>"
            + _compare_table(t, [*c.names, *extra]) + fig + "</div>")


def _compare_table(t: pd.DataFrame, columns: list[str]) -> str:
    """The compare table, each row shaded by ``improved`` (green better, red worse);
    static rows are marked 精确 (exact: no interval)."""
    head = "<tr><th class=l>指标</th>" + "".join(
        f"<th>{html.escape(str(c))}</th>" for c in columns) + "<th>方向</th><th>来源</th></tr>"
    rows = []
    for kpi, row in t.iterrows():
        cells = "".join(f"<td>{_num(row[c])}</td>" for c in columns)
        source = "静态（精确）" if row["source"] == "static" else "仿真"
        better = BETTER_ZH.get(str(row.get("better")), "描述")
        rows.append(f"<tr class='{row_shade(row)}'><td class=l title='{html.escape(str(kpi))}'>"
                    f"{html.escape(str(row['label_zh']))}</td>{cells}<td>{better}</td>"
                    f"<td>{source}</td></tr>")
    return f"<table class=fk-table>{head}{''.join(rows)}</table>"
