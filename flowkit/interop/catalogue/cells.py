"""Single cells of a 事项清单: raw values as text, and text as flowkit values.

Each function takes one cell (or one item of a list cell) and returns what the
process tree holds: durations in flowkit's notation, yuan and counts as numbers,
lists split outside brackets, 是/否, calendars, ids made from names. A text that
cannot be converted is passed on unchanged, for :func:`flowkit.parse` to judge
and locate.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache
from typing import Any

__all__ = [
    "END",
    "FALSE",
    "LIST_SEPARATORS",
    "TRUE",
    "calendar",
    "cell_text",
    "count",
    "duration",
    "material_item",
    "norm",
    "number",
    "per_day",
    "probability",
    "slug",
    "split",
    "unquote",
]

LIST_SEPARATORS = ";；、,，\n"
_PAIRS = {"(": ")", "（": "）", "[": "]", "【": "】", "《": "》", "“": "”", "‘": "’"}
_CLOSERS = set(_PAIRS.values())

_ISSUED = re.compile(
    r"^(?P<name>.+?)\s*[(（]\s*(?P<issuer>(?:[^()（）]|[(（][^()（）]*[)）])+?)\s*"
    r"(?:出具|核发|签发|开具|颁发|提供)"
    r"\s*(?P<extra>(?:[,，;；、][^()（）]*)?)[)）]$"
)
#: cell texts read as yes (是) and as no (否)
TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "all", "and", "汇合", "共享", "已共享"}
FALSE = {"否", "n", "no", "false", "0", "×", "不", "不共享", "无"}
#: 下一环节 texts that end the process
END = {"结束", "end", "无", "-", "—", "/", "办结结束", "流程结束"}
_ZERO_TIME = {"即办", "当场", "当场办结", "立即", "即时", "即时办结", "当即"}


@lru_cache(maxsize=1 << 16)
def norm(text: str) -> str:
    """Text as compared: NFKC (full-width to half-width), trimmed, spaces collapsed.

    Examples
    --------
    >>> norm("  收费（元）  ")
    '收费(元)'
    """
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def cell_text(value: Any) -> str | None:
    """A cell as text (None when blank); integral numbers lose their '.0'.

    Examples
    --------
    >>> cell_text(3.0), cell_text("  "), cell_text(True), cell_text(0.5)
    ('3', None, '是', '0.5')
    """
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


@lru_cache(maxsize=1 << 14)
def split(text: str, separators: str = LIST_SEPARATORS) -> tuple[str, ...]:
    """Split on separators outside brackets and quotes (《施工、监理合同》 stays whole).

    Examples
    --------
    >>> split("身份证；《施工、监理合同》、营业执照")
    ('身份证', '《施工、监理合同》', '营业执照')
    """
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


def unquote(name: str) -> str:
    """《营业执照》 / “营业执照” -> 营业执照 (the marks are not part of the name)."""
    name = name.strip()
    for a, b in (("《", "》"), ("“", "”"), ('"', '"'), ("'", "'"), ("‘", "’")):
        if len(name) > 2 and name.startswith(a) and name.endswith(b):
            return name[1:-1].strip()
    return name


@lru_cache(maxsize=1 << 14)
def duration(text: str) -> str:
    """Chinese duration text made readable by flowkit: 3个工作日 -> 3工作日; 即办 -> 0h.

    Examples
    --------
    >>> duration("3个工作日"), duration("即办")
    ('3工作日', '0h')
    """
    t = norm(text)
    if t in _ZERO_TIME:
        return "0h"
    return re.sub(r"(\d)\s*个\s*(?=[^\d\s])", r"\1", t)


def number(text: str, unit: str = "元") -> Any:
    """'400', '400元', '免费' -> a float; anything else is passed on for flowkit to judge.

    Examples
    --------
    >>> number("400元"), number("免费"), number("面议")
    (400.0, 0.0, '面议')
    """
    t = norm(text).replace(",", "")
    if t in ("免费", "不收费", "无", "0元", "免"):
        return 0.0
    m = re.fullmatch(rf"([+-]?\d+(?:\.\d*)?)\s*(?:{unit})?", t)
    return float(m.group(1)) if m else text


def count(text: str) -> Any:
    """'3', '3人', '3名' -> 3; anything else is passed on for flowkit to judge."""
    t = norm(text)
    m = re.fullmatch(r"(\d+)\s*(?:人|名|个)?", t)
    return int(m.group(1)) if m else text


def probability(text: str) -> Any:
    """'0.2' or '20%' -> 0.2; anything else is passed on (flowkit says it is not a number)."""
    t = norm(text)
    try:
        if t.endswith("%"):
            return float(t[:-1]) / 100
        return float(t)
    except ValueError:
        return t


def calendar(text: str) -> Any:
    """日历 text as a calendar tree: 'always', ``{holidays: china}``, ``{}``; None if unknown."""
    t = norm(text).lower()
    if t in ("always", "24/7", "24x7", "全天", "全天候", "7x24", "7×24"):
        return "always"
    if t in ("china", "中国", "节假日", "法定节假日", "含节假日", "holidays"):
        return {"holidays": "china"}
    if t in ("工作日", "默认", "标准", "default", "workdays"):
        return {}
    return None


def per_day(text: str) -> Any:
    """日均申请量 as a float ('20', '20件/日'); None when it is not a number."""
    v = number(text, unit="件|个|件/日|件/天")
    return v if isinstance(v, float) else None


@lru_cache(maxsize=1 << 14)
def material_item(item: str, issued: bool) -> tuple[str, str | None, bool, str | None]:
    """'无犯罪记录证明（公安局出具，3个工作日，共享）' -> name, issuer, shared, issue time.

    After the issuer, ``共享`` marks the certificate shared and a duration is how long the
    issuer takes to issue it (the department's ``issue_time``). With ``issued`` False
    (a 产出证照 cell) the item is only a name.

    Examples
    --------
    >>> material_item("无犯罪记录证明（公安局出具，3个工作日，共享）", True)
    ('无犯罪记录证明', '公安局', True, '3个工作日')
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
        return unquote(m.group("name")), m.group("issuer"), shared, issue
    return unquote(item), None, False, None


@lru_cache(maxsize=1 << 14)
def slug(name: str, prefix: str) -> str:
    """An id from a name: letters of any script, digits, '_' and '-'; digits first get a prefix.

    Examples
    --------
    >>> slug("市场监督管理局", "d"), slug("1号窗口", "d"), slug("!!", "m")
    ('市场监督管理局', 'd1号窗口', 'm')
    """
    s = re.sub(r"[^\w-]+", "_", norm(name)).strip("_")
    if not s:
        return prefix
    if not re.match(r"[^\W\d]", s):
        s = f"{prefix}{s}" if s[0].isdigit() else f"{prefix}_{s}"
    return s
