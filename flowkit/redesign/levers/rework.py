"""Rework levers: what to do about the 补正 loops of reviews.

容缺受理 :class:`accept_incomplete` lets the supplement arrive online instead of at
the counter; 告知承诺制 :class:`commitment` replaces a review (or applicant-held
proofs) by a signed commitment checked after the decision. Both need to know which
flows are rework: :func:`_rework_into_counters` and :func:`_rework_flows`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...errors import LeverError
from ...model.durations import parse_duration
from ...model.process import Process, Step
from ...model.structure import reach
from ..edit import Editor
from .base import Lever, _as_tuple, _need_steps

__all__ = ["accept_incomplete", "commitment"]


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
        loops = self._loops(p)
        made: dict[str, str] = {}
        for u, v in loops:
            if v in made:
                ed.replace_target(u, v, made[v])
                continue
            entries = [x.id for x in p.steps if v in x.targets and (x.id, v) not in loops]
            if not entries and p.start_step != v:
                # reached only by rework: the counter step itself becomes the online supplement
                _go_online_as_supplement(ed, p.step(v))
                made[v] = v
                continue
            made[v] = _add_supplement(ed, p.step(v))
            ed.replace_target(u, v, made[v])
        return "supplements online: " + ", ".join(
            f"{v}" if s == v else f"{v} -> {s}" for v, s in made.items())

    def _loops(self, p: Process) -> list[tuple[str, str]]:
        """The rework flows into counter steps this lever redirects (at least one)."""
        loops = _rework_into_counters(p)
        if self.steps is not None:
            _need_steps(p, self.steps, "accept_incomplete")
            loops = [(u, v) for u, v in loops if v in self.steps]
        if not loops:
            raise LeverError(
                f"accept_incomplete: no rework loop of '{p.name}' returns to a counter step"
                + (f" among {list(self.steps)}" if self.steps else "")
            )
        return loops


def _go_online_as_supplement(ed: Editor, s: Step) -> None:
    """A counter step only rework reaches becomes the online supplement itself."""
    ed.set_step(s.id, "channel", "online")
    ed.set_step(s.id, "location", None)
    ed.set_step(s.id, "name", f"{s.label}（容缺后补）")


def _add_supplement(ed: Editor, s: Step) -> str:
    """Add an online supplement step that continues where counter step ``s`` does."""
    if s.flow in ("and", "end") or s.join is not None:
        raise LeverError(
            f"accept_incomplete: counter step '{s.id}' is a parallel split, a join or an end; "
            "its supplement step could not continue where it does"
        )
    nxt = s.next
    return ed.add_step({
        "id": ed.fresh_id(f"{s.id}_supplement"),
        "name": f"{s.label}（容缺后补）",
        "department": s.department, "kind": s.kind, "channel": "online",
        "work": s.work, "materials": s.materials,
        "next": dict(nxt) if isinstance(nxt, dict) else nxt,
    }, after=s.id)


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
    every step's list (a certificate is shared with ``share_data`` instead). One of
    ``steps`` and ``materials`` is required.
    """

    steps: tuple[str, ...] = ()
    materials: tuple[str, ...] = ()
    name: ClassVar[str] = "commitment"
    primary: ClassVar[tuple[str, ...]] = ("workdays",)
    label: ClassVar[str] = "告知承诺制"

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", _as_tuple(self.steps) or ())
        object.__setattr__(self, "materials", _as_tuple(self.materials) or ())
        if not self.steps and not self.materials:
            raise LeverError("commitment: name the review steps (or the proofs) the signed "
                             "commitment replaces: commitment(steps=[...]) or "
                             "commitment(materials=[...])")

    def _edit(self, ed: Editor, p: Process) -> str | None:
        _need_steps(p, self.steps, "commitment")
        self._check_materials(p)
        if self.materials:
            if not any(m in s.materials for s in p.steps for m in self.materials):
                raise LeverError(f"commitment: no step asks for {list(self.materials)}")
            for s in p.steps:
                kept = tuple(m for m in s.materials if m not in self.materials)
                if kept != s.materials:
                    ed.set_step(s.id, "materials", kept)
        rework = _rework_flows(p)
        for sid in self.steps:
            _commit_step(ed, p.step(sid), rework)
        return None

    def _check_materials(self, p: Process) -> None:
        """Every listed material is an applicant-held proof of ``p``."""
        known = {m.id for m in p.materials}
        for mid in self.materials:
            if mid not in known:
                raise LeverError(f"commitment: '{mid}' is not a material of '{p.name}'")
            if p.material(mid).issued:
                raise LeverError(f"commitment: '{mid}' is a certificate issued by "
                                 f"'{p.material(mid).issued_by}': share it with share_data; a "
                                 "commitment replaces proofs the applicant holds")


def _commit_step(ed: Editor, s: Step, rework: set[tuple[str, str]]) -> None:
    """Review ``s`` becomes a signed commitment: no work, no wait, no rework flow."""
    sid = s.id
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
        if not forward or sum(forward.values()) <= 0:
            raise LeverError(f"commitment: step '{sid}' has no way forward but loops")
        for t in s.next:
            if t not in forward:  # per-type weights (by_type) follow in replace_target
                ed.replace_target(sid, t, None)
