"""The rows of one service as a process tree, and flowkit's problems back on the sheet.

:class:`Service` turns the rows of one 事项 into the tree :func:`flowkit.parse`
reads: step ids (given or ``s1, s2, …``), departments and materials declared once
with ids made from their names, flows from 下一环节 (sequence, choice, parallel
branches), and the service-wide values (日历, 日均申请量, 移交方式). It remembers
where each part came from, so that :meth:`Service.locate` can put a problem
flowkit finds in the tree (``steps[3].work …``) back on its cell
(``SHEET!行ROW 列「HEADER」: …``).
"""

from __future__ import annotations

import difflib
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...errors import CatalogueWarning
from .cells import (
    END,
    FALSE,
    TRUE,
    calendar,
    count,
    duration,
    material_item,
    norm,
    number,
    per_day,
    probability,
    slug,
    split,
    unquote,
)
from .tables import CATALOGUE_COLUMNS, REQUIRED, Problem, Row, Table

__all__ = ["Service"]

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
_DEPT_FIELDS = {"level": "level", "staff": "staff", "location": "location",
                "issue_time": "materials"}
_GENERATED = re.compile(r"(?<![\w-])s\d+(?![\w-])")
_CHOICES = {
    "level": "国家 省 市 区县 乡镇 村",
    "channel": "窗口 网上 后台 现场 邮寄",
    "kind": "受理 审查 勘验 审批 缴费 送达 其他 路由",
}
#: a 收费 text that states a rule (按…元/件, 收费标准 …), not an amount
_FEE_RULE = re.compile(r"按|元\s*/|/\s*[件本次份平方米]|标准|收取|计费|计收")
_DURATIONS = ("work", "wait", "time_limit", "legal_limit")
_TOP_FIELDS = {"arrivals": "per_day", "calendar": "calendar", "handoff": "handoff",
               "name": "service"}
_TOP_HINTS = {
    "calendar": "'{}' is not a calendar: write 工作日 (the default, Mon–Fri 9:00–17:30), "
                "节假日 (with China's public holidays and 调休) or always (24/7)",
    "per_day": "'{}' is not a number of applications per working day: write e.g. 20",
    "handoff": "'{}' is not a handoff mode: write 纸质 or 电子",
}
#: service-wide columns and how their text becomes a value (None: not understood)
_TOP_READERS: tuple[tuple[str, Callable[[str], Any]], ...] = (
    ("calendar", calendar), ("per_day", per_day), ("handoff", norm),
)


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


