"""Constrained types shared by the models: ids, levels, kinds, channels.

Levels, kinds and channels accept their Chinese names (``区县``, ``受理``,
``窗口``) and are stored as their English id.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator

__all__ = [
    "CHANNELS",
    "KINDS",
    "LEVELS",
    "LEVEL_ZH",
    "Channel",
    "Id",
    "Kind",
    "Level",
]

_ID = re.compile(r"^[^\W\d][\w-]*$")


def check_id(value: Any) -> str:
    """An id: letters of any script, digits, ``_`` and ``-``, not starting with a digit."""
    if isinstance(value, bool):
        raise ValueError(
            f"{value!r} is not text: YAML reads yes/no/on/off/true/false as a boolean; "
            "quote the id, e.g. 'no'"
        )
    if isinstance(value, int | float):
        raise ValueError(
            f"{value!r} is a number, not an id: quote it and start it with a letter, e.g. "
            f"'s{value}'"
        )
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not an id: write text such as 'review'")
    if not _ID.match(value):
        raise ValueError(
            f"'{value}' is not a valid id: use letters (any script), digits, '_' and '-', "
            "not starting with a digit"
        )
    return value


Id = Annotated[str, BeforeValidator(check_id)]

LEVELS: tuple[str, ...] = ("national", "province", "city", "county", "town", "village")
LEVEL_ZH: dict[str, str] = {
    "national": "国家", "province": "省", "city": "市", "county": "区县", "town": "乡镇",
    "village": "村",
}
_LEVEL_ALIASES = {
    **{zh: en for en, zh in LEVEL_ZH.items()},
    "国家级": "national", "中央": "national", "省级": "province", "市级": "city",
    "县": "county", "区": "county", "县级": "county", "区县级": "county",
    "乡": "town", "镇": "town", "街道": "town", "乡镇街道": "town",
    "社区": "village", "村居": "village", "村社区": "village",
    "state": "national", "provincial": "province", "municipal": "city", "district": "county",
    "township": "town", "community": "village",
}

KINDS: tuple[str, ...] = (
    "intake", "review", "inspection", "approval", "payment", "delivery", "other", "routing",
)
KIND_ZH: dict[str, str] = {
    "intake": "受理", "review": "审查", "inspection": "勘验", "approval": "审批",
    "payment": "缴费", "delivery": "送达", "other": "其他", "routing": "路由",
}
_KIND_ALIASES = {
    **{zh: en for en, zh in KIND_ZH.items()},
    "申请": "intake", "收件": "intake", "审核": "review", "初审": "review", "复审": "review",
    "核查": "inspection", "现场核查": "inspection", "现场勘验": "inspection", "踏勘": "inspection",
    "决定": "approval", "审定": "approval", "审批决定": "approval", "缴纳": "payment",
    "收费": "payment", "出证": "delivery", "发证": "delivery", "领证": "delivery",
    "办结": "delivery", "路由节点": "routing", "网关": "routing", "gateway": "routing",
}

CHANNELS: tuple[str, ...] = ("counter", "online", "backoffice", "onsite", "mail")
CHANNEL_ZH: dict[str, str] = {
    "counter": "窗口", "online": "网上", "backoffice": "后台", "onsite": "现场", "mail": "邮寄",
}
_CHANNEL_ALIASES = {
    **{zh: en for en, zh in CHANNEL_ZH.items()},
    "窗口办理": "counter", "现场办理": "counter", "柜台": "counter",
    "网办": "online", "网上办": "online", "网上办理": "online", "掌上办": "online",
    "全程网办": "online", "线上": "online",
    "后台办理": "backoffice", "内部": "backoffice", "内部流转": "backoffice",
    "上门": "onsite", "现场勘验": "onsite", "实地": "onsite",
    "邮寄送达": "mail", "寄递": "mail", "快递": "mail",
    "window": "counter", "post": "mail", "web": "online",
}


def _enum(name: str, allowed: tuple[str, ...], aliases: dict[str, str]) -> Any:
    def check(value: Any) -> str:
        if isinstance(value, str):
            key = value.strip()
            if key.lower() in allowed:
                return key.lower()
            if key in aliases:
                return aliases[key]
            if key.lower() in aliases:
                return aliases[key.lower()]
        raise ValueError(f"{value!r} is not a {name}: use one of {', '.join(allowed)}")

    return check


Level = Annotated[
    Literal["national", "province", "city", "county", "town", "village"],
    BeforeValidator(_enum("level", LEVELS, _LEVEL_ALIASES)),
]
Kind = Annotated[
    Literal[
        "intake", "review", "inspection", "approval", "payment", "delivery", "other", "routing"
    ],
    BeforeValidator(_enum("kind", KINDS, _KIND_ALIASES)),
]
Channel = Annotated[
    Literal["counter", "online", "backoffice", "onsite", "mail"],
    BeforeValidator(_enum("channel", CHANNELS, _CHANNEL_ALIASES)),
]


def _non_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("is blank: write a name")
    return value


Text = Annotated[str, AfterValidator(_non_blank)]
