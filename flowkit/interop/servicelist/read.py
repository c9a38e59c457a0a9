"""Sheets of a 政务服务事项 export found, their header rows read, their rows as text.

An ``.xlsx`` workbook's sheets or a folder's ``.csv`` files are read with the
catalogue reader's safe readers (python-calamine or openpyxl; UTF-8, UTF-16 or
GB18030 CSV); each of the three tables (事项, 申请材料, 办理环节) is found by its
sheet name, else by its columns. The header row is the first of the first 20 rows
naming at least two columns of the table; a second header row under merged cells
(``办结时限`` over ``法定``/``承诺``) is joined to the one above. Columns the
export holds and flowkit does not use (受理条件, 设定依据 …) are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import FlowkitError
from ..catalogue.cells import cell_text
from ..catalogue.tables import read_csv, read_excel
from .headers import REQUIRED, SHEET_NAMES, TABLES, header_key, lookup

__all__ = ["Sheet", "read_tables"]


@dataclass
class Sheet:
    """One table of the export: where it is, its columns and its non-blank rows."""

    table: str
    name: str
    headers: dict[str, str]  # column key -> header as written
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # Excel row, texts


def _raw_sheets(path: Path) -> list[tuple[str, list[list[Any]]]]:
    """Every sheet of a workbook, or every CSV file of a folder (or the one CSV file)."""
    if not path.exists():
        raise FlowkitError(f"no such file or folder: {path}")
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv")
        if not files:
            raise FlowkitError(f"the folder '{path}' holds no .csv file: export the 事项, "
                               "申请材料 and 办理环节 tables as CSV files into it")
        return [read_csv(p) for p in files]
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return [read_csv(path)]
    if suffix not in (".xlsx", ".xlsm", ".xls", ".ods"):
        raise FlowkitError(f"'{path.name}' has suffix '{path.suffix}': read_service_list reads "
                           ".xlsx (.xls, .ods with python-calamine), a .csv or a folder of .csv")
    names = _sheet_names(path)
    return [read_excel(path, n) for n in names]


def _sheet_names(path: Path) -> list[str]:
    """The sheet names of a workbook."""
    try:
        import python_calamine as calamine
    except ImportError:
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True)
        try:
            return list(wb.sheetnames)
        finally:
            wb.close()
    wb = calamine.CalamineWorkbook.from_path(str(path))
    names = list(wb.sheet_names)
    wb.close()
    return names


def _score(table: str, header: list[str | None]) -> int:
    """How many distinct columns of ``table`` a header row names."""
    return len({lookup(table, h) for h in header if h} - {None})


def _header(data: list[list[Any]], table: str) -> tuple[int, list[str | None]] | None:
    """Index of the (last) header row and the headers, two rows joined under merged cells."""
    for i, raw in enumerate(data[:20]):
        head = [cell_text(c) for c in raw]
        if _score(table, head) < 2:
            continue
        if i + 1 < len(data):
            joined = _join(head, [cell_text(c) for c in data[i + 1]], table)
            if joined is not None:
                return i + 1, joined
        return i, head
    return None


def _join(top: list[str | None], sub: list[str | None], table: str) -> list[str | None] | None:
    """Two header rows as one (``办结时限`` + ``法定`` -> 法定办结时限); None if ``sub`` is data."""
    n = max(len(top), len(sub))
    top = top + [None] * (n - len(top))
    sub = sub + [None] * (n - len(sub))
    out: list[str | None] = []
    parent: str | None = None
    gained = False
    for t, s in zip(top, sub, strict=True):
        parent = t if t is not None else parent
        if s is None:
            out.append(t)
            continue
        if t is not None and lookup(table, t) is not None:
            return None  # a value under a header that names a column: sub is a data row
        pick = next((c for c in (s, f"{s}{parent or ''}", f"{parent or ''}{s}")
                     if lookup(table, c) is not None), None)
        if pick is None:
            return None
        gained = True
        out.append(pick)
    return out if gained else None


def _table_of(name: str, data: list[list[Any]]) -> str | None:
    """Which table a sheet is: by its name, else by the columns it names."""
    key = header_key(name)
    for table, names in SHEET_NAMES.items():
        if key in {header_key(n) for n in names}:
            return table
    for table in ("steps", "materials", "services"):  # the most specific columns first
        if _distinctive(table, data):
            return table
    return None


def _distinctive(table: str, data: list[list[Any]]) -> bool:
    """The columns only that table has: 环节名称 (steps), 来源渠道/出具单位 (materials)."""
    found = _header(data, table)
    if found is None:
        return False
    keys = {lookup(table, h) for h in found[1] if h}
    if not {"code", "name"} <= keys:
        return False
    need = {"steps": {"order", "limit", "channel", "counted"}, "materials": {"source", "issuer",
            "form", "copies", "tolerance"}, "services": {"visits", "time_limit", "legal_limit",
            "case_type", "authority"}}[table]
    return bool(keys & need)


def _sheet(table: str, name: str, data: list[list[Any]]) -> Sheet:
    """A table's columns and its non-blank rows as ``{key: text}``, numbered as Excel does."""
    found = _header(data, table)
    if found is None:
        cols = "、".join(TABLES[table][k][0] for k in REQUIRED[table])
        raise FlowkitError(f"sheet '{name}' is the {table} table by its name, but none of its "
                           f"first 20 rows is a header naming {cols}: add the header row")
    at, head = found
    index: dict[str, int] = {}
    headers: dict[str, str] = {}
    for j, h in enumerate(head):
        key = lookup(table, h) if h else None
        if key is not None and key not in index:
            index[key], headers[key] = j, h  # type: ignore[assignment]
    out = Sheet(table, name, headers)
    for r, raw in enumerate(data[at + 1:], at + 2):
        texts = {k: v for k, j in index.items()
                 if j < len(raw) and (v := cell_text(raw[j])) is not None}
        if texts:
            out.rows.append((r, texts))
    return out


def read_tables(path: Path) -> dict[str, Sheet]:
    """The export's tables by name (``services``, ``materials`` and, if present, ``steps``)."""
    out: dict[str, Sheet] = {}
    for name, data in _raw_sheets(path):
        table = _table_of(name, data)
        if table is None or table in out:
            continue
        out[table] = _sheet(table, name, data)
    for table in ("services", "materials"):
        if table not in out:
            names = "、".join(SHEET_NAMES[table][:3])
            more = "、".join(v[0] for v in TABLES[table].values())
            raise FlowkitError(f"'{path.name}' has no {table} table: name its sheet (or CSV "
                               f"file) {names}, or give it the columns {more}")
    for s in out.values():
        missing = [TABLES[s.table][k][0] for k in REQUIRED[s.table] if k not in s.headers]
        if missing:
            raise FlowkitError(f"sheet '{s.name}' ({s.table}) has no column {'、'.join(missing)}: "
                               "add it (every row names its 事项编码)")
    return out