class Service:
    """The rows of one service, turned into a process tree and a map of locations.

    Parameters
    ----------
    name : str
        The 事项名称.
    table : Table
        The sheet the rows come from (for its name and headers).
    rows : list of (int, dict)
        The service's rows: Excel row number and ``{column key: text}``.
    """

    def __init__(self, name: str, table: Table, rows: list[Row]) -> None:
        self.name = name
        self.table = table
        self.rows = rows
        self.problems: list[Problem] = []
        self.sentinels: set[str] = set()
        self.step_rows: list[int] = []
        self.dept_order: list[_Dept] = []
        self.depts: dict[str, _Dept] = {}
        self.dept_names: dict[str, str] = {}  # normalised name -> id
        self.mats: dict[str, _Mat] = {}  # normalised name -> material
        self.mat_ids: dict[str, str] = {}  # id -> normalised name
        self.mat_order: list[_Mat] = []
        self.top: dict[str, tuple[Any, int]] = {}
        self.shared_flags: list[tuple[int, bool, list[str]]] = []
        self.labels: dict[str, str] = {}  # generated step id -> 环节名称, for messages
        self.order: list[str] = []  # step ids by row
        self.ids: set[str] = set()
        self.names: dict[str, list[str]] = {}  # normalised 环节名称 -> step ids
        self.index: dict[str, int] = {}  # step id -> its first row's position

    # -- helpers -------------------------------------------------------------------
    def col(self, key: str) -> int:
        """The column index of a key (-1 when the sheet has no such column)."""
        return self.table.columns.get(key, -1)

    def where(self, row: int, key: str | None) -> str:
        """``SHEET!行ROW`` and, with a key, `` 列「HEADER」``."""
        head = f"{self.table.sheet}!行{row}"
        if key is None:
            return head
        return f"{head} 列「{self.table.headers.get(key, CATALOGUE_COLUMNS[key][0])}」"

    def problem(self, row: int, key: str | None, text: str) -> None:
        """Record a problem at a row (and column)."""
        self.problems.append((row, self.col(key) if key else -1, f"{self.where(row, key)}: {text}"))

    def placeholder(self, text: str) -> str:
        """A reference that stands for one already reported; problems naming it are echoes."""
        self.sentinels.add(text)
        return text

    # -- departments and materials ------------------------------------------------------
    def department(self, name: str, dept_id: str | None, row: int, key: str) -> str:
        """The id of a department named in a cell, declaring it the first time."""
        if dept_id is not None:
            return self._department_by_id(name, dept_id, row, key)
        n = norm(name)
        if n in self.dept_names:
            return self.dept_names[n]
        did = base = slug(name, "d")
        k = 2
        while did in self.depts:
            did, k = f"{base}_{k}", k + 1
        self._declare(_Dept(did, name, row, key))
        self.dept_names[n] = did
        return did

    def _department_by_id(self, name: str, dept_id: str, row: int, key: str) -> str:
        """A department with a 部门编号 (a number ``n`` is the id ``dn``)."""
        n = norm(name)
        did = f"d{dept_id}" if dept_id.isdigit() else dept_id
        d = self.depts.get(did)
        if d is None:
            self._declare(_Dept(did, name, row, key, id_from_column=True))
            self.dept_names.setdefault(n, did)
        elif norm(d.name) != n:
            self.problem(row, "department", f"'{name}' has 部门编号 '{dept_id}', which "
                         f"行{d.row} gives to '{d.name}': one id, one department")
        return did

    def _declare(self, d: _Dept) -> None:
        """Add a department, in the order first met."""
        self.depts[d.id] = d
        self.dept_order.append(d)

    def material(self, item: str, row: int, key: str) -> str:
        """The id of a material named in a 材料 or 产出证照 item, declaring it the first time."""
        name, issuer, shared, issue = material_item(item, key == "materials")
        n = norm(name)
        mat = self.mats.get(n)
        if mat is None:
            mid = base = slug(name, "m")
            k = 2
            while mid in self.mat_ids:
                mid, k = f"{base}_{k}", k + 1
            mat = _Mat(mid, name, row, key)
            self.mats[n] = mat
            self.mat_ids[mid] = n
        if issuer is not None:
            self._issuer(mat, issuer, issue, row, key)
        if shared:
            self.set_shared(mat, True, row, key)
        return mat.id

    def _issuer(self, mat: _Mat, issuer: str, issue: str | None, row: int, key: str) -> None:
        """Record who issues a material (one issuer) and how long the issuer takes."""
        did = self.department(issuer, None, row, key)
        if mat.issuer is not None and mat.issuer[0] != did:
            self.problem(row, key, f"'{mat.name}' is issued by '{issuer}' here but by "
                         f"'{self.depts[mat.issuer[0]].name}' at 行{mat.issuer[1]}: "
                         "a material has one issuer")
        elif mat.issuer is None:
            mat.issuer = (did, row)
        if issue is not None:
            self.dept_field(self.depts[did], "issue_time", duration(issue), row, key,
                            "issue time")

    def set_shared(self, mat: _Mat, value: bool, row: int, key: str) -> None:
        """Mark a material shared or not; a different mark on another row is a problem."""
        if mat.shared is not None and mat.shared[0] != value:
            word, other = ("shared", "not shared") if value else ("not shared", "shared")
            self.problem(row, key, f"'{mat.name}' is marked {word} here but {other} at 行"
                         f"{mat.shared[1]}: mark it the same way on every row")
        elif mat.shared is None:
            mat.shared = (value, row)

    def dept_field(self, d: _Dept, attr: str, value: Any, row: int, key: str, what: str) -> None:
        """Set a department's field once; a different value on another row is a problem."""
        held = getattr(d, attr)
        if held is None:
            setattr(d, attr, (value, row))
        elif held[0] != value:
            self.problem(row, key, f"'{value}' differs from '{held[0]}' given for '{d.name}' "
                         f"at 行{held[1]}: a department has one {what}")

    def top_field(self, key: str, value: Any, row: int, text: str) -> None:
        """Set a service-wide value once; a different value on another row is a problem."""
        held = self.top.get(key)
        if held is None:
            self.top[key] = (value, row)
        elif held[0] != value:
            self.problem(row, key, f"'{text}' differs from the value given at 行{held[1]}: a "
                         "service has one value here (leave the other rows blank)")

    # -- flows ------------------------------------------------------------------------
    def resolve(self, ref: str, row: int) -> str:
        """The step id a 下一环节 reference names (by 环节编号 or 环节名称), else a placeholder."""
        t = norm(unquote(ref))
        if t.isdigit():
            t = f"s{t}"
        if t in self.ids:
            return t
        hits = self.names.get(t, [])
        if len(hits) == 1:
            return hits[0]
        if t.lower() in END:
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
        return self.placeholder(f"__unresolved_{row}_{len(self.sentinels)}")

    def flow(self, text: str | None, row: int, k: int) -> Any:
        """A 下一环节 cell as a flow: next row, end, one step, a choice or parallel branches."""
        if text is None:
            return self.order[k + 1] if k + 1 < len(self.order) else None
        t = norm(text)
        if t.lower() in END:
            return None
        whole = norm(unquote(t))
        numbered = whole.isdigit() and f"s{whole}" in self.ids
        if whole in self.ids or whole in self.names or numbered:
            return self.resolve(t, row)
        if ":" in t:
            return self._choice(t, row)
        if "+" in t:
            return [self.resolve(x, row) for x in split(t, "+")]
        parts = split(t, ";；,，、\n")
        if len(parts) > 1:
            self.problem(row, "next", f"'{text}' lists several steps: write 'A:0.8;B:0.2' for a "
                         "choice (probabilities) or 'A+B' for parallel branches (并联)")
            return None
        return self.resolve(t, row)

    def _choice(self, t: str, row: int) -> dict[str, Any] | None:
        """``补正:0.2;审批:0.8`` (or ``20%``) as ``{step id: probability}``."""
        out: dict[str, Any] = {}
        for item in split(t, ";；,，、\n"):
            ref, sep, prob = item.rpartition(":")
            if not sep or not ref.strip():
                self.problem(row, "next", f"'{item}' is not 'step:probability': write a "
                             "choice as 补正:0.2;审批:0.8")
                continue
            target = self.resolve(ref.strip(), row)
            if target in out:
                self.problem(row, "next", f"'{ref.strip()}' is listed twice in the choice")
            out[target] = probability(prob.strip())
        return out or None

    # -- the tree ----------------------------------------------------------------------
    def build(self) -> dict[str, Any]:
        """The process tree of the service (problems of the cells in :attr:`problems`)."""
        self._index_steps()  # step ids first: next may refer forward
        steps = [self.step(k, row, cells) for k, (row, cells) in enumerate(self.rows)]
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

    def _index_steps(self) -> None:
        """Each row's step id (``s<k>`` when blank, ``s<n>`` for a number) and name."""
        for k, (row, cells) in enumerate(self.rows):
            raw = cells.get("step_id")
            sid = (f"s{norm(raw)}" if norm(raw).isdigit() else norm(raw)) if raw else f"s{k + 1}"
            self.order.append(sid)
            self.step_rows.append(row)
            label = cells.get("step")
            if label and (raw is None or norm(raw).isdigit()):
                self.labels[sid] = label
            self.ids.add(sid)
            self.index.setdefault(sid, k)
            if label:
                self.names.setdefault(norm(label), []).append(sid)

    def step(self, k: int, row: int, cells: dict[str, str]) -> dict[str, Any]:
        """The tree of the step of the ``k``-th row."""
        s: dict[str, Any] = {"id": self.order[k]}
        name = cells.get("step")
        if name:
            s["name"] = name
        did = self._step_department(s, row, cells)
        self._step_values(s, cells)
        if isinstance(s.get("fee"), str) and _FEE_RULE.search(s["fee"]):
            warnings.warn(CatalogueWarning(
                f"{self.where(row, 'fee')}: '{s.pop('fee')}' is a fee rule, not an amount: "
                "kept as text in this warning, the step's fee is 0 (write the yuan of one "
                "case, e.g. 80, to count it)"), stacklevel=5)
        self._step_materials(s, row, cells, did)
        join = cells.get("join")
        if join is not None:
            j = norm(join).lower()
            if j in TRUE:
                s["join"] = "all"
            elif j not in FALSE:
                self.problem(row, "join", f"'{join}' is not 是 or 否: write 是 where parallel "
                             "branches meet (汇合)")
        nxt = self.flow(cells.get("next"), row, k)
        if nxt is not None:
            s["next"] = nxt
        self._top_cells(row, cells)
        return s

    def _step_department(self, s: dict[str, Any], row: int, cells: dict[str, str]) -> str:
        """The step's department, and the department's 层级, 人员 and 办理地点 from the row."""
        dname = cells.get("department")
        did_text = cells.get("department_id")
        if dname is None and did_text is None:
            self.problem(row, "department", "is blank: name the department that performs "
                         "the step")
            s["department"] = self.placeholder("__placeholder__")
            return s["department"]
        did = self.department(dname or did_text or "", did_text, row,
                              "department" if dname else "department_id")
        s["department"] = did
        d = self.depts[did]
        level = cells.get("level")
        if level is not None:
            self.dept_field(d, "level", level, row, "level", "level (层级)")
        staff = cells.get("staff")
        if staff is not None:
            self.dept_field(d, "staff", count(staff), row, "staff", "number of staff (人员)")
        where = cells.get("location")
        if where is not None:
            if d.location is None:
                d.location = (where, row)
            elif norm(d.location[0]) != norm(where):
                s["location"] = where
        return did

    @staticmethod
    def _step_values(s: dict[str, Any], cells: dict[str, str]) -> None:
        """环节类型, 办理方式, the durations and 收费 of the row."""
        for key in ("kind", "channel"):
            v = cells.get(key)
            if v is not None:
                s[key] = norm(v)
        for key in _DURATIONS:
            v = cells.get(key)
            if v is not None:
                s[key] = duration(v)
        fee = cells.get("fee")
        if fee is not None:
            s["fee"] = number(fee)

    def _step_materials(self, s: dict[str, Any], row: int, cells: dict[str, str],
                        did: str) -> None:
        """材料, 共享 and 产出证照 of the row (what the step produces is issued by ``did``)."""
        listed = cells.get("materials")
        if listed:
            s["materials"] = [self.material(x, row, "materials") for x in split(listed)]
        shared = cells.get("shared")
        if shared is not None:
            self.shared_cell(shared, s.get("materials", []), row)
        made = cells.get("produces")
        if made:
            out = []
            for x in split(made):
                mid = self.material(x, row, "produces")
                mat = self.mats[self.mat_ids[mid]]
                if mat.produced_by is None:
                    mat.produced_by = did
                out.append(mid)
            s["produces"] = out

    def _top_cells(self, row: int, cells: dict[str, str]) -> None:
        """The service-wide values a row gives (日历, 日均申请量, 移交方式)."""
        for key, read in _TOP_READERS:
            v = cells.get(key)
            if v is not None:
                value = read(v)
                if value is None:
                    self.problem(row, key, _TOP_HINTS[key].format(v))
                else:
                    self.top_field(key, value, row, v)

    def shared_cell(self, text: str, listed: list[str], row: int) -> None:
        """A 共享 cell: 是/否 (applied once every row is read) or names of shared materials."""
        t = norm(text).lower()
        if t in TRUE or t in FALSE:
            self.shared_flags.append((row, t in TRUE, listed))
            return
        for item in split(text):
            n = norm(unquote(item))
            mat = self.mats.get(n)
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

    @staticmethod
    def dept_tree(d: _Dept) -> dict[str, Any]:
        """The tree of a department."""
        out: dict[str, Any] = {"id": d.id, "name": d.name}
        if d.level is not None:
            out["level"] = norm(d.level[0])
        if d.location is not None:
            out["location"] = d.location[0]
        if d.staff is not None:
            out["staff"] = d.staff[0]
        if d.issue_time is not None:
            out["issue_time"] = d.issue_time[0]
        return out

    def mat_tree(self, m: _Mat) -> dict[str, Any]:
        """The tree of a material (shared only when some department issues it)."""
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
    def locate(self, message: str) -> Problem:
        """A flowkit problem ('steps[3].work ...') as 'SHEET!行R 列「C」: ...'.

        An echo of a problem already reported (naming a placeholder) gives an empty
        message.
        """
        if any(s in message for s in self.sentinels):
            return (-1, -1, "")
        row, key = self.rows[0][0], None
        m = _PATH.match(message)
        if m:
            rest = message[m.end():]
            idx = int(m.group(2)) if m.group(2) is not None else 1 << 30
            row, key = self._place(m.group(1), idx, m.group(3), rest, row)
        else:
            rest = " " + message
        rest = self._explain(key, _REF.sub(self.ref_row, rest).lstrip(" :."))
        if key is not None and key not in self.table.columns and key not in REQUIRED:
            key = None
        return (row, self.col(key) if key else -1, f"{self.where(row, key)}: {rest}")

    def _place(self, kind: str, idx: int, fld: str | None, rest: str,
               first: int) -> tuple[int, str | None]:
        """The row and column key of the part a problem's path names."""
        if kind == "steps" and idx < len(self.step_rows):
            key = _STEP_FIELDS.get(fld or "", "next")
            if fld is None and "join: all" in rest and "has join" in rest:
                key = "join"
            if key == "department" and "department" not in self.table.columns:
                key = "department_id"
            return self.step_rows[idx], key
        if kind == "departments" and idx < len(self.dept_order):
            return self._department_place(self.dept_order[idx], fld)
        if kind == "materials" and idx < len(self.mat_order):
            mat = self.mat_order[idx]
            if fld == "shared" and mat.shared is not None:
                return mat.shared[1], "shared"
            return mat.row, mat.key
        if kind in _TOP_FIELDS:
            key = _TOP_FIELDS[kind]
            if key in self.top:
                return self.top[key][1], key
            return first, key if key in self.table.columns else None
        return first, None

    @staticmethod
    def _department_place(d: _Dept, fld: str | None) -> tuple[int, str | None]:
        """Where a department's field was given: the row that gave it, else where declared."""
        default = d.key if not (fld == "id" and d.id_from_column) else "department_id"
        key = _DEPT_FIELDS.get(fld or "", default)
        held = getattr(d, fld) if fld in _DEPT_FIELDS else None
        return (held[1] if held is not None else d.row), key

    def _explain(self, key: str | None, rest: str) -> str:
        """Step names after generated ids, and the Chinese words a cell may use."""
        if self.labels:
            rest = _GENERATED.sub(
                lambda g: f"{g[0]}（{self.labels[g[0]]}）" if g[0] in self.labels else g[0], rest
            )
        if key in _CHOICES and " is not a" in rest:
            rest += f" (in Chinese: {_CHOICES[key]})"
        elif key in _DURATIONS and ("unit" in rest or "not a duration" in rest):
            rest += " (in Chinese: 30分钟, 2小时, 3个工作日, 7天)"
        elif key == "fee" and "not a number" in rest:
            rest += ": write yuan as a number, e.g. 80 or 80元"
        return rest

    def ref_row(self, m: re.Match[str]) -> str:
        """``steps[3]`` in a message as the row it came from (``行5``)."""
        kind, idx = m.group(1), int(m.group(2))
        if kind == "steps" and idx < len(self.step_rows):
            return f"行{self.step_rows[idx]}"
        if kind == "departments" and idx < len(self.dept_order):
            return f"行{self.dept_order[idx].row}"
        if kind == "materials" and idx < len(self.mat_order):
            return f"行{self.mat_order[idx].row}"
        return m.group(0)
