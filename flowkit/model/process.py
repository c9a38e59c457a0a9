"""The process model: :class:`Process`, :class:`Department`, :class:`Material`, :class:`Step`.

All models are frozen pydantic v2 models with ``extra='forbid'``. A process is
checked as a whole when it is built (references, flows, AND blocks); every
problem found is reported together in one :class:`flowkit.ModelError`.

:class:`Process` lives here; the step and its flow in :mod:`flowkit.model.step`, the
other parts in :mod:`flowkit.model.parts`. This module re-exports them all, so
``from flowkit.model.process import Step`` keeps working.
"""

from __future__ import annotations

from functools import cached_property
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, Field, field_validator, model_validator

from ..errors import ModelError
from .base import FrozenModel
from .calendar import Calendar
from .checks import check_process
from .duration_grammar import Duration
from .duration_values import ZERO, _Dist
from .parts import Arrivals, CaseType, Change, Department, Handoff, HistoryEntry, Material
from .step import APPLICANT_CHANNELS as APPLICANT_CHANNELS
from .step import PROCEDURE_CHANNELS as PROCEDURE_CHANNELS
from .step import VISIT_CHANNELS as VISIT_CHANNELS
from .step import Schedule, Step
from .structure import Structure, analyse_structure
from .types import Id

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


def _in_workdays(d: _Dist | None) -> _Dist | None:
    """A service-level time limit (办结时限) is stated in working days, as 事项 exports give it."""
    if d is not None and d.unit != "wd":
        raise ValueError(
            f"'{d}' is not in working days: a service's 办结时限 counts working days of the "
            "statutory clock; write it in wd, e.g. 20wd"
        )
    return d


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
    time_limit: Annotated[Duration | None, AfterValidator(_in_workdays)] = None
    legal_limit: Annotated[Duration | None, AfterValidator(_in_workdays)] = None
    applicant_delay: Duration = ZERO
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
        problems = check_process(self)
        tl, ll = self.time_limit, self.legal_limit
        if tl is not None and ll is not None and tl.mean() > ll.mean() + 1e-9:
            problems.append(
                f"time_limit '{tl}' is longer than legal_limit '{ll}': the committed limit "
                "(承诺办结时限) cannot exceed the legal one (法定办结时限)"
            )
        if problems:
            raise ModelError(problems)
        return self

    @cached_property
    def structure(self) -> Structure:
        """Loops and AND blocks of the flow (see :func:`.structure.analyse_structure`)."""
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
