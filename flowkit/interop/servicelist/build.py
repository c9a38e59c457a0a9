"""Rows of a 政务服务事项 export as processes, the declared figures and every problem.

:func:`build` takes the three tables (:class:`~.read.Sheet`) and returns a
:class:`ServiceList`. Every value is read by :mod:`.values`; a value that cannot
be read is a :class:`ListProblem` on its cell and is left out (never guessed);
every default flowkit puts in the list's place is a line of ``.assumptions``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ...errors import ModelError
from ...model.process import Process
from ..catalogue.cells import slug
from . import values as V
from .process import service_process
from .read import Sheet

__all__ = ["DECLARED_COLUMNS", "MATERIAL_COLUMNS", "ListProblem", "ServiceList", "build"]

#: columns of ``ServiceList.declared`` (index: 事项编码)
DECLARED_COLUMNS = ("name", "type", "authority", "level", "legal_limit", "time_limit", "visits",
                    "case_type", "online_depth", "fee", "fee_text", "volume", "row")
#: columns of ``ServiceList.materials``
MATERIAL_COLUMNS = ("code", "material", "name", "source", "issuer", "issuer_id", "shared",
                    "form", "copies", "tolerance", "row")
#: columns of ``ServiceList.steps``
STEP_COLUMNS = ("code", "step", "order", "name", "department", "limit", "channel", "counted",
                "row")


@dataclass(frozen=True)
class ListProblem:
    """A cell of the export that could not be read: sheet, Excel row, column header, value."""

    sheet: str
    row: int
    column: str
    value: str | None
    message: str

    def __str__(self) -> str:
        shown = f" '{self.value}'" if self.value is not None else ""
        return f"{self.sheet}!行{self.row} 列「{self.column}」{shown}: {self.message}"


@dataclass(frozen=True)
class ServiceList:
    """A 政务服务事项 list as read: processes, what it declares, its problems and assumptions.

    Attributes
    ----------
    processes : dict of str to Process
        By 事项编码, in the order of the services table.
    declared : DataFrame
        One row per service, indexed by 事项编码, columns :data:`DECLARED_COLUMNS`:
        limits in working days, ``visits`` (到办事现场次数), ``fee`` (yuan; NaN when the
        收费标准 is a rule, kept in ``fee_text``), ``volume`` (年办件量; NaN when absent),
        ``row`` (the Excel row).
    materials, steps : DataFrame
        The materials and steps tables as read (columns :data:`MATERIAL_COLUMNS`,
        :data:`STEP_COLUMNS`); ``material``/``step`` are the ids in the processes.
    problems : tuple of ListProblem
        Every cell that could not be read.
    assumptions : tuple of str
        Every default put in the list's place, each naming its 事项编码 (or 全部).
    """

    processes: dict[str, Process]
    declared: pd.DataFrame
    materials: pd.DataFrame
    steps: pd.DataFrame
    problems: tuple[ListProblem, ...] = ()
    assumptions: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return (f"ServiceList({len(self.processes)} services, {len(self.problems)} problems, "
                f"{len(self.assumptions)} assumptions)")


@dataclass
class _Ctx:
    problems: list[ListProblem] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)

    def read(self, sheet: Sheet, row: int, cells: dict[str, str], key: str,
             reader: Any) -> Any:
        """The value of a cell through ``reader``; None (and a problem) when unreadable."""
        text = cells.get(key)
        if text is None:
            return None
        value, why = reader(text)
        if why is not None:
            self.problems.append(ListProblem(sheet.name, row, sheet.headers[key], text, why))
            return value if isinstance(value, str) and key == "fee" else None
        return value


def _service_rows(sheet: Sheet, ctx: _Ctx) -> dict[str, dict[str, Any]]:
    """The services table as declared values by 事项编码 (doubled or blank codes reported)."""
    out: dict[str, dict[str, Any]] = {}
    readers = {"legal_limit": V.workdays, "time_limit": V.workdays, "visits": V.visits,
               "case_type": V.case_type, "level": V.level, "fee": V.fee,
               "volume": V.volume}
    for row, cells in sheet.rows:
        code = cells.get("code")
        if code is None:
            ctx.problems.append(ListProblem(sheet.name, row, sheet.headers["code"], None,
                                            "is blank: every service needs its 事项编码"))
            continue
        if code in out:
            ctx.problems.append(ListProblem(sheet.name, row, sheet.headers["code"], code,
                                            f"is listed twice (first at 行{out[code]['row']})"))
            continue
        rec: dict[str, Any] = {k: cells.get(k) for k in ("name", "type", "authority",
                                                         "online_depth")}
        for key, reader in readers.items():
            rec[key] = ctx.read(sheet, row, cells, key, reader)
        fee = rec["fee"]
        rec["fee_text"] = cells.get("fee")
        rec["fee"] = fee if isinstance(fee, float) else None
        rec["row"] = row
        out[code] = rec
    return out


def _grouped(sheet: Sheet | None, codes: dict[str, Any], ctx: _Ctx) -> dict[str, list[Any]]:
    """The rows of a materials or steps table by 事项编码 (unknown codes reported)."""
    out: dict[str, list[Any]] = defaultdict(list)
    if sheet is None:
        return out
    for row, cells in sheet.rows:
        code = cells.get("code")
        if code is None or code not in codes:
            why = ("is blank: name the service (事项编码) of the row" if code is None
                   else "is not a 事项编码 of the services table")
            ctx.problems.append(ListProblem(sheet.name, row, sheet.headers["code"], code, why))
            continue
        out[code].append((row, cells))
    return out


def _material_records(sheet: Sheet, rows: list[Any], ctx: _Ctx,
                      code: str) -> list[dict[str, Any]]:
    """One record per material row of a service, with its id and its issuer's id."""
    recs = []
    ids: dict[str, str] = {}
    for row, cells in rows:
        name = cells.get("name")
        if name is None:
            ctx.problems.append(ListProblem(sheet.name, row, sheet.headers["name"], None,
                                            "is blank: name the material"))
            continue
        source = ctx.read(sheet, row, cells, "source", V.source)
        if source is None and "source" not in cells:
            source = "applicant"
            ctx.assumptions.append(f"{code}: 材料「{name}」 has no 来源渠道: taken as 申请人自备")
        issuer = cells.get("issuer") if source == "issued" else None
        if source == "issued" and issuer is None:
            head = sheet.headers.get("source", "来源渠道")
            ctx.problems.append(ListProblem(sheet.name, row, head, cells.get("source"),
                                            "a 政府部门核发 material needs its 出具单位: name "
                                            "the issuing department"))
            source = None
        mid = ids.get(name) or slug(name, "m")
        while mid in ids.values() and ids.get(name) != mid:
            mid += "_"
        ids[name] = mid
        recs.append({"code": code, "material": mid, "name": name, "source": source,
                     "issuer": issuer, "issuer_id": slug(issuer, "d") if issuer else None,
                     "shared": bool(ctx.read(sheet, row, cells, "shared", V.yes_no)),
                     "form": cells.get("form"), "copies": cells.get("copies"),
                     "tolerance": ctx.read(sheet, row, cells, "tolerance", V.yes_no), "row": row})
    return recs


