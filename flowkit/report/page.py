"""The HTML report of a comparison, filled into ``templates/report.html``.

The page is a :class:`string.Template` (the standard library: the report needs no
extra to install); every value put into it is escaped here, tables are built from
the rows of :func:`flowkit.report.content.kpi_rows` with one row template, and the
figures are inline SVG (no network, no font needed to view them).
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable, Iterable
from importlib import resources
from string import Template
from typing import TYPE_CHECKING, Any

import pandas as pd

from .content import headline, kpi_rows, run_facts
from .fontface import font_face
from .sentences import lever_log

if TYPE_CHECKING:
    from ..simulation.compare import Comparison

__all__ = ["SWIMLANE_SCALE", "report_html"]

#: swimlanes are shown this many times their natural size (7 pt step text → ~12 px)
SWIMLANE_SCALE = 1.3

_log = logging.getLogger("flowkit")

#: what drawing a figure may raise on data it cannot draw (see plot.figures)
_FIGURE_ERRORS: tuple[type[Exception], ...] = (
    ValueError, KeyError, IndexError, TypeError, OverflowError, RuntimeError,
)

_CELL = Template("<td class='$cls'>$text</td>")
_ROW = Template("<tr class='$shade'>$cells</tr>")
_CARD = Template("<div class='card $shade'><div>$label<span class=en>$label_en</span></div>"
                 "<div class=fig>$before → $after</div><div class=chg>$change</div></div>")


def _e(v: Any) -> str:
    return html.escape(str(v))


def _template() -> Template:
    text = resources.files("flowkit.report").joinpath("templates/report.html").read_text(
        encoding="utf-8")
    return Template(text)


def _figure(title: str, draw: Callable[[], str]) -> str:
    """A figure's SVG, or a note in its place (one figure failing keeps the report)."""
    try:
        return draw()
    except _FIGURE_ERRORS as exc:
        _log.warning("report figure %r could not be drawn", title, exc_info=exc)
        return f"<p class=muted>（图无法绘制 figure unavailable: {_e(type(exc).__name__)}）</p>"


def _table(rows: pd.DataFrame, columns: list[str], heads: list[str]) -> str:
    """A KPI table: the label cell (Chinese, English beneath), then ``columns``."""
    head = "<tr><th class=l>指标 KPI</th>" + "".join(f"<th>{_e(h)}</th>" for h in heads) + "</tr>"
    body = []
    for _, r in rows.iterrows():
        cells = [_CELL.substitute(cls="l", text=f"{_e(r['label_zh'])}"
                                                f"<span class=en>{_e(r['label_en'])}</span>")]
        cells += [_CELL.substitute(cls="exact" if r[c] == "精确" else "", text=_e(r[c]))
                  for c in columns]
        body.append(_ROW.substitute(shade=r["shade"], cells="".join(cells)))
    return f"<table>{head}{''.join(body)}</table>"


def _columns(c: Comparison) -> tuple[list[str], list[str]]:
    names, others = c.names, c.names[1:]
    cols, heads = list(names), list(names)
    for o in others:
        tag = "" if len(others) == 1 else f" {o}"
        cols += [f"Δ {o}", f"% {o}", f"区间 {o}"]
        heads += [f"变化{tag}", f"变化率{tag}", f"{c.level:.0%} 区间{tag}"]
    return [*cols, "方向"], [*heads, "方向"]


def _kpi_tables(c: Comparison) -> tuple[str, str]:
    rows = kpi_rows(c)
    rows = rows.drop(index=[k for k in rows.index if k.startswith("t_")])
    cols, heads = _columns(c)
    shown, zero = rows[~rows["zero"]], rows[rows["zero"]]
    folded = ""
    if len(zero):
        labels = "、".join(zero["label_zh"])
        folded = (f"<details><summary class=muted>另有 {len(zero)} 项指标在各方案中均为 0"
                  f"（已折叠）：{_e(labels)}</summary>{_table(zero, cols, heads)}</details>")
    return _table(shown, cols, heads), folded


def _headline(c: Comparison) -> tuple[str, str]:
    h = headline(c)
    cards = "".join(_CARD.substitute(shade=r["shade"], label=_e(r["label_zh"]),
                                     label_en=_e(r["label_en"]), before=_e(r["before"]),
                                     after=_e(r["after"]), change=_e(r["change"]))
                    for _, r in h.iterrows())
    verdict = ""
    if "one_visit" in h.index:
        v = h.loc["one_visit"]
        cls = "better" if "未达成" not in v["verdict"] else "worse"
        verdict = f"<p class='verdict {cls}'>{_e(v['verdict'])}（{_e(c.names[-1])}）</p>"
    return verdict, cards


def _ratios(c: Comparison) -> str:
    r = c.ratios
    if r.empty:
        return ""
    items = []
    for _, row in r.iterrows():
        vals = "，".join(f"{_e(o)} {row[o]:.1%}" for o in c.names[1:] if pd.notna(row[o]))
        if vals:
            items.append(f"{_e(row['label_zh'])} {vals}")
    return "<p class=muted>" + "；".join(items) + "</p>"


