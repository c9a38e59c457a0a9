"""A networkx view of a process, for users who want graph algorithms."""

from __future__ import annotations

from typing import Any

import networkx as nx

from ..model.process import Process
from .flowcalc import FlowModel

__all__ = ["to_networkx"]


def to_networkx(process: Process) -> nx.DiGraph:
    """The process as a ``networkx.DiGraph``.

    Nodes are step ids with the step's attributes (``name``, ``department``,
    ``kind``, ``channel``, ``location``, ``work`` and ``wait`` as text and their
    means in working days, ``fee``, ``materials``, ``produces``, ``join``,
    ``flow``). Edges carry ``probability`` (1 on sequences and parallel
    branches), ``flow`` (``seq``/``xor``/``and``), ``back`` (a loop) and the
    handoff class: ``handoff``, ``cross_department``, ``cross_level``,
    ``cross_region``, ``by_applicant``, ``delay``.

    Examples
    --------
    >>> import flowkit as fk, networkx as nx
    >>> p = fk.loads('''
    ... name: demo
    ... departments: [{id: a, level: 市}, {id: b, level: 区县}]
    ... steps:
    ...   - {id: s1, department: a, channel: counter, next: s2}
    ...   - {id: s2, department: b, work: 2h}
    ... ''')
    >>> g = fk.to_networkx(p)
    >>> g.nodes["s2"]["department"], g.edges["s1", "s2"]["cross_level"]
    ('b', True)
    >>> nx.dag_longest_path(g)
    ['s1', 's2']
    """
    fm = FlowModel(process)
    g = nx.DiGraph(name=process.name, start=process.start_step)
    for s in process.steps:
        attrs: dict[str, Any] = {
            "name": s.label,
            "department": s.department,
            "kind": s.kind,
            "channel": s.channel,
            "location": process.location_of(s),
            "work": str(s.work),
            "wait": str(s.wait),
            "work_wd": fm.work_wd(s),
            "wait_wd": fm.elapsed_wd(s.wait),
            "fee": s.fee,
            "materials": list(s.materials),
            "produces": list(s.produces),
            "join": s.join,
            "flow": s.flow,
        }
        g.add_node(s.id, **attrs)
    for s in process.steps:
        for t, prob in s.branches:
            e = fm.edges[(s.id, t)]
            g.add_edge(
                s.id,
                t,
                probability=prob,
                flow=s.flow,
                back=e.back,
                handoff=e.cross_department,
                cross_department=e.cross_department,
                cross_level=e.cross_level,
                cross_region=e.cross_region,
                by_applicant=e.by_applicant,
                delay=str(e.delay) if e.delay is not None else None,
            )
    return g
