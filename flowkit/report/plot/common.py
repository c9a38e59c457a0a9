"""Helpers shared by the plots: axes, colours, wrapping Chinese text, SVG output."""

from __future__ import annotations

import io
import re
import unicodedata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "CHANNEL_EN",
    "CHANNEL_STYLE",
    "KIND_COLOR",
    "KIND_EN",
    "SCENARIO_COLORS",
    "axes",
    "finish",
    "svg",
    "width",
    "wrap",
]

#: fill colour of a step box by kind
KIND_COLOR: dict[str, str] = {
    "intake": "#d6e6f5",
    "review": "#fbe3c4",
    "inspection": "#d3efdc",
    "approval": "#f6d3d1",
    "payment": "#f8efbf",
    "delivery": "#e4d7ef",
    "other": "#e9e9e9",
}
KIND_EN: dict[str, str] = {k: k for k in KIND_COLOR}

#: edge of a step box by channel: (colour, line style, line width)
CHANNEL_STYLE: dict[str, tuple[str, str, float]] = {
    "counter": ("#c0392b", "-", 2.0),
    "online": ("#2471a3", "--", 1.4),
    "backoffice": ("#7f8c8d", "-", 0.8),
    "onsite": ("#1e8449", ":", 1.6),
    "mail": ("#7d3c98", "-.", 1.4),
}
CHANNEL_EN: dict[str, str] = {
    "counter": "counter, a visit",
    "online": "online",
    "backoffice": "back office",
    "onsite": "on site",
    "mail": "mail",
}

#: one colour per scenario (before, after, …)
SCENARIO_COLORS = ("#7f8c8d", "#2e86c1", "#28b463", "#e67e22", "#8e44ad", "#c0392b")

#: punctuation that must not start a line (it stays on the line before)
_NO_LINE_START = frozenset("）)】」』》〉，、。；：！？%")
_TOKEN = re.compile(r"[A-Za-z0-9_.%/+\-]+|\s+|.", re.S)


def width(text: str) -> int:
    """Display width: wide (CJK) characters count 2, others 1."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def wrap(text: str, limit: int) -> str:
    """Wrap text at ``limit`` display columns; Latin words are kept whole when they fit.

    Examples
    --------
    >>> wrap("设立登记申请（受理）", 8)
    '设立登记\\n申请（受\\n理）'
    >>> wrap("办理时间（天）", 12)
    '办理时间（天）'
    >>> wrap("DB filing 2", 6)
    'DB\\nfiling\\n2'
    """
    lines: list[str] = []
    cur = ""
    for tok in _TOKEN.findall(text):
        if tok.isspace():
            if cur:
                cur += " "
            continue
        if cur and (width(cur) + width(tok) <= limit or tok in _NO_LINE_START):
            cur += tok
            continue
        if cur:
            lines.append(cur.rstrip())
        cur = tok
        while width(cur) > limit and len(cur) > 1:  # a long Latin word: cut it
            cut = 1
            while width(cur[:cut + 1]) <= limit:
                cut += 1
            lines.append(cur[:cut])
            cur = cur[cut:]
    if cur.strip():
        lines.append(cur.rstrip())
    return "\n".join(lines)


def axes(ax: Axes | None, figsize: tuple[float, float], kwargs: dict[str, Any]) -> Axes:
    """The Axes to draw on: ``ax``; else a new figure of its own (pandas' convention:
    two plots without ``ax`` make two figures), of ``kwargs.pop("figsize")`` when
    given, else of ``figsize``."""
    size = kwargs.pop("figsize", None) or figsize
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=size)
    return fig.add_subplot()


def finish(ax: Axes, kwargs: dict[str, Any]) -> Axes:
    """Apply the caller's Axes properties (``title``, ``xlabel``, ``xlim`` … as
    :meth:`matplotlib.axes.Axes.set` takes them) after drawing; return ``ax``."""
    if kwargs:
        ax.set(**kwargs)
    return ax


def svg(fig: Figure, **savefig: Any) -> str:
    """The figure as an inline ``<svg>`` element: text drawn as paths (no font
    needed to view it), deterministic ids, no XML prolog."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "flowkit"}):
        fig.savefig(buf, format="svg", metadata={"Date": None}, **savefig)
    text = buf.getvalue()
    start = text.find("<svg")
    text = text[start:] if start >= 0 else text
    return re.sub(r"\s*<metadata>.*?</metadata>", "", text, count=1, flags=re.S)
