"""The random process generator: valid, deterministic, and faithful to its parameters."""

from __future__ import annotations

import random

import numpy as np
import pytest

import flowkit as fk
from flowkit.model.generate import random_process
from flowkit.model.structure import analyse_structure
from flowkit.model.types import CHANNELS, KINDS


def _structure(p: fk.Process):
    return analyse_structure(p.steps, p.start)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 7, 10, 37, 100, 500, 2000])
def test_valid_for_many_sizes(n):
    """Every size from 1 to 2,000 gives a process with that many steps and no problem."""
    for seed in range(2 if n >= 1000 else 3 if n >= 500 else 12):
        p = random_process(n, seed=seed)
        assert len(p.steps) == n
        assert fk.validate(fk.to_dict(p)) == []
        assert _structure(p).problems == []


@pytest.mark.parametrize("seed", range(40))
def test_valid_for_many_seeds(seed):
    """Many seeds, sizes, shares and calendars all give valid processes."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300))
    p = random_process(
        n,
        seed=seed,
        departments=int(rng.integers(1, 30)),
        locations=int(rng.integers(0, 10)),
        loop_share=float(rng.choice([0, 0.05, 0.1, 0.3, 0.6])),
        and_share=float(rng.choice([0, 0.05, 0.1, 0.3, 0.6])),
        materials=int(rng.integers(0, 40)),
        calendar=[None, "always", "china"][seed % 3],
    )
    assert len(p.steps) == n
    assert fk.validate(fk.to_dict(p)) == []


def test_deterministic_per_seed():
    """The same seed gives the same process; another seed gives another one."""
    a = random_process(300, seed=7)
    assert random_process(300, seed=7) == a
    assert fk.to_dict(random_process(300, seed=7)) == fk.to_dict(a)
    assert random_process(300, seed=8) != a


def test_no_global_random_state():
    """Generating neither reads nor changes the global random generators."""
    np_state = np.random.get_state()
    py_state = random.getstate()
    random_process(200, seed=1)
    random_process(50)  # seed None: fresh entropy, still no global state
    assert random.getstate() == py_state
    after = np.random.get_state()
    assert after[0] == np_state[0]
    assert np.array_equal(after[1], np_state[1])
    assert after[2:] == np_state[2:]


def test_loops_and_blocks_present_when_shares_positive():
    """With positive shares there is at least one loop and one AND block (n >= 7)."""
    for n in (7, 8, 12, 50, 400):
        for seed in range(10):
            st = _structure(random_process(n, seed=seed, loop_share=0.01, and_share=0.01))
            assert st.back_edges, (n, seed)
            assert st.blocks, (n, seed)


def test_no_loops_or_blocks_when_shares_zero():
    """Zero shares give a process with neither loops nor AND blocks."""
    for seed in range(10):
        p = random_process(300, seed=seed, loop_share=0, and_share=0)
        st = _structure(p)
        assert not st.back_edges
        assert not st.blocks
        assert all(s.flow != "and" and s.join is None for s in p.steps)
        only_blocks = _structure(random_process(300, seed=seed, loop_share=0))
        assert not only_blocks.back_edges
        assert only_blocks.blocks
        only_loops = _structure(random_process(300, seed=seed, and_share=0))
        assert only_loops.back_edges
        assert not only_loops.blocks


def test_shares_scale_the_structure():
    """Higher shares give more loops and more AND blocks."""
    few = _structure(random_process(1000, seed=3, loop_share=0.02, and_share=0.02))
    many = _structure(random_process(1000, seed=3, loop_share=0.3, and_share=0.3))
    assert len(many.back_edges) > len(few.back_edges)
    assert len(many.blocks) > len(few.blocks)


def test_loops_stay_in_their_scope_and_can_exit():
    """Every loop edge joins two steps of one scope and has probability below 1."""
    for seed in range(10):
        p = random_process(400, seed=seed, loop_share=0.2, and_share=0.2)
        st = _structure(p)
        for u, v in st.back_edges:
            assert st.parent[u] == st.parent[v]
            assert dict(p.step(u).branches)[v] < 1


def test_blocks_nest_and_branches_hold_choices():
    """Large processes have nested AND blocks, choices inside branches and empty branches."""
    nested = xor_in_branch = loop_in_branch = empty = False
    for seed in range(5):
        p = random_process(1000, seed=seed, and_share=0.2)
        st = _structure(p)
        for split, block in st.blocks.items():
            nested |= st.parent[split] is not None
            empty |= any(b.empty for b in block.branches)
            for b in block.branches:
                xor_in_branch |= any(p.step(n).flow == "xor" for n in b.nodes)
            assert p.step(block.join).join == "all"
        loop_in_branch |= any(st.parent[u] is not None for u, _ in st.back_edges)
    assert nested
    assert xor_in_branch
    assert loop_in_branch
    assert empty


def test_every_kind_and_channel_appears():
    """A large process uses every step kind, every channel, waits, fees and time limits.

    Every kind of working step: the generator makes no routing steps (split and join
    points are working steps of its processes).
    """
    p = random_process(500, seed=11)
    assert {s.kind for s in p.steps} == set(KINDS) - {"routing"}
    assert {s.channel for s in p.steps} == set(CHANNELS)
    assert any(not s.wait.is_zero for s in p.steps)
    assert any(s.fee > 0 for s in p.steps)
    assert any(s.time_limit is not None for s in p.steps)
    assert any(s.legal_limit is not None for s in p.steps)
    assert {s.work.dist for s in p.steps} >= {"constant", "exponential", "triangular"}
    assert any(s.flow == "end" for s in p.steps[:-1])  # a rejection ends some cases


def test_departments_parameter():
    """The number of departments is honoured; they differ in level, region and location."""
    for k in (1, 3, 8, 25):
        p = random_process(200, seed=k, departments=k)
        assert len(p.departments) == k
        assert len({d.id for d in p.departments}) == k
        assert {s.department for s in p.steps} <= {d.id for d in p.departments}
    p = random_process(200, seed=1, departments=12, locations=3)
    assert len({d.level for d in p.departments}) >= 2
    assert len({d.region for d in p.departments if d.region}) >= 2
    halls = {d.location for d in p.departments if d.location}
    assert 1 <= len(halls) <= 3
    assert any(d.location is None for d in p.departments)
    assert all(d.location is None for d in random_process(100, seed=1, locations=0).departments)


def test_materials_parameter():
    """Materials are declared as asked: held, issued, shared and produced ones, some reused."""
    assert random_process(100, seed=1, materials=0).materials == ()
    assert all(not s.materials for s in random_process(100, seed=1, materials=0).steps)
    p = random_process(300, seed=2, materials=25)
    assert len(p.materials) == 25
    assert len({m.id for m in p.materials}) == 25
    assert any(m.source == "applicant" for m in p.materials)
    assert any(m.issued and not m.shared for m in p.materials)
    assert any(m.shared for m in p.materials)
    assert p.produced
    assert p.fetched
    listed = [m for s in p.steps for m in s.materials]
    assert len(listed) > len(set(listed))  # the same material handed in at several steps
    for m in p.produced:
        producers = {s.department for s in p.steps if m in s.produces}
        assert p.material(m).issued_by in producers


@pytest.mark.parametrize(("calendar", "hours"), [(None, 7.0), ("always", 24.0), ("china", 7.0)])
def test_calendar_parameter(calendar, hours):
    """The calendar argument picks the default, 24/7 or the China-holiday calendar."""
    p = random_process(20, seed=1, calendar=calendar)
    assert p.calendar.hours_per_day == hours
    assert (p.calendar.holidays == "china") == (calendar == "china")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_steps": 0},
        {"n_steps": 10, "departments": 0},
        {"n_steps": 10, "loop_share": 1.5},
        {"n_steps": 10, "and_share": -0.1},
        {"n_steps": 10, "materials": -1},
        {"n_steps": 10, "calendar": "lunar"},
    ],
)
def test_bad_arguments(kwargs):
    """Out-of-range sizes, shares and unknown calendars raise ValueError."""
    with pytest.raises(ValueError, match=r"must be|calendar"):
        random_process(**kwargs)


def test_analysable():
    """Generated processes analyse to finite figures at every size."""
    for n in (1, 10, 100, 1000):
        a = fk.analyze(random_process(n, seed=n))
        assert np.isfinite([a.visits, a.steps, a.workdays, a.materials]).all()
        assert a.steps >= 1
