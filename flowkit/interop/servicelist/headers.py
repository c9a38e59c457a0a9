"""The three tables of a 政务服务事项 export and the usual synonyms of their headers.

A header is matched after :func:`header_key`: NFKC (full-width brackets become
half-width), no spaces, a trailing note in brackets dropped (``承诺办结时限（工作日）``
-> ``承诺办结时限``), a leading ``*`` (required-field mark) dropped, and the words
办理/办结 optional (``法定时限``, ``法定办结时限`` and ``法定办理时限`` are one header).
"""

from __future__ import annotations

import re

from ..catalogue.cells import norm

__all__ = ["MATERIALS", "REQUIRED", "SERVICES", "SHEET_NAMES", "STEPS", "TABLES", "header_key",
           "lookup"]

#: services (事项): column key -> headers
SERVICES: dict[str, tuple[str, ...]] = {
    "code": ("事项编码", "实施编码", "事项代码", "基本编码", "code"),
    "name": ("事项名称", "实施清单名称", "name"),
    "type": ("事项类型", "事项类别", "type"),
    "authority": ("实施主体", "实施机关", "实施主体名称", "实施部门", "authority"),
    "level": ("行使层级", "层级", "level"),
    "legal_limit": ("法定办结时限", "法定时限", "法定期限", "legal_limit"),
    "time_limit": ("承诺办结时限", "承诺时限", "承诺期限", "time_limit"),
    "visits": ("到办事现场次数", "到现场次数", "跑动次数", "到窗口次数", "visits"),
    "case_type": ("办件类型", "case_type"),
    "online_depth": ("网上办理深度", "网办深度", "online_depth"),
    "fee": ("收费标准", "是否收费", "收费", "fee"),
    "volume": ("年办件量", "年度办件量", "年办理量", "volume"),
}
#: materials (申请材料)
MATERIALS: dict[str, tuple[str, ...]] = {
    "code": SERVICES["code"],
    "name": ("材料名称", "申请材料名称", "material"),
    "source": ("来源渠道", "材料来源", "来源", "source"),
    "issuer": ("出具单位", "来源渠道说明", "出具部门", "核发单位", "issuer"),
    "form": ("材料形式", "材料类型", "form"),
    "copies": ("份数", "纸质材料份数", "copies"),
    "tolerance": ("是否容缺", "容缺", "可容缺", "tolerance"),
    "shared": ("是否共享", "电子证照", "是否电子证照", "共享", "shared"),
}
#: steps (办理环节)
STEPS: dict[str, tuple[str, ...]] = {
    "code": SERVICES["code"],
    "order": ("环节序号", "序号", "环节编号", "order"),
    "name": ("环节名称", "环节", "step"),
    "department": ("办理部门", "承办部门", "实施部门", "部门", "department"),
    "limit": ("办理时限", "环节时限", "时限", "limit"),
    "channel": ("办理方式", "办理渠道", "channel"),
    "counted": ("是否计入法定时限", "计入法定时限", "是否计算在法定办结时限内", "counted"),
}
TABLES: dict[str, dict[str, tuple[str, ...]]] = {
    "services": SERVICES, "materials": MATERIALS, "steps": STEPS,
}
#: columns a table must have (besides 事项编码)
REQUIRED: dict[str, tuple[str, ...]] = {
    "services": ("code", "name"), "materials": ("code", "name"), "steps": ("code", "name"),
}
#: sheet (or CSV file) names of each table
SHEET_NAMES: dict[str, tuple[str, ...]] = {
    "services": ("事项", "事项清单", "服务事项", "基本信息", "事项基本信息", "services"),
    "materials": ("申请材料", "材料", "材料清单", "materials"),
    "steps": ("办理环节", "环节", "办理流程", "流程", "steps"),
}
_OPTIONAL_WORDS = re.compile(r"办理|办结")


def header_key(text: str) -> str:
    """A header as compared.

    Examples
    --------
    >>> header_key("承诺办结时限（工作日）"), header_key("*法定办理时限")
    ('承诺时限', '法定时限')
    """
    key = norm(text).lower().replace(" ", "").lstrip("*").rstrip("*:：")
    key = re.sub(r"\([^()]*\)$", "", key) or key
    return _OPTIONAL_WORDS.sub("", key) or key


_LOOKUP: dict[str, dict[str, str]] = {
    t: {header_key(h): k for k, hs in cols.items() for h in (*hs, k)} for t, cols in TABLES.items()
}


def lookup(table: str, header: str) -> str | None:
    """The column key of a header in a table, None when it is not one of its headers.

    Examples
    --------
    >>> lookup("services", "到办事现场次数（次）"), lookup("steps", "时限")
    ('visits', 'limit')
    """
    return _LOOKUP[table].get(header_key(header))
