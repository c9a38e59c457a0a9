"""Writing BPMN 2.0: :func:`to_bpmn` turns a process into a file bpmn.io opens laid out.

The nodes and flows come from :mod:`~flowkit.interop.bpmn.graph`, their places from
:mod:`~flowkit.interop.bpmn.layout`; this module writes them as XML: the collaboration
with its one participant, the process with its lanes, flow nodes and sequence flows
(with the flowkit data of :mod:`~flowkit.interop.bpmn.codec`), and the diagram.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from ..._version import __version__
from ...model.process import Process
from ..files import to_dict
from .codec import (
    BPMN_NS,
    BPMNDI_NS,
    DC_NS,
    DI_NS,
    FK_NS,
    Ids,
    extensions,
    percent,
    sub,
    write_process_ext,
    write_record,
    write_step_ext,
    xml_id,
)
from .graph import Flow, graph
from .layout import Box, layout

__all__ = ["to_bpmn"]

PathLike = str | os.PathLike[str]


class _Writer:
    """Writes one process as a BPMN ``<definitions>`` element."""

    def __init__(self, p: Process) -> None:
        self.p = p
        self.tree: dict[str, Any] = to_dict(p)
        self.nodes, flows = graph(p)
        self.lay = layout(self.nodes, flows, [d.id for d in p.departments])
        order = {n.id: i for i, n in enumerate(self.nodes)}
        self.flows: list[Flow] = sorted(flows, key=lambda f: order[f.source])
        """The sequence flows in writing order: by the node they leave."""
        self.ids = Ids({n.id for n in self.nodes} | {f.id for f in flows})
        self.root = ET.Element("bpmn:definitions", {
            "xmlns:bpmn": BPMN_NS, "xmlns:bpmndi": BPMNDI_NS, "xmlns:dc": DC_NS,
            "xmlns:di": DI_NS, "xmlns:fk": FK_NS, "id": "Definitions_1",
            "targetNamespace": "http://bpmn.io/schema/bpmn", "exporter": "flowkit",
            "exporterVersion": str(__version__),
        })
        self.collab_id = self.ids.fresh("Collaboration")
        self.part_id = self.ids.fresh("Participant")
        self.proc_id = self.ids.fresh("Process")
        self.lane_id: dict[str, str] = {}

    def text(self) -> str:
        """The whole document, indented, with its XML declaration."""
        collab = sub(self.root, "bpmn:collaboration", {"id": self.collab_id})
        sub(collab, "bpmn:participant", {"id": self.part_id, "name": self.p.name,
                                         "processRef": self.proc_id})
        proc = sub(self.root, "bpmn:process", {"id": self.proc_id, "name": self.p.name,
                                               "isExecutable": "false"})
        if self.p.description is not None:
            sub(proc, "bpmn:documentation", text=self.p.description)
        write_process_ext(proc, self.tree)
        self.lanes(proc)
        self.flow_nodes(proc)
        self.sequence_flows(proc)
        self.diagram()
        ET.indent(self.root, space="  ")
        body = ET.tostring(self.root, encoding="unicode")
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"

    def lanes(self, proc: ET.Element) -> None:
        """A lane per department, with its flowkit data and the nodes it holds."""
        lane_set = sub(proc, "bpmn:laneSet", {"id": self.ids.fresh("LaneSet")})
        for d, dtree in zip(self.p.departments, self.tree.get("departments", []), strict=True):
            self.lane_id[d.id] = self.ids.fresh(f"Lane_{xml_id(d.id, 'dept')}")
            lane = sub(lane_set, "bpmn:lane", {"id": self.lane_id[d.id], "name": d.label})
            fields = {k: v for k, v in dtree.items() if k != "name"}
            if d.name is None:
                fields["unnamed"] = True
            write_record(extensions(lane), "department", fields)
            for n in self.nodes:
                if n.lane == d.id:
                    sub(lane, "bpmn:flowNodeRef", text=n.id)

    def flow_nodes(self, proc: ET.Element) -> None:
        """Tasks (with the flowkit data of their step), gateways and events."""
        steps = {s["id"]: s for s in self.tree["steps"]}
        for n in self.nodes:
            attrib = {"id": n.id}
            if n.name is not None:
                attrib["name"] = n.name
            if n.direction:
                attrib["gatewayDirection"] = n.direction
            e = sub(proc, f"bpmn:{n.tag}", attrib)
            if n.step is not None:
                write_step_ext(e, steps[n.step], n.id)
            for fid in n.incoming:
                sub(e, "bpmn:incoming", text=fid)
            for fid in n.outgoing:
                sub(e, "bpmn:outgoing", text=fid)

    def sequence_flows(self, proc: ET.Element) -> None:
        """The flows; one out of a choice carries its share as label, documentation, data."""
        for f in self.flows:
            attrib = {"id": f.id, "sourceRef": f.source, "targetRef": f.target}
            if f.probability is not None:
                attrib["name"] = percent(f.probability)
            e = sub(proc, "bpmn:sequenceFlow", attrib)
            if f.probability is not None:
                sub(e, "bpmn:documentation", text=f"p={f.probability!r}")
                sub(extensions(e), "fk:probability", {"value": repr(f.probability)})

    def diagram(self) -> None:
        """The diagram interchange: a shape per pool, lane and node, an edge per flow."""
        diagram = sub(self.root, "bpmndi:BPMNDiagram", {"id": self.ids.fresh("BPMNDiagram")})
        plane = sub(diagram, "bpmndi:BPMNPlane", {"id": self.ids.fresh("BPMNPlane"),
                                                  "bpmnElement": self.collab_id})
        self.shape(plane, self.part_id, self.lay.pool, isHorizontal="true")
        for d in self.p.departments:
            self.shape(plane, self.lane_id[d.id], self.lay.lanes[d.id], isHorizontal="true")
        for n in self.nodes:
            extra = {"isMarkerVisible": "true"} if n.tag == "exclusiveGateway" else {}
            self.shape(plane, n.id, self.lay.shapes[n.id], **extra)
        for f in self.flows:
            edge = sub(plane, "bpmndi:BPMNEdge", {"id": self.ids.fresh(f"{f.id}_di"),
                                                  "bpmnElement": f.id})
            for x, y in self.lay.edges[f.id]:
                sub(edge, "di:waypoint", {"x": str(x), "y": str(y)})

    def shape(self, plane: ET.Element, element: str, box: Box, **extra: str) -> None:
        """The shape of one element, with its bounds."""
        s = sub(plane, "bpmndi:BPMNShape", {"id": self.ids.fresh(f"{element}_di"),
                                            "bpmnElement": element, **extra})
        sub(s, "dc:Bounds", {"x": str(box.x), "y": str(box.y), "width": str(box.w),
                             "height": str(box.h)})


def to_bpmn(process: Process, path: PathLike) -> Path:
    """Write a process as BPMN 2.0 XML with lanes and a laid-out diagram.

    One pool, one lane per department (in order), a task per step (``userTask`` for
    counter and online steps, ``task`` for back-office, ``manualTask`` for on-site,
    ``sendTask`` for mail), an exclusive gateway per choice with each flow's probability
    (as its label, in its documentation and in a flowkit extension), parallel gateways
    for parallel splits and before each ``join: all`` step, an exclusive merge gateway
    before a step that several flows reach, a start event and an end event per last
    step. Every field BPMN has no place for is kept in ``fk:`` extension elements, so
    ``read_bpmn(to_bpmn(p, path)) == p``.

    Parameters
    ----------
    process : Process
    path : str or path-like
        The file to write (conventionally ``.bpmn``).

    Returns
    -------
    pathlib.Path
        The path written.

    See Also
    --------
    read_bpmn

    Examples
    --------
    >>> import flowkit as fk, pathlib, tempfile
    >>> p = fk.loads('''
    ... name: 示例
    ... departments: [{id: amr, name: 市场监督管理局}]
    ... steps:
    ...   - {id: apply, department: amr, kind: intake, channel: counter, work: 30min,
    ...      next: {decide: 0.9, apply: 0.1}}
    ...   - {id: decide, department: amr, kind: approval, work: 1h}
    ... ''')
    >>> out = to_bpmn(p, pathlib.Path(tempfile.mkdtemp()) / "p.bpmn")
    >>> fk.read_bpmn(out) == p
    True
    """
    out = Path(path)
    out.write_text(_Writer(process).text(), encoding="utf-8")
    return out

