"""Redesign levers of the 最多跑一次 / 一网通办 / 一件事一次办 reforms.

Each lever is a small immutable object; :func:`flowkit.redesign` applies levers
in order, each to the result of the one before, and records in the new process's
``history`` exactly what each changed, by id. A lever that does not apply raises
:class:`flowkit.LeverError` saying why. The exact semantics, with a before/after
example each, are in ``docs/levers.md``.

Examples
--------
>>> import flowkit as fk
>>> p = fk.load("tests/data/design_example.yaml")
>>> q = fk.redesign(p, fk.levers.share_data(), fk.levers.electronic_handoff())
>>> [h.lever for h in q.history]
['share_data', 'electronic_handoff']
>>> fk.analyze(q).materials < fk.analyze(p).materials
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from ..errors import LeverError
from ..model.durations import DurationError, _Dist, add_durations, parse_duration
from ..model.process import Process
from ..model.structure import reach
from ..model.types import LEVELS, Level
from .edit import Editor

__all__ = [
    "Lever",
    "accept_incomplete",
    "add_staff",
    "co_locate",
    "commitment",
    "electronic_handoff",
    "flatten",
    "go_online",
    "mail_delivery",
    "merge_steps",
    "parallelize",
    "remove_step",
    "set_wait",
    "share_data",
    "single_window",
]


@dataclass(frozen=True)
class Lever:
    """Base of every lever: ``apply(process) -> Process`` with one history entry more."""

    name: ClassVar[str] = "lever"
    label: ClassVar[str] = ""
    #: the figures the lever is for; diagnose never proposes it where they get worse
    primary: ClassVar[tuple[str, ...]] = ()

    def apply(self, p: Process) -> Process:
        """The process with this lever applied (``p`` itself is unchanged)."""
        ed = Editor(p)
        note = self._edit(ed, p)
        if not ed.changes:
            raise LeverError(f"{self!r} changes nothing in '{p.name}'")
        return ed.build(self.name, self.label, self.params(), note)

    def _edit(self, ed: Editor, p: Process) -> str | None:
        raise NotImplementedError

    def params(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in asdict(self).items() if v is not None)
        return f"{self.name}({args})"


def _need_steps(p: Process, ids: Sequence[str], lever: str) -> None:
    known = [s.id for s in p.steps]
    for sid in ids:
        if sid not in known:
            raise LeverError(f"{lever}: '{sid}' is not a step of '{p.name}' (steps: "
                             f"{', '.join(known)})")


def _as_tuple(value: Any) -> tuple[Any, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    return tuple(value)


# ---------------------------------------------------------------------------- 一窗受理
@dataclass(frozen=True, repr=False)
class single_window(Lever):
    """一窗受理: one front desk per path takes the application for every department.

    The first intake step on each path stays the front desk (a counter one moves to
    ``location`` if given; an online one stays online); every later intake becomes a
    back-office review; their materials move to the front desk, united without
    duplicates, dropping materials that steps of the process produce (the back office
    passes them on).
    """

    location: str | None = None
    name: ClassVar[str] = "single_window"
    primary: ClassVar[tuple[str, ...]] = ("visits", "materials")
    label: ClassVar[str] = "一窗受理"

    def _edit(self, ed: Editor, p: Process) -> str | None:
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
        produced = p.produced
        # each later intake's materials go to the front desks that reach it, but only one
        # of several front desks on parallel branches of one case (they all run)
        owner: dict[str, list[str]] = {}
        for o in others:
            desks: list[str] = []
            for f in front:
                if o in _reachable(p, f) and not any(_parallel(p, f, g) for g in desks):
                    desks.append(f)
            owner[o] = desks
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
        return (f"front desk(s): {', '.join(front)}; intakes moved to the back office: "
                f"{', '.join(others) or 'none'}")


def _as_workdays(d: _Dist, p: Process) -> _Dist:
    """An elapsed duration as working days at the process calendar's days per week."""
    if d.unit == "wd":
        return d
    per_day = p.calendar.workdays_per_week / 7.0
    return d.scaled({"min": 1 / 1440, "h": 1 / 24, "d": 1.0, "w": 7.0}[d.unit] * per_day, "wd")


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


