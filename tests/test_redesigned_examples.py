"""Every shipped example's redesign script rebuilds its redesigned.yaml and its after-figures.

Each ``examples/<service>/redesign.py`` defines ``LEVERS`` and ``build()`` (the current
process and the redesigned one) and writes ``redesigned.yaml``. ``expected.json`` holds
an ``after`` block: the levers, the documented after-figures with their sources, and
the figures flowkit reproduces. Documented counts must hold exactly, days and working
days within 10 %; a documented figure the levers cannot reach carries the reason
(``not_reproduced``) and is an expected failure.
"""

from __future__ import annotations

import importlib.util
import json
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import flowkit as fk

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p.parent for p in (ROOT / "examples").glob("*/current.yaml"))
RELATIVE = {"days", "workdays"}  # documented within 10 %; every other figure exactly


def _expected(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "expected.json").read_text(encoding="utf-8"))


@cache
def _script(folder: Path) -> ModuleType:
    path = folder / "redesign.py"
    spec = importlib.util.spec_from_file_location(f"redesign_{folder.name}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measure(p: fk.Process, figure: str) -> float | bool:
    """A figure of a process, as the examples' READMEs define it."""
    a = fk.analyze(p)
    if figure in ("procedures", "doing_business_procedures"):
        return a.doing_business().procedures
    if figure == "days":
        return a.doing_business().days
    if figure == "cost":
        return a.doing_business().cost
    if figure == "licences":  # certificates handed to the applicant
        return sum(1 for s in p.steps if s.produces and s.channel in ("counter", "mail", "online"))
    if figure == "permits":  # permits the process issues
        return len(p.produced)
    if figure == "windows":  # departments with a counter step
        return len({s.department for s in p.steps if s.channel == "counter"})
    if figure == "material_sets":  # intake steps that take materials
        return sum(1 for s in p.steps if s.kind == "intake" and s.materials)
    if figure == "inspections":  # on-site steps
        return sum(1 for s in p.steps if s.channel == "onsite")
    return getattr(a, figure)


def _documented() -> list[Any]:
    params = []
    for folder in EXAMPLES:
        for entry in _expected(folder)["after"]["documented"]:
            marks = []
            if "not_reproduced" in entry:
                marks.append(pytest.mark.xfail(strict=True, reason=entry["not_reproduced"]))
            ident = f"{folder.name}-{entry['figure']}={entry['value']}"
            params.append(pytest.param(folder, entry, marks=marks, id=ident))
    return params


def test_every_example_has_a_redesign() -> None:
    """Each example ships redesign.py, redesigned.yaml and an after block."""
    assert len(EXAMPLES) >= 4
    for folder in EXAMPLES:
        assert (folder / "redesign.py").is_file(), folder.name
        assert (folder / "redesigned.yaml").is_file(), folder.name
        assert "after" in _expected(folder), folder.name


@pytest.mark.parametrize("folder", EXAMPLES, ids=lambda p: p.name)
def test_script_rebuilds_redesigned_yaml(folder: Path) -> None:
    """The script's redesigned process equals the redesigned.yaml it wrote."""
    _, q = _script(folder).build()
    assert fk.validate(folder / "redesigned.yaml") == []
    assert fk.load(folder / "redesigned.yaml") == q


@pytest.mark.parametrize("folder", EXAMPLES, ids=lambda p: p.name)
def test_history_names_the_levers(folder: Path) -> None:
    """redesigned.yaml's history names the script's levers, in order, and its new name."""
    after = _expected(folder)["after"]
    q = fk.load(folder / "redesigned.yaml")
    names = [h.lever for h in q.history]
    assert names == [lever.name for lever in _script(folder).LEVERS]
    assert names == after["levers"]
    assert all(h.label and h.changes for h in q.history)
    assert q.name == after["name"]
    assert q.name.endswith("（改革后）")


@pytest.mark.parametrize(("folder", "entry"), _documented())
def test_documented_after_figure(folder: Path, entry: dict[str, Any]) -> None:
    """A documented after-figure holds: counts exactly, days within 10 %."""
    value = measure(fk.load(folder / "redesigned.yaml"), entry["figure"])
    if isinstance(entry["value"], bool):
        assert value is entry["value"]
    elif entry["figure"] in RELATIVE:
        assert value == pytest.approx(entry["value"], rel=0.10)
    else:
        assert value == entry["value"]


@pytest.mark.parametrize("folder", EXAMPLES, ids=lambda p: p.name)
def test_reproduced_figures_are_current(folder: Path) -> None:
    """The figures expected.json (and the README) quote are those flowkit gives."""
    q = fk.load(folder / "redesigned.yaml")
    for figure, value in _expected(folder)["after"]["reproduced"].items():
        if figure.endswith("_error_pct"):
            continue
        got = measure(q, figure)
        if isinstance(value, bool):
            assert got is value, figure
        else:
            assert got == pytest.approx(value, abs=1e-6), figure


@pytest.mark.parametrize("folder", EXAMPLES, ids=lambda p: p.name)
def test_current_process_is_unchanged(folder: Path) -> None:
    """The redesign leaves the current process as loaded, with its hand-derived figures."""
    before = fk.load(folder / "current.yaml")
    p, q = _script(folder).build()
    assert p == before == fk.load(folder / "current.yaml")
    assert p.history == ()
    assert q is not p
    a = fk.analyze(p)
    for key, value in _expected(folder)["analyze"].items():
        if isinstance(value, bool):
            assert getattr(a, key) is value, key
        else:
            assert getattr(a, key) == pytest.approx(value, abs=1e-6), key
