"""Chinese text in matplotlib without touching global settings.

A CJK font is found once per session: a TrueType (``glyf``) CJK font that
matplotlib's font manager already knows (Noto Sans CJK SC, Source Han Sans SC,
WenQuanYi …; never SimHei or SimSun), else the Noto Sans SC file shipped in
``flowkit/fonts/`` (SIL Open Font License), registered with
``fontManager.addfont``. Plots are drawn inside ``matplotlib.rc_context`` with
``font.family = ["DejaVu Sans", <CJK family>]``: Latin text keeps DejaVu Sans and
each Chinese glyph falls back to the CJK font, in PNG, SVG and PDF alike.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import logging
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["FONT_FILE", "ChineseFont", "cjk_font", "family", "rc_params", "style",
           "use_chinese_font"]

FONT_FILE = Path(__file__).resolve().parent / "fonts" / "NotoSansSC-Regular.ttf"

#: CJK families tried on the system, best first (proprietary SimHei/SimSun are never used)
PREFERRED = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Sarasa Gothic SC",
    "PingFang SC",
    "Hiragino Sans GB",
    "Microsoft YaHei",
)
#: text a usable font must cover
_PROBE = "中文跑动办理环节部门（）"
#: what fontTools raises on a malformed table (besides its TTLibError): short
#: reads, bad offsets and the assertions of its decoders
_FONT_DATA_ERRORS: tuple[type[Exception], ...] = (
    struct.error, EOFError, KeyError, IndexError, ValueError, AssertionError,
)

_log = logging.getLogger("flowkit")


def _usable(path: str, index: int = 0) -> bool:
    """A TrueType-outline font (PDF-safe) that covers common Chinese text.

    A font file that cannot be read is not usable: it is skipped (and logged at
    debug level on the ``flowkit`` logger), so one broken system font never stops
    a plot.
    """
    ttlib = importlib.import_module("fontTools.ttLib")  # matplotlib depends on fonttools
    try:
        font = ttlib.TTFont(path, fontNumber=index, lazy=True)
        try:
            if "glyf" not in font:
                return False
            cmap = font.getBestCmap() or {}
            return all(ord(ch) in cmap for ch in _PROBE)
        finally:
            font.close()
    except (OSError, ttlib.TTLibError, *_FONT_DATA_ERRORS) as exc:
        _log.debug("font %s (index %d) skipped: %s", path, index, exc)
        return False


def _weight(w: Any) -> int:
    """A font weight as a number (400 regular, 500 medium …)."""
    if isinstance(w, int | float):
        return int(w)
    from matplotlib.font_manager import weight_dict

    return int(weight_dict.get(str(w).lower(), 400))


@functools.cache
def cjk_font() -> tuple[str, str]:
    """The CJK font plots use: ``(family name, file path)``.

    A suitable font already known to matplotlib wins; otherwise the bundled
    Noto Sans SC is registered (once; no font-cache rebuild).

    Examples
    --------
    >>> from flowkit.report.plot import cjk_font
    >>> name, path = cjk_font()
    >>> bool(name) and path.endswith((".ttf", ".ttc", ".otf"))
    True
    """
    from matplotlib import font_manager

    entries = font_manager.fontManager.ttflist
    for wanted in PREFERRED:
        regular = sorted(
            (e for e in entries
             if e.name == wanted and e.style == "normal" and abs(_weight(e.weight) - 400) <= 100),
            key=lambda e: abs(_weight(e.weight) - 400),
        )
        for e in regular:
            if _usable(e.fname, getattr(e, "index", 0)):
                return e.name, str(e.fname)
    path = str(FONT_FILE)
    if not any(str(e.fname) == path for e in entries):
        font_manager.fontManager.addfont(path)
    name = font_manager.FontProperties(fname=path).get_name()
    return name, path


def family() -> list[str]:
    """The font family list: DejaVu Sans for Latin text, then the CJK font."""
    return ["DejaVu Sans", cjk_font()[0]]


def rc_params() -> dict[Any, Any]:
    """Settings for ``matplotlib.rc_context`` so that Chinese text renders.

    Use them for your own figures; flowkit's plots apply them by themselves and
    never change global settings.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import flowkit as fk
    >>> with plt.rc_context(fk.plot.rc_params()):
    ...     fig, ax = plt.subplots()
    ...     _ = ax.set_title("跑动次数")
    ...     fig.savefig(__import__("io").BytesIO(), format="png")
    >>> plt.close(fig)
    """
    return {
        "font.family": family(),
        "axes.unicode_minus": False,
    }


@contextlib.contextmanager
def style() -> Iterator[None]:
    """A context in which figures made (and saved) render Chinese text."""
    import matplotlib

    with matplotlib.rc_context(rc_params()):
        yield


class ChineseFont:
    """Chinese text in your own matplotlib and pandas charts (what
    :func:`use_chinese_font` returns).

    Made, it sets :func:`rc_params` globally; used as a context manager, it puts the
    settings it changed back when the block ends.
    """

    def __init__(self) -> None:
        import matplotlib

        params = rc_params()
        self.saved: dict[Any, Any] = {k: matplotlib.rcParams[k] for k in params}
        matplotlib.rcParams.update(params)

    def __enter__(self) -> ChineseFont:
        return self

    def __exit__(self, *exc: object) -> None:
        import matplotlib

        matplotlib.rcParams.update(self.saved)


def use_chinese_font() -> ChineseFont:
    """Render Chinese in your own matplotlib and pandas charts.

    flowkit's plots need nothing (they never change global settings); your own
    charts (``df.plot()``, ``plt.bar`` …) use matplotlib's settings, whose default
    font has no Chinese glyphs (empty boxes, "Glyph … missing" warnings). Called, this
    sets the font family to DejaVu Sans followed by the CJK font of :func:`cjk_font`
    for the rest of the session; as a context manager (``with``) only inside the
    block. The figures must be made inside the block (their text keeps the font it
    was made with, so they may be shown or saved after it).

    Returns
    -------
    ChineseFont
        A context manager that restores the previous settings on exit.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> import flowkit as fk
    >>> before = list(matplotlib.rcParams["font.family"])
    >>> with fk.plot.use_chinese_font():
    ...     ax = pd.Series({"跑动": 4, "材料": 22}).plot.bar()
    ...     fam = list(matplotlib.rcParams["font.family"])
    >>> fam == fk.plot.rc_params()["font.family"], matplotlib.rcParams["font.family"] == before
    (True, True)
    >>> plt.close("all")
    """
    return ChineseFont()