def _as_days(d: _Dist, p: Process) -> _Dist:
    """A duration in working days as calendar days (7 / working days per week each)."""
    if d.unit != "wd":
        return d
    return d.scaled(7.0 / p.calendar.workdays_per_week, "d")


def _reachable(p: Process, start: str) -> set[str]:
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


# ---------------------------------------------------------------------------- 并联审批
@dataclass(frozen=True, repr=False)
class parallelize(Lever):
    """并联审批: consecutive steps (or chains of them) that need nothing the others
    produce become parallel branches.

    ``steps`` lists the branches in order: a step id, or a list of consecutive step
    ids (a chain that stays in sequence inside its branch). Together they must be one
    run of sequential steps. ``None`` takes the longest run of back-office or on-site
    reviews and inspections of at least two departments.
    """

    steps: tuple[Any, ...] | None = None
    name: ClassVar[str] = "parallelize"
    primary: ClassVar[tuple[str, ...]] = ("workdays",)
    label: ClassVar[str] = "并联审批"

    def __post_init__(self) -> None:
        if self.steps is not None:
            branches = tuple(
                (b,) if isinstance(b, str) else tuple(b) for b in _as_tuple(self.steps) or ()
            )
            object.__setattr__(self, "steps", branches)

    def _edit(self, ed: Editor, p: Process) -> str | None:
        branches = [list(b) for b in self.steps] if self.steps is not None else _auto_run(p)
        flat = [s for b in branches for s in b]
        _need_steps(p, flat, "parallelize")
        if len(branches) < 2:
            raise LeverError("parallelize: give at least two branches")
        if len(set(flat)) != len(flat):
            raise LeverError("parallelize: a step is listed in two branches")
        chain = _chain_of(p, flat)
        pos = {s: i for i, s in enumerate(chain)}
        for b in branches:
            idx = [pos[s] for s in b]
            if idx != list(range(idx[0], idx[0] + len(idx))):
                raise LeverError(
                    f"parallelize: branch {b} is not a run of consecutive steps in the flow "
                    f"({' -> '.join(chain)})"
                )
        # dependencies: a branch may not need what another produces
        for i, a in enumerate(branches):
            made = {m: s for s in a for m in p.step(s).produces}
            for j, b in enumerate(branches):
                if i == j:
                    continue
                for s in b:
                    for m in p.step(s).materials:
                        if m in made:
                            raise LeverError(
                                f"parallelize: step '{s}' needs '{m}', which step '{made[m]}' "
                                "of another branch produces; they cannot run in parallel"
                            )
        first, last = chain[0], chain[-1]
        # the split: the single predecessor with a plain sequence, else a new split step
        preds = [u for u in ed.steps if first in ed.targets(u)]
        heads = [b[0] for b in branches]
        if len(preds) == 1 and isinstance(ed.steps[preds[0]]["next"], str):
            split = preds[0]
        else:
            pred_depts = {ed.steps[u]["department"] for u in preds}
            split = ed.add_step(
                # one department feeding the run keeps the file; several: the run's own
                {"id": ed.fresh_id(f"{first}_split"), "name": "并联分发",
                 "department": pred_depts.pop() if len(pred_depts) == 1 else
                 p.step(first).department, "next": first},
                after=preds[0] if preds else None,
            )
            for u in preds:
                ed.replace_target(u, first, split)
            if p.start_step == first:
                ed.set_top("start", split)
        ed.set_step(split, "next", heads)
        # the join: the successor when it can become one, else a new join step
        succ = p.step(last).next
        assert succ is None or isinstance(succ, str)
        if succ is not None and p.step(succ).join is None and \
                [u for u in ed.steps if succ in ed.targets(u) and u not in flat] == []:
            join = succ
            ed.set_step(join, "join", "all")
        else:
            join = ed.add_step(
                {"id": ed.fresh_id(f"{last}_join"), "name": "并联汇合",
                 "department": p.step(last).department, "join": "all", "next": succ},
                after=last,
            )
        for b in branches:
            for s, t in zip(b, [*b[1:], join], strict=True):
                ed.set_step(s, "next", t)
        return f"branches: {' | '.join(' -> '.join(b) for b in branches)}; join: {join}"


