"""Every shipped example's redesign script rebuilds its redesigned.yaml and its after-figures.

Each ``examples/<service>/redesign.py`` defines ``LEVERS`` and ``build()`` (the current
process and the redesigned one) with the shared ``examples/_figures.py`` and writes
``redesigned.yaml``. A time a reform committed to is an input: every ``set_wait`` and
``set_time_limit`` names its source. Documented after-figures hold by their source's
relation, or carry the reason they do not (a strict expected failure); the figures
flowkit gave when the example was written are a labelled snapshot in ``snapshot.json``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _examples_support import EXAMPLES, F, documented, expected, script, snapshot

import flowkit as fk

TIME_LEVERS = ("set_wait", "set_time_limit")


def test_every_example_has_a_redesign() -> None:
    """Each example ships redesign.py, redesigned.yaml, expected.json and snapshot.json."""
    assert len(EXAMPLES) >= 5
    for folder in EXAMPLES:
        for name in ("redesign.py", "redesigned.yaml", "expected.json", "snapshot.json"):
            assert (folder / name).is_file(), f"{folder.name}/{name}"


@pytest.mark.parametrize("folder", EXAMPLES, ids=lambda p: p.name)
def test_script_uses_the_shared_figures(folder: Path) -> None:
    """The script builds with examples/_figures.py; it does not repeat build/figures/main."""
    text = (folder / "redesign.py").read_text(encoding="utf-8")
    assert "import _figures" in text
    assert "def figures" not in text
    assert "def main" not in text


@pytest.mark.parametrize("folder", EXAMPLES, ids=lambda p: p.name)
def test_script_rebuilds_redesigned_yaml(folder: Path) -> None:
    """The script's redesigned process equals the redesigned.yaml it wrote."""
    _, q = script(folder).build()
    assert fk.validate(folder / "redesigned.yaml") == []
    assert fk.load(folder / "redesigned.yaml") == q


@pytest.mark.parametrize("folder", EXAMPLES, ids=lambda p: p.name)
def test_history_names_the_levers(folder: Path) -> None:
    """redesigned.yaml's history names the script's levers, in order, and its new name."""
    after = expected(folder)["after"]
    q = fk.load(folder / "redesigned.yaml")
    names = [h.lever for h in q.history]
    assert names == [lever.name for lever in script(folder).LEVERS]
    assert names == after["levers"]
    assert all(h.label and h.changes for h in q.history)
    assert q.name == after["name"]
    assert q.name.endswith("（改革后）")


@pytest.mark.parametrize("folder", EXAMPLES, ids=lambda p: p.name)
def test_every_committed_time_names_its_source(folder: Path) -> None:
    """Each set_wait / set_time_limit carries the published document that commits the time."""
    q = fk.load(folder / "redesigned.yaml")
    times = [h for h in q.history if h.lever in TIME_LEVERS]
    for h in times:
        source = h.params.get("source")
        assert source, f"{folder.name}: {h.lever}({dict(h.params)}) has no source"
    assert len(F.committed(q)) == len(times)


@pytest.mark.parametrize(("folder", "entry"), documented("after"))
def test_documented_after_figure(folder: Path, entry: dict[str, Any]) -> None:
    """A documented after-figure holds on redesigned.yaml, by its source's relation."""
    got = F.measure(fk.load(folder / "redesigned.yaml"), entry["figure"])
    assert F.holds(got, entry), f"{entry['figure']}: flowkit {got}, documented {entry}"


@pytest.mark.parametrize("folder", EXAMPLES, ids=lambda p: p.name)
def test_snapshot_is_current(folder: Path) -> None:
    """snapshot.json (labelled a snapshot, not documented) holds the figures flowkit gives."""
    snap = snapshot(folder)
    assert snap["note"].startswith("snapshot:")
    for side, path in (("before", "current.yaml"), ("after", "redesigned.yaml")):
        p = fk.load(folder / path)
        for figure, value in snap[side].items():
            got = F.measure(p, figure)
            if isinstance(value, bool):
                assert got is value, figure
            else:
                assert got == pytest.approx(value, abs=1e-6), f"{side} {figure}"


@pytest.mark.parametrize("folder", EXAMPLES, ids=lambda p: p.name)
def test_current_process_is_unchanged(folder: Path) -> None:
    """The redesign leaves the current process as loaded, with its hand-derived figures."""
    before = fk.load(folder / "current.yaml")
    p, q = script(folder).build()
    assert p == before == fk.load(folder / "current.yaml")
    assert p.history == ()
    assert q is not p


PRIVATE = ("/work", "/home/", "case notes", "CASES.md", "the team", "session", "page store")


@pytest.mark.parametrize("folder", EXAMPLES, ids=lambda p: p.name)
def test_no_reference_outside_the_project(folder: Path) -> None:
    """No example file cites private notes, local paths or the search that found a source."""
    for path in sorted(folder.iterdir()):
        if path.suffix not in (".md", ".py", ".yaml", ".json"):
            continue
        text = path.read_text(encoding="utf-8")
        for word in PRIVATE:
            assert word not in text, f"{path.name} refers to {word!r}"
