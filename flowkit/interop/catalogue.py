"""A catalogue of services (事项清单): many processes from one step table.

One row per step, Chinese column headers (English aliases accepted), one
:class:`~flowkit.Process` per 事项名称. Each service is built through
:func:`flowkit.parse`, so every rule of the file format applies; every problem of
every service is reported together, located as ``SHEET!行ROW 列「HEADER」``.

The template, column by column, is documented in ``examples/catalogue/README.md``
and in :func:`read_catalogue`.
"""

from __future__ import annotations

import csv
import difflib
import gc
import io
import math
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from ..analysis.analyze import KPI_LABELS, analyze
from ..errors import FlowkitError, ModelError
from ..model.process import Process
from .files import parse
from .text import decode_text

__all__ = [
    "CATALOGUE_COLUMNS",
    "analyze_catalogue",
    "read_catalogue",
    "summarize_catalogue",
]

PathLike = str | os.PathLike[str]

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
    "wait": ("等待时长", "wait", ("时限", "等待时间", "wait_time")),
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

_REQUIRED = ("service", "department")


@lru_cache(maxsize=1 << 16)
def _norm(text: str) -> str:
    """Text as compared: NFKC (full-width to half-width), trimmed, spaces collapsed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def _header_key(text: str) -> str:
    """A header as looked up: normalised, lower case, no spaces, no trailing note in brackets."""
    key = _norm(text).lower().replace(" ", "")
    key = re.sub(r"\(.*\)$", "", key) or key  # 收费（元） -> 收费
    return key.replace("*", "")


_ALIASES: dict[str, str] = {}
for _key, (_zh, _en, _more) in CATALOGUE_COLUMNS.items():
    for _h in (_zh, _en, *_more, _key):
        _ALIASES[_header_key(_h)] = _key


# ----------------------------------------------------------------------------- reading
@dataclass
class _Table:
    sheet: str
    header_row: int
    columns: dict[str, int]  # key -> column index
    headers: dict[str, str]  # key -> header as written
    rows: list[tuple[int, dict[str, str]]]  # (Excel row number, {column key: text})
    problems: list[tuple[int, int, str]] = field(default_factory=list)


def _cell(value: Any) -> str | None:
    """A cell as text (None when blank); integral numbers lose their '.0'."""
    if type(value) is str:
        return value.strip() or None
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    text = str(value).strip()
    return text or None


def _read_csv(path: Path) -> tuple[str, list[list[Any]]]:
    text = decode_text(path.read_bytes(), path.name)
    first = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first.count) if first else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return path.stem, rows  # Excel names a CSV's only sheet after the file


def _read_excel(path: Path, sheet: str | int | None) -> tuple[str, list[list[Any]]]:
    try:
        import python_calamine as calamine
    except ImportError:
        calamine = None  # type: ignore[assignment]
    if calamine is not None:
        wb = calamine.CalamineWorkbook.from_path(str(path))
        names = list(wb.sheet_names)
        name = _pick_sheet(names, sheet, path)
        data = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        wb.close()
        return name, data
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
        name = _pick_sheet(list(wb.sheetnames), sheet, path)
        data = [list(r) for r in wb[name].iter_rows(values_only=True)]
    finally:
        wb.close()
    return name, data


def _pick_sheet(names: list[str], sheet: str | int | None, path: Path) -> str:
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


def _table(sheet: str, data: list[list[Any]]) -> _Table:
    """Find the header row (the first of the first 20 rows naming 事项名称) and the columns."""
    header_at = None
    for i, raw in enumerate(data[:20]):
        keys = {_ALIASES.get(_header_key(c)) for c in map(_cell, raw) if c}
        if "service" in keys:
            header_at = i
            break
    if header_at is None:
        first = next((i for i, r in enumerate(data) if any(_cell(c) for c in r)), None)
        if first is None:
            raise ModelError([f"{sheet}: the sheet is empty: write a header row (事项名称, "
                              "环节名称, 部门, …) and one row per step"])
        header_at = first
    header = [_cell(c) for c in data[header_at]]
    hrow = header_at + 1
    table = _Table(sheet, hrow, {}, {}, [])
    known = [CATALOGUE_COLUMNS[k][0] for k in CATALOGUE_COLUMNS]
    blank_cols: list[int] = []
    for j, h in enumerate(header):
        if h is None:
            blank_cols.append(j)
            continue
        hk = _header_key(h)
        if hk in _IGNORED:
            continue
        key = _ALIASES.get(hk)
        if key is None:
            close = difflib.get_close_matches(h, known, n=1, cutoff=0.5)
            hint = f": did you mean 「{close[0]}」?" if close else f" (columns: {'、'.join(known)})"
            table.problems.append(
                (hrow, j, f"{sheet}!行{hrow} 列「{h}」: is not a column of the catalogue "
                          f"template{hint} (rename it, or head it 备注 to keep it as a note)")
            )
            continue
        if key in table.columns:
            other = table.headers[key]
            table.problems.append(
                (hrow, j, f"{sheet}!行{hrow} 列「{h}」: means the same as 列「{other}」"
                          f" ({CATALOGUE_COLUMNS[key][0]}): keep one of them")
            )
            continue
        table.columns[key] = j
        table.headers[key] = h
    for key in _REQUIRED:
        if key not in table.columns:
            zh, en, _ = CATALOGUE_COLUMNS[key]
            table.problems.append(
                (hrow, -1, f"{sheet}!行{hrow}: the column 「{zh}」 ({en}) is missing: every "
                           "catalogue names the service and the department of each step")
            )
    if "step" not in table.columns and "step_id" not in table.columns:
        table.problems.append(
            (hrow, -1, f"{sheet}!行{hrow}: neither 「环节名称」 nor 「环节编号」 is there: name "
                       "each step")
        )
    for i in range(header_at + 1, len(data)):
        cells = data[i]
        if not any(_cell(c) is not None for c in cells):
            continue
        for j in blank_cols:
            if j < len(cells) and _cell(cells[j]) is not None:
                table.problems.append(
                    (i + 1, j, f"{sheet}!行{i + 1} 列{_col_letter(j)}: holds "
                               f"'{_cell(cells[j])}' but the column has no header: head it "
                               "(or 备注 to keep it as a note)")
                )
        n = len(cells)
        texts = {}
        for key, j in table.columns.items():
            if j < n:
                v = _cell(cells[j])
                if v is not None:
                    texts[key] = v
        table.rows.append((i + 1, texts))
    return table


def _col_letter(j: int) -> str:
    out = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        out = chr(65 + r) + out
    return out


# ----------------------------------------------------------------------- cell grammar
_LIST_SEPARATORS = ";；、,，\n"
_PAIRS = {"(": ")", "（": "）", "[": "]", "【": "】", "《": "》", "“": "”", "‘": "’"}
_CLOSERS = set(_PAIRS.values())


@lru_cache(maxsize=1 << 14)
def _split(text: str, separators: str = _LIST_SEPARATORS) -> tuple[str, ...]:
    """Split on separators outside brackets and quotes (《施工、监理合同》 stays whole)."""
    out: list[str] = []
    cur: list[str] = []
    depth = 0
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif ch in _PAIRS:
            depth += 1
        elif ch in _CLOSERS and depth > 0:
            depth -= 1
        if ch in separators and depth == 0 and not quoted:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur).strip())
    return tuple(x for x in out if x)


def _unquote(name: str) -> str:
    """《营业执照》 / “营业执照” -> 营业执照 (the marks are not part of the name)."""
    name = name.strip()
    for a, b in (("《", "》"), ("“", "”"), ('"', '"'), ("'", "'"), ("‘", "’")):
        if len(name) > 2 and name.startswith(a) and name.endswith(b):
            return name[1:-1].strip()
    return name


_ISSUED = re.compile(
    r"^(?P<name>.+?)\s*[(（]\s*(?P<issuer>(?:[^()（）]|[(（][^()（）]*[)）])+?)\s*"
    r"(?:出具|核发|签发|开具|颁发|提供)"
    r"\s*(?P<extra>(?:[,，;；、][^()（）]*)?)[)）]$"
)
_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "all", "and", "汇合", "共享", "已共享"}
_FALSE = {"否", "n", "no", "false", "0", "×", "不", "不共享", "无"}
_END = {"结束", "end", "无", "-", "—", "/", "办结结束", "流程结束"}
_ZERO_TIME = {"即办", "当场", "当场办结", "立即", "即时", "即时办结", "当即"}


@lru_cache(maxsize=1 << 14)
def _duration(text: str) -> str:
    """Chinese duration text made readable by flowkit: 3个工作日 -> 3工作日; 即办 -> 0h."""
    t = _norm(text)
    if t in _ZERO_TIME:
        return "0h"
    return re.sub(r"(\d)\s*个\s*(?=[^\d\s])", r"\1", t)


def _number(text: str, unit: str = "元") -> Any:
    """'400', '400元', '免费' -> a float; anything else is passed on for flowkit to judge."""
    t = _norm(text).replace(",", "")
    if t in ("免费", "不收费", "无", "0元", "免"):
        return 0.0
    m = re.fullmatch(rf"([+-]?\d+(?:\.\d*)?)\s*(?:{unit})?", t)
    return float(m.group(1)) if m else text


def _count(text: str) -> Any:
    t = _norm(text)
    m = re.fullmatch(r"(\d+)\s*(?:人|名|个)?", t)
    return int(m.group(1)) if m else text


@lru_cache(maxsize=1 << 14)
def _material_item(item: str, issued: bool) -> tuple[str, str | None, bool, str | None]:
    """'无犯罪记录证明（公安局出具，3个工作日，共享）' -> name, issuer, shared, issue time.

    After the issuer, ``共享`` marks the certificate shared and a duration is how long the
    issuer takes to issue it (the department's ``issue_time``).
    """
    m = _ISSUED.match(item.strip()) if issued else None
    if m:
        shared, issue = False, None
        for part in re.split(r"[,，;；、]", m.group("extra") or ""):
            part = part.strip()
            if not part:
                continue
            if part in ("共享", "已共享"):
                shared = True
            else:
                issue = part
        return _unquote(m.group("name")), m.group("issuer"), shared, issue
    return _unquote(item), None, False, None


@lru_cache(maxsize=1 << 14)
def _slug(name: str, prefix: str) -> str:
    """An id from a name: letters of any script, digits, '_' and '-'; digits first get a prefix."""
    s = re.sub(r"[^\w-]+", "_", _norm(name)).strip("_")
    if not s:
        return prefix
    if not re.match(r"[^\W\d]", s):
        s = f"{prefix}{s}" if s[0].isdigit() else f"{prefix}_{s}"
    return s


# ------------------------------------------------------------------------ one service
@dataclass
class _Dept:
    id: str
    name: str
    row: int
    key: str  # column that declared it
    level: tuple[str, int] | None = None
    staff: tuple[Any, int] | None = None
    location: tuple[str, int] | None = None
    issue_time: tuple[Any, int] | None = None
    id_from_column: bool = False


@dataclass
class _Mat:
    id: str
    name: str
    row: int
    key: str
    issuer: tuple[str, int] | None = None  # department id, row
    shared: tuple[bool, int] | None = None
    produced_by: str | None = None


class _Service:
    """The rows of one service, turned into a process tree and a map of locations."""

    def __init__(self, name: str, table: _Table, rows: list[tuple[int, dict[str, str]]]) -> None:
        self.name = name
        self.table = table
        self.rows = rows
        self.problems: list[tuple[int, int, str]] = []
        self.sentinels: set[str] = set()
        self.step_rows: list[int] = []
        self.dept_order: list[_Dept] = []
        self.depts: dict[str, _Dept] = {}
        self.dept_names: dict[str, str] = {}  # normalised name -> id
        self.mats: dict[str, _Mat] = {}  # normalised name -> material
        self.mat_ids: dict[str, str] = {}  # id -> normalised name
        self.top: dict[str, tuple[Any, int]] = {}
        self.shared_flags: list[tuple[int, bool, list[str]]] = []
        self.labels: dict[str, str] = {}  # generated step id -> 环节名称, for messages

    # -- helpers -------------------------------------------------------------------
    @staticmethod
    def get(cells: dict[str, str], key: str) -> str | None:
        return cells.get(key)

    def col(self, key: str) -> int:
        return self.table.columns.get(key, -1)

    def where(self, row: int, key: str | None) -> str:
        head = f"{self.table.sheet}!行{row}"
        if key is None:
            return head
        return f"{head} 列「{self.table.headers.get(key, CATALOGUE_COLUMNS[key][0])}」"

    def problem(self, row: int, key: str | None, text: str) -> None:
        self.problems.append((row, self.col(key) if key else -1, f"{self.where(row, key)}: {text}"))

    # -- departments and materials ------------------------------------------------------
    def department(self, name: str, dept_id: str | None, row: int, key: str) -> str:
        norm = _norm(name)
        if dept_id is not None:
            did = f"d{dept_id}" if dept_id.isdigit() else dept_id
            d = self.depts.get(did)
            if d is None:
                d = _Dept(did, name, row, key, id_from_column=True)
                self.depts[did] = d
                self.dept_order.append(d)
                self.dept_names.setdefault(norm, did)
            elif _norm(d.name) != norm:
                self.problem(row, "department", f"'{name}' has 部门编号 '{dept_id}', which "
                             f"行{d.row} gives to '{d.name}': one id, one department")
            return did
        if norm in self.dept_names:
            return self.dept_names[norm]
        did = base = _slug(name, "d")
        n = 2
        while did in self.depts:
            did, n = f"{base}_{n}", n + 1
        d = _Dept(did, name, row, key)
        self.depts[did] = d
        self.dept_order.append(d)
        self.dept_names[norm] = did
        return did

    def material(self, item: str, row: int, key: str) -> str:
        name, issuer, shared, issue = _material_item(item, key == "materials")
        norm = _norm(name)
        mat = self.mats.get(norm)
        if mat is None:
            mid = base = _slug(name, "m")
            n = 2
            while mid in self.mat_ids:
                mid, n = f"{base}_{n}", n + 1
            mat = _Mat(mid, name, row, key)
            self.mats[norm] = mat
            self.mat_ids[mid] = norm
        if issuer is not None:
            did = self.department(issuer, None, row, key)
            if mat.issuer is not None and mat.issuer[0] != did:
                self.problem(row, key, f"'{name}' is issued by '{issuer}' here but by "
                             f"'{self.depts[mat.issuer[0]].name}' at 行{mat.issuer[1]}: "
                             "a material has one issuer")
            elif mat.issuer is None:
                mat.issuer = (did, row)
            if issue is not None:
                self.dept_field(self.depts[did], "issue_time", _duration(issue), row, key,
                                "issue time")
        if shared:
            self.set_shared(mat, True, row, key)
        return mat.id

    def set_shared(self, mat: _Mat, value: bool, row: int, key: str) -> None:
        if mat.shared is not None and mat.shared[0] != value:
            word, other = ("shared", "not shared") if value else ("not shared", "shared")
            self.problem(row, key, f"'{mat.name}' is marked {word} here but {other} at 行"
                         f"{mat.shared[1]}: mark it the same way on every row")
        elif mat.shared is None:
            mat.shared = (value, row)

    def dept_field(self, d: _Dept, attr: str, value: Any, row: int, key: str, what: str) -> None:
        held = getattr(d, attr)
        if held is None:
            setattr(d, attr, (value, row))
        elif held[0] != value:
            self.problem(row, key, f"'{value}' differs from '{held[0]}' given for '{d.name}' "
                         f"at 行{held[1]}: a department has one {what}")

    def top_field(self, key: str, value: Any, row: int, text: str) -> None:
        held = self.top.get(key)
        if held is None:
            self.top[key] = (value, row)
        elif held[0] != value:
            self.problem(row, key, f"'{text}' differs from the value given at 行{held[1]}: a "
                         "service has one value here (leave the other rows blank)")

    # -- flows ------------------------------------------------------------------------
    def resolve(self, ref: str, row: int) -> str:
        t = _norm(_unquote(ref))
        if t.isdigit():
            t = f"s{t}"
        if t in self.ids:
            return t
        hits = self.names.get(t, [])
        if len(hits) == 1:
            return hits[0]
        if t.lower() in _END:
            self.problem(row, "next", f"'{ref}' inside a choice or a parallel split: a branch "
                         "cannot end the process here; add a last step (e.g. 办结) and name it")
        elif len(hits) > 1:
            rows = "、".join(f"行{self.step_rows[self.index[h]]}" for h in hits)
            self.problem(row, "next", f"'{ref}' names {len(hits)} steps ({rows}): refer to "
                         "one by its 环节编号")
        else:
            known = [*self.ids, *self.names]
            close = difflib.get_close_matches(t, known, n=1, cutoff=0.5)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            self.problem(row, "next", f"'{ref}' is not a step of 事项「{self.name}」{hint} "
                         "(refer to a step by its 环节名称 or 环节编号)")
        sentinel = f"__unresolved_{row}_{len(self.sentinels)}"
        self.sentinels.add(sentinel)
        return sentinel

    def flow(self, text: str | None, row: int, k: int) -> Any:
        if text is None:
            return self.order[k + 1] if k + 1 < len(self.order) else None
        t = _norm(text)
        if t.lower() in _END:
            return None
        whole = _norm(_unquote(t))
        numbered = whole.isdigit() and f"s{whole}" in self.ids
        if whole in self.ids or whole in self.names or numbered:
            return self.resolve(t, row)
        if ":" in t:
            out: dict[str, Any] = {}
            for item in _split(t, ";；,，、\n"):
                ref, sep, prob = item.rpartition(":")
                if not sep or not ref.strip():
                    self.problem(row, "next", f"'{item}' is not 'step:probability': write a "
                                 "choice as 补正:0.2;审批:0.8")
                    continue
                target = self.resolve(ref.strip(), row)
                if target in out:
                    self.problem(row, "next", f"'{ref.strip()}' is listed twice in the choice")
                out[target] = _probability(prob.strip())
            return out or None
        if "+" in t:
            return [self.resolve(x, row) for x in _split(t, "+")]
        parts = _split(t, ";；,，、\n")
        if len(parts) > 1:
            self.problem(row, "next", f"'{text}' lists several steps: write 'A:0.8;B:0.2' for a "
                         "choice (probabilities) or 'A+B' for parallel branches (并联)")
            return None
        return self.resolve(t, row)

    # -- the tree ----------------------------------------------------------------------
    def build(self) -> dict[str, Any]:
        get = self.get
        # step ids first: next may refer forward
        self.order: list[str] = []
        self.ids: set[str] = set()
        self.names: dict[str, list[str]] = {}
        self.index: dict[str, int] = {}
        for k, (row, cells) in enumerate(self.rows):
            raw = get(cells, "step_id")
            sid = (f"s{_norm(raw)}" if _norm(raw).isdigit() else _norm(raw)) if raw else f"s{k + 1}"
            self.order.append(sid)
            self.step_rows.append(row)
            label = get(cells, "step")
            if label and (raw is None or _norm(raw).isdigit()):
                self.labels[sid] = label
            self.ids.add(sid)
            self.index.setdefault(sid, k)
            name = get(cells, "step")
            if name:
                self.names.setdefault(_norm(name), []).append(sid)
        steps: list[dict[str, Any]] = []
        for k, (row, cells) in enumerate(self.rows):
            steps.append(self.step(k, row, cells))
        self.apply_shared_flags()
        tree: dict[str, Any] = {"name": self.name}
        if "calendar" in self.top:
            tree["calendar"] = self.top["calendar"][0]
        if "per_day" in self.top:
            tree["arrivals"] = {"per_day": self.top["per_day"][0]}
        if "handoff" in self.top:
            tree["handoff"] = {"mode": self.top["handoff"][0]}
        tree["departments"] = [self.dept_tree(d) for d in self.dept_order]
        mats = list(self.mats.values())
        tree["materials"] = [self.mat_tree(m) for m in mats]
        tree["steps"] = steps
        self.mat_order = mats
        return tree

    def step(self, k: int, row: int, cells: dict[str, str]) -> dict[str, Any]:
        get = self.get
        s: dict[str, Any] = {"id": self.order[k]}
        name = get(cells, "step")
        if name:
            s["name"] = name
        dname = get(cells, "department")
        did_text = get(cells, "department_id")
        if dname is None and did_text is None:
            self.problem(row, "department", "is blank: name the department that performs "
                         "the step")
            did = "__placeholder__"
            self.sentinels.add(did)
            s["department"] = did
        else:
            did = self.department(dname or did_text or "", did_text, row,
                                  "department" if dname else "department_id")
            s["department"] = did
            d = self.depts[did]
            level = get(cells, "level")
            if level is not None:
                self.dept_field(d, "level", level, row, "level", "level (层级)")
            staff = get(cells, "staff")
            if staff is not None:
                self.dept_field(d, "staff", _count(staff), row, "staff", "number of staff (人员)")
            where = get(cells, "location")
            if where is not None:
                if d.location is None:
                    d.location = (where, row)
                elif _norm(d.location[0]) != _norm(where):
                    s["location"] = where
        for key in ("kind", "channel"):
            v = get(cells, key)
            if v is not None:
                s[key] = _norm(v)
        for key in ("work", "wait", "time_limit", "legal_limit"):
            v = get(cells, key)
            if v is not None:
                s[key] = _duration(v)
        fee = get(cells, "fee")
        if fee is not None:
            s["fee"] = _number(fee)
        listed = get(cells, "materials")
        if listed:
            s["materials"] = [self.material(x, row, "materials") for x in _split(listed)]
        shared = get(cells, "shared")
        if shared is not None:
            self.shared_cell(shared, s.get("materials", []), row)
        made = get(cells, "produces")
        if made:
            out = []
            for x in _split(made):
                mid = self.material(x, row, "produces")
                mat = self.mats[self.mat_ids[mid]]
                if mat.produced_by is None:
                    mat.produced_by = did
                out.append(mid)
            s["produces"] = out
        join = get(cells, "join")
        if join is not None:
            j = _norm(join).lower()
            if j in _TRUE:
                s["join"] = "all"
            elif j not in _FALSE:
                self.problem(row, "join", f"'{join}' is not 是 or 否: write 是 where parallel "
                             "branches meet (汇合)")
        nxt = self.flow(get(cells, "next"), row, k)
        if nxt is not None:
            s["next"] = nxt
        for key, what in (("calendar", _calendar), ("per_day", _per_day),
                          ("handoff", lambda x: _norm(x))):
            v = get(cells, key)
            if v is not None:
                value = what(v)
                if value is None:
                    self.problem(row, key, _TOP_HINTS[key].format(v))
                else:
                    self.top_field(key, value, row, v)
        return s

    def shared_cell(self, text: str, listed: list[str], row: int) -> None:
        t = _norm(text).lower()
        if t in _TRUE or t in _FALSE:
            self.shared_flags.append((row, t in _TRUE, listed))
            return
        for item in _split(text):
            norm = _norm(_unquote(item))
            mat = self.mats.get(norm)
            if mat is None or mat.id not in listed:
                self.problem(row, "shared", f"'{item}' is not a material of this row's 材料: "
                             "list shared materials by the names used there, or write 是")
                continue
            self.set_shared(mat, True, row, "shared")

    def apply_shared_flags(self) -> None:
        """共享 = 是/否 applies to the row's issued materials (known once every row is read)."""
        for row, value, listed in self.shared_flags:
            issued = [m for m in (self.mats[self.mat_ids[i]] for i in listed)
                      if m.issuer is not None or m.produced_by is not None]
            if value and not issued:
                self.problem(row, "shared", "is 是 but the row lists no material issued by a "
                             "department: mark a certificate as 名称（部门出具）")
            for mat in issued:
                self.set_shared(mat, value, row, "shared")

    def dept_tree(self, d: _Dept) -> dict[str, Any]:
        out: dict[str, Any] = {"id": d.id, "name": d.name}
        if d.level is not None:
            out["level"] = _norm(d.level[0])
        if d.location is not None:
            out["location"] = d.location[0]
        if d.staff is not None:
            out["staff"] = d.staff[0]
        if d.issue_time is not None:
            out["issue_time"] = d.issue_time[0]
        return out

    def mat_tree(self, m: _Mat) -> dict[str, Any]:
        out: dict[str, Any] = {"id": m.id, "name": m.name}
        issuer = m.issuer[0] if m.issuer else m.produced_by
        if issuer is not None:
            out["issued_by"] = issuer
            if m.shared is not None and m.shared[0]:
                out["shared"] = True
        elif m.shared is not None and m.shared[0]:
            self.problem(m.shared[1], "shared", f"'{m.name}' is marked shared but no "
                         "department issues it: write it as 名称（部门出具）")
        return out

    # -- problems from flowkit --------------------------------------------------------
    def locate(self, message: str) -> tuple[int, int, str]:
        """A flowkit problem ('steps[3].work ...') as 'SHEET!行R 列「C」: ...'."""
        if any(s in message for s in self.sentinels):
            return (-1, -1, "")
        first = self.rows[0][0]
        m = _PATH.match(message)
        row, key = first, None
        if m:
            kind, fld = m.group(1), m.group(3)
            idx = int(m.group(2)) if m.group(2) is not None else 1 << 30
            rest = message[m.end():]
            if kind == "steps" and idx < len(self.step_rows):
                row = self.step_rows[idx]
                key = _STEP_FIELDS.get(fld or "", "next")
                if fld is None and "join: all" in rest and "has join" in rest:
                    key = "join"
                if key == "department" and "department" not in self.table.columns:
                    key = "department_id"
            elif kind == "departments" and idx < len(self.dept_order):
                d = self.dept_order[idx]
                row = d.row
                key = {"level": "level", "staff": "staff", "location": "location",
                       "issue_time": "materials"}.get(
                    fld or "", d.key if not (fld == "id" and d.id_from_column) else "department_id"
                )
                if fld == "level" and d.level is not None:
                    row = d.level[1]
                elif fld == "staff" and d.staff is not None:
                    row = d.staff[1]
                elif fld == "location" and d.location is not None:
                    row = d.location[1]
                elif fld == "issue_time" and d.issue_time is not None:
                    row = d.issue_time[1]
            elif kind == "materials" and idx < len(self.mat_order):
                mat = self.mat_order[idx]
                row, key = mat.row, mat.key
                if fld == "shared" and mat.shared is not None:
                    row, key = mat.shared[1], "shared"
            elif kind in _TOP_FIELDS:
                key = _TOP_FIELDS[kind]
                if key in self.top:
                    row = self.top[key][1]
                elif key not in self.table.columns:
                    key = None
        else:
            rest = " " + message
        rest = _REF.sub(self.ref_row, rest).lstrip(" :.")
        if self.labels:
            rest = _GENERATED.sub(
                lambda g: f"{g[0]}（{self.labels[g[0]]}）" if g[0] in self.labels else g[0], rest
            )
        if key in _CHOICES and " is not a" in rest:
            rest += f" (in Chinese: {_CHOICES[key]})"
        elif key in ("work", "wait", "time_limit", "legal_limit") and (
            "unit" in rest or "not a duration" in rest
        ):
            rest += " (in Chinese: 30分钟, 2小时, 3个工作日, 7天)"
        elif key == "fee" and "not a number" in rest:
            rest += ": write yuan as a number, e.g. 80 or 80元"
        if key is not None and key not in self.table.columns and key not in _REQUIRED:
            key = None
        return (row, self.col(key) if key else -1, f"{self.where(row, key)}: {rest}")

    def ref_row(self, m: re.Match[str]) -> str:
        kind, idx = m.group(1), int(m.group(2))
        if kind == "steps" and idx < len(self.step_rows):
            return f"行{self.step_rows[idx]}"
        if kind == "departments" and idx < len(self.dept_order):
            return f"行{self.dept_order[idx].row}"
        if kind == "materials" and idx < len(self.mat_order):
            return f"行{self.mat_order[idx].row}"
        return m.group(0)


_PATH = re.compile(
    r"^(steps|departments|materials|arrivals|calendar|handoff|name)"
    r"(?:\[(\d+)\])?(?:\.([A-Za-z_]+))?(?:\[\d+\])?"
)
_REF = re.compile(r"\b(steps|departments|materials)\[(\d+)\]")
_STEP_FIELDS = {
    "id": "step_id", "name": "step", "department": "department", "kind": "kind",
    "channel": "channel", "work": "work", "wait": "wait", "fee": "fee",
    "materials": "materials", "produces": "produces", "time_limit": "time_limit",
    "legal_limit": "legal_limit", "location": "location", "next": "next", "join": "join",
}
_GENERATED = re.compile(r"(?<![\w-])s\d+(?![\w-])")
_CHOICES = {
    "level": "国家 省 市 区县 乡镇 村",
    "channel": "窗口 网上 后台 现场 邮寄",
    "kind": "受理 审查 勘验 审批 缴费 送达 其他",
}
_TOP_FIELDS = {"arrivals": "per_day", "calendar": "calendar", "handoff": "handoff",
               "name": "service"}
_TOP_HINTS = {
    "calendar": "'{}' is not a calendar: write 工作日 (the default, Mon–Fri 9:00–17:30), "
                "节假日 (with China's public holidays and 调休) or always (24/7)",
    "per_day": "'{}' is not a number of applications per working day: write e.g. 20",
    "handoff": "'{}' is not a handoff mode: write 纸质 or 电子",
}


def _probability(text: str) -> Any:
    t = _norm(text)
    try:
        if t.endswith("%"):
            return float(t[:-1]) / 100
        return float(t)
    except ValueError:
        return t  # flowkit says it is not a number


def _calendar(text: str) -> Any:
    t = _norm(text).lower()
    if t in ("always", "24/7", "24x7", "全天", "全天候", "7x24", "7×24"):
        return "always"
    if t in ("china", "中国", "节假日", "法定节假日", "含节假日", "holidays"):
        return {"holidays": "china"}
    if t in ("工作日", "默认", "标准", "default", "workdays"):
        return {}
    return None


def _per_day(text: str) -> Any:
    v = _number(text, unit="件|个|件/日|件/天")
    return v if isinstance(v, float) else None


# --------------------------------------------------------------------------- public API
def read_catalogue(path: PathLike, *, sheet: str | int | None = None) -> dict[str, Process]:
    """Read a catalogue of services (事项清单): one row per step, one process per service.

    Columns (Chinese headers as in the template; English aliases in brackets; a
    note in brackets after a header, ``收费（元）``, is ignored; 序号 and 备注 are
    ignored; any other header is an error with a hint):

    * 事项名称 (service) — the rows of one service form one process, in order; a
      blank cell continues the service of the row above (as merged cells read).
    * 环节编号 (step_id) — optional; blank: ``s1, s2, …`` by the row's position in
      the service; a number ``n`` is the id ``sn``.
    * 环节名称 (step), 部门 (department), 部门编号 (department_id, optional: by
      default an id is made from the department's name).
    * 层级 (level), 人员 (staff) — of the department: give them once; a second,
      different value in the same service is an error.
    * 办理地点 (location) — the department's usual place is the first one given for
      it; a row with a different one has its own step location.
    * 办理方式 (channel: 窗口 网上 后台 现场 邮寄), 环节类型 (kind: 受理 审查 勘验
      审批 缴费 送达).
    * 办理时长 (work), 等待时长 or 时限 (wait), 承诺时限 (time_limit), 法定时限
      (legal_limit) — ``30分钟``, ``0.5小时``, ``3个工作日``, ``2天`` (calendar days),
      ``30min``, ``exp(30min)``; ``即办`` / ``当场`` is 0.
    * 材料 (materials) — names separated by ``；`` ``;`` ``、`` ``，`` ``,`` or line
      breaks (a name holding one of them is written in 《》); ``名称（部门出具）``
      marks a certificate the department issues (also 核发/签发/开具/颁发);
      ``名称（部门出具，共享）`` marks it shared too.
    * 产出证照 (produces) — materials the step issues (issued by its department).
    * 共享 (shared) — 是: every issued material of the row is shared; or the names
      of the shared ones.
    * 收费 (fee, yuan) — ``400``, ``400元``, ``免费``.
    * 下一环节 (next) — blank: the next row of the service (the last row ends);
      ``结束``: ends; a step's 环节名称 or 环节编号: sequence; ``补正:0.2;审批:0.8``
      (or ``20%``): choice; ``刻章+税务登记``: parallel branches, which meet at a
      row with 汇合 (join) = 是.
    * 日历 (calendar: 工作日, 节假日, always), 日均申请量 (per_day), 移交方式
      (handoff: 纸质 / 电子) — of the service: give them once.

    Parameters
    ----------
    path : str or path-like
        ``.xlsx`` (python-calamine if installed, else openpyxl; ``.xls``/``.ods`` need
        python-calamine) or ``.csv`` (UTF-8 with or without BOM, UTF-16 or GB18030, as
        Excel and WPS save them; comma, tab or semicolon separated).
    sheet : str or int, optional
        The sheet (name or 0-based index); default the first. The header row is the
        first of the first 20 rows that names 事项名称.

    Returns
    -------
    dict of str to Process
        Keyed by 事项名称, in the order the services first appear.

    Raises
    ------
    ModelError
        With every problem of every service, each as ``SHEET!行ROW 列「HEADER」: …``
        (rows numbered as Excel numbers them, the header being row 1).
    FlowkitError
        When the file cannot be read (unknown suffix, no Excel reader installed).

    Examples
    --------
    >>> import flowkit as fk
    >>> from flowkit.interop.catalogue import read_catalogue
    >>> cat = read_catalogue("examples/catalogue/事项清单.csv")
    >>> len(cat) >= 5, fk.analyze(cat["个体工商户设立登记"]).one_visit
    (True, True)
    """
    with _gc_paused():
        return _read(Path(path), sheet)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (restored after, even on error).

    Reading a catalogue makes hundreds of thousands of small, long-lived objects;
    the collector would rescan the growing heap again and again (a third of the
    time at 10,000 services). Nothing here makes cycles that need it.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _read(p: Path, sheet: str | int | None) -> dict[str, Process]:
    path = p
    suffix = p.suffix.lower()
    if not p.exists():
        raise FlowkitError(f"no such file: {p}")
    if suffix == ".csv":
        if sheet not in (None, 0, p.stem):
            raise FlowkitError(f"'{p.name}' is a CSV file: it has one sheet, '{p.stem}'")
        name, data = _read_csv(p)
    elif suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        name, data = _read_excel(p, sheet)
    else:
        raise FlowkitError(
            f"'{p.name}' has suffix '{p.suffix}': read_catalogue reads .xlsx and .csv "
            "(.xls and .ods with python-calamine)"
        )
    table = _table(name, data)
    problems = list(table.problems)
    if any(c == -1 for _, c, _ in table.problems):  # a required column is missing
        raise ModelError([m for *_, m in sorted(problems)], source=str(path))
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    current: str | None = None
    sj = table.columns["service"]
    for row, cells in table.rows:
        svc = cells.get("service")
        if svc is None:
            if current is None:
                problems.append((row, sj, f"{name}!行{row} 列「{table.headers['service']}」: "
                                          "is blank: name the service (事项名称)"))
                continue
            svc = current
        current = svc
        groups.setdefault(svc, []).append((row, cells))
    out: dict[str, Process] = {}
    for svc, rows in groups.items():
        service = _Service(svc, table, rows)
        tree = service.build()
        found = list(service.problems)
        try:
            out[svc] = parse(tree)
        except ModelError as exc:
            found += [x for x in map(service.locate, exc.problems) if x[2]]
            if not found:  # only echoes of problems already reported
                found = [(rows[0][0], -1, f"{name}!行{rows[0][0]}: {exc.problems[0]}")]
        if found:
            problems += found
            out.pop(svc, None)
    if problems:
        unique = list(dict.fromkeys(m for *_, m in sorted(problems, key=lambda x: (x[0], x[1]))))
        raise ModelError(unique, source=str(path))
    return out


Catalogue = Mapping[str, Process]


def _catalogue(catalogue: Catalogue | PathLike | Iterable[Process],
               sheet: str | int | None) -> Mapping[str, Process]:
    if isinstance(catalogue, str | os.PathLike):
        return read_catalogue(catalogue, sheet=sheet)
    if isinstance(catalogue, Mapping):
        return catalogue
    if isinstance(catalogue, Process):
        return {catalogue.name: catalogue}
    out: dict[str, Process] = {}
    for p in catalogue:
        if not isinstance(p, Process):
            raise FlowkitError(f"{p!r} is not a Process: pass a catalogue (dict of processes) "
                               "or the path of a 事项清单")
        out[p.name] = p
    return out


#: columns of :func:`analyze_catalogue` (every KPI of :meth:`flowkit.Analysis.table`)
CATALOGUE_KPIS = tuple(KPI_LABELS)


def analyze_catalogue(
    catalogue: Catalogue | PathLike | Iterable[Process],
    *,
    sheet: str | int | None = None,
    labels: Literal["id", "zh", "en"] = "id",
) -> pd.DataFrame:
    """Static KPIs of every service of a catalogue: one row per service.

    Parameters
    ----------
    catalogue : dict of str to Process, iterable of Process, or path
        What :func:`read_catalogue` returns, or the path of a 事项清单 to read.
    sheet : str or int, optional
        Passed to :func:`read_catalogue` when ``catalogue`` is a path.
    labels : {'id', 'zh', 'en'}
        Column names: KPI ids (``visits``, …; default), Chinese labels (跑动次数, …)
        or English labels.

    Returns
    -------
    pandas.DataFrame
        Indexed by 事项名称 (index name ``service``); a column per KPI of
        :func:`flowkit.analyze`: ``visits, one_visit, zero_visit, max_visits,
        fetch_trips, materials, steps, departments, handoffs, cross_department,
        cross_level, cross_region, by_applicant, workdays, fee, time_limit,
        legal_limit, compression``. ``one_visit`` (最多跑一次) and ``zero_visit``
        (零跑动) are booleans, the rest floats (NaN where a service states no limit).
        :func:`summarize_catalogue` gives the figures a report quotes.

    Examples
    --------
    >>> from flowkit.interop.catalogue import analyze_catalogue
    >>> t = analyze_catalogue("examples/catalogue/事项清单.csv")
    >>> row = t.loc["社会保障卡补领"]
    >>> float(row["visits"]), bool(row["one_visit"]), bool(row["zero_visit"])
    (0.0, True, True)
    """
    cat = _catalogue(catalogue, sheet)
    rows = []
    with _gc_paused():  # as in read_catalogue: many small objects, no cycles
        for name, p in cat.items():
            a = analyze(p)
            rows.append([name, *(getattr(a, k) for k in CATALOGUE_KPIS)])
    df = pd.DataFrame(rows, columns=["service", *CATALOGUE_KPIS]).set_index("service")
    for k in CATALOGUE_KPIS:
        df[k] = df[k].astype(bool if k in ("one_visit", "zero_visit") else float)
    if labels == "zh":
        df = df.rename(columns={k: v[0] for k, v in KPI_LABELS.items()})
    elif labels == "en":
        df = df.rename(columns={k: v[1] for k, v in KPI_LABELS.items()})
    elif labels != "id":
        raise FlowkitError(f"labels='{labels}' is not one of 'id', 'zh', 'en'")
    return df


#: figure id -> (Chinese label, English label), in the order of :func:`summarize_catalogue`
SUMMARY_LABELS: dict[str, tuple[str, str]] = {
    "services": ("事项数", "services"),
    "one_visit_share": ("最多跑一次事项占比", "share of services with at most one visit"),
    "zero_visit_share": ("零跑动事项占比", "share of services with no visit"),
    "mean_visits": ("平均跑动次数", "mean visits"),
    "mean_materials": ("平均申请材料（件）", "mean materials submitted"),
    "mean_steps": ("平均环节数", "mean steps"),
    "mean_departments": ("平均涉及部门数", "mean departments"),
    "cross_level_share": (
        "涉及跨层级移交的事项占比", "share of services with a cross-level handoff"
    ),
    "mean_workdays": ("平均办理时间（工作日）", "mean working days"),
    "mean_time_limit": ("平均承诺时限（工作日）", "mean committed time limit (working days)"),
    "mean_legal_limit": ("平均法定时限（工作日）", "mean legal time limit (working days)"),
    "mean_compression": ("承诺时限平均压缩率", "mean compression of the legal time limit"),
    "mean_fee": ("平均收费（元）", "mean fee (yuan)"),
}


def summarize_catalogue(
    catalogue_or_table: pd.DataFrame | Catalogue | PathLike | Iterable[Process],
) -> pd.DataFrame:
    """The figures a government report quotes about a catalogue.

    Shares are fractions (0.8 = 80 %) of the services; means are over services,
    each service weighing one (the time-limit figures over the services that state
    the limit; compression, 1 − 承诺时限 / 法定时限, over those that state both).

    Parameters
    ----------
    catalogue_or_table : DataFrame, dict of str to Process, iterable of Process, or path
        The table :func:`analyze_catalogue` returns (with KPI ids as columns), or what
        it takes.

    Returns
    -------
    pandas.DataFrame
        Indexed by figure id: ``services, one_visit_share, zero_visit_share,
        mean_visits, mean_materials, mean_steps, mean_departments, cross_level_share,
        mean_workdays, mean_time_limit, mean_legal_limit, mean_compression,
        mean_fee``; columns ``value``, ``label_zh``, ``label_en``.

    Examples
    --------
    >>> from flowkit.interop.catalogue import summarize_catalogue
    >>> s = summarize_catalogue("examples/catalogue/事项清单.csv")
    >>> s.loc["one_visit_share", "label_zh"], float(s.loc["one_visit_share", "value"])
    ('最多跑一次事项占比', 0.375)
    """
    if isinstance(catalogue_or_table, pd.DataFrame):
        t = catalogue_or_table
        missing = [k for k in CATALOGUE_KPIS if k not in t.columns]
        if missing:
            raise FlowkitError(
                f"the table has no column {missing[0]}: pass analyze_catalogue(...) with "
                "labels='id' (the default)"
            )
    else:
        t = analyze_catalogue(catalogue_or_table)

    def mean(col: str) -> float:
        v = t[col].astype(float)
        v = v[~v.isna()]
        return float(v.mean()) if len(v) else math.nan

    n = len(t)
    values = {
        "services": float(n),
        "one_visit_share": float(t["one_visit"].mean()) if n else math.nan,
        "zero_visit_share": float(t["zero_visit"].mean()) if n else math.nan,
        "mean_visits": mean("visits"),
        "mean_materials": mean("materials"),
        "mean_steps": mean("steps"),
        "mean_departments": mean("departments"),
        "cross_level_share": float((t["cross_level"] > 0).mean()) if n else math.nan,
        "mean_workdays": mean("workdays"),
        "mean_time_limit": mean("time_limit"),
        "mean_legal_limit": mean("legal_limit"),
        "mean_compression": mean("compression"),
        "mean_fee": mean("fee"),
    }
    rows = [{"figure": k, "value": values[k], "label_zh": zh, "label_en": en}
            for k, (zh, en) in SUMMARY_LABELS.items()]
    return pd.DataFrame(rows).set_index("figure")