def _chain_of(p: Process, members: list[str]) -> list[str]:
    """Order ``members`` as one run of sequential steps, or say why they are not."""
    mset = set(members)
    for s in members:
        st = p.step(s)
        if st.flow not in ("seq", "end"):
            raise LeverError(
                f"parallelize: step '{s}' continues by a {st.flow.upper()} flow; only steps "
                "in plain sequence can be made parallel"
            )
        if st.join is not None:
            raise LeverError(f"parallelize: step '{s}' is a join; it cannot become a branch")
    starts = [s for s in members
              if not any(s in p.step(u).targets for u in mset if u != s)]
    if len(starts) != 1:
        raise LeverError(
            f"parallelize: steps {members} are not one run of consecutive steps in sequence"
        )
    chain = [starts[0]]
    while len(chain) < len(members):
        nxt = p.step(chain[-1]).next
        if not isinstance(nxt, str) or nxt not in mset:
            raise LeverError(
                f"parallelize: steps {members} are not one run of consecutive steps in sequence"
            )
        preds = [u.id for u in p.steps if nxt in u.targets]
        if preds != [chain[-1]]:
            raise LeverError(f"parallelize: step '{nxt}' is also reached from "
                             f"{[x for x in preds if x != chain[-1]]}; it cannot become a branch")
        chain.append(nxt)
    return chain


def _auto_run(p: Process) -> list[list[str]]:
    """The longest run of sequential reviews/inspections of at least two departments."""
    preds: dict[str, list[str]] = {s.id: [] for s in p.steps}
    for s in p.steps:
        for t in s.targets:
            preds[t].append(s.id)

    def ok(sid: str) -> bool:
        s = p.step(sid)
        return (s.kind in ("review", "inspection") and s.channel in ("backoffice", "onsite")
                and s.flow in ("seq", "end") and s.join is None)

    best: list[str] = []
    for s in p.steps:
        if not ok(s.id):
            continue
        if len(preds[s.id]) == 1 and ok(preds[s.id][0]) and \
                p.step(preds[s.id][0]).next == s.id:
            continue  # not the start of a run
        run = [s.id]
        while True:
            nxt = p.step(run[-1]).next
            if not isinstance(nxt, str) or not ok(nxt) or preds[nxt] != [run[-1]]:
                break
            run.append(nxt)
        # cut at the first dependency
        made: set[str] = set()
        cut = []
        for sid in run:
            if made & set(p.step(sid).materials):
                break
            cut.append(sid)
            made |= set(p.step(sid).produces)
        if len(cut) >= 2 and len({p.step(x).department for x in cut}) >= 2 and len(cut) > len(best):
            best = cut
    if not best:
        raise LeverError(
            f"parallelize: '{p.name}' has no run of two or more sequential reviews or "
            "inspections (of different departments) to run in parallel"
        )
    return [[s] for s in best]


