"""Reading BPMN 2.0: :func:`read_bpmn` turns a file into a process.

A file written by :func:`~flowkit.interop.bpmn.writer.to_bpmn` reads back equal, from
its flowkit data; BPMN drawn in other tools is read with the mapping of
``docs/interop.md`` (BPMN section). The steps of reading: the
:class:`~flowkit.interop.bpmn.document.Document` keeps the flow nodes of the one
process, the :class:`~flowkit.interop.bpmn.gateways.Resolver` turns the flows between
them into each step's ``next``, :mod:`~flowkit.interop.bpmn.steps` makes the step and
department records, and this module puts them together as a tree of the file format
that :func:`flowkit.interop.files.parse` checks. What cannot be mapped raises one
located :class:`~flowkit.ModelError`; what is approximated is reported in one
:class:`~flowkit.BpmnWarning`.
"""

from __future__ import annotations

import os
import re
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from ...errors import BpmnWarning, FileFormatError, ModelError
from ...model.process import Process
from ..files import parse
from .codec import B, F, read_process_ext
from .document import TASKS, Document, El, ReadProblem
from .flatten import flatten
from .gateways import Resolver
from .steps import departments, step_ids, step_tree

__all__ = ["read_bpmn"]

PathLike = str | os.PathLike[str]

#: the order of the top-level fields of the tree read
_ORDER = ("version", "name", "description", "start", "calendar", "arrivals", "handoff",
          "travel", "time_limit", "legal_limit", "applicant_delay", "case_types", "departments",
          "materials", "steps", "history")


class _Reader:
    """Reads one BPMN document into a process tree."""

    def __init__(self, data: bytes, source: str, stem: str) -> None:
        self.doc = Document(data, source, stem)
        self.gates = Resolver(self.doc)
        self.step_id: dict[str, str] = {}
        """The step id of each task and routing step, by BPMN id."""
        self.flowkit = False
        """Whether the process carries flowkit data (was written by flowkit)."""

    def build(self) -> dict[str, Any]:
        """The tree of the file format the document holds; raises what cannot be read."""
        doc = self.doc
        proc, name = doc.process()
        flatten(doc, proc)
        doc.elements(proc)
        doc.fail()
        ext = proc.find(f"{B}extensionElements")
        fk_proc = ext.find(f"{F}process") if ext is not None else None
        self.flowkit = fk_proc is not None
        if not self.flowkit:
            doc.notes.append(
                "no flowkit data: channels come from task types, kinds are guessed from step "
                "names, work and wait are 0 (timers aside); no materials, fees or staff; "
                "default calendar, arrivals and handoff"
            )
        start, tasks = self.start_and_tasks()
        self.name_steps([(t.id, t.name, t.elem.find(f"{B}extensionElements/{F}step"))
                         for t in tasks])
        first = self.first_step(start)
        nexts = self.next_steps(tasks)
        doc.fail()
        assert first is not None
        depts, lane_of = departments(doc, proc, name)
        self.name_steps([(key, info["name"], None) for key, info in self.gates.synth.items()])
        steps = self.steps(tasks, nexts, depts, lane_of)
        doc.fail()
        tree: dict[str, Any] = {"name": name or doc.stem}
        description = proc.find(f"{B}documentation")
        if description is not None:
            tree["description"] = description.text or ""
        if fk_proc is not None and ext is not None:
            proc_id = proc.get("id", "")
            tree.update(read_process_ext(fk_proc, ext, doc.problems,
                                         f"process '{proc_id}'{doc.at(proc_id)}"))
            doc.fail()
        order = self.order(steps, nexts, first)
        visible = self.step_id[first]
        if tree.get("start") != visible:
            tree.pop("start", None)
            if self.step_id[order[0]] != visible:
                tree["start"] = visible
        tree["departments"] = depts
        tree["steps"] = [steps[e] for e in order]
        return {k: tree[k] for k in _ORDER if k in tree}

    def name_steps(self, els: list[tuple[str, str | None, ET.Element | None]]) -> None:
        """Give these elements step ids no step has yet."""
        self.step_id.update(step_ids(els, set(self.step_id.values())))

    def start_and_tasks(self) -> tuple[El, list[El]]:
        """The one start event and the tasks; raises when there is not one start or no task."""
        doc = self.doc
        starts = [e for e in doc.els.values() if e.tag == "startEvent"]
        self.gates.step_gateways = {
            e.id for e in doc.els.values() if e.tag in ("exclusiveGateway", "parallelGateway")
            and e.elem.find(f"{B}extensionElements/{F}step") is not None
        }
        tasks = [e for e in doc.els.values()
                 if e.tag in TASKS or e.id in self.gates.step_gateways]
        if not starts:
            doc.problems.append("the process has no start event: draw one before the first "
                                "task")
        elif len(starts) > 1:
            where = ", ".join(doc.named(s.id) for s in starts)
            doc.problems.append(f"the process has {len(starts)} start events ({where}): "
                                "flowkit needs exactly one; merge them into one")
        if not tasks:
            doc.problems.append("the process has no task: draw at least one")
        doc.fail()
        return starts[0], tasks

    def first_step(self, start: El) -> str | None:
        """The step the start event leads to (a routing step if it is no task); None if bad."""
        doc = self.doc
        try:
            if len(start.outgoing) != 1:
                raise ReadProblem(f"{doc.named(start.id)} has {len(start.outgoing)} outgoing "
                                  "flows: connect it to the first task with exactly one flow")
            e = self.gates.expr_of(start.outgoing[0])
            if e[0] == "end":
                raise ReadProblem(f"{doc.named(start.id)} leads to no task: draw the tasks "
                                  "between the start and the end")
            return e[1] if e[0] == "step" else self.gates.routing(
                e[1], e, "starts the process (flowkit starts at a step)")
        except ReadProblem as exc:
            doc.problems.append(str(exc))
            return None

    def next_steps(self, tasks: list[El]) -> dict[str, Any]:
        """The ``next`` of each task (by BPMN id), a problem for each that cannot be read."""
        nexts: dict[str, Any] = {}
        for t in tasks:
            try:
                nexts[t.id] = self.gates.next_of(self.gates.outgoing(t))
            except ReadProblem as exc:
                self.doc.problems.append(str(exc))
        return nexts

    def steps(self, tasks: list[El], nexts: dict[str, Any], depts: list[dict[str, Any]],
              lane_of: dict[str, str]) -> dict[str, dict[str, Any]]:
        """The step record of each task and routing step, linked by step id, by BPMN id.

        The routing steps' ``next`` is added to ``nexts``.
        """
        steps: dict[str, dict[str, Any]] = {}
        for t in tasks:
            steps[t.id] = step_tree(self.doc, t, self.step_id[t.id], lane_of.get(t.id),
                                    self.gates.wait.get(t.id), flowkit=self.flowkit)
        for key, info in self.gates.synth.items():
            dept = lane_of.get(info["lane"]) or lane_of.get(key) or depts[0]["id"]
            steps[key] = {"id": self.step_id[key], "department": dept, "kind": "routing"}
            if info["name"]:
                steps[key] = {"id": self.step_id[key], "name": " ".join(info["name"].split()),
                              "department": dept, "kind": "routing"}
            nexts[key] = info["next"]
            if info["join"]:
                self.gates.joins.add(key)
        for eid, nxt in nexts.items():
            if isinstance(nxt, str):
                steps[eid]["next"] = self.step_id[nxt]
            elif isinstance(nxt, dict):
                steps[eid]["next"] = {self.step_id[k]: v for k, v in nxt.items()}
            elif isinstance(nxt, list):
                steps[eid]["next"] = [self.step_id[k] for k in nxt]
            if eid in self.gates.joins:
                steps[eid]["join"] = "all"
        return steps

    def order(self, steps: dict[str, Any], nexts: dict[str, Any], first: str) -> list[str]:
        """The order of the steps: as written by flowkit, else breadth first from the start."""
        if self.flowkit:
            return list(steps)
        order, seen = [first], {first}
        for eid in order:
            nxt = nexts.get(eid)
            targets = [nxt] if isinstance(nxt, str) else list(nxt or [])
            for target in targets:
                if target not in seen:
                    seen.add(target)
                    order.append(target)
        return order + [e for e in steps if e not in seen]

    def located(self, problem: str) -> str:
        """A model problem with the BPMN element of the step it names."""
        by_step = {sid: eid for eid, sid in self.step_id.items()}
        for m in re.finditer(r"'([^']+)'", problem):
            eid = by_step.get(m.group(1))
            if eid is not None:
                return f"{problem} [BPMN element '{eid}'{self.doc.at(eid)}]"
        return problem


