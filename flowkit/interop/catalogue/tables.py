"""Sheets of a 事项清单 as header-mapped rows.

A CSV file or an Excel sheet is read into a :class:`Table`: the header row found,
each header mapped to a column key of :data:`CATALOGUE_COLUMNS` (Chinese template
headers, English and further aliases), the non-blank rows as ``{key: text}``, and
the problems of the sheet itself (unknown, doubled or missing columns, values
under a blank header) located as ``SHEET!行ROW 列「HEADER」``.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import FlowkitError, ModelError
from ..text import decode_text
from .cells import cell_text, norm

__all__ = [
    "CATALOGUE_COLUMNS",
    "REQUIRED",
    "Problem",
    "Row",
    "Table",
    "pick_sheet",
    "read_csv",
    "read_excel",
    "read_sheet",
    "service_rows",
    "table",
]

#: column key -> (template header, English header, further accepted headers)
CATALOGUE_COLUMNS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "service": ("事项名称", "service", ("事项", "服务事项", "service_name")),
    "step_id": ("环节编号", "step_id", ("环节序号", "环节ID", "step_no")),
    "step": ("环节名称", "step", ("环节", "办理环节", "step_name")),
    "department": ("部门", "department", ("办理部门", "实施部门", "实施机关", "department_name")),
    "department_id": ("部门编号", "department_id", ("部门ID", "dept_id")),
    "level": ("层级", "level", ("部门层级", "行政层级")),
    "location": ("办理地点", "location", ("地点",)),
    "channel": ("办理方式", "channel", ("办理渠道",)),
    "kind": ("环节类型", "kind", ("类型",)),
    "work": ("办理时长", "work", ("工作时长", "work_time")),
    "wait": ("等待时长", "wait", ("等待时间", "wait_time")),
    "time_limit": ("承诺时限", "time_limit", ("承诺办结时限",)),
    "legal_limit": ("法定时限", "legal_limit", ("法定办结时限",)),
    "materials": ("材料", "materials", ("申请材料", "所需材料", "提交材料")),
    "produces": ("产出证照", "produces", ("产出", "证照", "办理结果")),
    "fee": ("收费", "fee", ("费用", "收费标准")),
    "next": ("下一环节", "next", ("后续环节", "下一步")),
    "join": ("汇合", "join", ("并联汇合",)),
    "staff": ("人员", "staff", ("人员数", "窗口人员", "staff_count")),
    "shared": ("共享", "shared", ("材料共享", "数据共享")),
    "calendar": ("日历", "calendar", ("工作日历",)),
    "per_day": ("日均申请量", "per_day", ("日均办件量", "日均件数", "arrivals")),
    "handoff": ("移交方式", "handoff", ("流转方式",)),
}

#: headers read and ignored (row numbers, remarks)
_IGNORED = {"序号", "备注", "说明", "note", "notes", "remark", "remarks", "#", "no"}

#: headers that could mean several columns: refused, naming them (时限 is a limit in
#: exports, never a wait — but committed or legal?)
_AMBIGUOUS = {"时限": ("承诺时限", "法定时限"), "办理时限": ("承诺时限", "法定时限"),
              "期限": ("承诺时限", "法定时限")}

#: column keys every catalogue has
REQUIRED = ("service", "department")

#: (Excel row number, column index or -1, located message)
Problem = tuple[int, int, str]
#: (Excel row number, {column key: text})
Row = tuple[int, dict[str, str]]


def _header_key(text: str) -> str:
    """A header as looked up: normalised, lower case, no spaces, no trailing note in brackets."""
    key = norm(text).lower().replace(" ", "")
    key = re.sub(r"\(.*\)$", "", key) or key  # 收费（元） -> 收费
    return key.replace("*", "")


_ALIASES: dict[str, str] = {}
for _key, (_zh, _en, _more) in CATALOGUE_COLUMNS.items():
    for _h in (_zh, _en, *_more, _key):
        _ALIASES[_header_key(_h)] = _key


@dataclass
class Table:
    """One sheet: its header row, the columns found and the rows below it."""

    sheet: str
    header_row: int
    columns: dict[str, int]  # key -> column index
    headers: dict[str, str]  # key -> header as written
    rows: list[Row]
    problems: list[Problem] = field(default_factory=list)

    def add(self, row: int, col: int, text: str) -> None:
        """Record a problem of the sheet at an Excel row and column index."""
        self.problems.append((row, col, text))


# ------------------------------------------------------------------------ raw sheets
def read_sheet(path: Path, sheet: str | int | None) -> tuple[str, list[list[Any]]]:
    """The name and raw cells of the sheet to read, by the file's suffix."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise FlowkitError(f"no such file: {path}")
    if suffix == ".csv":
        if sheet not in (None, 0, path.stem):
            raise FlowkitError(f"'{path.name}' is a CSV file: it has one sheet, '{path.stem}'")
        return read_csv(path)
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        return read_excel(path, sheet)
    raise FlowkitError(
        f"'{path.name}' has suffix '{path.suffix}': read_catalogue reads .xlsx and .csv "
        "(.xls and .ods with python-calamine)"
    )


