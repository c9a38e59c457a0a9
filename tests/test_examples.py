"""Every shipped example reproduces its documented figures and its hand-derived analysis.

Documented counts are reproduced exactly, documented days within 10 %; each
``expected.json`` also holds the figures derived by hand from the model under the
rules of docs/concepts.md, which ``analyze`` must give (to 1e-6).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import flowkit as fk

EXAMPLES = sorted(p.parent for p in Path("examples").glob("*/current.yaml"))


def _expected(folder: Path) -> dict:
    return json.loads((folder / "expected.json").read_text(encoding="utf-8"))


def structure_counts(p: fk.Process) -> dict[str, int]:
    """Counts the case sources quote, as the examples' READMEs define them."""
    return {
        # windows: departments with a counter step
        "windows": len({s.department for s in p.steps if s.channel == "counter"}),
        # material sets: intake steps that take materials
        "material_sets": sum(1 for s in p.steps if s.kind == "intake" and s.materials),
        # inspections: on-site steps
        "inspections": sum(1 for s in p.steps if s.channel == "onsite"),
        # licences/permits: certificates the process issues, named 许可证/许可/凭证
        "licences": sum(
            1 for m in p.materials
            if m.id in p.produced and any(w in m.label for w in ("许可", "凭证", "证"))
            and m.issued_by is not None
        ),
    }


def test_there_are_at_least_three_examples() -> None:
    """At least three documented services ship in examples/."""
    assert len(EXAMPLES) >= 3


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
    exp = _expected(folder)["analyze"]
    a = fk.analyze(fk.load(folder / "current.yaml"))
    for key, value in exp.items():
        if isinstance(value, bool):
            assert getattr(a, key) is value, key
        else:
            assert getattr(a, key) == pytest.approx(value, abs=1e-6), key


@pytest.mark.parametrize("folder", EXAMPLES, ids=lambda p: p.name)
def test_doing_business_gives_the_hand_derived_figures(folder: Path) -> None:
    """doing_business() equals the hand derivation recorded in expected.json."""
    exp = _expected(folder)["doing_business"]
    r = fk.analyze(fk.load(folder / "current.yaml")).doing_business()
    assert r.procedures == pytest.approx(exp["procedures"], abs=1e-6)
    assert r.days == pytest.approx(exp["days"], abs=1e-6)
    assert r.cost == pytest.approx(exp["cost"], abs=1e-6)


@pytest.mark.parametrize("folder", EXAMPLES, ids=lambda p: p.name)
def test_documented_figures(folder: Path) -> None:
    """Documented counts exactly; documented days within 10 %."""
    doc = _expected(folder)["documented"]
    p = fk.load(folder / "current.yaml")
    a = fk.analyze(p)
    db = a.doing_business()
    counts = structure_counts(p)
    checked = 0
    for key, value in doc.items():
        if not isinstance(value, int | float) or isinstance(value, bool):
            continue
        checked += 1
        if key == "procedures":
            assert db.procedures == value
        elif key == "days":
            assert db.days == pytest.approx(value, rel=0.10)
        elif key == "workdays":
            assert a.workdays == pytest.approx(value, rel=0.10)
        elif key == "workdays_min":
            assert a.workdays >= value
        elif key == "materials":
            assert a.materials == value
        elif key == "materials_min":
            assert a.materials >= value
        elif key == "departments":
            assert a.departments == value
        elif key == "permits":
            assert counts["licences"] == value
        elif key in counts:
            assert counts[key] == value, key
        else:
            checked -= 1
    assert checked >= 2, f"{folder.name}: fewer than two documented figures checked"
