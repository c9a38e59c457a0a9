"""Service lists as they arrive: a 政务服务事项 export read as processes (DESIGN §7).

:mod:`.headers` holds the three tables' header synonyms, :mod:`.values` reads
cell values as exports write them, :mod:`.read` finds the tables in a workbook or
a folder of CSV files, :mod:`.process` builds one service's Process and
:mod:`.build` gathers the :class:`ServiceList` with its problems and assumptions.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..catalogue.read import gc_paused
from .build import ListProblem, ServiceList, build
from .read import read_tables

__all__ = ["ListProblem", "ServiceList", "read_service_list"]


def read_service_list(path: str | os.PathLike[str]) -> ServiceList:
    """Read a 政务服务事项 export: services, their materials and (optionally) their steps.

    Three tables, each found by its sheet (or CSV file) name — 事项, 申请材料,
    办理环节 — or else by its columns; headers match their usual synonyms (with or
    without 办理/办结, full-width brackets, a trailing note such as ``（工作日）``):

    * 事项: 事项编码, 事项名称, 事项类型, 实施主体, 行使层级 (市级, 县级 …), 法定办结时限,
      承诺办结时限 (``20个工作日``, ``即办``), 到办事现场次数 (``0次``), 办件类型
      (即办件/承诺件), 网上办理深度, 收费标准 (``不收费``, ``80元``; a rule such as
      ``按…元/件`` is kept as text, reported, and not counted), 年办件量;
    * 申请材料: 事项编码, 材料名称, 来源渠道 (申请人自备 / 政府部门核发), 出具单位,
      材料形式, 份数, 是否容缺, 是否共享 (是/否);
    * 办理环节: 事项编码, 环节序号, 环节名称, 办理部门, 办理时限, 办理方式
      (窗口/网上/后台/现场/邮寄), 是否计入法定时限.

    Parameters
    ----------
    path : str or path-like
        An ``.xlsx`` workbook, one ``.csv`` (the services table alone is not
        enough: materials are needed) or a folder of ``.csv`` files (UTF-8 with
        or without BOM, UTF-16 or GB18030).

    Returns
    -------
    ServiceList
        ``.processes`` by 事项编码, ``.declared``, ``.materials``, ``.steps``,
        ``.problems`` (each naming sheet, Excel row — header row 1 when it is the
        first —, column header and value) and ``.assumptions``.

    Raises
    ------
    FlowkitError
        When the file cannot be read or a table is missing.

    Examples
    --------
    >>> import flowkit as fk
    >>> sl = fk.read_service_list("examples/service_list")
    >>> sl
    ServiceList(3 services, 1 problems, 9 assumptions)
    >>> p = sl.problems[0]
    >>> p.sheet, p.row, p.column, p.value
    ('事项', 6, '收费标准', '按证照工本费10元/本')
    """
    with gc_paused():
        return build(read_tables(Path(path)))
