"""A CJK web font embedded in the HTML report, cut down to the characters it uses.

A report must render its Chinese on a machine without a Chinese font (a fresh
server, a headless browser, a client's locked-down laptop) and without a network.
The page's CSS names ``flowkit-cjk`` first (system CJK fonts only after it:
with a Latin family first, Chromium falls back per character to a system font
and draws empty boxes before it reaches an embedded one): the Noto Sans SC font shipped with flowkit
(:data:`flowkit.report.plot.fonts.FONT_FILE`, SIL Open Font License), subset with
fontTools (a dependency of matplotlib) to the page's own characters and inlined as
a ``data:`` URL (about 1 KB per distinct Chinese character).
"""

from __future__ import annotations

import base64
import io
import logging

from .plot.fonts import FONT_FILE

__all__ = ["FAMILY", "font_face"]

FAMILY = "flowkit-cjk"

_log = logging.getLogger("flowkit")


def font_face(text: str) -> str:
    """A CSS ``@font-face`` rule for :data:`FAMILY` holding the glyphs of ``text``.

    Empty (the page falls back to the system's fonts, logged) when the font file or
    fontTools is missing or the font cannot be subset.

    Examples
    --------
    >>> rule = font_face("跑动次数 visits")
    >>> rule.startswith("@font-face{font-family:'flowkit-cjk';src:url(data:font/ttf;base64,")
    True
    >>> 2_000 < len(rule) < 60_000
    True
    """
    try:
        from fontTools import subset  # type: ignore[import-untyped]
    except ImportError as exc:  # fontTools comes with matplotlib; never fatal here
        _log.warning("the report embeds no CJK font: fontTools is missing", exc_info=exc)
        return ""
    chars = {ord(ch) for ch in text if not ch.isspace()} | set(range(0x20, 0x7F))
    try:
        options = subset.Options()
        options.name_IDs = ["*"]
        options.notdef_outline = True
        font = subset.load_font(str(FONT_FILE), options)
        sub = subset.Subsetter(options)
        sub.populate(unicodes=sorted(chars))
        sub.subset(font)
        buf = io.BytesIO()
        font.save(buf)
    except (OSError, ValueError, KeyError, AssertionError) as exc:
        _log.warning("the report embeds no CJK font: %s could not be subset", FONT_FILE,
                     exc_info=exc)
        return ""
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (f"@font-face{{font-family:'{FAMILY}';src:url(data:font/ttf;base64,{data}) "
            "format('truetype');font-display:block}")
