"""Channel levers: where and how the applicant meets the departments.

一窗受理 :class:`single_window`, 进驻大厅 :class:`co_locate`, 网上办 :class:`go_online`,
数据共享 :class:`share_data` and 邮寄送达 :class:`mail_delivery` change the counters,
channels and materials of the applicant's path, not the order of the steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...errors import LeverError
from ...model.durations import DurationError, add_durations, parse_duration
from ...model.process import Process
from ...model.structure import reach
from ..edit import Editor
from .base import Lever, _as_days, _as_tuple, _as_workdays, _need_steps
from .rework import _rework_flows

__all__ = ["co_locate", "go_online", "mail_delivery", "share_data", "single_window"]


# ---------------------------------------------------------------------------- 一窗受理
@dataclass(frozen=True, repr=False)
class single_window(Lever):
    """一窗受理: one front desk per path takes the application for every department.

    The first intake step on each path stays the front desk (a counter one moves to
    ``location`` if given; an online one stays online); every later intake becomes a
    back-office review; their materials move to the front desk, united without
    duplicates, dropping materials that steps of the process produce (the back office
    passes them on). A 补正 loop that returned to a later intake returns to the front
    desk instead: a new resubmission step there (``<intake>_resubmit``, same
    materials; online where the former intake was online) passes the file on to the
    former intake, so rework still costs the applicant the trip it cost before.
    """

    location: str | None = None
    name: ClassVar[str] = "single_window"
    primary: ClassVar[tuple[str, ...]] = ("visits", "materials")
    label: ClassVar[str] = "一窗受理"

    def _edit(self, ed: Editor, p: Process) -> str | None:
        front, others = self._desks(p)
        owner = _desk_owners(p, front, others)
        produced = p.produced
        for f in front:
            merged: list[str] = []
            for sid in [f, *[o for o in others if f in owner[o]]]:
                for m in p.step(sid).materials:
                    if m not in merged and m not in produced:
                        merged.append(m)
            ed.set_step(f, "materials", tuple(merged))
            if self.location is not None and p.step(f).channel == "counter":
                ed.set_step(f, "location", self.location)
        for o in others:
            ed.set_step(o, "channel", "backoffice")
            ed.set_step(o, "kind", "review")
            ed.set_step(o, "materials", ())
            if owner[o]:
                self._resubmit_at_desk(ed, p, o, owner[o][0])
        return (f"front desk(s): {', '.join(front)}; intakes moved to the back office: "
                f"{', '.join(others) or 'none'}")

    def _resubmit_at_desk(self, ed: Editor, p: Process, intake: str, desk: str) -> None:
        """Loops back to ``intake`` (now a review) go to a resubmission at ``desk``."""
        loops = [u for u, t in _rework_flows(p) if t == intake]
        if not loops:
            return
        d = p.step(desk)
        # where the applicant supplied online before, the supplement stays online
        channel = "online" if p.step(intake).channel == "online" else d.channel
        location = None if channel == "online" else (
            self.location if self.location is not None and d.channel == "counter"
            else d.location)
        order = [s.id for s in p.steps]
        sid = ed.add_step({
            "id": ed.fresh_id(f"{intake}_resubmit"), "name": f"补正（{d.label}）",
            "department": d.department, "kind": "intake", "channel": channel,
            "location": location, "materials": p.step(intake).materials, "next": intake,
        }, after=order[order.index(intake) - 1])  # listed before the loops' sources
        for u in loops:
            ed.replace_target(u, intake, sid)

    def _desks(self, p: Process) -> tuple[list[str], list[str]]:
        """The front desks and the later intakes, or why the lever has nothing to do."""
        intakes = {s.id for s in p.steps if s.kind == "intake"}
        if not intakes:
            raise LeverError(f"single_window: '{p.name}' has no intake (受理) step")
        front = _front_desks(p)
        others = [s.id for s in p.steps if s.id in intakes and s.id not in front]
        if not others and (self.location is None or all(
            p.location_of(f) == self.location or p.step(f).channel != "counter" for f in front
        )):
            raise LeverError(
                f"single_window: '{p.name}' has one intake per path ({', '.join(front)}); "
                "there are no other intakes to bring to a front desk"
            )
        return front, others


def _desk_owners(p: Process, front: list[str], others: list[str]) -> dict[str, list[str]]:
    """For each later intake, the front desks that take its materials.

    Every front desk that reaches it, but only one of several front desks on parallel
    branches of one case (they all run).
    """
    owner: dict[str, list[str]] = {}
    for o in others:
        desks: list[str] = []
        for f in front:
            if o in _reachable(p, f) and not any(_parallel(p, f, g) for g in desks):
                desks.append(f)
        owner[o] = desks
    return owner


def _front_desks(p: Process) -> list[str]:
    """Intake steps reached from the start without passing another intake, in flow order."""
    front: list[str] = []
    seen = {p.start_step}
    todo = [p.start_step]
    while todo:
        v = todo.pop(0)
        if p.step(v).kind == "intake":
            front.append(v)
            continue
        for t in p.step(v).targets:
            if t not in seen:
                seen.add(t)
                todo.append(t)
    return front


def _parallel(p: Process, a: str, b: str) -> bool:
    """True when two steps lie on different branches of one AND block (both run)."""
    st = p.structure

    def scopes(x: str) -> dict[str, int]:
        out: dict[str, int] = {}
        cur = st.parent.get(x)
        while cur is not None:
            out[cur[0]] = cur[1]
            cur = st.parent.get(cur[0])
        return out

    sa, sb = scopes(a), scopes(b)
    return any(split in sb and sb[split] != branch for split, branch in sa.items())


def _reachable(p: Process, start: str) -> set[str]:
    """Every step a case at ``start`` can reach (``start`` included)."""
    return reach([start], {s.id: s.targets for s in p.steps})


# ---------------------------------------------------------------------------- 进驻大厅
@dataclass(frozen=True, repr=False)
class co_locate(Lever):
    """进驻大厅: the departments' counters move into one service hall.

    ``departments=None`` takes every department with a counter step. Steps with a
    ``location`` of their own keep it.
    """

    departments: tuple[str, ...] | None = None
    location: str = "政务服务中心"
    name: ClassVar[str] = "co_locate"
    primary: ClassVar[tuple[str, ...]] = ("visits",)
    label: ClassVar[str] = "进驻大厅"

    def __post_init__(self) -> None:
        object.__setattr__(self, "departments", _as_tuple(self.departments))

    def _edit(self, ed: Editor, p: Process) -> str | None:
        known = [d.id for d in p.departments]
        if self.departments is None:
            chosen = sorted({s.department for s in p.steps if s.channel == "counter"},
                            key=known.index)
        else:
            chosen = list(self.departments)
            for d in chosen:
                if d not in known:
                    raise LeverError(f"co_locate: '{d}' is not a department of '{p.name}' "
                                     f"(departments: {', '.join(known)})")
        moved = [d for d in chosen if p.department(d).where != self.location]
        if not moved:
            raise LeverError(
                f"co_locate: every chosen department already sits at '{self.location}'"
            )
        for d in moved:
            old = p.department(d).where
            ed.set_department(d, "location", self.location)
            for s in p.steps:
                # a step pinned to its department's own counter moves with it
                if s.department == d and s.location == old:
                    ed.set_step(s.id, "location", self.location)
        return None


# ---------------------------------------------------------------------------- 网上办
@dataclass(frozen=True, repr=False)
class go_online(Lever):
    """网上办 / 掌上办: counter steps of the given kinds (or the given steps) go online."""

    steps: tuple[str, ...] | None = None
    kinds: tuple[str, ...] = ("intake", "payment")
    name: ClassVar[str] = "go_online"
    primary: ClassVar[tuple[str, ...]] = ("visits",)
    label: ClassVar[str] = "网上办"

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", _as_tuple(self.steps))
        object.__setattr__(self, "kinds", _as_tuple(self.kinds) or ())

    def _edit(self, ed: Editor, p: Process) -> str | None:
        if self.steps is not None:
            _need_steps(p, self.steps, "go_online")
            chosen = []
            for sid in self.steps:
                if p.step(sid).channel != "counter":
                    raise LeverError(f"go_online: step '{sid}' is {p.step(sid).channel}, not a "
                                     "counter step: only counter steps can go online")
                chosen.append(sid)
        else:
            chosen = [s.id for s in p.steps if s.channel == "counter" and s.kind in self.kinds]
            if not chosen:
                raise LeverError(f"go_online: '{p.name}' has no counter step of kind "
                                 f"{', '.join(self.kinds)}")
        for sid in chosen:
            ed.set_step(sid, "channel", "online")
            ed.set_step(sid, "location", None)
        return None


# ---------------------------------------------------------------------------- 数据共享
@dataclass(frozen=True, repr=False)
class share_data(Lever):
    """数据共享 / 电子证照: issued materials (all, if None) become shared.

    A shared certificate is neither fetched nor handed in: departments read it.
    """

    materials: tuple[str, ...] | None = None
    name: ClassVar[str] = "share_data"
    primary: ClassVar[tuple[str, ...]] = ("materials", "visits")
    label: ClassVar[str] = "数据共享"

    def __post_init__(self) -> None:
        object.__setattr__(self, "materials", _as_tuple(self.materials))

    def _edit(self, ed: Editor, p: Process) -> str | None:
        known = [m.id for m in p.materials]
        if self.materials is None:
            chosen = [m.id for m in p.materials if m.issued and not m.shared]
            if not chosen:
                raise LeverError(f"share_data: '{p.name}' has no unshared certificate "
                                 "(material with issued_by) to share")
        else:
            chosen = list(self.materials)
            for mid in chosen:
                if mid not in known:
                    raise LeverError(f"share_data: '{mid}' is not a material of '{p.name}' "
                                     f"(materials: {', '.join(known)})")
                if not p.material(mid).issued:
                    raise LeverError(
                        f"share_data: material '{mid}' is held by the applicant, not issued by "
                        "a department: only certificates can be shared (a signed commitment "
                        "can replace it: commitment(materials=[...]))"
                    )
        for mid in chosen:
            ed.set_material(mid, "shared", True)
        return None


# ---------------------------------------------------------------------------- 邮寄送达
@dataclass(frozen=True, repr=False)
class mail_delivery(Lever):
    """邮寄送达: counter delivery steps become mail; the courier wait is added to theirs."""

    wait: str = "2d"
    name: ClassVar[str] = "mail_delivery"
    primary: ClassVar[tuple[str, ...]] = ("visits",)
    label: ClassVar[str] = "邮寄送达"

    def _edit(self, ed: Editor, p: Process) -> str | None:
        try:
            courier = parse_duration(self.wait)
        except DurationError as exc:
            raise LeverError(f"mail_delivery: wait {exc}") from None
        chosen = [s for s in p.steps if s.channel == "counter" and s.kind == "delivery"]
        if not chosen:
            raise LeverError(f"mail_delivery: '{p.name}' has no counter delivery (送达/出证) step")
        approximated = []
        for s in chosen:
            ed.set_step(s.id, "channel", "mail")
            ed.set_step(s.id, "location", None)
            extra = courier
            if (s.wait.unit == "wd") != (courier.unit == "wd") and not s.wait.is_zero:
                # one duration cannot mix working days and elapsed time: the courier's wait
                # joins the step's in the step's own units
                extra = _as_workdays(courier, p) if s.wait.unit == "wd" else _as_days(courier, p)
                approximated.append(s.id)
            ed.set_step(s.id, "wait", add_durations(s.wait, extra))
        if approximated:
            return (f"courier wait {courier} added to the waits of {', '.join(approximated)} in "
                    "their own units (working days and calendar days converted at the "
                    "calendar's working days per week)")
        return None
