"""Editing a process: a mutable working copy that records every change by id.

Levers and bundles build a new process through :class:`Editor`; the original is
never touched. :meth:`Editor.build` validates the result as a whole, so a lever
can never hand back an invalid process.
"""

from __future__ import annotations

from typing import Any

from ..errors import LeverError, ModelError
from ..model.durations import _Dist, format_duration
from ..model.process import Change, HistoryEntry, Process, Step

__all__ = ["Editor", "plain"]


def plain(value: Any) -> Any:
    """A JSON-friendly copy of a field value, for the history."""
    if isinstance(value, _Dist):
        return format_duration(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_defaults=True)
    return value


def _step_fields(s: Any) -> dict[str, Any]:
    data = {name: getattr(s, name) for name in type(s).model_fields}
    nxt = data["next"]
    if isinstance(nxt, dict):
        data["next"] = dict(nxt)
    elif isinstance(nxt, tuple):
        data["next"] = list(nxt)
    data["by_type"] = {k: dict(v) for k, v in data["by_type"].items()}
    return data


class Editor:
    """A working copy of a process; each setter records a :class:`~flowkit.Change`."""

    def __init__(self, p: Process) -> None:
        self.source = p
        self.top: dict[str, Any] = {
            name: getattr(p, name)
            for name in Process.model_fields
            if name not in ("steps", "departments", "materials", "history")
        }
        self.steps: dict[str, dict[str, Any]] = {s.id: _step_fields(s) for s in p.steps}
        self.departments: dict[str, dict[str, Any]] = {
            d.id: {n: getattr(d, n) for n in type(d).model_fields} for d in p.departments
        }
        self.materials: dict[str, dict[str, Any]] = {
            m.id: {n: getattr(m, n) for n in type(m).model_fields} for m in p.materials
        }
        self.history = list(p.history)
        self.changes: list[Change] = []

    # -- queries on the working copy ---------------------------------------------------
    def targets(self, sid: str) -> list[str]:
        nxt = self.steps[sid]["next"]
        if nxt is None:
            return []
        if isinstance(nxt, str):
            return [nxt]
        return list(nxt)

    def preds(self, sid: str) -> list[str]:
        return [u for u in self.steps if sid in self.targets(u)]

    def fresh_id(self, base: str) -> str:
        """An unused step id built from ``base``."""
        if base not in self.steps:
            return base
        k = 2
        while f"{base}{k}" in self.steps:
            k += 1
        return f"{base}{k}"

    # -- changes ---------------------------------------------------------------------
    def set_step(self, sid: str, field: str, value: Any) -> None:
        before = self.steps[sid].get(field)
        if plain(before) == plain(value):
            return
        self.steps[sid][field] = value
        target = "flow" if field in ("next", "join") else "step"
        self.changes.append(Change(target=target, id=sid, action="set", field=field,
                                   before=plain(before), after=plain(value)))

    def set_department(self, did: str, field: str, value: Any) -> None:
        before = self.departments[did].get(field)
        if plain(before) == plain(value):
            return
        self.departments[did][field] = value
        self.changes.append(Change(target="department", id=did, action="set", field=field,
                                   before=plain(before), after=plain(value)))

    def set_material(self, mid: str, field: str, value: Any) -> None:
        before = self.materials[mid].get(field)
        if plain(before) == plain(value):
            return
        self.materials[mid][field] = value
        self.changes.append(Change(target="material", id=mid, action="set", field=field,
                                   before=plain(before), after=plain(value)))

    def set_top(self, field: str, value: Any) -> None:
        before = self.top.get(field)
        if plain(before) == plain(value):
            return
        self.top[field] = value
        self.changes.append(Change(target="process", id=self.source.name, action="set",
                                   field=field, before=plain(before), after=plain(value)))

    def add_step(self, data: dict[str, Any], after: str | None = None) -> str:
        """Insert a step (after ``after`` in the listed order, else at the end)."""
        sid = data["id"]
        defaults = {name: f.get_default(call_default_factory=True)
                    for name, f in _STEP_FIELDS.items() if not f.is_required()}
        full = {**defaults, **data}
        items = list(self.steps.items())
        pos = len(items) if after is None else [k for k, _ in items].index(after) + 1
        items.insert(pos, (sid, full))
        self.steps = dict(items)
        self.changes.append(Change(target="step", id=sid, action="add",
                                   after=plain({k: v for k, v in data.items() if k != "id"})))
        return sid

    def remove_step(self, sid: str) -> None:
        del self.steps[sid]
        self.changes.append(Change(target="step", id=sid, action="remove"))

    def remove_department(self, did: str) -> None:
        del self.departments[did]
        self.changes.append(Change(target="department", id=did, action="remove"))

    def note(self, target: str, ident: str, field: str, after: Any) -> None:
        """Record something that is not a field change (e.g. a check moved after the decision)."""
        self.changes.append(Change(target=target, id=ident, action="set",
                                   field=field, after=plain(after)))

    def replace_target(self, sid: str, old: str, new: str | None) -> None:
        """Point ``sid``'s flow to ``old`` at ``new`` instead (None: drop that flow)."""
        nxt = self.steps[sid]["next"]
        if isinstance(nxt, str):
            self.set_step(sid, "next", new)
        elif isinstance(nxt, dict):
            out = _retarget(nxt, old, new)
            total = sum(out.values())
            if not out:
                self.set_step(sid, "next", None)
            elif len(out) == 1:
                self.set_step(sid, "next", next(iter(out)))
            else:
                self.set_step(sid, "next", {t: p / total for t, p in out.items()})
            self._retarget_by_type(sid, old, new, choice=len(out) > 1)
        elif isinstance(nxt, list):
            if new is not None and new not in nxt:
                self.set_step(sid, "next", [new if t == old else t for t in nxt])
                return
            # the branch is gone (or would duplicate another, empty one): drop it
            rest = [t for t in nxt if t != old]
            if len(rest) >= 2:
                self.set_step(sid, "next", rest)
                return
            # one branch left: the block becomes a plain sequence
            join = self._join_after(rest[0]) if rest else None
            if join is None:
                raise LeverError(
                    f"step '{sid}' splits into parallel branches {nxt}: without branch '{old}' "
                    "the block has no way to its join"
                )
            self.set_step(sid, "next", rest[0])
            self.set_step(join, "join", None)

    def _retarget_by_type(self, sid: str, old: str, new: str | None, choice: bool) -> None:
        """Re-weight ``sid``'s per-type choices as its ``next`` was (``by_type`` keeps
        naming only targets of ``next``; it goes when ``next`` is no longer a choice)."""
        by_type = self.steps[sid].get("by_type") or {}
        if not by_type:
            return
        if not choice:
            self.set_step(sid, "by_type", {})
            return
        out: dict[str, dict[str, float]] = {}
        for type_id, weights in by_type.items():
            moved = _retarget(weights, old, new)
            total = sum(moved.values())
            if total <= 0:
                raise LeverError(
                    f"step '{sid}': case type '{type_id}' goes only to '{old}' "
                    f"(by_type.{type_id}); without that flow it has no way forward"
                )
            out[type_id] = {t: p / total for t, p in moved.items()}
        self.set_step(sid, "by_type", out)

    def _join_after(self, head: str) -> str | None:
        """The ``join: all`` step a branch starting at ``head`` ends at (nested blocks skipped)."""
        seen: set[str] = set()
        todo = [head]
        depth_of: dict[str, int] = {head: 0}
        while todo:
            v = todo.pop(0)
            if v in seen:
                continue
            seen.add(v)
            d = depth_of[v]
            s = self.steps[v]
            if s["join"] is not None and v != head:
                if d == 0:
                    return v
                d -= 1
            elif s["join"] is not None and v == head:
                return v
            if isinstance(s["next"], list):
                d += 1
            for t in self.targets(v):
                if t not in depth_of:
                    depth_of[t] = d
                    todo.append(t)
        return None

    # -- result ------------------------------------------------------------------------
    def build(
        self, lever: str, label: str, params: dict[str, Any], note: str | None = None
    ) -> Process:
        entry = HistoryEntry(lever=lever, label=label, params=plain(params),
                             changes=tuple(self.changes), note=note)
        tree = {
            **self.top,
            "departments": list(self.departments.values()),
            "materials": list(self.materials.values()),
            "steps": list(self.steps.values()),
            "history": [*self.history, entry],
        }
        try:
            return Process.model_validate(tree)
        except ModelError as exc:  # a lever must never produce an invalid process
            raise LeverError(
                f"{lever}: the redesigned process would not be valid: "
                + "; ".join(exc.problems)
            ) from exc


_STEP_FIELDS = Step.model_fields


def _retarget(weights: dict[str, float], old: str, new: str | None) -> dict[str, float]:
    """Choice weights with target ``old`` renamed ``new`` (merged if present; None: dropped)."""
    out: dict[str, float] = {}
    for t, p in weights.items():
        key = new if t == old else t
        if key is None:
            continue
        out[key] = out.get(key, 0.0) + p
    return out
