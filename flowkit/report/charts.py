"""The report's own figures: small multiples of the KPIs and where the days go.

Each KPI gets its own panel and axis (visits ~4 and days ~28 never share one); the
time breakdown stacks the parts of a case's elapsed time per scenario. Both are
inline SVG with text as paths (no font needed to view them).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..kpis import BREAKDOWN_ROWS, KPIS
from .content import change_columns, fmt_value
from .plot.common import SCENARIO_COLORS, svg
from .plot.fonts import rc_params

if TYPE_CHECKING:
    from ..simulation.compare import Comparison

__all__ = ["breakdown_svg", "multiples_svg"]

#: parts of the elapsed time, in the colours of the breakdown bars
_PART_COLORS = ("#2e86c1", "#e67e22", "#bdc3c7", "#8e44ad", "#16a085", "#c0392b")


def _f(v: Any) -> float:
    """A table cell as a float."""
    return float(v)


def multiples_svg(c: Comparison, kpis: list[str], columns: int = 4) -> str:
    """One small bar chart per KPI (its own axis), bars per scenario, with the
    paired interval of the change drawn on the later scenarios' simulated bars."""
    import matplotlib
    from matplotlib.figure import Figure

    t, names = c.table, c.names
    rows = max(1, math.ceil(len(kpis) / columns))
    with matplotlib.rc_context(rc_params()):
        fig = Figure(figsize=(2.6 * columns, 2.1 * rows), layout="constrained")
        axes = fig.subplots(rows, columns, squeeze=False).ravel()
        for ax, k in zip(axes, kpis, strict=False):
            vals = [_f(t.loc[k, n]) for n in names]
            colors = [SCENARIO_COLORS[i % len(SCENARIO_COLORS)] for i in range(len(names))]
            bars = ax.bar(range(len(names)), vals, color=colors, width=0.65)
            if t.loc[k, "source"] == "simulated":
                for i, other in enumerate(names[1:], start=1):
                    cols = change_columns(c, other)
                    lo, hi = _f(t.loc[k, cols["ci_low"]]), _f(t.loc[k, cols["ci_high"]])
                    if not (math.isnan(lo) or math.isnan(hi)):
                        base = vals[0]
                        ax.errorbar([i], [vals[i]], yerr=[[vals[i] - (base + lo)],
                                                          [(base + hi) - vals[i]]],
                                    color="#333", capsize=3, lw=1)
            for b, v in zip(bars, vals, strict=True):
                ax.annotate(fmt_value(k, v), (b.get_x() + b.get_width() / 2, v),
                            ha="center", va="bottom", fontsize=8, xytext=(0, 1),
                            textcoords="offset points")
            ax.set_title(f"{KPIS[k].label_zh}\n{KPIS[k].label_en}", fontsize=9)
            ax.set_xticks(range(len(names)), names, fontsize=8)
            ax.tick_params(axis="y", labelsize=7)
            ax.margins(y=0.2)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
        for ax in axes[len(kpis):]:
            ax.set_visible(False)
        return svg(fig)


def breakdown_svg(c: Comparison) -> str:
    """Where the days go: one stacked horizontal bar per scenario (calendar days)."""
    import matplotlib
    from matplotlib.figure import Figure

    b, names = c.breakdown(), c.names
    parts = [k for k in BREAKDOWN_ROWS if k in b.index]
    with matplotlib.rc_context(rc_params()):
        fig = Figure(figsize=(10.0, 0.8 * len(names) + 1.6), layout="constrained")
        ax = fig.add_subplot()
        left = [0.0] * len(names)
        total = max(sum(_f(b.loc[k, n]) for k in parts) for n in names) or 1.0
        for j, k in enumerate(parts):
            widths = [_f(b.loc[k, n]) for n in names]
            ax.barh(range(len(names)), widths, left=left, color=_PART_COLORS[j % 6],
                    label=KPIS[k].label_zh, height=0.6)
            for i, w in enumerate(widths):
                if w >= 0.06 * total:
                    ax.text(left[i] + w / 2, i, f"{w:.1f}", ha="center", va="center",
                            fontsize=8, color="white" if j != 2 else "#222")
            left = [x + w for x, w in zip(left, widths, strict=True)]
        for i, x in enumerate(left):
            ax.text(x, i, f"  {x:.1f} 天", va="center", fontsize=9)
        ax.set_yticks(range(len(names)), names)
        ax.invert_yaxis()
        ax.set_xlim(0, total * 1.12)
        ax.set_xlabel("天 calendar days")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.35), ncol=len(parts),
                  frameon=False, fontsize=8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        return svg(fig)
