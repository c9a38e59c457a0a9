"""Properties of static analysis on random valid processes (hypothesis).

Processes come from :func:`flowkit.model.generate.random_process`; hypothesis draws
the seed, the size and the generator's shares, so a failure shrinks to a small
process and prints the arguments that rebuild it.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from helpers import fans_out
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import flowkit as fk
from flowkit.model.generate import random_process

EPS = 1e-9
FEW = settings(max_examples=25, deadline=None)


@st.composite
def processes(draw: st.DrawFn, max_steps: int = 60) -> fk.Process:
    """A random valid process: seed, size, shares and calendar drawn by hypothesis."""
    return random_process(
        draw(st.integers(1, max_steps), label="n_steps"),
        seed=draw(st.integers(0, 2**32 - 1), label="seed"),
        departments=draw(st.integers(1, 10), label="departments"),
        locations=draw(st.integers(0, 4), label="locations"),
        loop_share=draw(st.sampled_from([0.0, 0.1, 0.3]), label="loop_share"),
        and_share=draw(st.sampled_from([0.0, 0.1, 0.3]), label="and_share"),
        materials=draw(st.integers(0, 12), label="materials"),
        calendar=draw(st.sampled_from([None, "always", "china"]), label="calendar"),
    )


def _rebuild(p: fk.Process, change: Any) -> fk.Process:
    """The process with ``change(tree)`` applied to its file tree."""
    tree = fk.to_dict(p)
    change(tree)
    return fk.Process.model_validate(tree)


@FEW
@given(processes())
def test_analysis_is_finite(p):
    """Analysis terminates with finite figures (limits NaN only when no step sets one)."""
    a = fk.analyze(p)
    for kpi in ("visits", "materials", "handoffs", "cross_department", "cross_level",
                "cross_region", "by_applicant", "steps", "departments", "fee", "workdays"):
        assert math.isfinite(getattr(a, kpi)), kpi
    assert not math.isnan(a.max_visits)
    has_tl = any(s.time_limit is not None for s in p.steps)
    has_ll = any(s.legal_limit is not None for s in p.steps)
    assert math.isnan(a.time_limit) != has_tl
    assert math.isnan(a.legal_limit) != has_ll
    assert np.isfinite(a.executions.to_numpy()).all()


@FEW
@given(processes())
def test_counts_are_not_negative(p):
    """Visits, handoffs, materials, steps, departments, fee and workdays are >= 0."""
    a = fk.analyze(p)
    for kpi in ("visits", "handoffs", "materials", "steps", "departments", "fee", "workdays",
                "by_applicant", "cross_level", "cross_region"):
        assert getattr(a, kpi) >= -EPS, kpi
    assert (a.executions >= -EPS).all()


@FEW
@given(processes())
def test_handoff_classes(p):
    """Handoffs equal cross-department ones, which bound each class of handoff."""
    a = fk.analyze(p)
    assert a.handoffs == a.cross_department
    for kpi in ("by_applicant", "cross_level", "cross_region"):
        assert a.cross_department >= getattr(a, kpi) - EPS, kpi


@FEW
@given(processes())
def test_steps_and_departments(p):
    """The start runs at least once; steps >= departments >= 1; steps sum the executions."""
    a = fk.analyze(p)
    assert a.executions[p.start_step] >= 1 - EPS
    assert math.isclose(a.steps, a.executions.sum(), rel_tol=1e-9, abs_tol=1e-9)
    assert a.steps >= a.departments - EPS
    assert 1 - EPS <= a.departments <= len(p.departments) + EPS


@FEW
@given(processes())
def test_visit_bounds(p):
    """max_visits >= visits >= fetch trips; one_visit and zero_visit follow max_visits."""
    a = fk.analyze(p)
    assert a.max_visits >= a.visits - EPS
    assert a.visits >= a.fetch_trips - EPS
    assert a.fetch_trips == len(p.fetched)
    assert a.one_visit == (a.max_visits <= 1)
    assert a.zero_visit == (a.max_visits == 0)


@FEW
@given(processes(), st.data())
def test_online_step_never_adds_visits(p, data):
    """A counter step made online never adds visits when no AND split follows it directly.

    "Directly": before the next counter step. Otherwise the presence it leaves
    fans out to parallel branches and the rule can count more visits; see
    test_online_step_before_parallel_counters_adds_visits.
    """
    candidates = [s.id for s in p.steps if s.channel == "counter" and not fans_out(p, s.id)]
    assume(candidates)
    sid = data.draw(st.sampled_from(candidates), label="step")

    def online(tree: dict[str, Any]) -> None:
        next(s for s in tree["steps"] if s["id"] == sid)["channel"] = "online"

    a, b = fk.analyze(p), fk.analyze(_rebuild(p, online))
    assert b.visits <= a.visits + EPS
    assert b.max_visits <= a.max_visits


def test_online_step_before_parallel_counters_adds_visits():
    """The documented exception: an online step before parallel counters at its hall adds one.

    With ``apply`` at the counter, both branches start while the applicant is
    still in the hall (1 visit). Made online, ``apply`` leaves nobody in the hall
    and each branch's counter step starts its own visit (2 visits).
    """
    p = fk.loads("""
