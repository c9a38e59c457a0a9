"""Time levers, honestly: 承诺时限 :class:`set_time_limit`, 压缩时限 :class:`set_wait`
and 统一出件/一次送达 :class:`deliver_once`.

A time the reform commits to is an input, not a result: both time levers record the
document that commits it (``source``) in the history, and :class:`set_wait` refuses
to lengthen a wait unless asked to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ...errors import LeverError
from ...model.durations import DurationError, _Dist, parse_duration
from ...model.process import Process, Step
from ..edit import Editor
from .base import Lever, _as_workdays, _need_steps, _require_text

__all__ = ["deliver_once", "set_time_limit", "set_wait"]


def _without_defaults(params: dict[str, Any]) -> dict[str, Any]:
    """The history params with ``source=None`` and ``allow_longer=False`` left out."""
    return {k: v for k, v in params.items()
            if not (k == "source" and v is None) and not (k == "allow_longer" and v is False)}


def _duration(lever: str, text: str) -> _Dist:
    try:
        return parse_duration(text)
    except DurationError as exc:
        raise LeverError(f"{lever}: {exc}") from None


# ---------------------------------------------------------------------------- 压缩时限
@dataclass(frozen=True, repr=False)
class set_wait(Lever):
    """压缩时限: a step's ``wait`` becomes the one given, never longer unless ``allow_longer``.

    ``source`` names the document that commits the new time (recorded in the history).

    Examples
    --------
    >>> import flowkit as fk
    >>> p = fk.load("tests/data/design_example.yaml")
    >>> q = fk.redesign(p, fk.levers.set_wait("review", "1wd", source="承诺书 2026-3"))
    >>> str(q.step("review").wait), q.history[-1].params["source"]
    ('1wd', '承诺书 2026-3')
    >>> fk.redesign(p, fk.levers.set_wait("review", "5wd"))
    Traceback (most recent call last):
    ...
    flowkit.LeverError: set_wait: '5wd' is longer than the wait of 'review' (3wd): ...
    """

    step: str
    wait: str
    source: str | None = None
    allow_longer: bool = False
    name: ClassVar[str] = "set_wait"
    primary: ClassVar[tuple[str, ...]] = ("workdays",)
    label: ClassVar[str] = "压缩时限"

    def __post_init__(self) -> None:
        _require_text("set_wait", step=self.step)

    def params(self) -> dict[str, Any]:
        """The parameters for the history; ``source`` only when given."""
        return _without_defaults(super().params())

    def _edit(self, ed: Editor, p: Process) -> str | None:
        _need_steps(p, [self.step], "set_wait")
        d = _duration("set_wait", self.wait)
        old = p.step(self.step).wait
        longer = _as_workdays(d, p).mean() > _as_workdays(old, p).mean() + 1e-12
        if longer and not self.allow_longer:
            raise LeverError(
                f"set_wait: '{d}' is longer than the wait of '{self.step}' ({old}): a "
                "compressed time limit does not lengthen it; pass allow_longer=True if the "
                "wait really grows"
            )
        ed.set_step(self.step, "wait", d)
        return f"committed by {self.source}" if self.source else None


# ---------------------------------------------------------------------------- 承诺时限
@dataclass(frozen=True, repr=False)
class set_time_limit(Lever):
    """承诺时限: sets a committed time limit, the service's (``step=None``) or a step's.

    The service-level limit is in working days (``wd``) and cannot exceed the
    service's ``legal_limit``; ``source`` names the document that commits it
    (recorded in the history).

    Examples
    --------
    >>> import flowkit as fk
    >>> p = fk.load("tests/data/design_example.yaml")
    >>> q = fk.redesign(p, fk.levers.set_time_limit("5wd", source="市政务办〔2026〕3号"))
    >>> str(q.time_limit), fk.analyze(q).meets_time_limit
    ('5wd', False)
    >>> q.history[-1].note
    'committed by 市政务办〔2026〕3号'
    """

    limit: str
    step: str | None = None
    source: str | None = None
    name: ClassVar[str] = "set_time_limit"
    primary: ClassVar[tuple[str, ...]] = ()
    label: ClassVar[str] = "承诺时限"

    def __post_init__(self) -> None:
        _require_text("set_time_limit", limit=self.limit)

    def params(self) -> dict[str, Any]:
        """The parameters for the history; ``source`` only when given."""
        return _without_defaults(super().params())

    def _edit(self, ed: Editor, p: Process) -> str | None:
        d = _duration("set_time_limit", self.limit)
        if self.step is None:
            if d.unit != "wd":
                raise LeverError(
                    f"set_time_limit: '{d}' is not in working days: a service's 承诺办结时限 "
                    "counts working days of the statutory clock; write it in wd, e.g. 15wd"
                )
            if p.legal_limit is not None and d.mean() > p.legal_limit.mean() + 1e-9:
                raise LeverError(
                    f"set_time_limit: '{d}' is longer than the legal limit of '{p.name}' "
                    f"({p.legal_limit}): a committed limit cannot exceed the legal one"
                )
            ed.set_top("time_limit", d)
        else:
            _need_steps(p, [self.step], "set_time_limit")
            ed.set_step(self.step, "time_limit", d)
        return f"committed by {self.source}" if self.source else None


# ---------------------------------------------------------------------------- 统一出件
@dataclass(frozen=True, repr=False)
class deliver_once(Lever):
    """统一出件/一次送达: the delivery steps of parallel branches become one after their join.

    In every AND block where two or more branches hold a ``delivery`` step directly,
    those deliveries leave their branches (the flows around them reconnected) and one
    delivery follows the join, made by the join's department (the office that
    gathers the results issues them together): the first one's id and channel, the
    longest work and wait, their materials, products and fees united.

    Examples
    --------
    >>> import flowkit as fk
    >>> p = fk.loads('''
    ... name: t
    ... departments: [{id: a}, {id: b}]
    ... steps:
    ...   - {id: apply, department: a, kind: intake, channel: counter, next: [ra, rb]}
    ...   - {id: ra, department: a, work: 1h, next: da}
    ...   - {id: da, department: a, kind: delivery, channel: mail, wait: 2d, next: done}
    ...   - {id: rb, department: b, work: 1h, next: db}
    ...   - {id: db, department: b, kind: delivery, channel: mail, wait: 2d, next: done}
    ...   - {id: done, department: a, join: all}
    ... ''')
    >>> q = fk.redesign(p, fk.levers.deliver_once())
    >>> [s.id for s in q.steps if s.kind == "delivery"], q.step("done").next
    (['da'], 'da')
    """

    name: ClassVar[str] = "deliver_once"
    primary: ClassVar[tuple[str, ...]] = ("steps",)
    label: ClassVar[str] = "统一出件"

    def _edit(self, ed: Editor, p: Process) -> str | None:
        st = p.structure
        merged = 0
        for split, block in st.blocks.items():
            found = [
                [v for v in st.region((split, i)) if p.step(v).kind == "delivery"]
                for i in range(len(block.branches))
            ]
            deliveries = [p.step(v) for vs in found for v in vs]
            if sum(1 for vs in found if vs) < 2:
                continue
            _merge_after_join(ed, p, deliveries, block.join)
            merged += 1
        if not merged:
            raise LeverError(
                f"deliver_once: no parallel block of '{p.name}' has a delivery step in two or "
                "more branches"
            )
        return None


def _merge_after_join(ed: Editor, p: Process, deliveries: list[Step], join: str) -> None:
    """Take ``deliveries`` out of their branches and put one delivery after ``join``."""
    for d in deliveries:
        if d.flow not in ("seq", "end"):
            raise LeverError(
                f"deliver_once: delivery '{d.id}' continues by a {d.flow} flow; only a "
                "delivery followed by one step can move after the join"
            )
    keep = deliveries[0]
    for d in deliveries:
        nxt = d.next if isinstance(d.next, str) else None
        for u in ed.preds(d.id):
            ed.replace_target(u, d.id, nxt)
    for d in deliveries[1:]:
        ed.remove_step(d.id)
    after = ed.steps[join]["next"]
    hours = {"min": 1 / 60, "h": 1.0, "wd": p.calendar.hours_per_day}
    ed.set_step(keep.id, "work", max((d.work for d in deliveries),
                                     key=lambda x: x.mean() * hours[x.unit]))
    ed.set_step(keep.id, "wait", max((d.wait for d in deliveries),
                                     key=lambda x: _as_workdays(x, p).mean()))
    ed.set_step(keep.id, "materials",
                tuple(dict.fromkeys(m for d in deliveries for m in d.materials)))
    ed.set_step(keep.id, "produces",
                tuple(dict.fromkeys(m for d in deliveries for m in d.produces)))
    ed.set_step(keep.id, "fee", sum(d.fee for d in deliveries))
    ed.set_step(keep.id, "department", p.step(join).department)
    ed.set_step(keep.id, "location", None)
    ed.set_step(keep.id, "next", after)
    ed.set_step(join, "next", keep.id)
