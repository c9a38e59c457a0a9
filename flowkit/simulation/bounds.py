"""Runs that cannot end: refused before the first event, with the figure that says why.

A loop sent back with probability 1 − 1e-12 is valid (a case leaves it eventually),
but a case then runs 10¹² steps on average and the simulation never ends. Static
analysis knows the expected executions of every step exactly (the absorbing chain
of :mod:`flowkit.analysis.flowcalc`), so :func:`check_steps_per_case` refuses a run
whose cases would take more than :data:`MAX_STEPS_PER_CASE` steps on average, naming
the step executed most often.
"""

from __future__ import annotations

from ..analysis.flowcalc import FlowModel
from ..errors import SimulationError
from ..model.process import Process

__all__ = ["MAX_STEPS_PER_CASE", "check_steps_per_case", "expected_steps"]

#: the most step executions a case may need on average; raise it to run anyway
MAX_STEPS_PER_CASE = 1_000_000.0


def expected_steps(process: Process) -> tuple[float, str]:
    """Expected step executions per case (the largest over case types) and the busiest step.

    Examples
    --------
    >>> import flowkit as fk
    >>> p = fk.loads('''
    ... name: x
    ... departments: [{id: d}]
    ... steps:
    ...   - {id: a, department: d, next: {a: 0.75, b: 0.25}}
    ...   - {id: b, department: d}
    ... ''')
    >>> expected_steps(p)      # a runs 1 / 0.25 = 4 times, b once
    (5.0, 'a')
    """
    best, busiest = 0.0, process.steps[0].id
    for case_type in (None, *(t.id for t in process.case_types)):
        executions = FlowModel(process, case_type=case_type).executions
        total = float(sum(executions.values()))
        if total > best or total != total:  # nan: no finite answer, refuse below
            best = total
            busiest = max(executions, key=lambda v: executions[v], default=busiest)
    return best, busiest


def check_steps_per_case(process: Process) -> None:
    """Refuse a process whose cases need more than :data:`MAX_STEPS_PER_CASE` steps.

    Raises
    ------
    SimulationError
        Naming the process, the expected steps per case and the step that loops.
    """
    total, busiest = expected_steps(process)
    if total <= MAX_STEPS_PER_CASE:
        return
    step = next(s for s in process.steps if s.id == busiest)
    index = process.steps.index(step)
    raise SimulationError(
        f"process '{process.name}': a case would run {total:.3g} steps on average, "
        f"steps[{index}] '{busiest}' alone {_executions(process, busiest):.3g} times (its "
        f"loop almost never exits); the limit is {MAX_STEPS_PER_CASE:.3g}: lower the "
        "probability of going back, or raise "
        "flowkit.simulation.bounds.MAX_STEPS_PER_CASE to run anyway"
    )


def _executions(process: Process, step: str) -> float:
    """Expected executions of one step per case (the largest over case types)."""
    return max(FlowModel(process, case_type=t).executions.get(step, 0.0)
               for t in (None, *(t.id for t in process.case_types)))
