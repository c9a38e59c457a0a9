"""Cell values of a 政务服务事项 export, as the export writes them.

Each reader takes the text of one cell and returns ``(value, None)`` or
``(None, why)`` — the reason a located problem gives; never a guess.
"""

from __future__ import annotations

import re

from ..catalogue.cells import FALSE, TRUE, norm

__all__ = ["CASE_TYPES", "CHANNELS", "case_type", "channel", "fee", "level", "source",
           "step_kind", "visits", "volume", "workdays", "yes_no"]

Read = tuple[object, str | None]

_IMMEDIATE = {"即办", "即时办结", "当场办结", "当场", "立即办理", "即时", "当即", "0", "0个工作日"}
_WORKDAYS = re.compile(r"(\d+(?:\.\d+)?)\s*(?:个)?\s*(工作日|日|天|自然日|个月|月)?")
CASE_TYPES = {"即办件": "即办件", "即办": "即办件", "承诺件": "承诺件", "承诺": "承诺件",
              "上报件": "上报件", "联办件": "联办件"}
#: 办理方式 -> channel
CHANNELS = {"窗口": "counter", "窗口办理": "counter", "现场": "onsite", "现场勘验": "onsite",
            "网上": "online", "网办": "online", "网上办理": "online", "掌上": "online",
            "后台": "backoffice", "内部": "backoffice", "邮寄": "mail", "快递": "mail"}
_LEVELS = (("国家", "国家"), ("省", "省"), ("市", "市"), ("县", "区县"), ("区", "区县"),
           ("乡", "乡镇"), ("镇", "乡镇"), ("街道", "乡镇"), ("村", "村"), ("社区", "村"))
_KINDS = (("受理", "intake"), ("申请", "intake"), ("收件", "intake"), ("勘验", "inspection"),
          ("踏勘", "inspection"), ("核查", "inspection"), ("审查", "review"), ("审核", "review"),
          ("初审", "review"), ("决定", "approval"), ("审批", "approval"), ("审定", "approval"),
          ("批准", "approval"), ("缴费", "payment"), ("收费", "payment"), ("送达", "delivery"),
          ("发证", "delivery"), ("出证", "delivery"), ("领证", "delivery"), ("制证", "delivery"))


def workdays(text: str) -> Read:
    """A time limit in working days: ``20个工作日`` -> 20.0, ``即办`` -> 0.0.

    A number alone is working days (exports state limits so). Calendar days and
    months are refused: converting them would be a guess.

    Examples
    --------
    >>> workdays("20个工作日"), workdays("即办"), workdays("15"), workdays("30天")[0]
    ((20.0, None), (0.0, None), (15.0, None), None)
    """
    t = norm(text)
    if t in _IMMEDIATE:
        return 0.0, None
    m = _WORKDAYS.fullmatch(t)
    if m is None:
        return None, "is not a time limit: write working days, e.g. 20个工作日, or 即办"
    if m.group(2) not in (None, "工作日"):
        return None, (f"counts {m.group(2)}, not working days: write the limit in 工作日 "
                      "(the export's own law text says which)")
    return float(m.group(1)), None


def visits(text: str) -> Read:
    """到办事现场次数: ``0次`` -> 0, ``1`` -> 1.

    Examples
    --------
    >>> visits("0次"), visits("一次")
    ((0, None), (1, None))
    """
    t = norm(text)
    t = {"零": "0", "一": "1", "二": "2", "两": "2", "三": "3"}.get(t.rstrip("次"), t)
    m = re.fullmatch(r"(\d+)\s*次?", t)
    if m is None:
        return None, "is not a number of visits: write e.g. 0次 or 1"
    return int(m.group(1)), None


def volume(text: str) -> Read:
    """年办件量: ``1200``, ``1,200件`` -> 1200.0.

    Examples
    --------
    >>> volume("1,200件")
    (1200.0, None)
    """
    t = norm(text).replace(",", "")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(?:件|个|次)?(?:/年)?", t)
    if m is None:
        return None, "is not a number of cases a year: write e.g. 1200"
    return float(m.group(1)), None


def fee(text: str) -> Read:
    """收费标准: ``不收费`` -> 0.0, ``80元`` -> 80.0; free text (``按…元/件``) stays text.

    The free text is returned as ``(text, why)``: kept, and reported, never forced
    into a number.

    Examples
    --------
    >>> fee("不收费"), fee("80元")
    ((0.0, None), (80.0, None))
    >>> fee("按建筑面积3元/平方米")[1] is not None
    True
    """
    t = norm(text).replace(",", "")
    if t in ("不收费", "免费", "否", "无", "0", "0元", "免收"):
        return 0.0, None
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*元?", t)
    if m:
        return float(m.group(1)), None
    return text, "is a fee rule, not an amount: kept as text, the fee is not counted"


def source(text: str) -> Read:
    """来源渠道: ``申请人自备`` -> 'applicant', ``政府部门核发`` -> 'issued'.

    Examples
    --------
    >>> source("申请人自备"), source("政府部门核发")
    (('applicant', None), ('issued', None))
    """
    t = norm(text)
    if "自备" in t or t in ("申请人", "申请人提供", "自行提供"):
        return "applicant", None
    if any(w in t for w in ("核发", "政府部门", "部门出具", "部门提供", "共享获取")):
        return "issued", None
    if any(w in t for w in ("中介", "其他", "第三方")):
        return "applicant", None
    return None, "is not a source: write 申请人自备 or 政府部门核发"


def yes_no(text: str) -> Read:
    """是/否 (also √/×, 共享/不共享).

    Examples
    --------
    >>> yes_no("是"), yes_no("否")
    ((True, None), (False, None))
    """
    t = norm(text).lower()
    if t in TRUE:
        return True, None
    if t in FALSE or t in ("不计入", "不可容缺"):
        return False, None
    if t in ("计入", "可容缺", "容缺"):
        return True, None
    return None, "is neither 是 nor 否"


def case_type(text: str) -> Read:
    """办件类型: 即办件 / 承诺件 (上报件, 联办件 kept)."""
    t = CASE_TYPES.get(norm(text))
    return (t, None) if t else (None, "is not a 办件类型: write 即办件 or 承诺件")


def channel(text: str) -> Read:
    """办理方式 -> channel: 窗口 counter, 网上 online, 后台 backoffice, 现场 onsite, 邮寄 mail."""
    t = norm(text)
    for word, ch in CHANNELS.items():
        if t == word or t.startswith(word):
            return ch, None
    return None, "is not a 办理方式: write 窗口, 网上, 后台, 现场 or 邮寄"


def level(text: str) -> Read:
    """行使层级 -> a department level: ``市级`` -> '市', ``县级、市级`` -> the first, '区县'.

    Examples
    --------
    >>> level("市级"), level("县（市、区）级")
    (('市', None), ('区县', None))
    """
    t = norm(text)
    for word, lv in _LEVELS:
        if t.startswith(word):
            return lv, None
    return None, "is not a level: write 国家级, 省级, 市级, 县级, 乡镇级 or 村级"


def step_kind(name: str) -> str:
    """The kind of a step from its name (受理 intake, 审查 review, 决定 approval …), else 'other'.

    Examples
    --------
    >>> step_kind("受理"), step_kind("现场勘验"), step_kind("作出决定"), step_kind("公示")
    ('intake', 'inspection', 'approval', 'other')
    """
    for word, kind in _KINDS:
        if word in name:
            return kind
    return "other"
