"""The process model: :class:`Process`, :class:`Department`, :class:`Material`, :class:`Step`.

All models are frozen pydantic v2 models with ``extra='forbid'``. A process is
checked as a whole when it is built (references, flows, AND blocks); every
problem found is reported together in one :class:`flowkit.ModelError`.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cached_property
from typing import Annotated, Any, ClassVar, Literal

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

from ..errors import ModelError
from .base import FrozenDict, FrozenModel
from .calendar import Calendar, parse_weekday
from .durations import ZERO, Duration, _Dist
from .structure import Structure
from .types import CHANNEL_ZH, KIND_ZH, LEVEL_ZH, Channel, Id, Kind, Level, check_id

__all__ = [
    "Arrivals",
    "CaseType",
    "Change",
    "Department",
    "Handoff",
    "HistoryEntry",
    "Material",
    "Process",
    "Schedule",
    "Step",
]

VISIT_CHANNELS = frozenset({"counter"})
APPLICANT_CHANNELS = frozenset({"counter", "online"})
#: channels that are a procedure under the Doing Business rules
PROCEDURE_CHANNELS = frozenset({"counter", "online", "onsite", "mail"})


def _freeze(value: dict[str, Any]) -> FrozenDict:
    return FrozenDict(value)


def _no_calendar_units(d: _Dist) -> _Dist:
    if d.unit in ("d", "w"):
        raise ValueError(
            f"'{d}' is calendar time: work is staff time inside working hours, so write it in "
            "h, min or wd (one working day of hours); put elapsed time in 'wait'"
        )
    return d


WorkDuration = Annotated[Duration, AfterValidator(_no_calendar_units)]


class Department(FrozenModel):
    """A body that performs steps (部门).

    Parameters
    ----------
    id : str
    name : str, optional
        Display name (defaults to the id).
    level : str, optional
        国家 省 市 区县 乡镇 村, or national province city county town village.
    region : str, optional
        The locality it serves; two set and different regions make a handoff cross-region.
    location : str, optional
        Where its counter is (default: its own id). Departments in one hall share one,
        e.g. ``政务服务中心``.
    staff : int
        People working its steps in parallel (default 1).
    issue_time : duration
        How long it takes to issue a certificate an applicant fetches (default 0).
    calendar : Calendar, optional
        Its own working calendar (default: the process calendar).
    cost_per_hour : float
        Staff cost per working hour (yuan), for cost figures in simulation.

    Examples
    --------
    >>> d = Department(id="amr", name="市场监督管理局", level="区县", location="政务服务中心")
    >>> d.level, d.where, d.level_zh
    ('county', '政务服务中心', '区县')
    """

    id: Id
    name: str | None = None
    level: Level | None = None
    region: str | None = None
    location: str | None = None
    staff: int = Field(default=1, ge=1)
    issue_time: Duration = ZERO
    calendar: Calendar | None = None
    cost_per_hour: float = Field(default=0.0, ge=0, allow_inf_nan=False)

    @property
    def label(self) -> str:
        """The name, or the id when there is none."""
        return self.name or self.id

    @property
    def where(self) -> str:
        """The location of its counter: ``location``, or its own id."""
        return self.location or self.id

    @property
    def level_zh(self) -> str | None:
        """The level's Chinese name."""
        return LEVEL_ZH[self.level] if self.level else None


