"""The :class:`Lever` base class and the helpers every lever family shares.

A lever is a small frozen dataclass; :meth:`Lever.apply` edits a working copy of the
process through :class:`~flowkit.redesign.edit.Editor` and records one history
entry. The helpers here check parameters (step ids, required text) and convert
durations between working days and elapsed time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from ...errors import LeverError
from ...model.durations import _Dist, parse_duration
from ...model.process import Process
from ..edit import Editor

__all__ = ["Lever"]


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
        """Record the lever's changes on ``ed``; return a note for the history, if any."""
        raise NotImplementedError

    def params(self) -> dict[str, Any]:
        """The lever's parameters as plain values (tuples as lists), for the history."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in asdict(self).items() if v is not None)
        return f"{self.name}({args})"


def _require_text(lever: str, **fields: Any) -> None:
    """Raise a located :class:`LeverError` unless every given field is non-empty text.

    Levers call it from ``__post_init__``, so a lever missing a required id fails
    when it is built, not when it is applied.
    """
    for key, value in fields.items():
        if not isinstance(value, str) or not value:
            raise LeverError(f"{lever}: {key}= is required (non-empty text), not {value!r}")


def _need_steps(p: Process, ids: Sequence[str], lever: str) -> None:
    """Raise a :class:`LeverError` naming the first of ``ids`` that is not a step of ``p``."""
    known = [s.id for s in p.steps]
    for sid in ids:
        if sid not in known:
            raise LeverError(f"{lever}: '{sid}' is not a step of '{p.name}' (steps: "
                             f"{', '.join(known)})")


def _as_tuple(value: Any) -> tuple[Any, ...] | None:
    """A parameter given as one id, a sequence of ids or None, as a tuple (or None)."""
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _as_workdays(d: _Dist, p: Process) -> _Dist:
    """An elapsed duration as working days at the process calendar's days per week."""
    if d.unit == "wd":
        return d
    per_day = p.calendar.workdays_per_week / 7.0
    return d.scaled({"min": 1 / 1440, "h": 1 / 24, "d": 1.0, "w": 7.0}[d.unit] * per_day, "wd")


def _as_days(d: _Dist, p: Process) -> _Dist:
    """A duration in working days as calendar days (7 / working days per week each)."""
    if d.unit != "wd":
        return d
    return d.scaled(7.0 / p.calendar.workdays_per_week, "d")


def _zero() -> _Dist:
    """A zero duration."""
    return parse_duration("0h")