# ---------------------------------------------------------------------------- 容缺受理
@dataclass(frozen=True, repr=False)
class accept_incomplete(Lever):
    """容缺受理: a rework loop back to a counter step goes instead to a new online
    supplement step (same department and materials) that continues to the counter
    step's successors: no return trip. The review's delay stays."""

    steps: tuple[str, ...] | None = None
    name: ClassVar[str] = "accept_incomplete"
    primary: ClassVar[tuple[str, ...]] = ("visits",)
    label: ClassVar[str] = "容缺受理"

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", _as_tuple(self.steps))

    def _edit(self, ed: Editor, p: Process) -> str | None:
        loops = _rework_into_counters(p)
        if self.steps is not None:
            _need_steps(p, self.steps, "accept_incomplete")
            loops = [(u, v) for u, v in loops if v in self.steps]
        if not loops:
            raise LeverError(
                f"accept_incomplete: no rework loop of '{p.name}' returns to a counter step"
                + (f" among {list(self.steps)}" if self.steps else "")
            )
        made: dict[str, str] = {}
        for u, v in loops:
            s = p.step(v)
            if v in made:
                ed.replace_target(u, v, made[v])
                continue
            entries = [x.id for x in p.steps if v in x.targets and (x.id, v) not in loops]
            if not entries and p.start_step != v:
                # reached only by rework: the counter step itself becomes the online supplement
                ed.set_step(v, "channel", "online")
                ed.set_step(v, "location", None)
                ed.set_step(v, "name", f"{s.label}（容缺后补）")
                made[v] = v
                continue
            if s.flow in ("and", "end") or s.join is not None:
                raise LeverError(
                    f"accept_incomplete: counter step '{v}' is a parallel split, a join or an end; "
                    "its supplement step could not continue where it does"
                )
            nxt = s.next
            made[v] = ed.add_step({
                "id": ed.fresh_id(f"{v}_supplement"),
                "name": f"{s.label}（容缺后补）",
                "department": s.department, "kind": s.kind, "channel": "online",
                "work": s.work, "materials": s.materials,
                "next": dict(nxt) if isinstance(nxt, dict) else nxt,
            }, after=v)
            ed.replace_target(u, v, made[v])
        return "supplements online: " + ", ".join(
            f"{v}" if s == v else f"{v} -> {s}" for v, s in made.items())


def _rework_flows(p: Process) -> set[tuple[str, str]]:
    """Loop flows, and flows into steps that only rework reaches (they cannot reach an end
    without going back)."""
    back = p.structure.back_edges
    can_end = _skeleton_can_end(p)
    return {(s.id, t) for s in p.steps for t in s.targets
            if (s.id, t) in back or t not in can_end}


def _skeleton_can_end(p: Process) -> set[str]:
    """Steps that can reach an end without following a loop flow."""
    back = p.structure.back_edges
    rev: dict[str, list[str]] = {s.id: [] for s in p.steps}
    for s in p.steps:
        for t in s.targets:
            if (s.id, t) not in back:
                rev[t].append(s.id)
    return reach([s.id for s in p.steps if s.flow == "end"], rev)


def _rework_into_counters(p: Process) -> list[tuple[str, str]]:
    """Flows that send a case back to a counter step (补正 at a window).

    A loop flow (back edge) into a counter step; and any flow into a counter step that
    lies only on rework paths (without loop flows it cannot reach an end: a supplement
    window the case visits only to come back to the review).
    """
    back = p.structure.back_edges
    can_end = _skeleton_can_end(p)
    out = []
    for s in p.steps:
        for t in s.targets:
            if p.step(t).channel != "counter":
                continue
            if (s.id, t) in back or t not in can_end:
                out.append((s.id, t))
    return out


