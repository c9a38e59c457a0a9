"""What modellers draw: sub-processes, call activities and boundary timers, flattened."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import flowkit as fk
from flowkit import BpmnWarning, ModelError

_DRAWN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <process id="main" name="drawn">
    <laneSet id="ls">
      <lane id="front" name="Front"><flowNodeRef>start</flowNodeRef><flowNodeRef>T1</flowNodeRef>
        <flowNodeRef>T2</flowNodeRef><flowNodeRef>T3</flowNodeRef><flowNodeRef>T4</flowNodeRef>
        <flowNodeRef>late</flowNodeRef><flowNodeRef>end</flowNodeRef></lane>
      <lane id="back" name="Back"><flowNodeRef>S</flowNodeRef><flowNodeRef>C</flowNodeRef>
      </lane>
    </laneSet>
    <startEvent id="start"/>
    <task id="T1" name="Apply"/>
    <subProcess id="S" name="Examine">
      <startEvent id="s0"/>
      <task id="X" name="Check file"/>
      <task id="Y" name="Check site"/>
      <endEvent id="s9"/>
      <sequenceFlow id="sf1" sourceRef="s0" targetRef="X"/>
      <sequenceFlow id="sf2" sourceRef="X" targetRef="Y"/>
      <sequenceFlow id="sf3" sourceRef="Y" targetRef="s9"/>
    </subProcess>
    <callActivity id="C" name="Consult" calledElement="consult"/>
    <task id="T2" name="Decide"/>
    <boundaryEvent id="late" name="too late" attachedToRef="T2">
      <timerEventDefinition><timeDuration>P3D</timeDuration></timerEventDefinition>
    </boundaryEvent>
    <task id="T3" name="Escalate"/>
    <task id="T4" name="Issue"/>
    <endEvent id="end"/>
    <sequenceFlow id="f1" sourceRef="start" targetRef="T1"/>
    <sequenceFlow id="f2" sourceRef="T1" targetRef="S"/>
    <sequenceFlow id="f3" sourceRef="S" targetRef="C"/>
    <sequenceFlow id="f4" sourceRef="C" targetRef="T2"/>
    <sequenceFlow id="f5" sourceRef="T2" targetRef="T4"/>
    <sequenceFlow id="f6" name="10%" sourceRef="late" targetRef="T3"/>
    <sequenceFlow id="f7" sourceRef="T3" targetRef="T4"/>
    <sequenceFlow id="f8" sourceRef="T4" targetRef="end"/>
  </process>
  <process id="consult" name="consultation">
    <startEvent id="c0"/>
    <task id="Z" name="Ask the bureau"/>
    <endEvent id="c9"/>
    <sequenceFlow id="cf1" sourceRef="c0" targetRef="Z"/>
    <sequenceFlow id="cf2" sourceRef="Z" targetRef="c9"/>
  </process>
</definitions>
"""


def _read(path: Path) -> fk.Process:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BpmnWarning)
        return fk.read_bpmn(path)


def test_sub_process_call_and_boundary_timer_flatten(tmp_path: Path) -> None:
    """The sub-process and the called process are inlined (ids prefixed, the lane of the
    container kept); the boundary timer is an escape of 10% to a step that waits 3 days."""
    path = tmp_path / "drawn.bpmn"
    path.write_text(_DRAWN)
    p = _read(path)
    by_id = {s.id: s for s in p.steps}
    assert by_id["T1"].next == "S_X"
    assert by_id["S_X"].next == "S_Y"
    assert by_id["S_Y"].next == "C_Z"
    assert by_id["C_Z"].next == "T2"
    assert by_id["T2"].next == {"T4": 0.9, "late": 0.1}
    assert str(by_id["late"].wait) == "3d"
    assert by_id["late"].work.is_zero
    assert by_id["late"].next == "T3"
    dept = {d.id: d.name for d in p.departments}
    assert dept[by_id["S_X"].department] == "Back"
    assert dept[by_id["C_Z"].department] == "Back"
    assert dept[by_id["late"].department] == "Front"
    assert _read(fk.to_bpmn(p, tmp_path / "again.bpmn")) == p


def test_flattening_is_reported(tmp_path: Path) -> None:
    """The boundary timer's reading is in the warning."""
    path = tmp_path / "drawn.bpmn"
    path.write_text(_DRAWN)
    with pytest.warns(BpmnWarning, match=r"boundary timer 'late' on 'T2' \(line 24\) is read "
                                         "as an exclusive escape"):
        fk.read_bpmn(path)


def test_call_of_a_process_not_in_the_file_is_refused(tmp_path: Path) -> None:
    """A call activity whose process is elsewhere: located, with what to do."""
    path = tmp_path / "call.bpmn"
    text = _DRAWN.split('  <process id="consult"')[0] + "</definitions>\n"
    path.write_text(text.replace('calledElement="consult"', 'calledElement="elsewhere"'))
    with pytest.raises(ModelError, match=r"<callActivity> 'C' \(line 22\) is a call activity "
                                         "of a process that is not in this file"):
        fk.read_bpmn(path)


def test_call_activity_calling_itself_is_refused(tmp_path: Path) -> None:
    """A process calling itself is not expanded forever."""
    text = _DRAWN.replace('<task id="Z" name="Ask the bureau"/>',
                          '<callActivity id="Z" calledElement="consult"/>')
    path = tmp_path / "self.bpmn"
    path.write_text(text)
    with pytest.raises(ModelError, match=r"<callActivity> 'C/Z' \(line 41\) is a call "
                                         "activity of a process that is not in this file "
                                         r"\(or calls itself\)"):
        fk.read_bpmn(path)


def test_inclusive_gateway_refusal_says_how_to_rewrite(tmp_path: Path) -> None:
    """An OR gateway stays refused, named with its line and the rewrite."""
    text = _DRAWN.replace('<task id="T3" name="Escalate"/>',
                          '<task id="T3" name="Escalate"/><inclusiveGateway id="or"/>')
    path = tmp_path / "or.bpmn"
    path.write_text(text)
    with pytest.raises(ModelError, match=r"<inclusiveGateway> 'or' \(line 27\) is an inclusive "
                                         r"\(OR\) gateway.*rewrite it as an exclusive gateway"):
        fk.read_bpmn(path)
