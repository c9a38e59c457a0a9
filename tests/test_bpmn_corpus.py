"""BPMN drawn in other tools (Prosimos, Camunda, bpmn.io): the corpus in ../shared/corpus.

The files are not copied into the repository; the tests skip when the corpus is absent.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import flowkit as fk
from flowkit import BpmnWarning

#: ``../shared/corpus`` beside the repository (or beside a folder of worktrees above it)
CORPUS = next((d / "shared" / "corpus" for d in Path(__file__).resolve().parents[1].parents
               if (d / "shared" / "corpus").is_dir()),
              Path(__file__).parents[1].parent / "shared" / "corpus")
BPMN = CORPUS / "bpmn"

needs_corpus = pytest.mark.skipif(not BPMN.is_dir(), reason="the BPMN corpus is absent")


def _read(path: Path) -> fk.Process:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BpmnWarning)
        return fk.read_bpmn(path)


@needs_corpus
def test_join_then_merge_reentered_by_a_loop() -> None:
    """A parallel join followed by a merge that a loop re-enters: the join is a routing
    step of its own, and the task after the merge is no ``join: all``."""
    p = _read(BPMN / "repro" / "join_then_merge.bpmn")
    by_id = {s.id: s for s in p.steps}
    assert by_id["join"].routing
    assert by_id["join"].join == "all"
    assert by_id["join"].next == "C"
    assert by_id["C"].join is None
    assert by_id["C"].next == {"D": 0.7, "C": 0.3}
    assert by_id["A"].next == "join"
    assert by_id["B"].next == "join"


@needs_corpus
def test_merge_into_a_parallel_split_is_one_split() -> None:
    """An exclusive merge leading into a parallel split: the split is compiled once, as a
    routing step both branches of the choice reach."""
    p = _read(BPMN / "repro" / "split_after_merge.bpmn")
    by_id = {s.id: s for s in p.steps}
    assert by_id["T1"].next == {"T2": 0.6, "split": 0.4}
    assert by_id["T2"].next == "split"
    assert by_id["split"].routing
    assert by_id["split"].next == ("A", "B")
    assert by_id["C"].join == "all"
    assert [s.id for s in p.steps if s.next == ("A", "B")] == ["split"]


@needs_corpus
@pytest.mark.parametrize("name", ["prosimos_demo_example_Credit_Application_Simulation",
                                  "prosimos_padua_example_process_model"])
def test_former_defects_import_and_simulate(name: str, tmp_path: Path) -> None:
    """The two Prosimos models the reproducers come from import, round-trip and simulate."""
    p = _read(BPMN / f"{name}.bpmn")
    assert _read(fk.to_bpmn(p, tmp_path / "again.bpmn")) == p
    res = fk.simulate(p, n_cases=20, seed=1, replications=1)
    assert len(res.cases) == 20
