"""How report and notebook tables of a comparison colour a KPI row.

A row is shaded by the ``improved`` columns of ``Comparison.table`` — never by
``significant`` alone, so a significant change for the worse is never green:

* ``"better"`` (green) when at least one scenario improved and none got worse;
* ``"worse"`` (red) when any scenario got worse (a worse change always shows);
* ``""`` (plain) when nothing changed, the KPI is descriptive, or a simulated
  change is within its interval.

Static rows are exact (no interval); tables mark them 精确.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["BETTER_ZH", "cell_text", "row_shade"]

#: the registry's ``better`` in the words of a Chinese report
BETTER_ZH = {"lower": "越低越好", "higher": "越高越好"}


def row_shade(row: pd.Series) -> str:
    """``"better"``, ``"worse"`` or ``""`` for one row of ``Comparison.table``.

    Examples
    --------
    >>> import pandas as pd
    >>> row_shade(pd.Series({"improved": True}))
    'better'
    >>> row_shade(pd.Series({"improved:a": True, "improved:b": False}))
    'worse'
    >>> row_shade(pd.Series({"improved": pd.NA}))
    ''
    """
    flags = [row[c] for c in row.index if str(c).startswith("improved")]
    known = [bool(v) for v in flags if not pd.isna(v)]
    if any(not v for v in known):
        return "worse"
    if known:
        return "better"
    return ""


def cell_text(v: Any) -> str | None:
    """The Chinese text of a yes/no or missing cell (是/否, – for NA), else None.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> cell_text(True), cell_text(np.False_), cell_text(pd.NA), cell_text(1.5)
    ('是', '否', '–', None)
    """
    if isinstance(v, bool | np.bool_):
        return "是" if v else "否"
    if v is pd.NA or v is None:
        return "–"
    return None
