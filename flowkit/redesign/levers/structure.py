"""Structure levers: which steps there are and in what order they run.

取消环节 :class:`remove_step`, 合并环节 :class:`merge_steps` and 扁平化
:class:`flatten` rewire the flows between steps; removing a step (alone or by
level) reconnects its predecessors through :func:`_remove`. 并联审批
:class:`parallelize` lives in :mod:`.parallel` and is re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import TypeAdapter, ValidationError

from ...errors import LeverError
from ...model.durations import _Dist, add_durations
from ...model.process import Process, Step
from ...model.types import LEVELS, Level
from ..edit import Editor
from .base import Lever, _as_workdays, _need_steps, _require_text, _zero
from .parallel import parallelize

__all__ = ["flatten", "merge_steps", "parallelize", "remove_step"]

_LEVEL: TypeAdapter[Level] = TypeAdapter(Level)


# ---------------------------------------------------------------------------- 取消 / 合并环节
@dataclass(frozen=True, repr=False)
class remove_step(Lever):
    """取消环节: the step goes; flows into it continue where it continued."""

    step: str
    name: ClassVar[str] = "remove_step"
    primary: ClassVar[tuple[str, ...]] = ("steps",)
    label: ClassVar[str] = "取消环节"

    def __post_init__(self) -> None:
        _require_text("remove_step", step=self.step)

    def _edit(self, ed: Editor, p: Process) -> str | None:
        _need_steps(p, [self.step], "remove_step")
        _remove(ed, p, self.step, "remove_step")
        return None


def _remove(ed: Editor, p: Process, sid: str, lever: str) -> None:
    """Remove step ``sid`` from the working copy, its predecessors reconnected.

    ``lever`` names the lever in the messages of what refuses removal: a parallel
    split or join, the only step, an end that is one option of a choice, a start that
    does not continue to a single step.
    """
    s = ed.steps[sid]
    nxt = s["next"]
    if isinstance(nxt, list) or s["join"] is not None:
        raise LeverError(
            f"{lever}: '{sid}' splits or joins parallel branches; remove the block's "
            "steps inside instead, or keep it"
        )
    if len(ed.steps) == 1:
        raise LeverError(f"{lever}: '{sid}' is the only step")
    preds = [u for u in ed.steps if sid in ed.targets(u) and u != sid]
    if nxt is None:
        choosers = [u for u in preds if isinstance(ed.steps[u]["next"], dict)
                    and len(ed.steps[u]["next"]) > 1]
        if choosers:
            raise LeverError(
                f"{lever}: '{sid}' ends the process as one option of the choice at "
                f"'{choosers[0]}' (a rejection, say); without it those cases would go on "
                "by the other options: keep it, or change the choice with set_wait/merge "
                "first"
            )
    try:
        _reconnect(ed, sid, nxt, preds, lever)
    except LeverError as exc:
        text = str(exc)
        raise LeverError(text if text.startswith(f"{lever}:") else f"{lever}: {text}") from None
    if ed.top.get("start") == sid or (p.start_step == sid and ed.top.get("start") is None):
        if not isinstance(nxt, str):
            raise LeverError(f"{lever}: '{sid}' is the start and does not continue to a "
                             "single step")
        ed.set_top("start", nxt)
    ed.remove_step(sid)


def _reconnect(ed: Editor, sid: str, nxt: Any, preds: list[str], lever: str) -> None:
    """Send the flows of ``preds`` into ``sid`` where ``sid`` continues (``nxt``)."""
    for u in preds:
        if nxt is None:
            ed.replace_target(u, sid, None)
        elif isinstance(nxt, str):
            ed.replace_target(u, sid, nxt if nxt != sid else None)
        else:
            _splice_choice(ed, u, sid, nxt, lever)


def _splice_choice(ed: Editor, u: str, sid: str, nxt: dict[str, float], lever: str) -> None:
    """Splice the choice ``sid`` continues by into predecessor ``u`` (probabilities
    multiplied, flows back to ``sid`` dropped, the rest renormalised)."""
    un = ed.steps[u]["next"]
    if isinstance(un, list):
        raise LeverError(
            f"{lever}: '{sid}' heads a parallel branch of '{u}' and continues by a "
            "choice; a branch must start with a step"
        )
    if isinstance(un, str):
        ed.set_step(u, "next", {t: q for t, q in nxt.items() if t != sid})
        rest = ed.steps[u]["next"]
        total = sum(rest.values())
        ed.set_step(u, "next", next(iter(rest)) if len(rest) == 1 else
                    {t: q / total for t, q in rest.items()})
        return
    pu = un[sid]
    merged: dict[str, float] = {}
    for t, q in un.items():
        if t != sid:
            merged[t] = merged.get(t, 0.0) + q
    for t, q in nxt.items():
        if t != sid:
            merged[t] = merged.get(t, 0.0) + pu * q
    total = sum(merged.values())
    ed.set_step(u, "next", next(iter(merged)) if len(merged) == 1 else
                {t: q / total for t, q in merged.items()})


@dataclass(frozen=True, repr=False)
class merge_steps(Lever):
    """合并环节: ``b`` (right after ``a``) merges into ``a``: a's id and department, the work
    summed, the longer wait, materials and products united, fees summed."""

    a: str
    b: str
    name: ClassVar[str] = "merge_steps"
    primary: ClassVar[tuple[str, ...]] = ("steps", "handoffs")
    label: ClassVar[str] = "合并环节"

    def __post_init__(self) -> None:
        _require_text("merge_steps", a=self.a, b=self.b)

    def _edit(self, ed: Editor, p: Process) -> str | None:
        _need_steps(p, [self.a, self.b], "merge_steps")
        a, b = p.step(self.a), p.step(self.b)
        if a.next != b.id:
            raise LeverError(f"merge_steps: '{b.id}' does not directly follow '{a.id}' "
                             f"(a's next is {a.next!r}); merge consecutive steps")
        others = [s.id for s in p.steps if b.id in s.targets and s.id != a.id]
        if others:
            raise LeverError(f"merge_steps: '{b.id}' is also reached from {others}")
        ed.set_step(a.id, "work", _merged_work(p, a, b))
        ed.set_step(a.id, "wait", a.wait if a.wait.mean() >= b.wait.mean() else b.wait)
        ed.set_step(a.id, "materials", tuple(dict.fromkeys(a.materials + b.materials)))
        ed.set_step(a.id, "produces", tuple(dict.fromkeys(a.produces + b.produces)))
        ed.set_step(a.id, "fee", a.fee + b.fee)
        for lim in ("time_limit", "legal_limit"):
            x, y = getattr(a, lim), getattr(b, lim)
            if x is not None or y is not None:
                ed.set_step(a.id, lim, _merged_limit(p, x, y))
        nxt = b.next
        ed.set_step(a.id, "next", dict(nxt) if isinstance(nxt, dict) else
                    list(nxt) if isinstance(nxt, tuple) else nxt)
        ed.remove_step(b.id)
        return None


def _merged_work(p: Process, a: Step, b: Step) -> _Dist:
    """The work of ``a`` and ``b`` summed; mixed units meet in hours of a's calendar."""
    hours = p.calendar_of(a.department).hours_per_day

    def as_hours(d: _Dist) -> _Dist:
        # work in wd is one working day of hours of the department's calendar
        return d.scaled(hours, "h") if d.unit == "wd" else d

    wa: _Dist = a.work
    wb: _Dist = b.work
    if (wa.unit == "wd") != (wb.unit == "wd") and not (wa.is_zero or wb.is_zero):
        wa, wb = as_hours(wa), as_hours(wb)
    return add_durations(wa, wb)