def _levers(c: Comparison) -> str:
    first = c.scenarios[c.names[0]]
    parts = []
    for name in c.names[1:]:
        log = lever_log(first, c.scenarios[name])
        if not log:
            parts.append(f"<h3>{_e(name)}</h3><p class=muted>未采用改革举措 No lever.</p>")
            continue
        items = []
        for e in log:
            tag = ""
            if e["input"]:
                tag = (f" <span class=input>（承诺时间：输入值，依据 {_e(e['source'])}）</span>"
                       if e["source"] else
                       " <span class=input>（承诺时间：输入值，未注明依据）</span>")
            lis = "".join(f"<li>{_e(s)}</li>" for s in e["sentences"])
            items.append(f"<li><b>{_e(e['label'])}</b>{tag}<ul>{lis}</ul></li>")
        parts.append(f"<h3>{_e(name)}</h3><ol class=levers>{''.join(items)}</ol>")
        checks = c.scenarios[name].post_checks
        if checks:
            parts.append("<p>事后核查：" + "；".join(_e(x) for x in checks) + "</p>")
    return "".join(parts)


def _enlarged(svg: str, scale: float) -> str:
    """``svg`` shown ``scale`` times its natural size (its text grows with it)."""
    def grow(m: re.Match[str]) -> str:
        return f'{m.group(1)}="{float(m.group(2)) * scale:.1f}pt"'

    head, sep, rest = svg.partition(">")
    return re.sub(r'\b(width|height)="([\d.]+)pt"', grow, head) + sep + rest


def _wide(titles: Iterable[str], draw: Callable[[str], str], scale: float = 1.0) -> str:
    """One full-width, scrolling figure per scenario, at ``scale`` times natural size."""
    def one(n: str) -> str:
        return _enlarged(_figure(n, lambda: draw(n)), scale)

    return "".join(f"<h3>{_e(n)}</h3><div class=wide>{one(n)}</div>" for n in titles)


def _footer(c: Comparison, inputs: list[str] | None) -> str:
    f = run_facts(c, inputs)
    rows = [("flowkit", f["version"]), ("生成日期 date", f["date"]),
            ("输入文件 inputs", "、".join(f["inputs"]) or "未记录 (not recorded)"),
            ("方案 scenarios", "；".join(f["scenarios"])),
            ("随机种子 seed", f"{f['seed']}（" + ("共同随机数" if f["crn"] else "独立种子") + "）"),
            ("案例 cases × 重复 replications", f["cases"]),
            ("仿真开始 start", f["start"])]
    out = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows)
    for w in f["warnings"]:
        out += f"<dt class=warn>注意 warning</dt><dd class=warn>{_e(w)}</dd>"
    return out


def report_html(c: Comparison, inputs: list[str] | None = None) -> str:
    """The report of ``c`` as one self-contained HTML document."""
    from .charts import breakdown_svg, multiples_svg
    from .plot.charts import distribution
    from .plot.figures import figure_svg, journey_size, swimlane_size
    from .plot.journey import journey
    from .plot.swimlane import swimlane

    verdict, cards = _headline(c)
    table, folded = _kpi_tables(c)
    rows = kpi_rows(c)
    multiples = [k for k in rows.index if not rows.loc[k, "zero"] and not k.startswith("t_")
                 and c.table.loc[k, "better"] is not None
                 and rows.loc[k, c.names[0]] not in ("是", "否")]
    b_rows = rows.loc[[k for k in rows.index if k.startswith("t_")]]
    cols, heads = _columns(c)
    title = " → ".join(c.names) + "：" + c.scenarios[c.names[-1]].name
    values = {
        "version": _e(run_facts(c)["version"]), "title": _e(title),
        "subtitle": _e("改革前后对比报告 · reform comparison report"),
        "verdict": verdict, "cards": cards, "ratios": _ratios(c), "level": f"{c.level:.0%}",
        "kpi_table": table, "folded": folded,
        "multiples": _figure("multiples", lambda: multiples_svg(c, multiples)),
        "breakdown": _figure("breakdown", lambda: breakdown_svg(c)),
        "breakdown_table": _table(b_rows, cols, heads) if len(b_rows) else "",
        "distribution": _figure("distribution", lambda: figure_svg(
            lambda ax: distribution(c, ax=ax), (9.0, 3.6))),
        "levers": _levers(c),
        "swimlanes": _wide(c.names, lambda n: figure_svg(
            lambda ax: swimlane(c.scenarios[n], ax=ax), swimlane_size(c.scenarios[n])),
            scale=SWIMLANE_SCALE),
        "journeys": _wide(c.names, lambda n: figure_svg(
            lambda ax: journey(c.scenarios[n], ax=ax), journey_size(c.scenarios[n]))),
        "footer": _footer(c, inputs),
    }
    page = _template()
    text = _visible_text(page.substitute(values, fontface=""))
    return page.substitute(values, fontface=font_face(text))


def _visible_text(page: str) -> str:
    """The characters of ``page`` outside its inline SVG (whose text is paths)."""
    return re.sub(r"<svg.*?</svg>", "", page, flags=re.S)
