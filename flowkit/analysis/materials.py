"""Two applicant-facing figures: distinct materials (材料份数) and applicant steps.

``distinct_materials`` is the expected number of *different* unshared materials a
case hands in — the figure a 办事指南 lists and a 减材料 reform reports — as opposed
to ``materials``, which counts submissions (the same certificate at two windows
counts twice). For each unshared material it is the probability that some step the
case executes lists it: a hitting probability of the absorbing chain of the process
(loops solved exactly, AND branches combined as independent), the same machinery
as the expected number of distinct departments. A material a step of the process
produces still counts once when an executed step lists it.

``applicant_steps`` (办事环节（申请人）) is the expected number of executed counter and
online steps: the steps the applicant goes through.
"""

from __future__ import annotations

from ..model.process import APPLICANT_CHANNELS
from .flowcalc import FlowModel

__all__ = ["applicant_steps", "distinct_materials"]


def distinct_materials(fm: FlowModel) -> float:
    """Expected number of different unshared materials one case hands in.

    Parameters
    ----------
    fm : FlowModel
        The process prepared for static analysis (one case type, or none).

    Returns
    -------
    float
        The sum, over unshared materials, of the probability that an executed step
        lists the material.

    Examples
    --------
    A certificate handed in at two windows is two submissions but one material;
    a 30 % rework loop back to the first window does not add to it:

    >>> import flowkit as fk
    >>> from flowkit.analysis.flowcalc import FlowModel
    >>> p = fk.loads('''
    ... name: 示例
    ... departments: [{id: a}, {id: b}]
    ... materials: [{id: lic, name: 营业执照, source: applicant}]
    ... steps:
    ...   - {id: s1, department: a, channel: counter, materials: [lic], next: r}
    ...   - {id: r, department: a, next: {s1: 0.3, s2: 0.7}}
    ...   - {id: s2, department: b, channel: counter, materials: [lic]}
    ... ''')
    >>> round(distinct_materials(FlowModel(p)), 6)
    1.0
    """
    p = fm.process
    listing: dict[str, set[str]] = {}
    for s in p.steps:
        for m in s.materials:
            if not p.material(m).shared:
                listing.setdefault(m, set()).add(s.id)
    return float(sum(fm.hit_probabilities(list(listing.values())).tolist()))


def applicant_steps(fm: FlowModel) -> float:
    """Expected number of executed counter and online steps of one case.

    Examples
    --------
    >>> import flowkit as fk
    >>> from flowkit.analysis.flowcalc import FlowModel
    >>> p = fk.loads('''
    ... name: 示例
    ... departments: [{id: a}]
    ... steps:
    ...   - {id: s1, department: a, channel: online, next: r}
    ...   - {id: r, department: a, next: s2}
    ...   - {id: s2, department: a, channel: counter}
    ... ''')
    >>> applicant_steps(FlowModel(p))
    2.0
    """
    n = fm.executions
    return float(sum(n.get(s.id, 0.0) for s in fm.process.steps
                     if s.channel in APPLICANT_CHANNELS))