name: 例外
departments:
  - {id: amr, name: 市场监督管理局, location: 政务服务中心}
  - {id: tax, name: 税务局, location: 政务服务中心}
steps:
  - {id: apply, department: amr, kind: intake, channel: counter, work: 20min, next: dispatch}
  - {id: dispatch, department: amr, work: 5min, next: [seal, invoice]}
  - {id: seal, department: amr, channel: counter, work: 10min, next: done}
  - {id: invoice, department: tax, kind: intake, channel: counter, work: 10min, next: done}
  - {id: done, department: amr, kind: delivery, join: all}
""")

    def online(tree: dict[str, Any]) -> None:
        tree["steps"][0]["channel"] = "online"

    a, b = fk.analyze(p), fk.analyze(_rebuild(p, online))
    assert (a.visits, a.max_visits, a.one_visit) == (1.0, 1.0, True)
    assert (b.visits, b.max_visits, b.one_visit) == (2.0, 2.0, False)
    assert fans_out(p, "apply")


@FEW
@given(processes())
def test_electronic_handoff_never_adds_workdays(p):
    """Paper handoffs made electronic never add working days."""

    def mode(name: str) -> Any:
        return lambda tree: tree.__setitem__("handoff", {"mode": name})

    paper = fk.analyze(_rebuild(p, mode("paper")))
    electronic = fk.analyze(_rebuild(p, mode("electronic")))
    assert electronic.workdays <= paper.workdays + EPS


@FEW
@given(processes(), st.data())
def test_sharing_never_adds_materials_or_visits(p, data):
    """Making an issued material shared never adds submissions or visits."""
    candidates = [m.id for m in p.materials if m.issued and not m.shared]
    assume(candidates)
    mid = data.draw(st.sampled_from(candidates), label="material")

    def share(tree: dict[str, Any]) -> None:
        next(m for m in tree["materials"] if m["id"] == mid)["shared"] = True

    a, b = fk.analyze(p), fk.analyze(_rebuild(p, share))
    assert b.materials <= a.materials + EPS
    assert b.visits <= a.visits + EPS
    assert b.max_visits <= a.max_visits


@settings(max_examples=15, deadline=None)
@given(processes(max_steps=40))
def test_save_load_round_trip(p):
    """Saving to .yaml and .json and loading back gives an equal process."""
    with tempfile.TemporaryDirectory() as tmp:
        for suffix in (".yaml", ".json"):
            q = fk.load(fk.save(p, Path(tmp) / f"p{suffix}"))
            assert q == p, suffix


@FEW
@given(processes())
def test_analysis_is_deterministic(p):
    """Analysing the same process twice gives the same figures."""
    a, b = fk.analyze(p), fk.analyze(p)
    pd.testing.assert_frame_equal(a.table(), b.table())
    pd.testing.assert_series_equal(a.executions, b.executions)


@FEW
@given(processes())
def test_doing_business_is_consistent(p):
    """Doing Business figures are finite; its cost is the fee; procedures <= steps + fetches."""
    a = fk.analyze(p)
    db = a.doing_business()
    assert math.isfinite(db.days)
    assert db.days >= 0
    assert math.isclose(db.cost, a.fee, rel_tol=1e-9, abs_tol=1e-9)
    assert 0 <= db.procedures <= a.steps + a.fetch_trips + EPS