class Material(FrozenModel):
    """A document the applicant hands in (申请材料).

    Either the applicant holds it (``source: applicant``, the default) or a
    department issues it (``issued_by``); an issued one may be ``shared``
    (电子证照 / 数据共享), and then the applicant neither fetches nor hands it in.

    Examples
    --------
    >>> Material(id="license", name="营业执照", issued_by="amr").issued
    True
    >>> Material(id="id_card", name="身份证").source
    'applicant'
    """

    id: Id
    name: str | None = None
    source: Literal["applicant"] | None = None
    issued_by: Id | None = None
    shared: bool = False

    @model_validator(mode="before")
    @classmethod
    def _default_source(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("source") is None and data.get("issued_by") is None:
            data = {**data, "source": "applicant"}
        return data

    @model_validator(mode="after")
    def _either(self) -> Material:
        if self.source is not None and self.issued_by is not None:
            raise ValueError(
                f"material '{self.id}' has both source and issued_by: an applicant-held "
                "material has source: applicant, a certificate has issued_by: DEPT"
            )
        if self.shared and self.issued_by is None:
            raise ValueError(
                f"material '{self.id}' is shared but issued by no department: only an issued "
                "certificate can be shared (set issued_by or drop shared)"
            )
        return self

    @property
    def label(self) -> str:
        """The name, or the id when there is none."""
        return self.name or self.id

    @property
    def issued(self) -> bool:
        """True when a department issues it."""
        return self.issued_by is not None


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
    fee: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    materials: tuple[Id, ...] = ()
    produces: tuple[Id, ...] = ()
    time_limit: Duration | None = None
    legal_limit: Duration | None = None
    location: str | None = None
    schedule: Schedule | None = None
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
        if problems:
            raise ValueError("\n".join(problems))
        return self

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


class Arrivals(FrozenModel):
    """How cases arrive: ``{per_day: N}``, ``{every: DIST}`` or ``{at: [datetimes]}``.

    Examples
    --------
    >>> Arrivals().per_day
    10.0
    >>> str(Arrivals(every="exp(25min)").every)
    'exp(25min)'
    """

    per_day: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    every: Duration | None = None
    at: tuple[dt.datetime, ...] | None = None

    @model_validator(mode="before")
    @classmethod
    def _default(cls, data: Any) -> Any:
        if isinstance(data, dict) and not any(
            data.get(k) is not None for k in ("per_day", "every", "at")
        ):
            extra = [k for k in data if k not in ("per_day", "every", "at")]
            if not extra:
                return {"per_day": 10.0}
        return data

    @field_validator("at", mode="before")
    @classmethod
    def _times(cls, v: Any) -> Any:
        if v is None:
            return v
        if not isinstance(v, list | tuple):
            raise ValueError(f"{v!r} is not a list of date-times such as ['2026-01-05 09:00']")
        shanghai = dt.timezone(dt.timedelta(hours=8))
        out = []
        for i, x in enumerate(v):
            if isinstance(x, str):
                try:
                    x = dt.datetime.fromisoformat(x.strip())
                except ValueError:
                    raise ValueError(
                        f"[{i}] '{x}' is not a date-time: write 'YYYY-MM-DD HH:MM'"
                    ) from None
            if isinstance(x, dt.date) and not isinstance(x, dt.datetime):
                x = dt.datetime.combine(x, dt.time())
            if not isinstance(x, dt.datetime):
                raise ValueError(f"[{i}] {x!r} is not a date-time: write 'YYYY-MM-DD HH:MM'")
            if x.tzinfo is not None:  # local time of Asia/Shanghai, naive
                x = x.astimezone(shanghai).replace(tzinfo=None)
            out.append(x)
        return tuple(out)

    @model_validator(mode="after")
    def _one(self) -> Arrivals:
        given = [k for k in ("per_day", "every", "at") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                f"sets {' and '.join(given) or 'nothing'}: give exactly one of per_day, every, at"
            )
        if self.at is not None:
            if not self.at:
                raise ValueError(".at is empty: list at least one date-time")
            if list(self.at) != sorted(self.at):
                raise ValueError(".at is not in time order: sort the date-times")
        if self.every is not None and self.every.is_zero:
            raise ValueError(".every is 0: cases would arrive all at once")
        return self


class Handoff(FrozenModel):
    """How files pass between departments: ``paper`` (default delay 1wd) or ``electronic`` (0).

    Examples
    --------
    >>> str(Handoff().delay_or_default), str(Handoff(mode="electronic").delay_or_default)
    ('1wd', '0h')
    """

    mode: Literal["paper", "electronic"] = "paper"
    delay: Duration | None = None

    @field_validator("mode", mode="before")
    @classmethod
    def _mode(cls, v: Any) -> Any:
        aliases = {"纸质": "paper", "电子": "electronic", "线上": "electronic"}
        return aliases.get(v, v) if isinstance(v, str) else v

    @property
    def delay_or_default(self) -> _Dist:
        """The internal transfer delay: ``delay`` if set, else 1wd (paper) or 0 (electronic)."""
        if self.delay is not None:
            return self.delay
        if self.mode == "paper":
            from .durations import Constant

            return Constant(value=1.0, unit="wd")
        return ZERO


class CaseType(FrozenModel):
    """A type of case (低风险 / 一般, 企业 / 个人) with its share of arrivals.

    ``priority`` orders staff queues: a higher number is served first (绿色通道).
    Steps re-weight their choices per type with ``by_type``.
    """

    id: Id
    name: str | None = None
    share: float = Field(gt=0, le=1)
    priority: int = 0

    @property
    def label(self) -> str:
        """The name, or the id when there is none."""
        return self.name or self.id


class Change(FrozenModel):
    """One change a lever made, by id."""

    target: Literal["process", "step", "department", "material", "flow"]
    id: str
    action: Literal["add", "remove", "set"]
    field: str | None = None
    before: Any = None
    after: Any = None

    def __str__(self) -> str:
        where = f"{self.target} {self.id}" + (f".{self.field}" if self.field else "")
        if self.action == "set":
            return f"{where}: {self.before!r} -> {self.after!r}"
        return f"{self.action} {where}" + (f" ({self.after!r})" if self.after is not None else "")


class HistoryEntry(FrozenModel):
    """What one redesign lever changed."""

    lever: str
    label: str | None = None
    params: Annotated[dict[str, Any], AfterValidator(_freeze)] = Field(default_factory=FrozenDict)
    changes: tuple[Change, ...] = ()
    note: str | None = None


class Process(FrozenModel):
    """A public-service process (事项): departments, materials and steps joined by flows.

    A process is immutable; every change makes a new one. Building it checks
    the whole (references, flows, AND blocks) and reports every problem in one
    :class:`flowkit.ModelError`.

    Examples
    --------
    >>> p = Process(
    ...     name="示例",
    ...     departments=[Department(id="amr", name="市场监督管理局", level="区县")],
    ...     steps=[Step(id="apply", department="amr", kind="intake", channel="counter",
    ...                 work="30min", next="decide"),
    ...            Step(id="decide", department="amr", kind="approval", work="1h")],
    ... )
    >>> p.start_step, [s.id for s in p.steps]
    ('apply', ['apply', 'decide'])
    >>> p.step("decide").kind
    'approval'
    """

    _noun: ClassVar[str] = "process"

    version: int | str | None = None
    name: str
    description: str | None = None
    start: Id | None = None
    calendar: Calendar = Field(default_factory=Calendar)
    arrivals: Arrivals = Field(default_factory=Arrivals)
    handoff: Handoff = Field(default_factory=Handoff)
    travel: Duration = ZERO
    case_types: tuple[CaseType, ...] = ()
    departments: tuple[Department, ...] = ()
    materials: tuple[Material, ...] = ()
    steps: tuple[Step, ...] = Field(min_length=1)
    history: tuple[HistoryEntry, ...] = ()

    @field_validator("arrivals", mode="before")
    @classmethod
    def _arrivals(cls, v: Any) -> Any:
        return {} if v is None else v

    @model_validator(mode="after")
    def _whole(self) -> Process:
        from .checks import check_process

        problems = check_process(self)
        if problems:
            raise ModelError(problems)
        return self

    @cached_property
    def structure(self) -> Structure:
        """Loops and AND blocks of the flow (see :func:`.structure.analyse_structure`)."""
        from .structure import analyse_structure

        return analyse_structure(self.steps, self.start)

    # -- lookups ----------------------------------------------------------------
    @cached_property
    def _steps(self) -> dict[str, Step]:
        return {s.id: s for s in self.steps}

    @cached_property
    def _departments(self) -> dict[str, Department]:
        return {d.id: d for d in self.departments}

    @cached_property
    def _materials(self) -> dict[str, Material]:
        return {m.id: m for m in self.materials}

    @property
    def start_step(self) -> str:
        """The id of the first step (``start``, or the first listed)."""
        return self.start or self.steps[0].id

    def step(self, step_id: str) -> Step:
        """The step with this id.

        Raises
        ------
        KeyError
            With the known ids, when there is no such step.
        """
        try:
            return self._steps[step_id]
        except KeyError:
            raise KeyError(
                f"no step '{step_id}' in process '{self.name}' (steps: "
                f"{', '.join(self._steps)})"
            ) from None

    def department(self, dept_id: str) -> Department:
        """The department with this id (KeyError with the known ids if none)."""
        try:
            return self._departments[dept_id]
        except KeyError:
            raise KeyError(
                f"no department '{dept_id}' in process '{self.name}' (departments: "
                f"{', '.join(self._departments)})"
            ) from None

    def material(self, material_id: str) -> Material:
        """The material with this id (KeyError with the known ids if none)."""
        try:
            return self._materials[material_id]
        except KeyError:
            raise KeyError(
                f"no material '{material_id}' in process '{self.name}' (materials: "
                f"{', '.join(self._materials)})"
            ) from None

    def location_of(self, step: Step | str) -> str:
        """Where a step happens: its ``location``, else its department's."""
        s = self.step(step) if isinstance(step, str) else step
        return s.location or self.department(s.department).where

    def calendar_of(self, dept_id: str) -> Calendar:
        """The calendar a department works by: its own, else the process calendar."""
        return self.department(dept_id).calendar or self.calendar

    @property
    def post_checks(self) -> tuple[str, ...]:
        """Checks moved after the decision by the commitment lever (告知承诺制), from history."""
        return tuple(
            str(ch.after) for h in self.history for ch in h.changes if ch.field == "post_check"
        )

    @cached_property
    def produced(self) -> frozenset[str]:
        """Ids of materials some step produces."""
        return frozenset(m for s in self.steps for m in s.produces)

    @cached_property
    def fetched(self) -> tuple[str, ...]:
        """Materials the applicant must fetch before starting (fetch trips), in listed order.

        An issued, unshared material that some step lists and no step produces.
        """
        listed = {m for s in self.steps for m in s.materials}
        return tuple(
            m.id
            for m in self.materials
            if m.issued and not m.shared and m.id in listed and m.id not in self.produced
        )

    def _repr_html_(self) -> str:
        from .render import repr_html

        return repr_html("process_html", self)
