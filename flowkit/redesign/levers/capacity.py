"""Capacity and time levers: how fast the departments work and pass files on.

一网通办 (platform) :class:`electronic_handoff` and 增员 :class:`add_staff` keep the
steps and flows as they are and change transfer times and staff (the time levers,
压缩时限 among them, are in :mod:`.timing`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...errors import LeverError
from ...model.process import Process
from ..edit import Editor
from .base import Lever, _require_text

__all__ = ["add_staff", "electronic_handoff"]


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


# ---------------------------------------------------------------------------- 增员
@dataclass(frozen=True, repr=False)
class add_staff(Lever):
    """增员: ``n`` more people in department ``dept``."""

    dept: str
    n: int
    name: ClassVar[str] = "add_staff"
    primary: ClassVar[tuple[str, ...]] = ()
    label: ClassVar[str] = "增员"

    def __post_init__(self) -> None:
        _require_text("add_staff", dept=self.dept)

    def _edit(self, ed: Editor, p: Process) -> str | None:
        if self.dept not in {d.id for d in p.departments}:
            raise LeverError(f"add_staff: '{self.dept}' is not a department of '{p.name}'")
        if not isinstance(self.n, int) or isinstance(self.n, bool) or self.n < 1:
            raise LeverError(f"add_staff: n={self.n!r}; give a whole number >= 1")
        ed.set_department(self.dept, "staff", p.department(self.dept).staff + self.n)
        return None