# ---------------------------------------------------------------------------- 告知承诺制
@dataclass(frozen=True, repr=False)
class commitment(Lever):
    """告知承诺制: each review becomes a signed commitment on the applicant's path (no
    work, no wait, no rework loop); its check moves after the decision, off the
    applicant's path, and is recorded (``post_check``) so reports list it.

    ``materials``: applicant-held proofs the signed commitment replaces; they leave
    every step's list (a certificate is shared with ``share_data`` instead).
    """

    steps: tuple[str, ...] = ()
    materials: tuple[str, ...] = ()
    name: ClassVar[str] = "commitment"
    primary: ClassVar[tuple[str, ...]] = ("workdays",)
    label: ClassVar[str] = "告知承诺制"

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", _as_tuple(self.steps) or ())
        object.__setattr__(self, "materials", _as_tuple(self.materials) or ())

    def _edit(self, ed: Editor, p: Process) -> str | None:
        if not self.steps and not self.materials:
            raise LeverError("commitment: name the review steps (or the proofs) the signed "
                             "commitment replaces")
        _need_steps(p, self.steps, "commitment")
        known = {m.id for m in p.materials}
        for mid in self.materials:
            if mid not in known:
                raise LeverError(f"commitment: '{mid}' is not a material of '{p.name}'")
            if p.material(mid).issued:
                raise LeverError(f"commitment: '{mid}' is a certificate issued by "
                                 f"'{p.material(mid).issued_by}': share it with share_data; a "
                                 "commitment replaces proofs the applicant holds")
        if self.materials:
            if not any(m in s.materials for s in p.steps for m in self.materials):
                raise LeverError(f"commitment: no step asks for {list(self.materials)}")
            for s in p.steps:
                kept = tuple(m for m in s.materials if m not in self.materials)
                if kept != s.materials:
                    ed.set_step(s.id, "materials", kept)
        rework = _rework_flows(p)
        for sid in self.steps:
            s = p.step(sid)
            if s.channel in ("counter", "online"):
                raise LeverError(
                    f"commitment: step '{sid}' is a {s.channel} step; a commitment replaces a "
                    "review or inspection, not the applicant's own step"
                )
            ed.note("step", sid, "post_check",
                    f"{s.label}: {s.work} + {s.wait} after the decision (事后核查)")
            ed.set_step(sid, "name", f"告知承诺（{s.label}）")
            ed.set_step(sid, "work", parse_duration("0h"))
            ed.set_step(sid, "wait", parse_duration("0h"))
            ed.set_step(sid, "schedule", None)
            if isinstance(s.next, dict):
                forward = {t: q for t, q in s.next.items() if (sid, t) not in rework}
                total = sum(forward.values())
                if not forward or total <= 0:
                    raise LeverError(f"commitment: step '{sid}' has no way forward but loops")
                if len(forward) < len(s.next):
                    new = next(iter(forward)) if len(forward) == 1 else {
                        t: q / total for t, q in forward.items()}
                    ed.set_step(sid, "next", new)
        return None


# ---------------------------------------------------------------------------- 一网通办
@dataclass(frozen=True, repr=False)
class electronic_handoff(Lever):
    """一网通办 (platform): files pass between departments electronically: no transfer time."""

    name: ClassVar[str] = "electronic_handoff"
    primary: ClassVar[tuple[str, ...]] = ("workdays",)
    label: ClassVar[str] = "一网通办"

    def _edit(self, ed: Editor, p: Process) -> str | None:
        if p.handoff.mode == "electronic" and p.handoff.delay_or_default.is_zero:
            raise LeverError(f"electronic_handoff: '{p.name}' already hands files over "
                             "electronically without delay")
        ed.set_top("handoff", {"mode": "electronic"})
        return None


# ---------------------------------------------------------------------------- 取消 / 合并环节
@dataclass(frozen=True, repr=False)
class remove_step(Lever):
    """取消环节: the step goes; flows into it continue where it continued."""

    step: str = ""
    name: ClassVar[str] = "remove_step"
    primary: ClassVar[tuple[str, ...]] = ("steps",)
    label: ClassVar[str] = "取消环节"

    def _edit(self, ed: Editor, p: Process) -> str | None:
        _need_steps(p, [self.step], "remove_step")
        _remove(ed, p, self.step, "remove_step")
        return None


