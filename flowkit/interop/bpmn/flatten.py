"""What modellers draw, rewritten into the flat BPMN the reader maps: sub-processes and
call activities flattened, interrupting boundary timers made an exclusive escape.

Runs on the parsed process before its flow nodes are read, without recursion (a work
list), and every element it adds keeps the line of the element it comes from:

- an **embedded or collapsed sub-process** ``S`` (and a **call activity** ``S`` of a
  process of the same file, whose content is copied) is replaced by its content, each
  inner id prefixed ``S/`` so that ids stay unique: the inner start event becomes a
  pass-through the flows into ``S`` reach, each inner end event (and each inner node
  with no outgoing flow) leads to ``S``, which becomes a merge (a parallel split when
  several flows leave it, an end event when none does). Inner nodes keep a lane that
  names them, else they join the lane of ``S``. A sub-process with no content is a
  task. Event sub-processes, and call activities of processes not in the file, are
  left for the reader to refuse;
- an **interrupting boundary timer** ``B`` with a duration on ``T`` becomes an
  exclusive choice after ``T`` (``T/escape``): either the flows that left ``T``, or
  the escape, a zero-work step ``B`` (the time-out, in ``T``'s lane) whose wait is the
  timer's duration, then ``B``'s flows. The escape's share is written on ``B``'s
  outgoing flow (``p=0.1``/``10%``) or in ``B``'s name; else equal shares (noted).
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET

from .codec import B, local
from .document import Document

__all__ = ["flatten"]

#: elements that hold a content to flatten
_CONTAINERS = frozenset({"subProcess", "callActivity"})
#: the most elements flattening may make (call activities can multiply them)
MAX_ELEMENTS = 100_000
_SKIP = frozenset({"incoming", "outgoing", "laneSet", "extensionElements", "documentation",
                   "ioSpecification", "multiInstanceLoopCharacteristics",
                   "standardLoopCharacteristics", "dataInputAssociation",
                   "dataOutputAssociation", "property"})


def _tag(el: ET.Element) -> str:
    return local(el.tag)[1]


def _lane_map(proc: ET.Element) -> dict[str, ET.Element]:
    """The lane that names each node, by node id (the last, deepest one wins)."""
    out: dict[str, ET.Element] = {}
    for lane in proc.iter(f"{B}lane"):
        for ref in lane.findall(f"{B}flowNodeRef"):
            out[(ref.text or "").strip()] = lane
    return out


class _Flattener:
    """Flattens the containers of one process in place."""

    def __init__(self, doc: Document, proc: ET.Element) -> None:
        self.doc = doc
        self.proc = proc
        self.processes = {p.get("id"): p for p in doc.root.findall(f"{B}process")}
        self.lanes = _lane_map(proc)
        self.made = 0
        self.chain: dict[str, tuple[str, ...]] = {}
        """The processes called on the way to each call activity, by its id."""

    def add(self, el: ET.Element, line_of: str) -> None:
        """Append an element to the process, with the line of ``line_of``."""
        self.proc.append(el)
        line = self.doc.lines.get(line_of)
        if line is not None:
            self.doc.lines.setdefault(el.get("id", ""), line)
        self.made += 1

    def flow(self, fid: str, src: str, tgt: str, line_of: str, name: str | None = None) -> None:
        attrs = {"id": fid, "sourceRef": src, "targetRef": tgt}
        if name:
            attrs["name"] = name
        self.add(ET.Element(f"{B}sequenceFlow", attrs), line_of)

    def run(self) -> None:
        work = [c for c in self.proc if _tag(c) in _CONTAINERS]
        while work:
            s = work.pop()
            if self.made > MAX_ELEMENTS:
                sid = s.get("id", "")
                self.doc.problems.append(
                    f"<{_tag(s)}> '{sid}'{self.doc.at(sid)}: flattening the sub-processes and "
                    f"calls makes more than {MAX_ELEMENTS} elements: call fewer processes")
                return
            content = self.content(s)
            if content is not None:
                work.extend(self.inline(s, content))
        for b in [c for c in self.proc if _tag(c) == "boundaryEvent"]:
            self.boundary_timer(b)

    def content(self, s: ET.Element) -> list[ET.Element] | None:
        """The elements ``s`` holds (copied for a call), or None when it stays as it is."""
        sid = s.get("id", "")
        if _tag(s) == "subProcess":
            if s.get("triggeredByEvent") == "true":
                return None
            return [c for c in s if _tag(c) not in _SKIP]
        called = s.get("calledElement", "")
        target = self.processes.get(called)
        chain = self.chain.get(sid, ())
        if target is None or called in chain:
            return None
        inner = [copy.deepcopy(c) for c in target if _tag(c) not in _SKIP]
        for c in inner:
            if _tag(c) == "callActivity":
                self.chain[f"{sid}/{c.get('id', '')}"] = (*chain, called)
        for c in target.iter():
            line = self.doc.lines.get(c.get("id", ""))
            if line is not None:
                self.doc.lines.setdefault(f"{sid}/{c.get('id', '')}", line)
        return inner

    def inline(self, s: ET.Element, content: list[ET.Element]) -> list[ET.Element]:
        """Replace ``s`` by ``content``; the containers among it, to flatten in turn."""
        sid = s.get("id", "")
        nodes = [c for c in content if _tag(c) != "sequenceFlow"]
        if not nodes:  # a collapsed sub-process without content, or an empty call: a task
            for c in list(s):
                s.remove(c)
            s.tag = f"{B}task"
            return []
        starts = [c for c in nodes if _tag(c) == "startEvent"]
        if len(starts) != 1:
            self.doc.problems.append(
                f"<{_tag(s)}> '{sid}'{self.doc.at(sid)} holds {len(starts)} start events: "
                "flowkit flattens a sub-process with exactly one start event; draw one")
            return []
        pre = f"{sid}/"
        lane = self.lanes.get(sid)
        has_out = {c.get("sourceRef") for c in content if _tag(c) == "sequenceFlow"}
        for c in content:
            old = c.get("id", "")
            for key in ("id", "sourceRef", "targetRef", "attachedToRef"):
                if c.get(key):
                    c.set(key, pre + (c.get(key) or ""))
            self.doc.lines.setdefault(c.get("id", ""), self.doc.lines.get(old, 0))
            if _tag(c) != "sequenceFlow" and lane is not None and old not in self.lanes:
                ET.SubElement(lane, f"{B}flowNodeRef").text = c.get("id")
        for f in self.proc.findall(f"{B}sequenceFlow"):
            if f.get("targetRef") == sid:
                f.set("targetRef", starts[0].get("id", ""))
        for c in nodes:
            cid, tag = c.get("id", ""), _tag(c)
            if tag in ("startEvent", "endEvent"):
                for d in list(c):
                    c.remove(d)
                c.tag = f"{B}exclusiveGateway"
            if tag == "endEvent" or (cid[len(pre):] not in has_out and tag not in
                                     ("startEvent", "boundaryEvent")):
                self.flow(f"{cid}/done", cid, sid, cid)
        self.become_exit(s)
        for c in content:
            self.made += 1
            self.proc.append(c)
        return [c for c in nodes if _tag(c) in _CONTAINERS]

    def become_exit(self, s: ET.Element) -> None:
        """``s`` becomes where its content leaves: a merge, a parallel split or an end."""
        sid = s.get("id", "")
        outs = sum(1 for f in self.proc.findall(f"{B}sequenceFlow")
                   if f.get("sourceRef") == sid)
        for c in list(s):
            s.remove(c)
        for key in [k for k in s.attrib if k not in ("id", "name")]:
            del s.attrib[key]
        tag = "endEvent" if outs == 0 else "parallelGateway" if outs > 1 else "exclusiveGateway"
        s.tag = f"{B}{tag}"

    def boundary_timer(self, b: ET.Element) -> None:
        """An interrupting boundary timer with a duration: an exclusive escape (see above)."""
        bid, on = b.get("id", ""), b.get("attachedToRef", "")
        timer = b.find(f"{B}timerEventDefinition")
        if (timer is None or timer.find(f"{B}timeDuration") is None
                or b.get("cancelActivity") == "false"):
            return  # left for the reader to refuse, with its reason
        flows = self.proc.findall(f"{B}sequenceFlow")
        after = [f for f in flows if f.get("sourceRef") == on]
        escape = [f for f in flows if f.get("sourceRef") == bid]
        if len(after) != 1 or len(escape) != 1:
            self.doc.problems.append(
                f"boundary timer '{bid}' on '{on}'{self.doc.at(bid)}: flowkit reads a timer "
                "that interrupts a task with one flow out of the task and one out of the "
                "timer; draw a gateway after each")
            return
        gw = f"{on}/escape"
        self.add(ET.Element(f"{B}exclusiveGateway", {"id": gw}), on)
        after[0].set("sourceRef", gw)
        self.flow(f"{gw}/in", on, gw, on)
        share = escape[0].get("name") or b.get("name")
        self.flow(f"{gw}/timeout", gw, bid, bid, share)
        wait = ET.Element(f"{B}intermediateCatchEvent", {"id": f"{bid}/timer"})
        b.remove(timer)
        wait.append(timer)
        self.add(wait, bid)
        escape[0].set("sourceRef", wait.get("id", ""))
        self.flow(f"{bid}/waits", bid, wait.get("id", ""), bid)
        lane = self.lanes.get(on)
        b.tag = f"{B}task"
        b.attrib.pop("attachedToRef", None)
        b.attrib.pop("cancelActivity", None)
        b.set("name", b.get("name") or "time-out")
        if lane is not None:
            for nid in (gw, bid, f"{bid}/timer"):
                ET.SubElement(lane, f"{B}flowNodeRef").text = nid
        self.doc.notes.append(
            f"boundary timer '{bid}' on '{on}'{self.doc.at(bid)} is read as an exclusive "
            f"escape after '{on}' to a zero-work step '{bid}' that waits the timer's duration")


def flatten(doc: Document, proc: ET.Element) -> None:
    """Flatten the sub-processes and call activities of ``proc`` and read its
    interrupting boundary timers as escapes, in place (see the module docstring)."""
    _Flattener(doc, proc).run()
