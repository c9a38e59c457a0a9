"""Reading a 事项清单: the sheet, then each service built and checked by flowkit.

:func:`read_catalogue` reads the sheet into rows (:mod:`.tables`), turns the rows
of each service into a process tree (:mod:`.tree`), builds it through
:func:`flowkit.parse` and puts every problem flowkit finds back on its cell.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ...errors import ModelError
from ...model.process import Process
from ..files import parse
from .tables import Problem, Row, Table, read_sheet, service_rows, table
from .tree import Service

__all__ = ["gc_paused", "read_catalogue"]

PathLike = str | os.PathLike[str]


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
      审批 缴费 送达, or 路由 for a split or join point with no work).
    * 办理时长 (work), 等待时长 (wait), 承诺时限 (time_limit), 法定时限
      (legal_limit) — ``30分钟``, ``0.5小时``, ``3个工作日``, ``2天`` (calendar days),
      ``30min``, ``exp(30min)``; ``即办`` / ``当场`` is 0. A bare 时限 is refused as
      ambiguous (a limit, but committed or legal?).
    * 材料 (materials) — names separated by ``；`` ``;`` ``、`` ``，`` ``,`` or line
      breaks (a name holding one of them is written in 《》); ``名称（部门出具）``
      marks a certificate the department issues (also 核发/签发/开具/颁发);
      ``名称（部门出具，共享）`` marks it shared too.
    * 产出证照 (produces) — materials the step issues (issued by its department).
    * 共享 (shared) — 是: every issued material of the row is shared; or the names
      of the shared ones.
    * 收费 (fee, yuan) — ``400``, ``400元``, ``免费``; a rule (``按…元/件``) is quoted
      in a located :class:`~flowkit.CatalogueWarning` and the fee is 0.
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
    with gc_paused():
        return _read(Path(path), sheet)


@contextmanager
def gc_paused() -> Iterator[None]:
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


def _read(path: Path, sheet: str | int | None) -> dict[str, Process]:
    """Read the sheet, build every service, and raise every problem together."""
    t = table(*read_sheet(path, sheet))
    problems = list(t.problems)
    if any(c == -1 for _, c, _ in t.problems):  # a required column is missing
        raise ModelError([m for *_, m in sorted(problems)], source=str(path))
    groups, more = service_rows(t)
    problems += more
    out: dict[str, Process] = {}
    for svc, rows in groups.items():
        process, found = build_service(svc, t, rows)
        if found:
            problems += found
        elif process is not None:
            out[svc] = process
    if problems:
        unique = list(dict.fromkeys(m for *_, m in sorted(problems, key=lambda x: (x[0], x[1]))))
        raise ModelError(unique, source=str(path))
    return out


def build_service(name: str, t: Table, rows: list[Row]) -> tuple[Process | None, list[Problem]]:
    """One service's process, or the problems of its rows (located on the sheet)."""
    service = Service(name, t, rows)
    tree = service.build()
    found = list(service.problems)
    try:
        process = parse(tree)
    except ModelError as exc:
        found += [x for x in map(service.locate, exc.problems) if x[2]]
        if not found:  # only echoes of problems already reported
            found = [(rows[0][0], -1, f"{t.sheet}!行{rows[0][0]}: {exc.problems[0]}")]
        return None, found
    return (None, found) if found else (process, [])
