"""The BPMN document being read: safe parsing, its one process, its flow nodes and flows.

The XML is parsed with :mod:`xml.etree.ElementTree` after a first pass with expat that
rejects any document type declaration (so no entity is ever defined or expanded, and
nothing external is fetched) and notes the line of each id, so that every problem can
name the element and its line. :class:`Document` then keeps the flow nodes and
sequence flows of the one process flowkit reads, rejecting (with what to do) every
element it cannot map, and gathers the problems and notes found along the way.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import xml.parsers.expat
from dataclasses import dataclass, field
from typing import Any

from ...errors import FileFormatError, ModelError
from .codec import BPMN_NS, TASK_CHANNEL, B, local

__all__ = ["EVENTS", "GATEWAYS", "TASKS", "Document", "El", "ReadProblem", "SeqFlow"]


class ReadProblem(Exception):
    """One problem found while reading; the message is located."""


_UNSUPPORTED: dict[str, str] = {
    "subProcess": "an event sub-process (triggered by an event): flowkit models no "
                  "interruptions; draw the handling as a branch of an exclusive gateway",
    "adHocSubProcess": "an ad-hoc sub-process: flowkit has no unordered activities; draw its "
                       "tasks in sequence or in parallel",
    "transaction": "a transaction: flowkit has no transactions; draw its tasks in the pool",
    "callActivity": "a call activity of a process that is not in this file (or calls "
                    "itself): flowkit follows calls within one file; put the called process "
                    "in the file, or draw its tasks in the pool",
    "inclusiveGateway": "an inclusive (OR) gateway: flowkit cannot read 'one or more of the "
                        "branches'; rewrite it as an exclusive gateway whose flows lead to "
                        "each combination that occurs (a parallel split for a combination of "
                        "several), with its share, or as a parallel gateway when every branch "
                        "is always taken",
    "eventBasedGateway": "an event-based gateway: flowkit has no events to race; use an "
                         "exclusive gateway with the share of cases on each flow",
    "complexGateway": "a complex gateway: use an exclusive or a parallel gateway",
    "boundaryEvent": "a boundary event other than an interrupting timer with a duration: "
                     "flowkit models no other interruptions; remove it, or model the "
                     "exception as an exclusive gateway after the task",
    "choreographyTask": "a choreography task: flowkit reads process diagrams only",
    "subChoreography": "a sub-choreography: flowkit reads process diagrams only",
}
#: the BPMN task types flowkit reads as steps
TASKS = frozenset(TASK_CHANNEL)
#: the gateways flowkit reads
GATEWAYS = frozenset({"exclusiveGateway", "parallelGateway"})
#: the events flowkit reads
EVENTS = frozenset({"startEvent", "endEvent", "intermediateCatchEvent",
                    "intermediateThrowEvent"})
_IGNORED = frozenset({
    "sequenceFlow", "laneSet", "documentation", "extensionElements", "dataObject",
    "dataObjectReference", "dataStoreReference", "textAnnotation", "association", "group",
    "category", "property", "ioSpecification", "auditing", "monitoring", "supports",
    "correlationSubscription", "resourceRole", "performer", "humanPerformer",
    "potentialOwner",
})
#: what makes a process one "with tasks"
_WORK = TASKS | {"subProcess", "callActivity", "adHocSubProcess", "transaction"}
_KIND_OF_TAG = {
    "exclusiveGateway": "exclusive gateway", "parallelGateway": "parallel gateway",
    "startEvent": "start event", "endEvent": "end event",
    "intermediateCatchEvent": "intermediate event", "intermediateThrowEvent": "intermediate event",
    **dict.fromkeys(TASKS, "task"),
}


@dataclass
class El:
    """A flow node of the process read: a task, a gateway or an event."""

    id: str
    tag: str
    elem: ET.Element
    name: str | None
    incoming: list[str] = field(default_factory=list)
    outgoing: list[str] = field(default_factory=list)


@dataclass
class SeqFlow:
    """A sequence flow between two flow nodes of the process read."""

    id: str
    source: str
    target: str
    elem: ET.Element


def prescan(data: bytes, source: str) -> dict[str, int]:
    """Reject document type declarations, report syntax errors; the line of each id.

    Examples
    --------
    >>> prescan(b'<a id="x">\\n<b id="y"/></a>', "f.bpmn")
    {'x': 1, 'y': 2}
    """
    lines: dict[str, int] = {}
    parser = xml.parsers.expat.ParserCreate()

    def doctype(name: str, *_: Any) -> None:
        raise ReadProblem(
            f"line {parser.CurrentLineNumber}: the file declares a document type "
            f"(<!DOCTYPE {name} …>); BPMN needs none and flowkit refuses them (they can "
            "define entities): remove the declaration"
        )

    def entity(name: str, *_: Any) -> None:
        raise ReadProblem(f"line {parser.CurrentLineNumber}: the file declares an entity "
                          f"'{name}': remove it")

    def start(_: str, attrs: dict[str, str]) -> None:
        if "id" in attrs:
            lines.setdefault(attrs["id"], parser.CurrentLineNumber)

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.StartElementHandler = start
    try:
        parser.Parse(data, True)
    except ReadProblem as exc:
        raise FileFormatError([str(exc)], source=source) from None
    except xml.parsers.expat.ExpatError as exc:
        what = xml.parsers.expat.ErrorString(exc.code)
        raise FileFormatError(
            [f"XML syntax error at line {exc.lineno}, column {exc.offset + 1}: {what}; the "
             "file is not well-formed XML (an unclosed or mismatched tag, a bare '&' or '<')"],
            source=source,
        ) from None
    return lines


class Document:
    """One BPMN document being read: its lines, flow nodes, flows, problems and notes."""

    def __init__(self, data: bytes, source: str, stem: str) -> None:
        self.source = source
        """The file, as the messages name it."""
        self.stem = stem
        """The file's name without suffix: the process name when the file gives none."""
        self.problems: list[str] = []
        """What cannot be read, each located; :meth:`fail` raises them together."""
        self.notes: list[str] = []
        """The approximations made, warned of once at the end."""
        self.lines = prescan(data, source)
        root = ET.fromstring(data)
        ns, tag = local(root.tag)
        if (ns, tag) != (BPMN_NS, "definitions"):
            raise FileFormatError(
                [f"the root element is <{tag}> in namespace '{ns or 'none'}', not BPMN 2.0 "
                 f"<definitions> ({BPMN_NS}): this is not a BPMN 2.0 file"],
                source=source,
            )
        self.root = root
        self.els: dict[str, El] = {}
        """The flow nodes of the process, by id."""
        self.flows: dict[str, SeqFlow] = {}
        """The sequence flows between them, by id."""
        self.cut: set[str] = set()
        """The flow nodes that lost a flow to a rejected element."""

    # -- where -----------------------------------------------------------------------
    def at(self, eid: str) -> str:
        """`` (line N)`` for the element with id ``eid``, or nothing when unknown."""
        line = self.lines.get(eid)
        return f" (line {line})" if line else ""

    def named(self, eid: str) -> str:
        """An element as messages name it: ``exclusive gateway 'G1' (line 12)``."""
        el = self.els.get(eid)
        kind = _KIND_OF_TAG.get(el.tag, el.tag) if el else "element"
        return f"{kind} '{eid}'{self.at(eid)}"

    def fail(self) -> None:
        """Raise every problem found so far, if any, in one :class:`~flowkit.ModelError`."""
        if self.problems:
            raise ModelError(list(dict.fromkeys(self.problems)), source=self.source)

    # -- the process -----------------------------------------------------------------
    def process(self) -> tuple[ET.Element, str | None]:
        """The one process with tasks, and its name (or its participant's)."""
        called = {c.get("calledElement") for c in self.root.iter(f"{B}callActivity")}
        procs = [p for p in self.root.findall(f"{B}process")
                 if any(local(c.tag)[1] in _WORK for c in p)]
        procs = [p for p in procs if p.get("id") not in called] or procs
        participants = {p.get("processRef"): p
                        for c in self.root.findall(f"{B}collaboration")
                        for p in c.findall(f"{B}participant")}
        if not procs:
            raise ModelError(["the file holds no process with tasks: draw at least a start "
                              "event, a task and an end event"], source=self.source)
        if len(procs) > 1:
            names = ", ".join(f"'{p.get('id')}'{self.at(p.get('id') or '')}" for p in procs)
            raise ModelError(
                [f"the file holds {len(procs)} processes with tasks ({names}): flowkit reads "
                 "one pool; put every department in a lane of one pool, or split the file"],
                source=self.source,
            )
        proc = procs[0]
        flows = [m for c in self.root.findall(f"{B}collaboration")
                 for m in c.findall(f"{B}messageFlow")]
        if flows:
            self.notes.append(
                f"{len(flows)} message flow(s) between pools ignored (flowkit reads the one "
                "process; other pools are outside it)"
            )
        part = participants.get(proc.get("id"))
        name = proc.get("name") or (part.get("name") if part is not None else None)
        return proc, name

    def elements(self, proc: ET.Element) -> None:
        """Keep the flow nodes and flows of ``proc``; a problem for each one unreadable."""
        rejected: set[str] = set()
        for child in proc:
            ns, tag = local(child.tag)
            if ns == BPMN_NS:
                self.element(child, tag, rejected)
        for child in proc.findall(f"{B}sequenceFlow"):
            self.sequence_flow(child, rejected)
        for el in self.els.values():
            if el.id in self.cut:  # a flow to a rejected element was cut: reported already
                continue
            if el.tag in GATEWAYS and not el.outgoing:
                self.problems.append(
                    f"{self.named(el.id)} has no outgoing flow: connect it to the next task "
                    "or to an end event"
                )
            if el.tag in GATEWAYS and not el.incoming:
                self.problems.append(
                    f"{self.named(el.id)} has no incoming flow: connect a task to it"
                )

    def element(self, child: ET.Element, tag: str, rejected: set[str]) -> None:
        """Keep one BPMN element of the process when flowkit reads it, else reject it."""
        eid = child.get("id", "")
        if tag in _UNSUPPORTED or (tag not in _IGNORED and tag not in TASKS
                                   and tag not in GATEWAYS and tag not in EVENTS):
            rejected.add(eid)
        if tag in _UNSUPPORTED:
            attached = child.get("attachedToRef")
            on = f" on '{attached}'" if attached else ""
            defs = [local(c.tag)[1] for c in child if local(c.tag)[1].endswith("Definition")]
            kind = f" ({', '.join(defs)})" if defs and tag == "boundaryEvent" else ""
            self.problems.append(f"<{tag}> '{eid}'{on}{kind}{self.at(eid)} is "
                                 f"{_UNSUPPORTED[tag]}")
        elif tag in TASKS or tag in GATEWAYS or tag in EVENTS:
            if not eid:
                self.problems.append(f"a <{tag}> has no id: give every flow node an id")
            elif eid in self.els:
                self.problems.append(f"id '{eid}'{self.at(eid)} is used twice: ids must "
                                     "be unique")
            else:
                self.els[eid] = El(eid, tag, child, child.get("name"))
                self.check_node(self.els[eid])
        elif tag not in _IGNORED:
            self.problems.append(
                f"<{tag}>{f' id={eid!r}' if eid else ''}{self.at(eid)} is not a BPMN "
                "element flowkit can read (a misspelt element type?): flowkit reads "
                "tasks, exclusive and parallel gateways, start, end and timer events; "
                "remove it or replace it with one of these"
            )

    def sequence_flow(self, child: ET.Element, rejected: set[str]) -> None:
        """Keep one sequence flow between kept flow nodes; a problem when an end is missing."""
        fid = child.get("id", "")
        src, tgt = child.get("sourceRef", ""), child.get("targetRef", "")
        bad = [f"{r} '{v}'" for r, v in (("sourceRef", src), ("targetRef", tgt))
               if v not in self.els]
        if bad:
            if {src, tgt} & rejected:  # its end was reported already
                self.cut.update({src, tgt})
            else:
                self.problems.append(
                    f"sequence flow '{fid}'{self.at(fid)}: {' and '.join(bad)} is not a "
                    "flow node of the process: connect it to a task, gateway or event"
                )
            return
        self.flows[fid] = SeqFlow(fid, src, tgt, child)
        self.els[src].outgoing.append(fid)
        self.els[tgt].incoming.append(fid)

    def check_node(self, el: El) -> None:
        """A problem for a flow node flowkit keeps but cannot read as drawn."""
        defs = [local(c.tag)[1] for c in el.elem if local(c.tag)[1].endswith(
            "EventDefinition")]
        for c in el.elem:
            loop = local(c.tag)[1]
            if loop in ("multiInstanceLoopCharacteristics", "standardLoopCharacteristics"):
                self.problems.append(
                    f"{self.named(el.id)} repeats ({loop}): flowkit has no multi-instance or "
                    "looping tasks; draw the repetition as a loop through an exclusive gateway"
                )
        if el.tag == "intermediateCatchEvent":
            if defs != ["timerEventDefinition"]:
                what = ", ".join(defs) or "no event definition"
                self.problems.append(
                    f"{self.named(el.id)} waits for {what}: flowkit reads only timer events "
                    "with a duration (a wait after the task before it); remove it, or make it "
                    "a timer"
                )
        elif el.tag == "intermediateThrowEvent" and defs:
            self.problems.append(
                f"{self.named(el.id)} throws {', '.join(defs)}: flowkit reads only plain "
                "intermediate events (milestones); remove it, or use a send task"
            )