def _remove(ed: Editor, p: Process, sid: str, lever: str) -> None:
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
    for u in preds:
        un = ed.steps[u]["next"]
        if nxt is None:
            ed.replace_target(u, sid, None)
        elif isinstance(nxt, str):
            ed.replace_target(u, sid, nxt if nxt != sid else None)
        else:  # a choice: splice it into the predecessor
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
            else:
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

    a: str = ""
    b: str = ""
    name: ClassVar[str] = "merge_steps"
    primary: ClassVar[tuple[str, ...]] = ("steps", "handoffs")
    label: ClassVar[str] = "合并环节"

    def _edit(self, ed: Editor, p: Process) -> str | None:
        _need_steps(p, [self.a, self.b], "merge_steps")
        a, b = p.step(self.a), p.step(self.b)
        if a.next != b.id:
            raise LeverError(f"merge_steps: '{b.id}' does not directly follow '{a.id}' "
                             f"(a's next is {a.next!r}); merge consecutive steps")
        others = [s.id for s in p.steps if b.id in s.targets and s.id != a.id]
        if others:
            raise LeverError(f"merge_steps: '{b.id}' is also reached from {others}")
        hours = p.calendar_of(a.department).hours_per_day

        def as_hours(d: _Dist) -> _Dist:
            # work in wd is one working day of hours of the department's calendar
            return d.scaled(hours, "h") if d.unit == "wd" else d

        wa: _Dist = a.work
        wb: _Dist = b.work
        if (wa.unit == "wd") != (wb.unit == "wd") and not (wa.is_zero or wb.is_zero):
            wa, wb = as_hours(wa), as_hours(wb)
        work = add_durations(wa, wb)
        ed.set_step(a.id, "work", work)
        ed.set_step(a.id, "wait", a.wait if a.wait.mean() >= b.wait.mean() else b.wait)
        ed.set_step(a.id, "materials", tuple(dict.fromkeys(a.materials + b.materials)))
        ed.set_step(a.id, "produces", tuple(dict.fromkeys(a.produces + b.produces)))
        ed.set_step(a.id, "fee", a.fee + b.fee)
        for lim in ("time_limit", "legal_limit"):
            x, y = getattr(a, lim), getattr(b, lim)
            if x is not None or y is not None:
                lx: _Dist = x or _zero()
                ly: _Dist = y or _zero()
                if (lx.unit == "wd") != (ly.unit == "wd") and not (lx.is_zero or ly.is_zero):
                    lx, ly = _as_workdays(lx, p), _as_workdays(ly, p)
                ed.set_step(a.id, lim, add_durations(lx, ly))
        nxt = b.next
        ed.set_step(a.id, "next", dict(nxt) if isinstance(nxt, dict) else
                    list(nxt) if isinstance(nxt, tuple) else nxt)
        ed.remove_step(b.id)
        return None


def _zero() -> _Dist:
    return parse_duration("0h")


# ---------------------------------------------------------------------------- 扁平化
@dataclass(frozen=True, repr=False)
class flatten(Lever):
    """扁平化: steps performed by departments of ``level`` are removed, flows reconnected;
    departments of that level left without steps (and issuing nothing) go too."""

    level: str = ""
    name: ClassVar[str] = "flatten"
    primary: ClassVar[tuple[str, ...]] = ("steps", "handoffs")
    label: ClassVar[str] = "扁平化"

    def _edit(self, ed: Editor, p: Process) -> str | None:
        from pydantic import TypeAdapter

        try:
            level = TypeAdapter(Level).validate_python(self.level)
        except Exception:
            raise LeverError(f"flatten: '{self.level}' is not a level: use one of "
                             f"{', '.join(LEVELS)} (or 国家 省 市 区县 乡镇 村)") from None
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


# ---------------------------------------------------------------------------- 增员 / 压缩时限
@dataclass(frozen=True, repr=False)
class add_staff(Lever):
    """增员: ``n`` more people in department ``dept``."""

    dept: str = ""
    n: int = 1
    name: ClassVar[str] = "add_staff"
    primary: ClassVar[tuple[str, ...]] = ()
    label: ClassVar[str] = "增员"

    def _edit(self, ed: Editor, p: Process) -> str | None:
        if self.dept not in {d.id for d in p.departments}:
            raise LeverError(f"add_staff: '{self.dept}' is not a department of '{p.name}'")
        if not isinstance(self.n, int) or isinstance(self.n, bool) or self.n < 1:
            raise LeverError(f"add_staff: n={self.n!r}; give a whole number >= 1")
        ed.set_department(self.dept, "staff", p.department(self.dept).staff + self.n)
        return None


@dataclass(frozen=True, repr=False)
class set_wait(Lever):
    """压缩时限: a step's ``wait`` becomes the one given."""

    step: str = ""
    wait: str = "0h"
    name: ClassVar[str] = "set_wait"
    primary: ClassVar[tuple[str, ...]] = ("workdays",)
    label: ClassVar[str] = "压缩时限"

    def _edit(self, ed: Editor, p: Process) -> str | None:
        _need_steps(p, [self.step], "set_wait")
        try:
            d = parse_duration(self.wait)
        except DurationError as exc:
            raise LeverError(f"set_wait: {exc}") from None
        ed.set_step(self.step, "wait", d)
        return None
