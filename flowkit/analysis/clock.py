"""The statutory clock on the critical path of means (行政许可法 Art. 42–45); the applicant delay.

The clock of a case starts when its first ``intake`` step ends (受理) and stops when
its last ``approval`` step ends (作出决定). Statically, on the mean-value critical
path of :class:`~flowkit.analysis.flowcalc.FlowModel`:

* the **window**: a step counts when it lies after a first intake (forward-reachable
  from an intake that no other intake precedes; every step when there is no intake)
  and up to an approval (it is an approval, or an approval is forward-reachable from
  it; every step when there is no approval). Loops do not extend the window: it is
  read on the flow without its back edges;
* steps marked ``clock: excluded`` (特殊环节, Art. 45) count zero;
* 补正: a loop back to a counter or online step hands the case to the applicant; the
  time from the loop until that step ends again is not counted: the loop's transfer
  counts zero, and an applicant step that a loop returns to counts only the
  executions not entered by a loop (its time × their share of its executions);
* internal handoff delays count when both ends lie in the window (the first intake
  included as the source);
* loops otherwise count in expectation, as in ``workdays``.

``applicant_delay`` (DESIGN §6) never counts in the clock; :func:`applicant_delay_wd`
gives what it adds to ``workdays``.
"""

from __future__ import annotations

from ..model.process import APPLICANT_CHANNELS, Process, Step
from ..model.structure import reach
from .flowcalc import Edge, FlowModel

__all__ = ["applicant_delay_wd", "clock_window", "clock_workdays"]


def _forward_flows(fm: FlowModel) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The flows without their loop flows (a DAG), forwards and backwards."""
    succ: dict[str, list[str]] = {v: [] for v in fm.steps}
    pred: dict[str, list[str]] = {v: [] for v in fm.steps}
    back = fm.structure.back_edges
    for u, t in fm.edges:
        if (u, t) not in back:
            succ[u].append(t)
            pred[t].append(u)
    return succ, pred


def _beyond(starts: list[str], edges: dict[str, list[str]]) -> set[str]:
    """Every step one or more flows from one of ``starts`` (themselves only when so)."""
    return reach([t for v in starts for t in edges[v]], edges)


def clock_window(process: Process) -> tuple[frozenset[str], frozenset[str]]:
    """The steps inside the statutory clock's window, and the first intakes that open it.

    Examples
    --------
    >>> import flowkit as fk
    >>> p = fk.loads('''
    ... name: t
    ... departments: [{id: d}]
    ... steps:
    ...   - {id: a, department: d, kind: intake, channel: counter, next: b}
    ...   - {id: b, department: d, kind: approval, next: c}
    ...   - {id: c, department: d, kind: delivery}
    ... ''')
    >>> [sorted(x) for x in clock_window(p)]
    [['b'], ['a']]
    """
    return _window(FlowModel(process))


def _window(fm: FlowModel) -> tuple[frozenset[str], frozenset[str]]:
    succ, pred = _forward_flows(fm)
    steps = fm.steps
    intakes = [v for v in steps if steps[v].kind == "intake"]
    # first intakes: no other intake precedes them (the flows without loops are a DAG)
    preceded = _beyond(intakes, succ)
    firsts = [v for v in intakes if v not in preceded]
    after = _beyond(firsts, succ) if firsts else set(steps)
    approvals = [v for v in steps if steps[v].kind == "approval"]
    before = set(approvals) | _beyond(approvals, pred) if approvals else set(steps)
    return frozenset(after & before), frozenset(firsts)


def clock_workdays(fm: FlowModel) -> float:
    """Expected working days on the statutory clock, on the critical path of means.

    Examples
    --------
    >>> import flowkit as fk
    >>> from flowkit.analysis.flowcalc import FlowModel
    >>> p = fk.loads('''
    ... name: t
    ... departments: [{id: d}]
    ... steps:
    ...   - {id: a, department: d, kind: intake, channel: counter, work: 1h, next: x}
    ...   - {id: x, department: d, kind: review, wait: 5wd, clock: excluded, next: r}
    ...   - {id: r, department: d, kind: review, wait: 3wd, next: b}
    ...   - {id: b, department: d, kind: approval, work: 1h}
    ... ''')
    >>> round(clock_workdays(FlowModel(p)), 6), round(3 + 1 / 7, 6)
    (3.142857, 3.142857)
    """
    window, firsts = _window(fm)
    back = fm.structure.back_edges
    returned = {t for (_, t) in back if fm.steps[t].channel in APPLICANT_CHANNELS}
    once = _forward_share(fm, returned)

    def node(step: Step) -> float:
        if step.id not in window or step.clock == "excluded":
            return 0.0
        return fm.step_wd(step) * once.get(step.id, 1.0)

    def edge(e: Edge) -> float:
        if e.delay is None or e.target not in window:
            return 0.0
        if e.source not in window and e.source not in firsts:
            return 0.0
        if (e.source, e.target) in back and e.target in returned:
            return 0.0
        return fm.elapsed_wd(e.delay)

    return fm.critical_time(node, edge)


def _forward_share(fm: FlowModel, steps: set[str]) -> dict[str, float]:
    """Per step, the share of its executions not entered by a loop (a 补正 return)."""
    n = fm.executions
    entered: dict[str, float] = dict.fromkeys(steps, 0.0)
    start = fm.structure.start
    if start in entered:
        entered[start] += 1.0
    for e, t in fm.traversals():
        if e.target in entered and not e.back:
            entered[e.target] += t
    return {v: entered[v] / n[v] for v in steps if n.get(v, 0.0) > 0}


def applicant_delay_wd(fm: FlowModel) -> float:
    """Expected working days ``applicant_delay`` adds to a case's critical path.

    The applicant takes the delay before each fetch trip (the trips run in parallel,
    so the path takes it once when there is any) and before each visit after the
    first: the expected step visits, less the first one (the probability of any
    step visit) when there is no fetch trip. Visits on parallel branches all add.

    Examples
    --------
    >>> import flowkit as fk
    >>> from flowkit.analysis.flowcalc import FlowModel
    >>> p = fk.loads('''
    ... name: t
    ... calendar: always
    ... applicant_delay: 2d
    ... departments: [{id: d}]
    ... steps:
    ...   - {id: a, department: d, channel: counter, wait: 1d, next: b}
    ...   - {id: b, department: d, channel: counter}
    ... ''')
    >>> applicant_delay_wd(FlowModel(p))
    2.0
    """
    p = fm.process
    per = fm.elapsed_wd(p.applicant_delay)
    if per == 0:
        return 0.0
    mean_visits, _ = fm.visit_figures()
    counters = {s.id for s in p.steps if s.is_visit}
    first = 0.0 if p.fetched else fm.hit_probability(counters) if counters else 0.0
    fetch = 1.0 if p.fetched else 0.0
    return per * (fetch + max(mean_visits - first, 0.0))
