"""The exceptions and warnings flowkit raises: one tree each.

Every error flowkit raises derives from one root, which is a ``ValueError`` so
that code catching bad input keeps working; every warning derives from one
``UserWarning``::

    ValueError
    └── FlowkitError                 root of everything flowkit raises
        ├── ModelError               a process (file or object) is not valid;
        │   │                        ``.problems`` lists every problem found
        │   ├── FileFormatError      the file cannot be read as YAML/JSON at all
        │   │   └── TextTypeError    what was given is not text (also a TypeError)
        │   └── DurationError        a duration text or structure cannot be read
        ├── InteropError             a BPMN file, spreadsheet or event log cannot be read
        ├── CalendarError            a calendar has no working time where one is needed
        ├── LeverError               a redesign lever does not apply to a process
        └── SimulationError          a simulation cannot run as asked

    UserWarning
    └── FlowkitWarning               root of every warning flowkit gives
        ├── CalendarWarning          a year the holiday data does not cover
        ├── CatalogueWarning         a catalogue row cannot hold part of a process
        ├── BpmnWarning              a BPMN file was read with approximations
        └── OverloadWarning          a department is offered more work than it can do

Each message names where the problem is, with the offending value, and says
what to do: ``steps[3].department 'tax2' is not a declared department``. The
original exception is chained (``raise … from err``) unless it is a known user
mistake translated into a located message.

This module imports nothing of flowkit.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "BpmnWarning",
    "CalendarError",
    "CalendarWarning",
    "CatalogueWarning",
    "DurationError",
    "FileFormatError",
    "FlowkitError",
    "FlowkitWarning",
    "InteropError",
    "LeverError",
    "ModelError",
    "OverloadWarning",
    "SimulationError",
    "TextTypeError",
]


class FlowkitError(ValueError):
    """Root of every error flowkit raises.

    Examples
    --------
    >>> import flowkit as fk
    >>> issubclass(fk.FlowkitError, ValueError)
    True
    """


class ModelError(FlowkitError):
    """A process is not valid.

    Parameters
    ----------
    problems : iterable of str
        Every problem found, each a located sentence.
    source : str, optional
        The file the process came from, named in the message.

    Examples
    --------
    >>> err = ModelError(["steps[0].work '-1h' is negative"], source="p.yaml")
    >>> print(err)
    p.yaml: 1 problem
      - steps[0].work '-1h' is negative
    >>> err.problems
    ["steps[0].work '-1h' is negative"]
    """

    def __init__(self, problems: Iterable[str], source: str | None = None) -> None:
        self.problems: list[str] = list(problems)
        self.source = source
        n = len(self.problems)
        head = f"{source}: " if source else ""
        text = f"{head}{n} problem{'s' if n != 1 else ''}\n" + "\n".join(
            f"  - {p}" for p in self.problems
        )
        super().__init__(text)


class FileFormatError(ModelError):
    """The file cannot be parsed (YAML/JSON syntax, empty file, unknown suffix)."""


class TextTypeError(FileFormatError, TypeError):
    """What was given to read is not text (``loads(None)``); also a ``TypeError``.

    Examples
    --------
    >>> import flowkit as fk
    >>> try:
    ...     fk.loads(None)
    ... except TypeError as err:
    ...     print(isinstance(err, fk.FlowkitError), err.problems[0])
    True the text to read is NoneType None, not str or bytes
    """


class DurationError(ModelError):
    """A duration text or structure cannot be read.

    Examples
    --------
    >>> import flowkit as fk
    >>> try:
    ...     fk.parse_duration("soon")
    ... except fk.DurationError as err:
    ...     isinstance(err, fk.FlowkitError)
    True
    """

    def __init__(self, message: str) -> None:
        super().__init__([message])
        self.args = (message,)

    def __str__(self) -> str:
        return str(self.args[0])


class InteropError(FlowkitError):
    """A file of another tool (BPMN, spreadsheet, event log) cannot be read or written."""


class CalendarError(FlowkitError):
    """A calendar has no working time (or no session) where the computation needs one."""


class LeverError(FlowkitError):
    """A redesign lever does not apply to the process it was given."""


class SimulationError(FlowkitError):
    """A simulation cannot run with the arguments given."""


class FlowkitWarning(UserWarning):
    """Root of every warning flowkit gives.

    Examples
    --------
    >>> import flowkit as fk
    >>> issubclass(fk.CalendarWarning, fk.FlowkitWarning)
    True
    """


class CalendarWarning(FlowkitWarning):
    """A simulation reaches a year the holiday data does not cover."""


class CatalogueWarning(FlowkitWarning):
    """A catalogue row cannot hold part of a process (a custom calendar, case types …)."""


class BpmnWarning(FlowkitWarning):
    """A BPMN file was read with approximations (each is listed in the message)."""


class OverloadWarning(FlowkitWarning):
    """A department is offered more work than its staff can do (offered load ρ ≥ 1)."""
