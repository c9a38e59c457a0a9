"""A step of a process (环节), its flow (``next``) and its session schedule.

:class:`Step` is a frozen pydantic v2 model with ``extra='forbid'``; ``next`` is read
and checked in its three forms (sequence, choice, parallel split).
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from .base import FrozenDict, FrozenModel
from .calendar import parse_weekday
from .duration_grammar import Duration
from .duration_values import ZERO, _Dist
from .limits import MAX_FEE
from .parts import _freeze
from .types import CHANNEL_ZH, KIND_ZH, Channel, Id, Kind, check_id

__all__ = [
    "APPLICANT_CHANNELS",
    "PROCEDURE_CHANNELS",
    "VISIT_CHANNELS",
    "Schedule",
    "Step",
]

VISIT_CHANNELS = frozenset({"counter"})
APPLICANT_CHANNELS = frozenset({"counter", "online"})
#: channels that are a procedure under the Doing Business rules
PROCEDURE_CHANNELS = frozenset({"counter", "online", "onsite", "mail"})

def _no_calendar_units(d: _Dist) -> _Dist:
    if d.unit in ("d", "w"):
        raise ValueError(
            f"'{d}' is calendar time: work is staff time inside working hours, so write it in "
            "h, min or wd (one working day of hours); put elapsed time in 'wait'"
        )
    return d


WorkDuration = Annotated[Duration, AfterValidator(_no_calendar_units)]


def _time_of_day(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        hh, mm = divmod(value, 60)
        raise ValueError(
            f"{value!r} is a number: YAML reads an unquoted time such as {hh}:{mm:02d} as "
            f"minutes; quote it, '{hh:02d}:{mm:02d}'"
        )
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a time of day such as '14:00'")
    m = re.match(r"^\s*(\d{1,2}):(\d{2})\s*$", value)
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise ValueError(f"'{value}' is not a time of day such as '14:00' (00:00 to 23:59)")
    return f"{int(m.group(1)):02d}:{m.group(2)}"


class Schedule(FrozenModel):
    """Sessions in which a step runs (a weekly meeting): cases wait for the next session.

    Examples
    --------
    >>> Schedule(weekdays=["tue"], at=["14:00"]).weekdays
    (2,)
    """

    weekdays: tuple[int, ...] = Field(default=(1, 2, 3, 4, 5), min_length=1)
    at: tuple[Annotated[str, BeforeValidator(_time_of_day)], ...]

    @field_validator("weekdays", mode="before")
    @classmethod
    def _weekdays(cls, v: Any) -> Any:
        if not isinstance(v, list | tuple):
            v = [v]
        return tuple(sorted({parse_weekday(x) for x in v}))

    @field_validator("at", mode="before")
    @classmethod
    def _at(cls, v: Any) -> Any:
        if not isinstance(v, list | tuple):
            v = [v]
        if not v:
            raise ValueError("is empty: list at least one session time such as '14:00'")
        return tuple(v)

    @cached_property
    def minutes(self) -> tuple[int, ...]:
        """Session start times in minutes after midnight, sorted."""
        out = []
        for t in self.at:
            h, m = t.split(":")
            out.append(int(h) * 60 + int(m))
        return tuple(sorted(set(out)))


Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


def _not_an_id(value: Any) -> str:
    if isinstance(value, bool):
        return (
            f"{value!r} is a boolean, not a step id: YAML reads yes/no/on/off/true/false as "
            "booleans; quote the id, e.g. 'no'"
        )
    return f"{value!r} is a number, not a step id: quote it and start ids with a letter"


def _probability(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(
            f".{key} {value!r} is not a number: write the share of cases as a probability, "
            "e.g. 0.8"
        )
    p = float(value)
    if not 0 <= p <= 1 or p != p:
        raise ValueError(f".{key} probability {p:g} is outside [0, 1]: use a share such as 0.8")
    return p


def _flow(value: Any) -> Any:
    """Read and check the three forms of ``next``: a string, ``{target: p}``, ``[a, b]``.

    Every problem is raised together, one per line, so each is reported on its own.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return check_id(value)
    problems: list[str] = []
    if isinstance(value, dict):
        out: dict[str, float] = {}
        for key, p in value.items():
            if not isinstance(key, str):
                problems.append(f"key {_not_an_id(key)}")
                continue
            try:
                check_id(key)
                out[key] = _probability(key, p)
            except ValueError as exc:
                problems.append(str(exc))
        if not value:
            problems.append("{} is empty: name at least one target or drop next")
        elif not problems:
            total = sum(out.values())
            if abs(total - 1.0) > 1e-6:
                problems.append(
                    f"probabilities sum to {total:g}, not 1: "
                    + ", ".join(f"{k}: {v:g}" for k, v in out.items())
                )
        if problems:
            raise ValueError("\n".join(problems))
        return FrozenDict(out)
    if isinstance(value, list | tuple):
        for item in value:
            if not isinstance(item, str):
                problems.append(f"item {_not_an_id(item)}")
        if not problems:
            for item in value:
                try:
                    check_id(item)
                except ValueError as exc:
                    problems.append(str(exc))
        if not problems and len(value) < 2:
            problems.append(
                f"{list(value)} is a parallel split with fewer than two branches: write "
                "next: <id> for a sequence"
            )
        dup = sorted({t for t in value if isinstance(t, str) and list(value).count(t) > 1})
        if dup:
            problems.append(f"lists '{dup[0]}' twice in a parallel split")
        if problems:
            raise ValueError("\n".join(problems))
        return tuple(value)
    if isinstance(value, bool | int | float):
        raise ValueError(_not_an_id(value))
    raise ValueError(
        f"{value!r} is not a flow: write a step id, {{a: 0.8, b: 0.2}} (choice) or [a, b] "
        "(parallel)"
    )