def _step_records(sheet: Sheet, rows: list[Any], ctx: _Ctx, code: str) -> list[dict[str, Any]]:
    """The steps of a service in 环节序号 order (the row order where none is given)."""
    recs = []
    for row, cells in rows:
        name = cells.get("name")
        if name is None:
            ctx.problems.append(ListProblem(sheet.name, row, sheet.headers["name"], None,
                                            "is blank: name the step"))
            continue
        order = ctx.read(sheet, row, cells, "order", V.visits)
        counted = ctx.read(sheet, row, cells, "counted", V.yes_no)
        recs.append({"code": code, "order": order, "name": name,
                     "department": cells.get("department"),
                     "limit": ctx.read(sheet, row, cells, "limit", V.workdays),
                     "channel": ctx.read(sheet, row, cells, "channel", V.channel),
                     "counted": True if counted is None else counted, "row": row})
    recs.sort(key=lambda r: (r["order"] is None, r["order"] or 0, r["row"]))
    for i, r in enumerate(recs):
        r["step"] = f"s{i + 1}"
    return recs


def build(tables: dict[str, Sheet]) -> ServiceList:
    """The ServiceList of an export's tables (see :func:`read_service_list`)."""
    ctx = _Ctx()
    services = _service_rows(tables["services"], ctx)
    mat_rows = _grouped(tables.get("materials"), services, ctx)
    step_rows = _grouped(tables.get("steps"), services, ctx)
    processes: dict[str, Process] = {}
    all_mats: list[dict[str, Any]] = []
    all_steps: list[dict[str, Any]] = []
    sheet = tables["services"]
    for code, svc in services.items():
        mats = _material_records(tables["materials"], mat_rows.get(code, []), ctx, code)
        steps = (_step_records(tables["steps"], step_rows[code], ctx, code)
                 if code in step_rows else [])
        all_mats += mats
        all_steps += steps
        try:
            processes[code] = service_process(code, svc, mats, steps, ctx.assumptions)
        except ModelError as exc:
            ctx.problems.append(ListProblem(sheet.name, svc["row"], sheet.headers["code"], code,
                                            f"the service cannot be built: {exc}"))
    if processes:
        ctx.assumptions.append("全部: staff work times are 0 and each department has 1 staff "
                               "(exports hold neither)")
    declared = pd.DataFrame.from_dict(services, orient="index", columns=list(DECLARED_COLUMNS))
    declared.index.name = "事项编码"
    for col in ("legal_limit", "time_limit", "visits", "fee", "volume"):
        declared[col] = pd.to_numeric(declared[col], errors="coerce").astype(float)
    return ServiceList(
        processes=processes, declared=declared,
        materials=pd.DataFrame(all_mats, columns=list(MATERIAL_COLUMNS)),
        steps=pd.DataFrame(all_steps, columns=list(STEP_COLUMNS)),
        problems=tuple(ctx.problems), assumptions=tuple(ctx.assumptions),
    )
