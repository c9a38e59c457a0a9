"""Text as spreadsheets and tables lay it out."""

from __future__ import annotations

import unicodedata

__all__ = ["display_width"]


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: wide (CJK) characters count double.

    Examples
    --------
    >>> display_width("跑动次数"), display_width("visits")
    (8, 6)
    """
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)
