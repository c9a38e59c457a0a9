"""Seeds in one place: every random entry point takes the same kinds of seed.

Each stochastic function passes ``seed`` through :func:`flowkit.model.seeds.resolve_seed`
(the idea of networkx's ``py_random_state``): an int >= 0, a numpy ``Generator``, a
``SeedSequence`` or ``None``; anything else is a located :class:`flowkit.FlowkitError`.
The same int gives the same figures; the same Generator state gives the same figures.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import flowkit as fk
from flowkit.model import seeds

P = fk.loads("""
name: 种子
calendar: always
arrivals: {every: exp(30min)}
departments: [{id: a, staff: 4}]
steps:
  - {id: apply, department: a, kind: intake, channel: counter, work: exp(20min), next: review}
  - {id: review, department: a, kind: review, work: exp(30min), next: {issue: 0.8, apply: 0.2}}
  - {id: issue, department: a, kind: delivery, channel: counter, work: 10min}
""")


def _simulate(seed: Any) -> Any:
    return fk.simulate(P, n_cases=30, replications=2, seed=seed).cases


def _compare(seed: Any) -> Any:
    q = fk.redesign(P, fk.levers.go_online(steps=["apply"]))
    return fk.compare({"a": P, "b": q}, n_cases=30, replications=2, seed=seed).table


def _search(seed: Any) -> Any:
    return fk.search(P, levers=[fk.levers.go_online(steps=["apply"])], n_cases=20,
                     replications=2, seed=seed)


def _random_process(seed: Any) -> Any:
    return fk.to_dict(fk.random_process(12, seed=seed))


#: every random entry point of the public API, with a cheap call
ENTRY_POINTS: dict[str, Callable[[Any], Any]] = {
    "simulate": _simulate,
    "compare": _compare,
    "search": _search,
    "random_process": _random_process,
}


def _same(x: Any, y: Any) -> bool:
    if isinstance(x, pd.DataFrame):
        return x.equals(y)
    return bool(x == y)


def test_every_random_entry_point_is_listed() -> None:
    """Every public function with a ``seed`` parameter is exercised here, and each
    defaults to the one shared default."""
    with_seed = sorted(
        name for name in fk.__all__
        if callable(getattr(fk, name)) and not inspect.isclass(getattr(fk, name))
        and "seed" in inspect.signature(getattr(fk, name)).parameters
    )
    assert with_seed == sorted(ENTRY_POINTS)
    for name in with_seed:
        default = inspect.signature(getattr(fk, name)).parameters["seed"].default
        assert default is seeds.DEFAULT_SEED, name


def test_calibrate_is_deterministic() -> None:
    """calibrate fits from a log without sampling: it takes no seed (none is invented)."""
    assert "seed" not in inspect.signature(fk.calibrate).parameters


@pytest.mark.parametrize("name", sorted(ENTRY_POINTS))
def test_seed_kinds(name: str) -> None:
    """An int, a Generator and a SeedSequence all work and reproduce; the same int twice
    gives the same figures."""
    call = ENTRY_POINTS[name]
    assert _same(call(7), call(7))
    assert _same(call(np.random.default_rng(3)), call(np.random.default_rng(3)))
    assert _same(call(np.random.SeedSequence(5)), call(np.random.SeedSequence(5)))
    call(None)


@pytest.mark.parametrize("name", sorted(ENTRY_POINTS))
@pytest.mark.parametrize("bad", [True, -1, 1.5, "7", [1]])
def test_bad_seeds_are_located_errors(name: str, bad: Any) -> None:
    """A boolean, a negative number, a float, text or a list is refused, naming the seed."""
    with pytest.raises(fk.FlowkitError, match=r"seed="):
        ENTRY_POINTS[name](bad)


def test_defaults_are_shared() -> None:
    """n_cases and replications default to one value across simulate, compare and search."""
    for fn in (fk.simulate, fk.compare, fk.search):
        params = inspect.signature(fn).parameters
        assert params["replications"].default == seeds.DEFAULT_REPLICATIONS, fn.__name__
        assert params["n_cases"].default in (seeds.DEFAULT_N_CASES, None), fn.__name__
