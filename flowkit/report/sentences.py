"""The lever log of a redesign in Chinese sentences (「审查」由窗口办理改为后台办理).

Each :class:`~flowkit.model.parts.Change` a lever recorded names what it changed by
id; a report names it by its label, from the scenario before or after the change.
Committed times (``set_wait``, ``set_time_limit``) are inputs, not results: their
sentences say so and name the document that commits them (``source``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..model.types import CHANNEL_ZH, KIND_ZH

if TYPE_CHECKING:
    from ..model.parts import Change, HistoryEntry
    from ..model.process import Process

__all__ = ["duration_zh", "lever_log"]

_UNITS = {"wd": "个工作日", "d": "天", "h": "小时", "min": "分钟", "m": "分钟", "w": "周"}
_FIELDS = {"wait": "等待期", "work": "办理用时", "time_limit": "承诺时限",
           "legal_limit": "法定时限",
           "staff": "人员", "fee": "费用", "probability": "概率", "department": "部门",
           "location": "办理地点", "schedule": "办理时段", "capacity": "人员"}
_INPUT_LEVERS = ("set_wait", "set_time_limit")


def duration_zh(value: Any) -> str:
    """A duration as Chinese text ('1wd' → '1 个工作日'); other values as they are.

    Examples
    --------
    >>> duration_zh("1wd"), duration_zh("0h"), duration_zh("2.5d"), duration_zh(None)
    ('1 个工作日', '0 小时', '2.5 天', '无')
    """
    if value is None:
        return "无"
    m = re.fullmatch(r"\s*([\d.]+)\s*(wd|min|d|h|m|w)\s*", str(value))
    if not m:
        return str(value)
    return f"{m.group(1)} {_UNITS[m.group(2)]}"


class _Names:
    """Labels of steps, materials and departments across the scenario's versions."""

    def __init__(self, *processes: Process) -> None:
        self.names: dict[tuple[str, str], str] = {}
        for p in reversed(processes):  # the earliest version's label wins
            self.names.update({("step", s.id): s.label for s in p.steps})
            self.names.update({("material", m.id): m.label for m in p.materials})
            self.names.update({("department", d.id): d.label for d in p.departments})
            self.names.update({("flow", s.id): s.label for s in p.steps})

    def __call__(self, target: str, id_: Any, most: int = 3) -> str:
        if isinstance(id_, list | tuple):
            names = [self(target, i) for i in id_]
            more = f"等 {len(names)} 项" if len(names) > most else ""
            return "、".join(names[:most]) + more or "无"
        return f"「{self.names.get((target, str(id_)), str(id_))}」"


def _step_set(ch: Change, name: str, n: _Names) -> str | None:
    f, b, a = ch.field, ch.before, ch.after
    if f == "channel":
        return f"{name}由{CHANNEL_ZH.get(b, b)}办理改为{CHANNEL_ZH.get(a, a)}办理"
    if f == "kind":
        return f"{name}由{KIND_ZH.get(b, b)}环节改为{KIND_ZH.get(a, a)}环节"
    if f == "materials":
        gone = [m for m in (b or []) if m not in (a or [])]
        new = [m for m in (a or []) if m not in (b or [])]
        parts = [f"{name}收取的材料由 {len(b or [])} 份改为 {len(a or [])} 份"]
        if gone:
            parts.append(f"不再收取{n('material', gone)}")
        if new:
            parts.append(f"新增{n('material', new)}")
        return "，".join(parts)
    if f == "name":
        return f"{name}更名为「{a}」"
    if f in ("wait", "work", "time_limit", "legal_limit"):
        return f"{name}的{_FIELDS[f]}由 {duration_zh(b)} 改为 {duration_zh(a)}"
    return None


def _sentence(ch: Change, n: _Names) -> str | None:
    """One change as a sentence; None for a change a reader need not see (renames of
    the scenario itself)."""
    name = n(ch.target, ch.id)
    if ch.action == "remove":
        return f"取消环节{name}" if ch.target == "step" else f"删除{name}"
    if ch.action == "add":
        label = a.get("name") if isinstance(a := ch.after, dict) else None
        what = {"step": "环节", "material": "材料", "department": "部门"}.get(ch.target, "")
        return f"新增{what}「{label or ch.id}」"
    if ch.target == "step":
        text = _step_set(ch, name, n)
        if text:
            return text
    if ch.target == "material" and ch.field == "shared":
        return (f"材料{name}改为数据共享，申请人无需提交" if ch.after
                else f"材料{name}不再共享，需由申请人提交")
    if ch.target == "flow" and ch.field == "next":
        return f"{name}之后改为流向{n('step', ch.after)}"
    if ch.target == "process":
        if ch.field == "name":
            return None
        if ch.field == "handoff":
            mode = ch.after.get("mode") if isinstance(ch.after, dict) else ch.after
            return "部门间移交改为电子流转（一网通办）" if mode == "electronic" else \
                f"部门间移交方式改为 {mode}"
        if ch.field in ("time_limit", "legal_limit"):
            return (f"事项的{_FIELDS[ch.field]}由 {duration_zh(ch.before)} 改为 "
                    f"{duration_zh(ch.after)}")
    field = _FIELDS.get(str(ch.field), str(ch.field))
    return f"{name}的{field}由 {ch.before} 改为 {ch.after}"


def _entry(h: HistoryEntry, n: _Names) -> dict[str, Any]:
    sentences = [s for ch in h.changes if (s := _sentence(ch, n))]
    given = h.lever in _INPUT_LEVERS
    source = h.params.get("source") if given else None
    return {"lever": h.lever, "label": h.label or h.lever, "sentences": sentences,
            "input": given, "source": source, "note": h.note or ""}


def lever_log(before: Process, after: Process) -> list[dict[str, Any]]:
    """The levers that turned ``before`` into ``after``, each as Chinese sentences.

    Returns
    -------
    list of dict
        One per history entry of ``after``: ``lever`` (id), ``label`` (the lever's
        Chinese name), ``sentences``, ``input`` (True for a committed time, an input
        of the model), ``source`` (the document committing it, or None) and ``note``.

    Examples
    --------
    >>> import flowkit as fk
    >>> p = fk.load("examples/jiaxing_swimming_pool/current.yaml")
    >>> q = fk.redesign(p, fk.levers.mail_delivery(wait="1d"),
    ...                 fk.levers.set_wait("health_decide", "0h", source="承诺书 2026-3"))
    >>> log = lever_log(p, q)
    >>> log[0]["label"], log[0]["sentences"][0]
    ('邮寄送达', '「领取公共场所卫生许可证」由窗口办理改为邮寄办理')
    >>> log[1]["sentences"], log[1]["input"], log[1]["source"]
    (['「卫生许可审批决定」的等待期由 1 个工作日 改为 0 小时'], True, '承诺书 2026-3')
    """
    n = _Names(before, after)
    return [_entry(h, n) for h in after.history[len(before.history):]]
