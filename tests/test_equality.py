"""Result objects compare equal when their figures are equal, NaN included (DESIGN §3)."""

from __future__ import annotations

import dataclasses
import math
import pickle

import flowkit as fk

DATA = "tests/data/design_example.yaml"
NO_LIMITS = """
name: t
departments: [{id: d}]
steps: [{id: a, department: d, channel: counter, work: 7h}]
"""


def test_analysis_with_nan_limits_equals_itself() -> None:
    """No step has a time limit: the limits are NaN and two analyses still compare equal."""
    p = fk.loads(NO_LIMITS)
    a, b = fk.analyze(p), fk.analyze(p)
    assert math.isnan(a.time_limit)
    assert math.isnan(a.compression)
    assert a == b
    assert hash(a) == hash(b)


def test_nan_equality_does_not_rest_on_identity() -> None:
    """A NaN built elsewhere (another object) is still the same figure."""
    a = fk.analyze(fk.loads(NO_LIMITS))
    b = dataclasses.replace(a, time_limit=float("nan"), legal_limit=float("nan"))
    assert b.time_limit is not a.time_limit
    assert a == b
    assert hash(a) == hash(b)


def test_analyses_differing_in_a_figure_are_unequal() -> None:
    a = fk.analyze(fk.loads(NO_LIMITS))
    assert a != dataclasses.replace(a, visits=a.visits + 1)
    assert a != dataclasses.replace(a, time_limit=3.0)
    assert a != "not an analysis"


def test_executions_stay_out_of_the_comparison() -> None:
    """``executions`` is a Series; as before it does not take part in ``==``."""
    a = fk.analyze(fk.loads(NO_LIMITS))
    assert a == dataclasses.replace(a, executions=a.executions * 2)


def test_doing_business_compares_by_figures() -> None:
    p = fk.load(DATA)
    a, b = fk.analyze(p).doing_business(), fk.analyze(p).doing_business()
    assert a == b
    assert hash(a) == hash(b)
    assert a != dataclasses.replace(a, days=a.days + 1)


def test_results_round_trip_through_pickle() -> None:
    p = fk.load(DATA)
    a = fk.analyze(p)
    assert pickle.loads(pickle.dumps(a)) == a
    assert pickle.loads(pickle.dumps(a.doing_business())) == a.doing_business()
