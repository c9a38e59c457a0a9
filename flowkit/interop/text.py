"""Text as spreadsheets and tables lay it out."""

from __future__ import annotations

import unicodedata

from ..errors import InteropError

__all__ = ["decode_text", "display_width"]


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: wide (CJK) characters count double.

    Examples
    --------
    >>> display_width("跑动次数"), display_width("visits")
    (8, 6)
    """
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def decode_text(raw: bytes, source: str) -> str:
    """CSV bytes as Excel and WPS write them: UTF-8 (with or without BOM), UTF-16, GB18030."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise InteropError(
            f"{source}: the file is neither UTF-8 nor GB18030 text (byte {exc.start}): save it "
            "from Excel as 'CSV UTF-8' or from WPS as CSV"
        ) from None