def read_csv(path: Path) -> tuple[str, list[list[Any]]]:
    """A CSV file's rows (encoding and delimiter detected), named as Excel names its sheet."""
    text = decode_text(path.read_bytes(), path.name)
    first = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first.count) if first else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return path.stem, rows  # Excel names a CSV's only sheet after the file


def read_excel(path: Path, sheet: str | int | None) -> tuple[str, list[list[Any]]]:
    """A workbook sheet's name and cells: python-calamine when installed, else openpyxl."""
    try:
        import python_calamine as calamine
    except ImportError:
        calamine = None  # type: ignore[assignment]
    if calamine is not None:
        wb = calamine.CalamineWorkbook.from_path(str(path))
        names = list(wb.sheet_names)
        name = pick_sheet(names, sheet, path)
        data = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        wb.close()
        return name, data
    return _read_openpyxl(path, sheet)


def _read_openpyxl(path: Path, sheet: str | int | None) -> tuple[str, list[list[Any]]]:
    """A sheet's name and cells through openpyxl (``.xlsx``/``.xlsm`` only)."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise FlowkitError(
            f"reading '{path.name}' needs python-calamine: pip install 'flowkit[excel]'"
        )
    try:
        import openpyxl
    except ImportError:
        raise FlowkitError(
            f"reading '{path.name}' needs python-calamine (fast) or openpyxl: "
            "pip install 'flowkit[excel]' — or save the sheet as CSV, which needs nothing"
        ) from None
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        name = pick_sheet(list(wb.sheetnames), sheet, path)
        data = [list(r) for r in wb[name].iter_rows(values_only=True)]
    finally:
        wb.close()
    return name, data


def pick_sheet(names: list[str], sheet: str | int | None, path: Path) -> str:
    """The sheet asked for, by name or 0-based index (default the first), with a hint."""
    if sheet is None:
        if not names:
            raise FlowkitError(f"'{path.name}' has no sheet")
        return names[0]
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        if 0 <= sheet < len(names):
            return names[sheet]
        raise FlowkitError(
            f"'{path.name}' has {len(names)} sheet(s): sheet={sheet} is out of range"
        )
    if sheet in names:
        return sheet
    close = difflib.get_close_matches(str(sheet), names, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    raise FlowkitError(
        f"'{path.name}' has no sheet '{sheet}' (sheets: {', '.join(names)}){hint}"
    )


# ------------------------------------------------------------------- header and rows
def table(sheet: str, data: list[list[Any]]) -> Table:
    """Find the header row (the first of the first 20 rows naming 事项名称) and the columns."""
    header_at = _header_row(sheet, data)
    hrow = header_at + 1
    out = Table(sheet, hrow, {}, {}, [])
    blank_cols = _map_headers(out, [cell_text(c) for c in data[header_at]])
    _check_required(out)
    _read_rows(out, data[header_at + 1:], header_at + 2, blank_cols)
    return out


def _header_row(sheet: str, data: list[list[Any]]) -> int:
    """Index of the header row: the first naming 事项名称, else the first non-blank row."""
    for i, raw in enumerate(data[:20]):
        keys = {_ALIASES.get(_header_key(c)) for c in map(cell_text, raw) if c}
        if "service" in keys:
            return i
    first = next((i for i, r in enumerate(data) if any(cell_text(c) for c in r)), None)
    if first is None:
        raise ModelError([f"{sheet}: the sheet is empty: write a header row (事项名称, "
                          "环节名称, 部门, …) and one row per step"])
    return first


def _map_headers(t: Table, header: Sequence[str | None]) -> list[int]:
    """Map each header to its column key (problems for unknown or doubled ones).

    Returns the indices of the columns without a header.
    """
    known = [CATALOGUE_COLUMNS[k][0] for k in CATALOGUE_COLUMNS]
    blank_cols: list[int] = []
    hrow, sheet = t.header_row, t.sheet
    for j, h in enumerate(header):
        if h is None:
            blank_cols.append(j)
            continue
        hk = _header_key(h)
        if hk in _IGNORED:
            continue
        if hk in _AMBIGUOUS:
            a, b = _AMBIGUOUS[hk]
            t.add(hrow, j, f"{sheet}!行{hrow} 列「{h}」: is ambiguous: it may mean 「{a}」 "
                           f"(time_limit) or 「{b}」 (legal_limit) — rename it to the one it is "
                           "(a step's waiting time is 「等待时长」)")
            continue
        key = _ALIASES.get(hk)
        if key is None:
            close = difflib.get_close_matches(h, known, n=1, cutoff=0.5)
            hint = f": did you mean 「{close[0]}」?" if close else f" (columns: {'、'.join(known)})"
            t.add(hrow, j, f"{sheet}!行{hrow} 列「{h}」: is not a column of the catalogue "
                           f"template{hint} (rename it, or head it 备注 to keep it as a note)")
            continue
        if key in t.columns:
            other = t.headers[key]
            t.add(hrow, j, f"{sheet}!行{hrow} 列「{h}」: means the same as 列「{other}」"
                           f" ({CATALOGUE_COLUMNS[key][0]}): keep one of them")
            continue
        t.columns[key] = j
        t.headers[key] = h
    return blank_cols


def _check_required(t: Table) -> None:
    """A problem (column -1) for each required column missing, and for unnamed steps."""
    hrow, sheet = t.header_row, t.sheet
    for key in REQUIRED:
        if key not in t.columns:
            zh, en, _ = CATALOGUE_COLUMNS[key]
            t.add(hrow, -1, f"{sheet}!行{hrow}: the column 「{zh}」 ({en}) is missing: every "
                            "catalogue names the service and the department of each step")
    if "step" not in t.columns and "step_id" not in t.columns:
        t.add(hrow, -1, f"{sheet}!行{hrow}: neither 「环节名称」 nor 「环节编号」 is there: name "
                        "each step")


def _read_rows(t: Table, data: list[list[Any]], first_row: int, blank_cols: list[int]) -> None:
    """The non-blank rows below the header as ``{key: text}``, numbered from ``first_row``."""
    for row, cells in enumerate(data, first_row):
        if not any(cell_text(c) is not None for c in cells):
            continue
        for j in blank_cols:
            if j < len(cells) and cell_text(cells[j]) is not None:
                t.add(row, j, f"{t.sheet}!行{row} 列{_col_letter(j)}: holds "
                              f"'{cell_text(cells[j])}' but the column has no header: head it "
                              "(or 备注 to keep it as a note)")
        n = len(cells)
        texts = {}
        for key, j in t.columns.items():
            if j < n:
                v = cell_text(cells[j])
                if v is not None:
                    texts[key] = v
        t.rows.append((row, texts))


def _col_letter(j: int) -> str:
    """Excel's letter of a 0-based column index (0 -> A, 26 -> AA)."""
    out = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        out = chr(65 + r) + out
    return out


def service_rows(t: Table) -> tuple[dict[str, list[Row]], list[Problem]]:
    """The rows of each service, in order; a blank 事项名称 continues the service above."""
    groups: dict[str, list[Row]] = {}
    problems: list[Problem] = []
    current: str | None = None
    sj = t.columns["service"]
    for row, cells in t.rows:
        svc = cells.get("service")
        if svc is None:
            if current is None:
                problems.append((row, sj, f"{t.sheet}!行{row} 列「{t.headers['service']}」: "
                                          "is blank: name the service (事项名称)"))
                continue
            svc = current
        current = svc
        groups.setdefault(svc, []).append((row, cells))
    return groups, problems
