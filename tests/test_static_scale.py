"""The static side at scale: batched department figures, and large processes validate."""

from __future__ import annotations

import math

import numpy as np
import pytest

import flowkit as fk
from flowkit.analysis.chain import Chain
from flowkit.analysis.flowcalc import FlowModel
from flowkit.model.generate import random_process

BLOCK = """
name: t
departments: [{id: a}, {id: b}, {id: c}, {id: d}]
steps:
  - {id: s0, department: a, next: [x, y]}
  - {id: x, department: b, next: {x2: 0.5, j: 0.5}}
  - {id: x2, department: d, next: j}
  - {id: y, department: c, next: j}
  - {id: j, department: a, join: all, next: {r: 0.3, e: 0.7}}
  - {id: r, department: d, next: e}
  - {id: e, department: b}
"""


def one_solve_per_set(fm: FlowModel, members: set[str]) -> float:
    """The department figure solved one set at a time (the formulation before batching)."""
    st = fm.structure
    scope_hit: dict[object, float] = {}
    for scope in fm.scopes:
        entry = fm.entry(scope)
        if entry is None:
            scope_hit[scope] = 0.0
            continue
        nodes = fm.nodes(scope)
        index = {v: i for i, v in enumerate(nodes)}
        a = np.zeros(len(nodes))
        for v in nodes:
            if v in members:
                a[index[v]] = 1.0
            elif fm.steps[v].flow == "and":
                blk = st.blocks[v]
                a[index[v]] = 1.0 - math.prod(
                    1 - scope_hit[(v, i)] for i in range(len(blk.branches)))
        edges = [(index[u], index[t], p * (1 - a[index[u]]))
                 for u, trans in fm.transitions(scope).items() for t, p in trans if t is not None]
        scope_hit[scope] = float(Chain(len(nodes), edges).accumulate(a)[index[entry]])
    return scope_hit[None]


def test_department_figure_by_hand() -> None:
    """d is met in one branch half the time, after the join 30 % of the time:
    1 - 0.5 x 0.7 = 0.65; a, b and c always: 3.65 departments."""
    p = fk.loads(BLOCK)
    fm = FlowModel(p)
    groups = [{"s0", "j"}, {"x", "e"}, {"y"}, {"x2", "r"}]
    assert fm.hit_probabilities(groups).tolist() == pytest.approx([1.0, 1.0, 1.0, 0.65],
                                                                  abs=1e-12)
    assert fk.analyze(p).departments == pytest.approx(3.65, abs=1e-12)


@pytest.mark.parametrize(("n", "seed"), [(40, 1), (120, 2), (700, 3)])
def test_batched_solve_matches_one_solve_per_department(n: int, seed: int) -> None:
    """Every department at once gives the figures of one solve each, to 1e-12 (dense
    chains, and a top level above the dense size that takes the sparse solve)."""
    p = random_process(n, seed=seed)
    fm = FlowModel(p)
    depts: dict[str, set[str]] = {}
    for s in p.steps:
        if not s.routing:
            depts.setdefault(s.department, set()).add(s.id)
    groups = list(depts.values())
    batched = fm.hit_probabilities(groups)
    single = [one_solve_per_set(fm, g) for g in groups]
    assert len(groups) >= 3
    assert np.max(np.abs(batched - np.asarray(single))) <= 1e-12
    assert fk.analyze(p).departments == pytest.approx(sum(single), abs=1e-12)


def test_large_scope_uses_the_sparse_solve() -> None:
    """A top level of more than 300 steps is solved sparsely and still agrees."""
    p = random_process(700, seed=3)
    fm = FlowModel(p)
    assert len(fm.nodes(None)) > 300
    g = {s.id for s in p.steps if s.department == p.steps[-1].department}
    assert fm.hit_probabilities([g])[0] == pytest.approx(one_solve_per_set(fm, g), abs=1e-12)


def test_a_20000_step_process_validates() -> None:
    """Building and validating 20,000 steps succeeds (its time is printed by
    benchmarks/bench_analyze.py, not asserted here)."""
    p = random_process(20_000, seed=1)
    again = fk.Process.model_validate(p.model_dump(mode="json", exclude_none=True))
    assert len(again.steps) == 20_000
    assert again.structure.problems == []
    assert len(again.structure.blocks) == len(p.structure.blocks) > 0
