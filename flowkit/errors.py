"""Exceptions raised by flowkit.

Every error flowkit raises on purpose derives from one root, which is a
``ValueError`` so that code catching bad input keeps working::

    ValueError
    └── FlowkitError                 root of everything flowkit raises
        ├── ModelError               a process (file or object) is not valid;
        │   │                        ``.problems`` lists every problem found
        │   └── FileFormatError      the file cannot be read as YAML/JSON at all
        ├── LeverError               a redesign lever does not apply to a process
        └── SimulationError          a simulation cannot run as asked

Each message names where the problem is, with the offending value, and says
what to do: ``steps[3].department 'tax2' is not a declared department``.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["FileFormatError", "FlowkitError", "LeverError", "ModelError", "SimulationError"]


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


class LeverError(FlowkitError):
    """A redesign lever does not apply to the process it was given."""


class SimulationError(FlowkitError):
    """A simulation cannot run with the arguments given."""