_NEXT_SCHEMA = {
    "anyOf": [
        {"type": "string", "description": "sequence: the id of the next step"},
        {
            "type": "object",
            "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1},
            "description": "exclusive choice: {step id: probability}, summing to 1",
        },
        {
            "type": "array",
            "items": {"type": "string"},
            "minItems": 2,
            "description": "parallel split: the branches meet at a step with join: all",
        },
        {"type": "null"},
    ],
    "default": None,
}

Next = Annotated[
    str | FrozenDict | tuple[str, ...] | None,
    PlainValidator(_flow),
    PlainSerializer(
        lambda v: dict(v) if isinstance(v, dict) else list(v) if isinstance(v, tuple) else v
    ),
    WithJsonSchema(_NEXT_SCHEMA),
]


class Step(FrozenModel):
    """One step of a process (环节).

    See ``docs/format.md`` for every field. ``next`` is a step id (sequence),
    ``{a: 0.8, b: 0.2}`` (exclusive choice) or ``[a, b]`` (parallel; the branches
    meet at a step with ``join: all``); no ``next`` ends the process.

    Examples
    --------
    >>> s = Step(id="review", name="审核", department="amr", kind="审查", work="1h",
    ...          wait="3wd", next={"issue": 0.85, "register": 0.15})
    >>> s.kind, s.channel, s.flow, s.targets
    ('review', 'backoffice', 'xor', ('issue', 'register'))
    >>> s.branches
    (('issue', 0.85), ('register', 0.15))
    """

    id: Id
    name: str | None = None
    department: Id
    kind: Kind = "other"
    channel: Channel = "backoffice"
    work: WorkDuration = ZERO
    wait: Duration = ZERO
    fee: float = Field(default=0.0, ge=0, le=MAX_FEE, allow_inf_nan=False)
    materials: tuple[Id, ...] = ()
    produces: tuple[Id, ...] = ()
    time_limit: Duration | None = None
    legal_limit: Duration | None = None
    location: str | None = None
    schedule: Schedule | None = None
    clock: Literal["counted", "excluded"] = "counted"
    next: Next = None
    join: Literal["all"] | None = None
    by_type: Annotated[
        dict[str, Annotated[dict[str, Probability], AfterValidator(_freeze)]],
        AfterValidator(_freeze),
    ] = Field(default_factory=FrozenDict)

    @field_validator("materials", "produces", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        if isinstance(v, str):
            return (v,)
        return v

    @field_validator("join", mode="before")
    @classmethod
    def _join(cls, v: Any) -> Any:
        if v is True:
            return "all"
        if isinstance(v, str) and v.strip().lower() in ("all", "and"):
            return "all"
        if v is None or v is False:
            return None
        raise ValueError(f"{v!r} is not a join: write join: all (wait for every branch)")

    @model_validator(mode="after")
    def _flow_checks(self) -> Step:
        problems: list[str] = []
        nxt = self.next
        for type_id, choice in self.by_type.items():
            total = sum(choice.values())
            if abs(total - 1.0) > 1e-6:
                problems.append(f"by_type.{type_id} probabilities sum to {total:g}, not 1")
            if not isinstance(nxt, dict):
                problems.append(
                    f"by_type.{type_id} needs next to be a choice {{a: p, b: q}} whose "
                    "targets it re-weights"
                )
            else:
                for target in choice:
                    if target not in nxt:
                        problems.append(
                            f"by_type.{type_id}.{target} is not a target of next "
                            f"({', '.join(nxt)}): by_type only re-weights next's targets"
                        )
        if self.kind == "routing":
            problems.extend(self._routing_problems())
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def _routing_problems(self) -> list[str]:
        """What a routing step (a split or join point, no work) may not have."""
        what = {
            "work": not self.work.is_zero, "wait": not self.wait.is_zero,
            "fee": self.fee > 0, "materials": bool(self.materials),
            "produces": bool(self.produces), "schedule": self.schedule is not None,
            "time_limit": self.time_limit is not None,
            "legal_limit": self.legal_limit is not None,
        }
        out = [
            f"{field} is set on a routing step: a routing step is a split or join point "
            f"with no work; drop {field}, or make the step another kind (e.g. other)"
            for field, bad in what.items() if bad
        ]
        if self.channel != "backoffice":
            out.append(
                f"channel {self.channel} is set on a routing step: a routing step involves "
                "nobody; drop channel, or make the step another kind (e.g. other)"
            )
        return out

    @property
    def routing(self) -> bool:
        """True for a routing step (路由): a split or join point that is not a 环节."""
        return self.kind == "routing"

    # -- derived views --------------------------------------------------------
    @property
    def label(self) -> str:
        """The name, or the id when there is none."""
        return self.name or self.id

    @property
    def flow(self) -> Literal["end", "seq", "xor", "and"]:
        """How the step continues: ``end``, ``seq``, ``xor`` or ``and``."""
        if self.next is None:
            return "end"
        if isinstance(self.next, str):
            return "seq"
        if isinstance(self.next, dict):
            return "xor"
        return "and"

    @property
    def targets(self) -> tuple[str, ...]:
        """The ids of the steps that can follow, in listed order."""
        if self.next is None:
            return ()
        if isinstance(self.next, str):
            return (self.next,)
        return tuple(self.next)

    @property
    def branches(self) -> tuple[tuple[str, float], ...]:
        """``(target, probability)`` pairs; every branch of an AND split has probability 1."""
        if self.next is None:
            return ()
        if isinstance(self.next, str):
            return ((self.next, 1.0),)
        if isinstance(self.next, dict):
            return tuple(self.next.items())
        return tuple((t, 1.0) for t in self.next)

    def branches_for(self, case_type: str | None) -> tuple[tuple[str, float], ...]:
        """Branches with the probabilities of ``case_type`` where ``by_type`` sets them."""
        if case_type is not None and case_type in self.by_type:
            choice = self.by_type[case_type]
            return tuple((t, float(choice.get(t, 0.0))) for t in self.targets)
        return self.branches

    @property
    def kind_zh(self) -> str:
        """The kind's Chinese name."""
        return KIND_ZH[self.kind]

    @property
    def channel_zh(self) -> str:
        """The channel's Chinese name."""
        return CHANNEL_ZH[self.channel]

    @property
    def is_visit(self) -> bool:
        """True for a counter step: the applicant must be present."""
        return self.channel in VISIT_CHANNELS