def _merged_limit(p: Process, x: _Dist | None, y: _Dist | None) -> _Dist:
    """Two time limits summed (a missing one counts zero); mixed units meet in wd."""
    lx: _Dist = x or _zero()
    ly: _Dist = y or _zero()
    if (lx.unit == "wd") != (ly.unit == "wd") and not (lx.is_zero or ly.is_zero):
        lx, ly = _as_workdays(lx, p), _as_workdays(ly, p)
    return add_durations(lx, ly)


# ---------------------------------------------------------------------------- 扁平化
@dataclass(frozen=True, repr=False)
class flatten(Lever):
    """扁平化: steps performed by departments of ``level`` are removed, flows reconnected;
    departments of that level left without steps (and issuing nothing) go too."""

    level: str
    name: ClassVar[str] = "flatten"
    primary: ClassVar[tuple[str, ...]] = ("steps", "handoffs")
    label: ClassVar[str] = "扁平化"

    def __post_init__(self) -> None:
        _require_text("flatten", level=self.level)

    def _edit(self, ed: Editor, p: Process) -> str | None:
        level = _parse_level(self.level)
        depts = {d.id for d in p.departments if d.level == level}
        doomed = [s.id for s in p.steps if s.department in depts]
        if not doomed:
            raise LeverError(f"flatten: no step of '{p.name}' is performed at level '{level}'")
        if len(doomed) == len(p.steps):
            raise LeverError(f"flatten: every step of '{p.name}' is at level '{level}'")
        for sid in doomed:
            try:
                _remove(ed, p, sid, "flatten")
            except LeverError as exc:
                raise LeverError(f"{exc} (removing the {level} steps {doomed})") from None
        issuers = {m.issued_by for m in p.materials}
        for d in sorted(depts):
            if d not in issuers and not any(s["department"] == d for s in ed.steps.values()):
                ed.remove_department(d)
        return None


def _parse_level(text: str) -> str:
    """The administrative level ``text`` names (English or Chinese), or a LeverError."""
    try:
        level: str = _LEVEL.validate_python(text)
    except ValidationError as err:
        raise LeverError(f"flatten: '{text}' is not a level: use one of "
                         f"{', '.join(LEVELS)} (or 国家 省 市 区县 乡镇 村)") from err
    return level
