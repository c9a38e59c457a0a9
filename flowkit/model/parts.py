"""The parts of a process other than its steps: departments, materials, arrivals, handoffs.

Also the case types and the redesign history (:class:`Change`, :class:`HistoryEntry`).
All are frozen pydantic v2 models with ``extra='forbid'``; :class:`~flowkit.Process`
(in :mod:`flowkit.model.process`) puts them together and checks the whole.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from .base import FrozenDict, FrozenModel
from .calendar import Calendar
from .duration_grammar import Duration
from .duration_values import ZERO, Constant, _Dist
from .limits import MAX_PER_DAY, MAX_STAFF, check_date
from .types import LEVEL_ZH, Id, Level

__all__ = [
    "Arrivals",
    "CaseType",
    "Change",
    "Department",
    "Handoff",
    "HistoryEntry",
    "Material",
]


def _freeze(value: dict[str, Any]) -> FrozenDict:
    """A read mapping made immutable (for ``params`` and ``by_type``)."""
    return FrozenDict(value)


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
    staff: int = Field(default=1, ge=1, le=MAX_STAFF)
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


class Arrivals(FrozenModel):
    """How cases arrive: ``{per_day: N}``, ``{every: DIST}`` or ``{at: [datetimes]}``.

    Examples
    --------
    >>> Arrivals().per_day
    10.0
    >>> str(Arrivals(every="exp(25min)").every)
    'exp(25min)'
    """

    per_day: float | None = Field(default=None, gt=0, le=MAX_PER_DAY, allow_inf_nan=False)
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
            wrong = check_date(x)
            if wrong is not None:
                raise ValueError(f"[{i}] '{x}': {wrong}")
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
        if self.every is not None and not self.every.mean() > 0:
            raise ValueError(
                f".every '{self.every}' has a mean gap of 0: every case would arrive at the "
                "same instant and the clock could not advance; give a positive mean gap"
            )
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
