"""Every shipped example reproduces its documented before-figures and its hand-derived analysis.

A documented figure is asserted with the relation its source states (``=``, ``<=``,
``>=``, ``range``; see ``examples/_figures.py``); one the model does not reproduce
carries the reason and is a strict expected failure. ``expected.json`` also holds the
figures derived by hand from the model under the rules of docs/concepts.md, which
``analyze`` must give (to 1e-6).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _examples_support import EXAMPLES, F, documented, expected

import flowkit as fk


def test_there_are_at_least_five_examples() -> None:
    """Five documented services ship in examples/."""
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("folder", EXAMPLES, ids=lambda p: p.name)
def test_example_is_valid_and_cites_its_source(folder: Path) -> None:
    """Each example validates, and its file and README cite a source."""
    assert fk.validate(folder / "current.yaml") == []
    head = (folder / "current.yaml").read_text(encoding="utf-8").split("\nname:")[0]
    assert "http" in head, "cite the source at the top of current.yaml"
    assert "http" in (folder / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("folder", EXAMPLES, ids=lambda p: p.name)
def test_analyze_gives_the_hand_derived_figures(folder: Path) -> None:
    """analyze() equals the hand derivation recorded in expected.json."""
    exp = expected(folder)["analyze"]
    a = fk.analyze(fk.load(folder / "current.yaml"))
    for key, value in exp.items():
        if isinstance(value, bool):
            assert getattr(a, key) is value, key
        else:
            assert getattr(a, key) == pytest.approx(value, abs=1e-6), key


@pytest.mark.parametrize(
    "folder", [f for f in EXAMPLES if "doing_business" in expected(f)], ids=lambda p: p.name)
def test_doing_business_gives_the_hand_derived_figures(folder: Path) -> None:
    """doing_business() equals the hand derivation recorded in expected.json."""
    exp = expected(folder)["doing_business"]
    r = fk.analyze(fk.load(folder / "current.yaml")).doing_business()
    assert r.procedures == pytest.approx(exp["procedures"], abs=1e-6)
    assert r.days == pytest.approx(exp["days"], abs=1e-6)
    assert r.cost == pytest.approx(exp["cost"], abs=1e-6)


@pytest.mark.parametrize(("folder", "entry"), documented("before"))
def test_documented_before_figure(folder: Path, entry: dict) -> None:
    """A documented before-figure holds on current.yaml, by its source's relation."""
    got = F.measure(fk.load(folder / "current.yaml"), entry["figure"])
    assert F.holds(got, entry), f"{entry['figure']}: flowkit {got}, documented {entry}"


def test_every_example_checks_two_documented_figures_each_side() -> None:
    """Every example reproduces at least one documented figure before and after."""
    for folder in EXAMPLES:
        doc = expected(folder)["documented"]
        for side in ("before", "after"):
            held = [e for e in doc[side] if "not_reproduced" not in e]
            assert len(held) >= 1, f"{folder.name}: {side}"


def test_relations() -> None:
    """holds() reads the source's relation: at most, at least, a range, and = at its precision."""
    assert F.holds(20.0, {"figure": "days", "value": 20, "relation": "<="})
    assert not F.holds(20.35, {"figure": "days", "value": 20, "relation": "<="})
    assert F.holds(17.2, {"figure": "workdays", "value": 17, "relation": ">="})
    assert F.holds(8, {"figure": "workdays", "value": [7, 10], "relation": "range"})
    assert not F.holds(10.5, {"figure": "workdays", "value": [7, 10], "relation": "range"})
    # "=" on days: equal in whole days (the source's precision) unless it gives another
    assert F.holds(9.2, {"figure": "days", "value": 9, "relation": "="})
    assert not F.holds(14.04, {"figure": "workdays", "value": 15, "relation": "="})
    assert not F.holds(136.9, {"figure": "days", "value": 137.5, "relation": "=",
                               "precision": 0.5})
    assert F.holds(37.37, {"figure": "workdays", "value": 38, "relation": "=", "precision": 2})
    # counts exactly
    assert not F.holds(3, {"figure": "materials", "value": 2, "relation": "="})
    with pytest.raises(ValueError, match="relation"):
        F.holds(1, {"figure": "steps", "value": 1, "relation": "about"})
