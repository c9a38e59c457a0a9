"""BPMN that attacks the reader: lattices of gateways, long chains, deep lanes.

Each finishes in well under a second with a process or a located error: gateways are
resolved once each (no path enumeration) and no walk recurses.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import pytest

from flowkit import BpmnWarning, ModelError, read_bpmn

_HEAD = ('<?xml version="1.0"?>\n<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/'
         'MODEL" id="d"><process id="p">')
_TAIL = "</process></definitions>"


def _flows(pairs: list[tuple[str, str]]) -> str:
    return "".join(f'<sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>'
                   for i, (a, b) in enumerate(pairs))


def _read(path: Path):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BpmnWarning)
        t = time.perf_counter()
        p = read_bpmn(path)
    return p, time.perf_counter() - t


def test_lattice_of_choices_resolves_without_enumerating_paths(tmp_path: Path) -> None:
    """40 layers of two choices each (2^40 paths) read at once; the shares still add up.

    Every gateway splits 50/50 into both gateways of the next layer, and the last layer
    leads to 'x' or 'y': each case reaches 'x' with probability 1/2.
    """
    k = 40
    nodes = ['<startEvent id="s"/><task id="t0"/><task id="x"/><task id="y"/>'
             '<endEvent id="e"/><exclusiveGateway id="top"/>']
    pairs = [("s", "t0"), ("t0", "top"), ("top", "g0_0"), ("top", "g0_1"),
             ("x", "e"), ("y", "e")]
    for i in range(k):
        nodes.append(f'<exclusiveGateway id="g{i}_0"/><exclusiveGateway id="g{i}_1"/>')
        for j in range(2):
            nxt = [f"g{i + 1}_0", f"g{i + 1}_1"] if i + 1 < k else ["x", "y"]
            pairs += [(f"g{i}_{j}", nxt[0]), (f"g{i}_{j}", nxt[1])]
    path = tmp_path / "lattice.bpmn"
    path.write_text(_HEAD + "".join(nodes) + _flows(pairs) + _TAIL)
    p, took = _read(path)
    assert took < 5
    assert p.step("t0").next == {"x": pytest.approx(0.5), "y": pytest.approx(0.5)}


def test_chain_of_3000_gateways_collapses(tmp_path: Path) -> None:
    """3,000 merges in a row are one flow from 't0' to 't1', not a RecursionError."""
    n = 3000
    nodes = ('<startEvent id="s"/><task id="t0"/><task id="t1"/><endEvent id="e"/>'
             + "".join(f'<exclusiveGateway id="g{i}"/>' for i in range(n)))
    pairs = [("s", "t0"), ("t0", "g0"), *((f"g{i}", f"g{i + 1}") for i in range(n - 1)),
             (f"g{n - 1}", "t1"), ("t1", "e")]
    path = tmp_path / "chain.bpmn"
    path.write_text(_HEAD + nodes + _flows(pairs) + _TAIL)
    p, took = _read(path)
    assert took < 5
    assert p.step("t0").next == "t1"


def test_loop_of_gateways_without_task_is_located(tmp_path: Path) -> None:
    """Gateways that lead to each other with no task: a located error, not a hang."""
    nodes = ('<startEvent id="s"/><task id="t0"/><endEvent id="e"/>'
             '<exclusiveGateway id="a"/><exclusiveGateway id="b"/>')
    pairs = [("s", "t0"), ("t0", "a"), ("a", "b"), ("b", "a"), ("b", "e")]
    path = tmp_path / "loop.bpmn"
    path.write_text(_HEAD + nodes + _flows(pairs) + _TAIL)
    with pytest.raises(ModelError, match=r"exclusive gateway '[ab]' \(line 2\) is on a loop "
                                         "of gateways and events with no task"):
        read_bpmn(path)


def test_lanes_nested_3000_deep_read(tmp_path: Path) -> None:
    """The innermost of 3,000 nested lanes is the department; no RecursionError."""
    n = 3000
    lanes = ('<laneSet id="ls">'
             + "".join(f'<lane id="l{i}"><childLaneSet id="c{i}">' for i in range(n))
             + '<lane id="leaf" name="Inner desk"><flowNodeRef>s</flowNodeRef>'
               "<flowNodeRef>t</flowNodeRef><flowNodeRef>e</flowNodeRef></lane>"
             + "</childLaneSet></lane>" * n + "</laneSet>")
    body = ('<startEvent id="s"/><task id="t"/><endEvent id="e"/>'
            + _flows([("s", "t"), ("t", "e")]))
    path = tmp_path / "lanes.bpmn"
    path.write_text(_HEAD + lanes + body + _TAIL)
    p, took = _read(path)
    assert took < 5
    assert [d.name for d in p.departments] == ["Inner desk"]
    assert p.step("t").department == p.departments[0].id