def read_bpmn(path: PathLike) -> Process:
    """Read a BPMN 2.0 file: one written by :func:`to_bpmn`, or drawn in bpmn.io / Camunda.

    A file written by :func:`to_bpmn` reads back equal. Other BPMN maps as follows:
    lanes are departments (lane name = department name), tasks are steps (``userTask``
    -> counter, ``manualTask`` -> onsite, ``sendTask``/``receiveTask`` -> mail, other
    tasks -> backoffice; the kind is guessed from the name), exclusive gateways are
    choices (probabilities from ``p=0.8`` or ``80%`` in a flow's name or documentation,
    else equal shares), parallel gateways are parallel splits and ``join: all``, chains
    of gateways collapse, a timer with a duration after a task is that task's ``wait``.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    Process

    Raises
    ------
    FileFormatError
        The file is not well-formed XML (with the line), declares a document type, or is
        not BPMN 2.0.
    ModelError
        Every element flowkit cannot map (sub-processes, boundary events, inclusive
        gateways …), each named by its id and line, with what to do.

    Warns
    -----
    BpmnWarning
        Once, listing every approximation made (equal shares, guessed kinds, …).

    See Also
    --------
    to_bpmn
    """
    p = Path(path)
    source = str(path)
    if not p.exists():
        raise FileFormatError([f"no such file: {p}"], source=source)
    data = p.read_bytes()
    if not data.strip():
        raise FileFormatError(["the file is empty: a BPMN file holds <bpmn:definitions>"],
                              source=source)
    reader = _Reader(data, source, p.stem)
    tree = reader.build()
    try:
        process = parse(tree, source=source)
    except ModelError as exc:
        raise ModelError([reader.located(m) for m in exc.problems], source=source) from None
    if reader.doc.notes:
        notes = "\n".join(f"  - {n}" for n in dict.fromkeys(reader.doc.notes))
        warnings.warn(BpmnWarning(f"{source}: read with approximations:\n{notes}"),
                      stacklevel=2)
    return process
