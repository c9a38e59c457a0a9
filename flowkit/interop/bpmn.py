"""BPMN 2.0 interchange: :func:`to_bpmn` writes a process, :func:`read_bpmn` reads one back.

A flowkit BPMN file is ordinary BPMN 2.0 XML that bpmn.io and Camunda Modeler open laid
out: one pool (a collaboration with one participant), one lane per department, a task per
step, exclusive gateways for choices, parallel gateways for parallel splits and joins,
events for the start and the ends, and diagram interchange (shapes and edges). Everything
BPMN has no place for (work and wait times, materials, fees, calendar, arrivals …) is kept
in extension elements of the flowkit namespace :data:`FK_NS`, so that
``read_bpmn(to_bpmn(p, f)) == p``.

:func:`read_bpmn` also reads BPMN drawn in other tools, with a documented mapping (see
``docs/interop.md``, BPMN section): what cannot be mapped raises a located
:class:`~flowkit.ModelError` naming the element; what is approximated is reported in one
:class:`BpmnWarning`.

The XML is parsed with :mod:`xml.etree.ElementTree` after a first pass that rejects any
document type declaration (so no entity is ever defined or expanded, and nothing external
is fetched).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import warnings
import xml.etree.ElementTree as ET
import xml.parsers.expat
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BpmnWarning, FileFormatError, ModelError
from ..model.process import Process
from .files import parse, to_dict

__all__ = ["FK_NS", "BpmnWarning", "read_bpmn", "to_bpmn"]

PathLike = str | os.PathLike[str]

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
#: The namespace of flowkit's extension elements.
FK_NS = "urn:flowkit:bpmn:1"

_B = "{" + BPMN_NS + "}"
_F = "{" + FK_NS + "}"




# ======================================================================= shared tables
#: channel -> the BPMN task type written for it
CHANNEL_TASK: dict[str, str] = {
    "counter": "userTask",
    "online": "userTask",
    "backoffice": "task",
    "onsite": "manualTask",
    "mail": "sendTask",
}
#: BPMN task type -> the channel read from it (without flowkit data)
TASK_CHANNEL: dict[str, str] = {
    "task": "backoffice",
    "userTask": "counter",
    "manualTask": "onsite",
    "serviceTask": "backoffice",
    "scriptTask": "backoffice",
    "businessRuleTask": "backoffice",
    "sendTask": "mail",
    "receiveTask": "mail",
}

#: kind guessed from words in a step name (first match wins), without flowkit data
_KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("payment", ("缴费", "缴纳", "收费", "付费", "交费", "payment", "pay ")),
    ("inspection", ("勘验", "勘察", "踏勘", "现场", "核查", "检查", "调查", "inspect",
                    "site visit", "survey")),
    ("delivery", ("发证", "出证", "领证", "领取", "送达", "发放", "颁发", "发照", "办结",
                  "issue", "deliver", "certificate", "notify")),
    ("approval", ("审批", "批准", "决定", "核准", "审定", "approv", "decision", "decide")),
    ("review", ("审查", "审核", "初审", "复审", "评审", "核验", "review", "check", "examin",
                "assess", "verif", "evaluat")),
    ("intake", ("受理", "申请", "收件", "提交", "预约", "intake", "apply", "applica", "submit",
                "receiv", "register", "registration")),
)

_UNSUPPORTED: dict[str, str] = {
    "subProcess": "a sub-process: flowkit processes are flat; draw its tasks in the pool "
                  "instead (expand the sub-process)",
    "adHocSubProcess": "an ad-hoc sub-process: flowkit has no unordered activities; draw its "
                       "tasks in sequence or in parallel",
    "transaction": "a transaction: flowkit has no transactions; draw its tasks in the pool",
    "callActivity": "a call activity: flowkit cannot follow a call into another process; "
                    "draw the called tasks in the pool",
    "inclusiveGateway": "an inclusive (OR) gateway: flowkit has exclusive choices and "
                        "parallel splits only; use an exclusive gateway (one branch) or a "
                        "parallel gateway (all branches)",
    "eventBasedGateway": "an event-based gateway: flowkit has no events to race; use an "
                         "exclusive gateway with the share of cases on each flow",
    "complexGateway": "a complex gateway: use an exclusive or a parallel gateway",
    "boundaryEvent": "a boundary event: flowkit models no interruptions; remove it, or model "
                     "the exception as an exclusive gateway after the task",
    "choreographyTask": "a choreography task: flowkit reads process diagrams only",
    "subChoreography": "a sub-choreography: flowkit reads process diagrams only",
}
_TASKS = frozenset(TASK_CHANNEL)
_GATEWAYS = frozenset({"exclusiveGateway", "parallelGateway"})
_EVENTS = frozenset({"startEvent", "endEvent", "intermediateCatchEvent",
                     "intermediateThrowEvent"})
_IGNORED = frozenset({
    "sequenceFlow", "laneSet", "documentation", "extensionElements", "dataObject",
    "dataObjectReference", "dataStoreReference", "textAnnotation", "association", "group",
    "category", "property", "ioSpecification", "auditing", "monitoring", "supports",
    "correlationSubscription", "resourceRole", "performer", "humanPerformer",
    "potentialOwner",
})


def _local(tag: str) -> tuple[str, str]:
    """``'{ns}name'`` -> ``('ns', 'name')``."""
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return "", tag


# =========================================================================== writing
#: the ids bpmn.io and Camunda Modeler accept (moddle-xml): ASCII only
_XML_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def _xml_id(text: str, prefix: str) -> str:
    """``text`` when bpmn.io accepts it as an id, else ``prefix_`` and a short hash of it."""
    if _XML_ID.match(text):
        return text
    n = int.from_bytes(hashlib.sha1(text.encode("utf-8")).digest()[:8], "big")
    digits = ""
    for _ in range(7):
        n, r = divmod(n, 36)
        digits += "0123456789abcdefghijklmnopqrstuvwxyz"[r]
    return f"{prefix}_{digits}"


_TASK_SIZE = (100, 80)
_GATEWAY_SIZE = (50, 50)
_EVENT_SIZE = (36, 36)


@dataclass
class _Node:
    id: str
    tag: str                       # BPMN element name without prefix
    lane: str                      # department id
    name: str | None = None
    step: str | None = None        # the step of a task
    direction: str | None = None   # of a gateway: Diverging or Converging
    incoming: list[str] = field(default_factory=list)
    outgoing: list[str] = field(default_factory=list)

    @property
    def size(self) -> tuple[int, int]:
        if self.tag.endswith("Gateway"):
            return _GATEWAY_SIZE
        if self.tag.endswith("Event"):
            return _EVENT_SIZE
        return _TASK_SIZE


@dataclass
class _Flow:
    id: str
    source: str
    target: str
    probability: float | None = None


class _Ids:
    """Fresh, valid and unique XML ids."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = set(taken)

    def fresh(self, base: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_.-]", "_", base)
        if not _XML_ID.match(base):
            base = "_" + base
        out, n = base, 1
        while out in self.taken:
            n += 1
            out = f"{base}_{n}"
        self.taken.add(out)
        return out


def _percent(p: float) -> str:
    return f"{round(p * 100, 2):g}%"


def _words(values: list[Any]) -> str:
    return ", ".join(str(v) for v in values)


def _text(value: Any) -> str:
    """An attribute value: text as is, numbers and booleans as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _graph(p: Process) -> tuple[list[_Node], list[_Flow]]:
    """The BPMN flow nodes and sequence flows of a process, in writing order."""
    ids = _Ids(set())
    bpmn_id: dict[str, str] = {}
    for s in p.steps:  # steps keep their own id when bpmn.io accepts it (ASCII)
        bpmn_id[s.id] = ids.fresh(_xml_id(s.id, "Activity"))
    nodes: dict[str, _Node] = {}
    flows: list[_Flow] = []

    def node(n: _Node) -> str:
        nodes[n.id] = n
        return n.id

    def flow(source: str, target: str, probability: float | None = None) -> None:
        f = _Flow(ids.fresh(f"Flow_{source}_{target}"), source, target, probability)
        nodes[source].outgoing.append(f.id)
        nodes[target].incoming.append(f.id)
        flows.append(f)

    arriving = Counter(t for s in p.steps for t in s.targets)
    arriving[p.start_step] += 1
    start = node(_Node(ids.fresh("StartEvent"), "startEvent", p.step(p.start_step).department,
                       name="开始"))
    entry: dict[str, str] = {}
    leave: dict[str, str] = {}
    for s in p.steps:
        gw = ""
        if s.join == "all":
            gw = node(_Node(ids.fresh(f"Join_{bpmn_id[s.id]}"), "parallelGateway",
                            s.department, direction="Converging"))
        elif arriving[s.id] > 1:
            gw = node(_Node(ids.fresh(f"Merge_{bpmn_id[s.id]}"), "exclusiveGateway",
                            s.department, direction="Converging"))
        task = node(_Node(bpmn_id[s.id], CHANNEL_TASK[s.channel], s.department, name=s.label,
                          step=s.id))
        if gw:
            flow(gw, task)
        entry[s.id] = gw or task
        if s.flow == "end":
            leave[s.id] = node(_Node(ids.fresh(f"End_{bpmn_id[s.id]}"), "endEvent",
                                     s.department, name="结束"))
        elif s.flow == "xor":
            leave[s.id] = node(_Node(ids.fresh(f"Choice_{bpmn_id[s.id]}"), "exclusiveGateway",
                                     s.department, name=f"{s.label}?", direction="Diverging"))
        elif s.flow == "and":
            leave[s.id] = node(_Node(ids.fresh(f"Split_{bpmn_id[s.id]}"), "parallelGateway",
                                     s.department, direction="Diverging"))
    flow(start, entry[p.start_step])
    for s in p.steps:
        task = bpmn_id[s.id]
        if s.flow == "seq":
            flow(task, entry[s.targets[0]])
            continue
        flow(task, leave[s.id])
        for t, prob in s.branches:
            flow(leave[s.id], entry[t], prob if s.flow == "xor" else None)
    return list(nodes.values()), flows


# ---------------------------------------------------------------------------- layout
@dataclass(frozen=True)
class _Box:
    x: int
    y: int
    w: int
    h: int

    @property
    def cx(self) -> int:
        return self.x + self.w // 2

    @property
    def cy(self) -> int:
        return self.y + self.h // 2


@dataclass
class _Layout:
    pool: _Box
    lanes: dict[str, _Box]
    shapes: dict[str, _Box]
    edges: dict[str, list[tuple[int, int]]]


_POOL_X, _POOL_Y, _POOL_LABEL, _LANE_LABEL = 160, 80, 30, 30
_LEFT, _GAP, _ROW, _PAD_TOP, _PAD_BOTTOM = 40, 50, 110, 15, 40


def _back_flows(nodes: dict[str, _Node], flows: dict[str, _Flow], start: str) -> set[str]:
    """Flows to a node on the current path of a depth-first walk from the start (loops)."""
    back: set[str] = set()
    seen, on_path = {start}, {start}
    stack: list[tuple[str, int]] = [(start, 0)]
    while stack:
        n, i = stack[-1]
        out = nodes[n].outgoing
        if i == len(out):
            stack.pop()
            on_path.discard(n)
            continue
        stack[-1] = (n, i + 1)
        f = flows[out[i]]
        if f.target in on_path:
            back.add(f.id)
        elif f.target not in seen:
            seen.add(f.target)
            on_path.add(f.target)
            stack.append((f.target, 0))
    return back


def _layout(node_list: list[_Node], flow_list: list[_Flow], lanes: list[str]) -> _Layout:
    """Columns by depth along the flow (loops ignored), rows by lane."""
    nodes = {n.id: n for n in node_list}
    flows = {f.id: f for f in flow_list}
    back = _back_flows(nodes, flows, node_list[0].id)
    # longest path from the start over forward flows
    indeg = Counter(f.target for f in flow_list if f.id not in back)
    col = dict.fromkeys(nodes, 0)
    todo = [n for n in nodes if indeg[n] == 0]
    while todo:
        nid = todo.pop()
        for fid in nodes[nid].outgoing:
            if fid in back:
                continue
            t = flows[fid].target
            col[t] = max(col[t], col[nid] + 1)
            indeg[t] -= 1
            if indeg[t] == 0:
                todo.append(t)
    n_cols = max(col.values()) + 1
    widths = [0] * n_cols
    for n in node_list:
        widths[col[n.id]] = max(widths[col[n.id]], n.size[0])
    lefts, x = [], _POOL_X + _POOL_LABEL + _LANE_LABEL + _LEFT
    for w in widths:
        lefts.append(x)
        x += w + _GAP
    right = x - _GAP + _LEFT
    slots: dict[tuple[str, int], list[str]] = {}
    for n in node_list:
        slots.setdefault((n.lane, col[n.id]), []).append(n.id)
    lane_boxes: dict[str, _Box] = {}
    shapes: dict[str, _Box] = {}
    y = _POOL_Y
    lane_x = _POOL_X + _POOL_LABEL
    for lane in lanes:
        rows = max([len(v) for (ln, _), v in slots.items() if ln == lane] or [1])
        h = _PAD_TOP + rows * _ROW + _PAD_BOTTOM
        lane_boxes[lane] = _Box(lane_x, y, right - lane_x, h)
        for (ln, c), members in slots.items():
            if ln != lane:
                continue
            for k, nid in enumerate(members):
                w, hh = nodes[nid].size
                cx = lefts[c] + widths[c] // 2
                cy = y + _PAD_TOP + k * _ROW + _ROW // 2
                shapes[nid] = _Box(cx - w // 2, cy - hh // 2, w, hh)
        y += h
    pool = _Box(_POOL_X, _POOL_Y, right - _POOL_X, y - _POOL_Y)
    edges: dict[str, list[tuple[int, int]]] = {}
    for i, f in enumerate(flow_list):
        sb, tb = shapes[f.source], shapes[f.target]
        options = _routes(sb, tb, f.id in back, nodes[f.source].tag.endswith("Gateway"),
                          nodes[f.target].tag.endswith("Gateway"), 6 * (i % 3))
        xs = [x for r in options for x, _ in r]
        ys = [y for r in options for _, y in r]
        x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
        others = [b for k, b in shapes.items() if b.x < x1 and b.x + b.w > x0 and b.y < y1
                  and b.y + b.h > y0 and k not in (f.source, f.target)]
        edges[f.id] = min(options, key=lambda r: (_hits(r, others), options.index(r)))
    return _Layout(pool, lane_boxes, shapes, edges)


def _routes(sb: _Box, tb: _Box, back: bool, s_gw: bool, t_gw: bool,
            shift: int) -> list[list[tuple[int, int]]]:
    """Orthogonal routes from one shape to another, the preferred first."""
    if back:  # a loop: under both shapes, or over them
        low = max(sb.y + sb.h, tb.y + tb.h) + 12 + shift
        high = min(sb.y, tb.y) - 8 - shift
        return [[(sb.cx, sb.y + sb.h), (sb.cx, low), (tb.cx, low), (tb.cx, tb.y + tb.h)],
                [(sb.cx, sb.y), (sb.cx, high), (tb.cx, high), (tb.cx, tb.y)]]
    if sb.cy == tb.cy:
        return [[(sb.x + sb.w, sb.cy), (tb.x, tb.cy)]]
    down = tb.cy > sb.cy
    near_target = tb.x - _GAP // 2
    out = []
    if s_gw:  # leave a gateway by its top or bottom corner
        out.append([(sb.cx, sb.y + sb.h if down else sb.y), (sb.cx, tb.cy), (tb.x, tb.cy)])
    if t_gw:  # enter a gateway by its top or bottom corner
        out.append([(sb.x + sb.w, sb.cy), (tb.cx, sb.cy), (tb.cx, tb.y if down else tb.y + tb.h)])
    out.append([(sb.x + sb.w, sb.cy), (near_target, sb.cy), (near_target, tb.cy), (tb.x, tb.cy)])
    near_source = sb.x + sb.w + _GAP // 2
    out.append([(sb.x + sb.w, sb.cy), (near_source, sb.cy), (near_source, tb.cy), (tb.x, tb.cy)])
    return out


def _hits(route: list[tuple[int, int]], boxes: list[_Box]) -> int:
    """How many shapes the segments of a route cross."""
    n = 0
    for b in boxes:
        for (x1, y1), (x2, y2) in itertools.pairwise(route):
            if y1 == y2 and b.y < y1 < b.y + b.h and min(x1, x2) < b.x + b.w and max(x1, x2) > b.x:
                n += 1
                break
            if x1 == x2 and b.x < x1 < b.x + b.w and min(y1, y2) < b.y + b.h and max(y1, y2) > b.y:
                n += 1
                break
    return n


# ------------------------------------------------------------------------------- XML
def _el(parent: ET.Element, tag: str, attrib: dict[str, str] | None = None,
        text: str | None = None) -> ET.Element:
    e = ET.SubElement(parent, tag, attrib or {})
    if text is not None:
        e.text = text
    return e


def _fk_record(parent: ET.Element, tag: str, tree: dict[str, Any],
               lists: tuple[str, ...] = ()) -> ET.Element:
    """A flowkit extension element holding one record of the file format.

    Scalars are attributes; the ``lists`` fields are comma-joined attributes; any other
    list or mapping is a ``<fk:value key="...">`` child holding JSON (so a field added to
    the format later is kept too).
    """
    attrib: dict[str, str] = {}
    nested: dict[str, Any] = {}
    for key, value in tree.items():
        if key in lists and isinstance(value, list) and all(
                isinstance(v, str | int) and "," not in str(v) for v in value):
            attrib[key] = _words(value)
        elif isinstance(value, dict | list):
            nested[key] = value
        else:
            attrib[key] = _text(value)
    e = _el(parent, f"fk:{tag}", attrib)
    for key, value in nested.items():
        _el(e, "fk:value", {"key": key}, text=json.dumps(value, ensure_ascii=False))
    return e


def _extensions(parent: ET.Element) -> ET.Element:
    return _el(parent, "bpmn:extensionElements")


_CALENDAR_LISTS = ("hours", "weekdays", "holidays", "workdays")
#: top-level fields with a place of their own in the BPMN file
_PLACED = frozenset({"version", "name", "description", "start", "travel", "calendar",
                     "arrivals", "handoff", "case_types", "departments", "materials", "steps",
                     "history"})


def _process_ext(proc: ET.Element, tree: dict[str, Any]) -> None:
    ext = _extensions(proc)
    head: dict[str, str] = {k: tree[k] for k in ("start", "travel") if k in tree}
    if "version" in tree:
        head["version"] = json.dumps(tree["version"])
    _el(ext, "fk:process", head)
    if tree.get("calendar") == "always":
        _el(ext, "fk:calendar", {"preset": "always"})
    elif "calendar" in tree:
        _fk_record(ext, "calendar", tree["calendar"], _CALENDAR_LISTS)
    if "arrivals" in tree:
        _fk_record(ext, "arrivals", tree["arrivals"])
    if "handoff" in tree:
        _fk_record(ext, "handoff", tree["handoff"])
    for ct in tree.get("case_types", []):
        _fk_record(ext, "caseType", ct)
    for m in tree.get("materials", []):
        _fk_record(ext, "material", m)
    if "history" in tree:
        _el(ext, "fk:history", text=json.dumps(tree["history"], ensure_ascii=False))
    for key, value in tree.items():
        if key not in _PLACED:
            _el(ext, "fk:value", {"key": key}, text=json.dumps(value, ensure_ascii=False))


#: step fields BPMN itself carries (id, name, lane, flows)
_STEP_PLACED = frozenset({"id", "name", "department", "next", "join"})


def _step_ext(task: ET.Element, tree: dict[str, Any], bpmn_id: str) -> None:
    fields: dict[str, Any] = {"id": tree["id"]} if tree["id"] != bpmn_id else {}
    fields["kind"] = tree.get("kind", "other")
    fields["channel"] = tree.get("channel", "backoffice")
    fields.update((k, v) for k, v in tree.items() if k not in _STEP_PLACED)
    if "name" not in tree:
        fields["unnamed"] = True
    schedule = fields.pop("schedule", None)
    step = _fk_record(_extensions(task), "step", fields, ("materials", "produces"))
    if schedule is not None:
        _fk_record(step, "schedule", schedule, ("weekdays", "at"))


def _bpmn_text(p: Process) -> str:
    tree = to_dict(p)
    node_list, flow_list = _graph(p)
    dept_ids = [d.id for d in p.departments]
    lay = _layout(node_list, flow_list, dept_ids)
    root = ET.Element("bpmn:definitions", {
        "xmlns:bpmn": BPMN_NS, "xmlns:bpmndi": BPMNDI_NS, "xmlns:dc": DC_NS,
        "xmlns:di": DI_NS, "xmlns:fk": FK_NS, "id": "Definitions_1",
        "targetNamespace": "http://bpmn.io/schema/bpmn", "exporter": "flowkit",
        "exporterVersion": _version(),
    })
    taken = {n.id for n in node_list} | {f.id for f in flow_list}
    ids = _Ids(taken)
    collab_id, part_id, proc_id = (ids.fresh("Collaboration"), ids.fresh("Participant"),
                                   ids.fresh("Process"))
    collab = _el(root, "bpmn:collaboration", {"id": collab_id})
    _el(collab, "bpmn:participant", {"id": part_id, "name": p.name, "processRef": proc_id})
    proc = _el(root, "bpmn:process", {"id": proc_id, "name": p.name, "isExecutable": "false"})
    if p.description is not None:
        _el(proc, "bpmn:documentation", text=p.description)
    _process_ext(proc, tree)
    lane_set = _el(proc, "bpmn:laneSet", {"id": ids.fresh("LaneSet")})
    lane_id: dict[str, str] = {}
    for d, dtree in zip(p.departments, tree.get("departments", []), strict=True):
        lane_id[d.id] = ids.fresh(f"Lane_{_xml_id(d.id, 'dept')}")
        lane = _el(lane_set, "bpmn:lane", {"id": lane_id[d.id], "name": d.label})
        fields = {k: v for k, v in dtree.items() if k != "name"}
        if d.name is None:
            fields["unnamed"] = True
        _fk_record(_extensions(lane), "department", fields)
        for n in node_list:
            if n.lane == d.id:
                _el(lane, "bpmn:flowNodeRef", text=n.id)
    steps = {s["id"]: s for s in tree["steps"]}
    for n in node_list:
        attrib = {"id": n.id}
        if n.name is not None:
            attrib["name"] = n.name
        if n.direction:
            attrib["gatewayDirection"] = n.direction
        e = _el(proc, f"bpmn:{n.tag}", attrib)
        if n.step is not None:
            _step_ext(e, steps[n.step], n.id)
        for fid in n.incoming:
            _el(e, "bpmn:incoming", text=fid)
        for fid in n.outgoing:
            _el(e, "bpmn:outgoing", text=fid)
    order = {n.id: i for i, n in enumerate(node_list)}
    flow_list = sorted(flow_list, key=lambda f: order[f.source])
    for f in flow_list:
        attrib = {"id": f.id, "sourceRef": f.source, "targetRef": f.target}
        if f.probability is not None:
            attrib["name"] = _percent(f.probability)
        e = _el(proc, "bpmn:sequenceFlow", attrib)
        if f.probability is not None:
            _el(e, "bpmn:documentation", text=f"p={f.probability!r}")
            _el(_extensions(e), "fk:probability", {"value": repr(f.probability)})
    # diagram interchange
    diagram = _el(root, "bpmndi:BPMNDiagram", {"id": ids.fresh("BPMNDiagram")})
    plane = _el(diagram, "bpmndi:BPMNPlane", {"id": ids.fresh("BPMNPlane"),
                                              "bpmnElement": collab_id})

    def shape(element: str, box: _Box, **extra: str) -> None:
        s = _el(plane, "bpmndi:BPMNShape", {"id": ids.fresh(f"{element}_di"),
                                            "bpmnElement": element, **extra})
        _el(s, "dc:Bounds", {"x": str(box.x), "y": str(box.y), "width": str(box.w),
                             "height": str(box.h)})

    shape(part_id, lay.pool, isHorizontal="true")
    for d in p.departments:
        shape(lane_id[d.id], lay.lanes[d.id], isHorizontal="true")
    for n in node_list:
        extra = {"isMarkerVisible": "true"} if n.tag == "exclusiveGateway" else {}
        shape(n.id, lay.shapes[n.id], **extra)
    for f in flow_list:
        edge = _el(plane, "bpmndi:BPMNEdge", {"id": ids.fresh(f"{f.id}_di"),
                                              "bpmnElement": f.id})
        for x, y in lay.edges[f.id]:
            _el(edge, "di:waypoint", {"x": str(x), "y": str(y)})
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _version() -> str:
    from .._version import __version__

    return str(__version__)


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
    >>> read_bpmn(out) == p
    True
    """
    out = Path(path)
    out.write_text(_bpmn_text(process), encoding="utf-8")
    return out


# =========================================================================== reading
class _Bad(Exception):
    """One problem found while reading; the message is located."""


@dataclass
class _El:
    id: str
    tag: str
    elem: ET.Element
    name: str | None
    incoming: list[str] = field(default_factory=list)
    outgoing: list[str] = field(default_factory=list)


@dataclass
class _SeqFlow:
    id: str
    source: str
    target: str
    elem: ET.Element


#: ids modellers generate (bpmn.io: ``Activity_0fk1a2b``; older: ``Task_1``, ``Gateway_12``)
_AUTO_ID = re.compile(
    r"^(?:Activity|[A-Za-z]*Task|[A-Za-z]*Gateway|[A-Za-z]*Event|Lane|Participant)_"
    r"(?:(?=[a-z]{0,6}[0-9])[0-9a-z]{7}|[0-9]+)$"
)
_P_LABELLED = re.compile(
    r"(?:^|[^\w.])(?:p|prob|probability|概率|比例)\s*[=:：]?\s*(\d+(?:\.\d+)?|\.\d+)\s*([%％])?",
    re.I,
)
_P_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*[%％]")
_P_BARE = re.compile(r"^\s*(0?\.\d+|[01](?:\.0*)?)\s*$")
_ISO_DURATION = re.compile(
    r"^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)

Expr = tuple[Any, ...]


def _slug(text: str | None) -> str | None:
    """A flowkit id made from a name: runs of other characters become ``_``."""
    if not text:
        return None
    s = re.sub(r"[^\w-]+", "_", text).strip("_-")
    if not s:
        return None
    if not re.match(r"^[^\W\d]", s):
        s = "s_" + s
    return s


def _probability_in(text: str | None) -> float | None:
    """A probability written in a label or documentation: ``p=0.8``, ``80%``, ``0.8``."""
    if not text:
        return None
    m = _P_LABELLED.search(text)
    if m:
        value = float(m.group(1))
        return value / 100 if m.group(2) or value > 1 else value
    m = _P_PERCENT.search(text)
    if m:
        return float(m.group(1)) / 100
    m = _P_BARE.match(text)
    if m:
        return float(m.group(1))
    return None


def _iso_duration(text: str) -> str | None:
    """``PT2H`` -> ``'2h'``, ``P3D`` -> ``'3d'`` (elapsed time); None for years/months."""
    m = _ISO_DURATION.match(text.strip().upper())
    if not m or not any(m.groups()) or m.group(1) or m.group(2):
        return None
    weeks, days, hours, minutes, seconds = (float(g) if g else 0.0 for g in m.groups()[2:])
    if not (hours or minutes or seconds):
        return f"{weeks * 7 + days:g}d"
    total = ((weeks * 7 + days) * 24 + hours) * 60 + minutes + seconds / 60
    if total % 60 == 0:
        return f"{total / 60:g}h"
    return f"{total:g}min"


def _words_of(value: str) -> list[Any]:
    items = (w.strip() for w in value.split(","))
    return [int(x) if x.isascii() and x.isdigit() else x for x in items if x]


def _prescan(data: bytes, source: str) -> dict[str, int]:
    """Reject document type declarations, report syntax errors; the line of each id."""
    lines: dict[str, int] = {}
    parser = xml.parsers.expat.ParserCreate()

    def doctype(name: str, *_: Any) -> None:
        raise _Bad(
            f"line {parser.CurrentLineNumber}: the file declares a document type "
            f"(<!DOCTYPE {name} …>); BPMN needs none and flowkit refuses them (they can "
            "define entities): remove the declaration"
        )

    def entity(name: str, *_: Any) -> None:
        raise _Bad(f"line {parser.CurrentLineNumber}: the file declares an entity '{name}': "
                   "remove it")

    def start(_: str, attrs: dict[str, str]) -> None:
        if "id" in attrs:
            lines.setdefault(attrs["id"], parser.CurrentLineNumber)

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.StartElementHandler = start
    try:
        parser.Parse(data, True)
    except _Bad as exc:
        raise FileFormatError([str(exc)], source=source) from None
    except xml.parsers.expat.ExpatError as exc:
        what = xml.parsers.expat.ErrorString(exc.code)
        raise FileFormatError(
            [f"XML syntax error at line {exc.lineno}, column {exc.offset + 1}: {what}; the "
             "file is not well-formed XML (an unclosed or mismatched tag, a bare '&' or '<')"],
            source=source,
        ) from None
    return lines


class _Reader:
    """Reads one BPMN document into a process tree."""

    def __init__(self, data: bytes, source: str, stem: str) -> None:
        self.source = source
        self.stem = stem
        self.problems: list[str] = []
        self.notes: list[str] = []
        self.lines = _prescan(data, source)
        root = ET.fromstring(data)
        ns, tag = _local(root.tag)
        if (ns, tag) != (BPMN_NS, "definitions"):
            raise FileFormatError(
                [f"the root element is <{tag}> in namespace '{ns or 'none'}', not BPMN 2.0 "
                 f"<definitions> ({BPMN_NS}): this is not a BPMN 2.0 file"],
                source=source,
            )
        self.root = root
        self.els: dict[str, _El] = {}
        self.flows: dict[str, _SeqFlow] = {}
        self.wait: dict[str, str] = {}
        self.joins: set[str] = set()
        self.synth: dict[str, dict[str, Any]] = {}
        self.step_id: dict[str, str] = {}
        self.lane_of: dict[str, str] = {}
        self.flowkit = False

    # -- helpers ---------------------------------------------------------------------
    def at(self, eid: str) -> str:
        line = self.lines.get(eid)
        return f" (line {line})" if line else ""

    def named(self, eid: str) -> str:
        el = self.els.get(eid)
        kind = _KIND_OF_TAG.get(el.tag, el.tag) if el else "element"
        return f"{kind} '{eid}'{self.at(eid)}"

    def fail(self) -> None:
        if self.problems:
            raise ModelError(list(dict.fromkeys(self.problems)), source=self.source)

    # -- the process -----------------------------------------------------------------
    def process(self) -> tuple[ET.Element, str | None]:
        procs = [p for p in self.root.findall(f"{_B}process")
                 if any(_local(c.tag)[1] not in _IGNORED for c in p)]
        participants = {p.get("processRef"): p
                        for c in self.root.findall(f"{_B}collaboration")
                        for p in c.findall(f"{_B}participant")}
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
        flows = [m for c in self.root.findall(f"{_B}collaboration")
                 for m in c.findall(f"{_B}messageFlow")]
        if flows:
            self.notes.append(
                f"{len(flows)} message flow(s) between pools ignored (flowkit reads the one "
                "process; other pools are outside it)"
            )
        part = participants.get(proc.get("id"))
        name = proc.get("name") or (part.get("name") if part is not None else None)
        return proc, name

    def elements(self, proc: ET.Element) -> None:
        rejected: set[str] = set()
        for child in proc:
            ns, tag = _local(child.tag)
            if ns != BPMN_NS:
                continue
            eid = child.get("id", "")
            if tag in _UNSUPPORTED or (tag not in _IGNORED and tag not in _TASKS
                                       and tag not in _GATEWAYS and tag not in _EVENTS):
                rejected.add(eid)
            if tag in _UNSUPPORTED:
                attached = child.get("attachedToRef")
                on = f" on '{attached}'" if attached else ""
                self.problems.append(
                    f"<{tag}> '{eid}'{on}{self.at(eid)} is {_UNSUPPORTED[tag]}"
                )
            elif tag in _TASKS or tag in _GATEWAYS or tag in _EVENTS:
                if not eid:
                    self.problems.append(f"a <{tag}> has no id: give every flow node an id")
                elif eid in self.els:
                    self.problems.append(f"id '{eid}'{self.at(eid)} is used twice: ids must "
                                         "be unique")
                else:
                    self.els[eid] = _El(eid, tag, child, child.get("name"))
                    self.check_node(self.els[eid])
            elif tag not in _IGNORED:
                self.problems.append(
                    f"<{tag}>{f' id={eid!r}' if eid else ''}{self.at(eid)} is not a BPMN "
                    "element flowkit can read (a misspelt element type?): flowkit reads "
                    "tasks, exclusive and parallel gateways, start, end and timer events; "
                    "remove it or replace it with one of these"
                )
        for child in proc.findall(f"{_B}sequenceFlow"):
            fid = child.get("id", "")
            src, tgt = child.get("sourceRef", ""), child.get("targetRef", "")
            bad = [f"{r} '{v}'" for r, v in (("sourceRef", src), ("targetRef", tgt))
                   if v not in self.els]
            if bad:
                if not {src, tgt} & rejected:  # else its end was reported already
                    self.problems.append(
                        f"sequence flow '{fid}'{self.at(fid)}: {' and '.join(bad)} is not a "
                        "flow node of the process: connect it to a task, gateway or event"
                    )
                continue
            self.flows[fid] = _SeqFlow(fid, src, tgt, child)
            self.els[src].outgoing.append(fid)
            self.els[tgt].incoming.append(fid)
        for el in self.els.values():
            if el.tag in _GATEWAYS and not el.outgoing:
                self.problems.append(
                    f"{self.named(el.id)} has no outgoing flow: connect it to the next task "
                    "or to an end event"
                )
            if el.tag in _GATEWAYS and not el.incoming:
                self.problems.append(
                    f"{self.named(el.id)} has no incoming flow: connect a task to it"
                )

    def check_node(self, el: _El) -> None:
        defs = [_local(c.tag)[1] for c in el.elem if _local(c.tag)[1].endswith(
            "EventDefinition")]
        for c in el.elem:
            loop = _local(c.tag)[1]
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

    # -- flows -----------------------------------------------------------------------
    def probabilities(self, gw: _El) -> list[float]:
        values: list[float | None] = []
        for fid in gw.outgoing:
            f = self.flows[fid].elem
            ext = f.find(f"{_B}extensionElements/{_F}probability")
            exact = None
            if ext is not None:
                try:
                    exact = float(ext.get("value", ""))
                except ValueError:
                    raise _Bad(f"sequence flow '{fid}'{self.at(fid)}: fk:probability value "
                               f"{ext.get('value')!r} is not a number") from None
            doc = f.find(f"{_B}documentation")
            shown_doc = _probability_in(doc.text if doc is not None else None)
            shown = shown_doc if shown_doc is not None else _probability_in(f.get("name"))
            value = exact
            if shown is not None and (exact is None or abs(shown - exact) > 1e-4):
                if exact is not None:
                    self.notes.append(
                        f"sequence flow '{fid}': its label or documentation says {shown:g}, its "
                        f"flowkit data {exact:g}; the visible {shown:g} is used"
                    )
                value = shown
            if value is not None and not 0 <= value <= 1:
                raise _Bad(f"sequence flow '{fid}'{self.at(fid)} has probability {value:g}, "
                           "outside 0..1: write it as p=0.8 or 80%")
            values.append(value)
        known = [v for v in values if v is not None]
        missing = len(values) - len(known)
        total = sum(known)
        if missing == len(values):
            self.notes.append(
                f"{self.named(gw.id)}: no probabilities on its {len(values)} flows; each gets an "
                f"equal share 1/{len(values)} (write p=0.8 or 80% in a flow's name or "
                "documentation)"
            )
            return [1 / len(values)] * len(values)
        if missing:
            rest = 1 - total
            if rest < -1e-9:
                raise _Bad(f"{self.named(gw.id)}: the probabilities on its flows already sum to "
                           f"{total:g} > 1: fix them so that all of them sum to 1 (100%)")
            if missing > 1:
                self.notes.append(
                    f"{self.named(gw.id)}: {missing} flows have no probability; they share the "
                    f"remaining {max(rest, 0):g} equally"
                )
            share = round(max(rest, 0) / missing, 12)  # 1 - 0.9 is 0.1, not 0.0999…
            return [v if v is not None else share for v in values]
        if abs(total - 1) > 1e-6:
            if abs(total - 1) <= 0.02:
                self.notes.append(f"{self.named(gw.id)}: its probabilities sum to {total:g}; "
                                  "they are scaled to sum to 1")
                return [v / total for v in known]
            shares = ", ".join(f"{fid}: {v:g}" for fid, v in zip(gw.outgoing, known, strict=True))
            raise _Bad(f"{self.named(gw.id)}: the probabilities on its flows sum to {total:g}, "
                       f"not 1 ({shares}): make them sum to 1 (100%)")
        return known

    def resolve(self, fid: str, task: str | None, path: frozenset[str]) -> Expr:
        """Where a flow leads: a step, an end, or a choice/parallel split of those."""
        el = self.els[self.flows[fid].target]
        if el.tag in _TASKS:
            return ("step", el.id)
        if el.tag == "endEvent":
            return ("end", el.id)
        if el.tag == "startEvent":
            raise _Bad(f"sequence flow '{fid}'{self.at(fid)} leads back to the start event "
                       f"'{el.id}': a start event has no incoming flow; lead it to the first task")
        if el.id in path:
            raise _Bad(f"{self.named(el.id)} is on a loop of gateways and events with no task: "
                       "put a task in the loop")
        inner = path | {el.id}
        if el.tag in ("intermediateCatchEvent", "intermediateThrowEvent"):
            if el.tag == "intermediateCatchEvent":
                self.timer(el, task)
            if len(el.outgoing) > 1:
                raise _Bad(f"{self.named(el.id)} has {len(el.outgoing)} outgoing flows: split "
                           "with a gateway after it")
            if not el.outgoing:
                return ("end", el.id)
            return self.resolve(el.outgoing[0], task, inner)
        if el.tag == "exclusiveGateway":
            single = el.outgoing[0] if len(el.outgoing) == 1 else None
            if single and self.flows[single].elem.find(
                    f"{_B}extensionElements/{_F}probability") is None:  # a merge, not a choice
                return self.resolve(el.outgoing[0], None, inner)
            probs = self.probabilities(el)
            return ("xor", el.id, [(self.resolve(o, None, inner), pr)
                                   for o, pr in zip(el.outgoing, probs, strict=True)])
        # parallel gateway
        if len(el.outgoing) > 1 and len(el.incoming) > 1:
            raise _Bad(f"{self.named(el.id)} both joins {len(el.incoming)} flows and splits "
                       f"into {len(el.outgoing)}: put a task between the join and the split")
        if len(el.outgoing) > 1:
            return ("and", el.id, [self.resolve(o, None, inner) for o in el.outgoing])
        after = self.resolve(el.outgoing[0], None, inner)
        if len(el.incoming) > 1:
            if after[0] != "step":
                return ("step", self.routing(el.id, after, "joins parallel branches but leads "
                                             "to no task (flowkit joins at a step)", join=True))
            self.joins.add(after[1])
        return after

    def timer(self, el: _El, task: str | None) -> None:
        if task is None or len(el.incoming) != 1:
            raise _Bad(f"{self.named(el.id)}: a timer must follow one task directly (it becomes "
                       "that task's wait); move it right after a task")
        timer = el.elem.find(f"{_B}timerEventDefinition")
        dur = timer.find(f"{_B}timeDuration") if timer is not None else None
        text = (dur.text or "").strip() if dur is not None else ""
        value = _iso_duration(text) if text else None
        if value is None:
            given = [_local(c.tag)[1] for c in timer] if timer is not None else []
            found = f"timeDuration {text!r}" if text else ", ".join(given) or "no time"
            raise _Bad(
                f"{self.named(el.id)}: flowkit reads timers with a duration in weeks, days, "
                f"hours or minutes such as P3D or PT2H (this one has {found}); a date, a cycle, "
                "years or months have no fixed length: give it a timeDuration"
            )
        if task in self.wait:
            raise _Bad(f"{self.named(el.id)}: task '{task}' already has a wait; keep one timer "
                       "per task")
        self.wait[task] = value

    def routing(self, key: str, expr: Expr | None, why: str, *, join: bool = False,
                before: str | None = None) -> str:
        """A zero-work step standing for a BPMN element flowkit cannot attach to a step.

        ``key`` is the gateway or end event; the step's ``next`` is where ``expr`` leads.
        """
        if key not in self.synth:
            self.synth[key] = {"name": self.els[key].name, "join": join, "next": None,
                               "lane": before or key}
            self.notes.append(
                f"{self.named(key)} {why}, so a back-office step with no work is inserted "
                "there (one more step for each case that passes it)"
            )
            self.synth[key]["next"] = self.next_of(expr)
        return key

    def flatten_xor(self, e: Expr, weight: float, gw: str) -> list[tuple[str, float]]:
        if e[0] == "step":
            return [(e[1], weight)]
        if e[0] == "end":
            return [(self.routing(e[1], None, f"ends a branch of the choice '{gw}' (flowkit "
                                  "ends only at a step)", before=gw), weight)]
        if e[0] == "and":
            return [(self.routing(e[1], e, f"splits in parallel right after the choice '{gw}' "
                                  "(flowkit splits only after a step)"), weight)]
        # a choice inside a choice: probabilities multiply (rounded: 0.4 * 0.75 is 0.3)
        return [pair for sub, p in e[2]
                for pair in self.flatten_xor(sub, p if weight == 1 else round(weight * p, 12),
                                             e[1])]

    def flatten_and(self, e: Expr, gw: str) -> list[str]:
        if e[0] == "step":
            return [e[1]]
        if e[0] == "end":
            raise _Bad(f"a parallel branch of '{gw}' goes straight to {self.named(e[1])}: "
                       "every parallel branch must meet the others at a parallel join")
        if e[0] == "xor":
            return [self.routing(e[1], e, f"chooses right after the parallel split '{gw}' "
                                 "(flowkit chooses only after a step)")]
        return [s for sub in e[2] for s in self.flatten_and(sub, e[1])]

    def next_of(self, e: Expr | None) -> Any:
        if e is None or e[0] == "end":
            return None
        if e[0] == "step":
            return e[1]
        if e[0] == "xor":
            out: dict[str, float] = {}
            for target, p in self.flatten_xor(e, 1.0, e[1]):
                out[target] = out.get(target, 0.0) + p
            return out
        targets = self.flatten_and(e, e[1])
        twice = [t for t, n in Counter(targets).items() if n > 1]
        if twice:
            raise _Bad(f"{self.named(e[1])} reaches '{twice[0]}' on two parallel branches: "
                       "each branch needs its own task")
        return targets

    def outgoing(self, el: _El) -> Expr | None:
        if not el.outgoing:
            return None
        if len(el.outgoing) == 1:
            return self.resolve(el.outgoing[0], el.id, frozenset())
        if any(self.flows[f].elem.find(f"{_B}conditionExpression") is not None
               for f in el.outgoing):
            raise _Bad(f"{self.named(el.id)} has conditional outgoing flows: model the choice "
                       "with an exclusive gateway after the task")
        self.notes.append(f"{self.named(el.id)} has {len(el.outgoing)} outgoing flows without a "
                          "gateway: read as a parallel split (BPMN semantics)")
        return ("and", el.id, [self.resolve(f, None, frozenset()) for f in el.outgoing])

    # -- ids, lanes, steps -------------------------------------------------------------
    def assign_ids(self, els: list[tuple[str, str | None, ET.Element | None]]) -> None:
        """Step ids: flowkit's own, else the BPMN id, else (auto-generated ids) the name."""
        taken: set[str] = set(self.step_id.values())
        later: list[tuple[str, str | None]] = []
        for eid, name, ext in els:
            own = ext.get("id") if ext is not None else None
            if own:
                sid = own
            elif ext is not None or not _AUTO_ID.match(eid) or not _slug(name):
                sid = _slug(eid) or "step"
            else:
                later.append((eid, name))
                continue
            while sid in taken:
                sid += "_2"
            taken.add(sid)
            self.step_id[eid] = sid
        for eid, name in later:
            sid = _slug(name) or eid
            base, n = sid, 1
            while sid in taken:
                n += 1
                sid = f"{base}_{n}"
            taken.add(sid)
            self.step_id[eid] = sid

    def departments(self, proc: ET.Element, name: str | None) -> list[dict[str, Any]]:
        lanes: list[tuple[ET.Element, int]] = []

        def walk(lane_set: ET.Element, depth: int) -> None:
            for lane in lane_set.findall(f"{_B}lane"):
                lanes.append((lane, depth))
                for child in lane.findall(f"{_B}childLaneSet"):
                    walk(child, depth + 1)

        for lane_set in proc.findall(f"{_B}laneSet"):
            walk(lane_set, 0)
        best: dict[str, tuple[ET.Element, int]] = {}
        for lane, depth in lanes:
            for ref in lane.findall(f"{_B}flowNodeRef"):
                node = (ref.text or "").strip()
                if node not in best or depth > best[node][1]:
                    best[node] = (lane, depth)
        holding = {id(lane) for lane, _ in best.values()}
        out: list[dict[str, Any]] = []
        dept_of_lane: dict[int, str] = {}
        taken: set[str] = set()
        for lane, _ in lanes:
            ext = lane.find(f"{_B}extensionElements/{_F}department")
            leaf = not lane.findall(f"{_B}childLaneSet/{_B}lane")
            if ext is None and not leaf and id(lane) not in holding:
                continue
            lane_name = lane.get("name")
            tree: dict[str, Any] = {}
            if ext is not None:
                tree = {k: v for k, v in self.record(ext).items() if k != "unnamed"}
                if lane_name and not (ext.get("unnamed") == "true" and lane_name == tree.get("id")):
                    tree["name"] = lane_name
            else:
                if lane_name:
                    lane_name = " ".join(lane_name.split())
                    tree["name"] = lane_name
            did = tree.get("id") or _slug(lane_name) or _slug(lane.get("id")) or "department"
            base, n = did, 1
            while did in taken:
                n += 1
                did = f"{base}_{n}"
            taken.add(did)
            tree = {"id": did, **{k: v for k, v in tree.items() if k != "id"}}
            dept_of_lane[id(lane)] = did
            out.append(tree)
        for node, (lane, _) in best.items():
            if id(lane) in dept_of_lane:
                self.lane_of[node] = dept_of_lane[id(lane)]
        if not out:
            did = _slug(name) or "department"
            out.append({"id": did, **({"name": name} if name else {})})
            self.notes.append(f"no lanes: every step is given to one department '{did}'")
            for eid in self.els:
                self.lane_of[eid] = did
        return out

    def step_tree(self, el: _El) -> dict[str, Any]:
        ext = el.elem.find(f"{_B}extensionElements/{_F}step")
        sid = self.step_id[el.id]
        tree: dict[str, Any] = {"id": sid}
        name = el.name
        if ext is not None:
            if ext.get("unnamed") == "true" and name in (None, sid):
                name = None
        elif name is not None:
            name = " ".join(name.split())
        if name is not None:
            tree["name"] = name
        if el.id in self.lane_of:
            tree["department"] = self.lane_of[el.id]
        else:
            self.problems.append(f"{self.named(el.id)} is in no lane: put it in the lane of "
                                 "the department that performs it")
        if ext is None:
            tree["kind"] = _guess_kind(name or "")
            tree["channel"] = TASK_CHANNEL[el.tag]
            if self.flowkit:
                self.notes.append(
                    f"{self.named(el.id)} has no flowkit data (added in a modeler?): its channel "
                    f"comes from its type, its kind '{tree['kind']}' is guessed from its name, "
                    "its work and wait are 0"
                )
        else:
            fields = self.record(ext, ("materials", "produces"))
            tree.update((k, v) for k, v in fields.items() if k not in ("id", "unnamed"))
            ext_channel = tree.get("channel", "backoffice")
            if CHANNEL_TASK.get(ext_channel, el.tag) != el.tag:  # the task type was changed
                tree["channel"] = TASK_CHANNEL[el.tag]
            sched = ext.find(f"{_F}schedule")
            if sched is not None:
                tree["schedule"] = self.record(sched, ("weekdays", "at"))
        if el.id in self.wait:
            if "wait" in tree:
                self.problems.append(f"{self.named(el.id)} has a wait in its flowkit data and a "
                                     "timer after it: keep one")
            tree["wait"] = self.wait[el.id]
        return tree

    def build(self) -> dict[str, Any]:
        proc, name = self.process()
        self.elements(proc)
        self.fail()
        ext = proc.find(f"{_B}extensionElements")
        fk_proc = ext.find(f"{_F}process") if ext is not None else None
        flowkit = self.flowkit = fk_proc is not None
        if not flowkit:
            self.notes.append(
                "no flowkit data: channels come from task types, kinds are guessed from step "
                "names, work and wait are 0 (timers aside); no materials, fees or staff; "
                "default calendar, arrivals and handoff"
            )
        starts = [e for e in self.els.values() if e.tag == "startEvent"]
        tasks = [e for e in self.els.values() if e.tag in _TASKS]
        if not starts:
            self.problems.append("the process has no start event: draw one before the first "
                                 "task")
        elif len(starts) > 1:
            where = ", ".join(self.named(s.id) for s in starts)
            self.problems.append(f"the process has {len(starts)} start events ({where}): "
                                 "flowkit needs exactly one; merge them into one")
        if not tasks:
            self.problems.append("the process has no task: draw at least one")
        self.fail()
        self.assign_ids([(t.id, t.name, t.elem.find(f"{_B}extensionElements/{_F}step"))
                         for t in tasks])
        first: str | None = None
        try:
            start = starts[0]
            if len(start.outgoing) != 1:
                raise _Bad(f"{self.named(start.id)} has {len(start.outgoing)} outgoing flows: "
                           "connect it to the first task with exactly one flow")
            e = self.resolve(start.outgoing[0], None, frozenset())
            if e[0] == "end":
                raise _Bad(f"{self.named(start.id)} leads to no task: draw the tasks between "
                           "the start and the end")
            first = e[1] if e[0] == "step" else self.routing(
                e[1], e, "starts the process (flowkit starts at a step)")
        except _Bad as exc:
            self.problems.append(str(exc))
        nexts: dict[str, Any] = {}
        for t in tasks:
            try:
                nexts[t.id] = self.next_of(self.outgoing(t))
            except _Bad as exc:
                self.problems.append(str(exc))
        self.fail()
        assert first is not None
        depts = self.departments(proc, name)
        self.assign_ids([(key, info["name"], None) for key, info in self.synth.items()])
        steps: dict[str, dict[str, Any]] = {}
        for t in tasks:
            steps[t.id] = self.step_tree(t)
        for key, info in self.synth.items():
            dept = self.lane_of.get(info["lane"]) or self.lane_of.get(key) or depts[0]["id"]
            steps[key] = {"id": self.step_id[key], "department": dept}
            if info["name"]:
                steps[key] = {"id": self.step_id[key], "name": " ".join(info["name"].split()),
                              "department": dept}
            nexts[key] = info["next"]
            if info["join"]:
                self.joins.add(key)
        for eid, nxt in nexts.items():
            if isinstance(nxt, str):
                steps[eid]["next"] = self.step_id[nxt]
            elif isinstance(nxt, dict):
                steps[eid]["next"] = {self.step_id[k]: v for k, v in nxt.items()}
            elif isinstance(nxt, list):
                steps[eid]["next"] = [self.step_id[k] for k in nxt]
            if eid in self.joins:
                steps[eid]["join"] = "all"
        self.fail()
        if flowkit:
            order = list(steps)
        else:  # breadth first from the start, so that the first step is the start
            order, seen = [first], {first}
            for eid in order:
                nxt = nexts.get(eid)
                targets = [nxt] if isinstance(nxt, str) else list(nxt or [])
                for target in targets:
                    if target not in seen:
                        seen.add(target)
                        order.append(target)
            order += [e for e in steps if e not in seen]
        tree: dict[str, Any] = {"name": name or self.stem}
        doc = proc.find(f"{_B}documentation")
        if doc is not None:
            tree["description"] = doc.text or ""
        if fk_proc is not None and ext is not None:
            tree.update(self.process_ext(fk_proc, ext, proc.get("id", "")))
        visible = self.step_id[first]
        if tree.get("start") != visible:
            tree.pop("start", None)
            if self.step_id[order[0]] != visible:
                tree["start"] = visible
        tree["departments"] = depts
        tree["steps"] = [steps[e] for e in order]
        return {k: tree[k] for k in _ORDER if k in tree}

    def process_ext(self, head: ET.Element, ext: ET.Element, proc_id: str) -> dict[str, Any]:
        tree: dict[str, Any] = {}
        for key, value in head.attrib.items():
            if key == "version":
                try:
                    tree["version"] = json.loads(value)
                except ValueError:
                    tree["version"] = value
            else:
                tree[key] = value
        for child in ext:
            ns, tag = _local(child.tag)
            if ns != FK_NS or tag == "process":
                continue
            if tag == "calendar":
                preset = child.get("preset")
                tree["calendar"] = preset or self.record(child, _CALENDAR_LISTS)
            elif tag in ("arrivals", "handoff"):
                tree[tag] = self.record(child)
            elif tag == "caseType":
                tree.setdefault("case_types", []).append(self.record(child))
            elif tag == "material":
                tree.setdefault("materials", []).append(self.record(child))
            elif tag == "history":
                tree["history"] = self.json(child, "fk:history")
            elif tag == "value":
                tree[child.get("key", "")] = self.json(child, f"fk:value {child.get('key')!r}")
            else:
                self.problems.append(
                    f"<fk:{tag}> in the extension elements of process '{proc_id}'"
                    f"{self.at(proc_id)} is not a flowkit extension element this version "
                    "knows: remove it or upgrade flowkit"
                )
        self.fail()
        return tree

    def record(self, el: ET.Element, lists: tuple[str, ...] = ()) -> dict[str, Any]:
        """The record a flowkit extension element holds (see ``_fk_record``)."""
        out: dict[str, Any] = {}
        for key, value in el.attrib.items():
            if key in lists and not (key == "holidays" and value == "china"):
                out[key] = _words_of(value)
            else:
                out[key] = value
        for child in el.findall(f"{_F}value"):
            out[child.get("key", "")] = self.json(child, f"fk:value {child.get('key')!r}")
        return out

    def json(self, el: ET.Element, what: str) -> Any:
        try:
            return json.loads(el.text or "null")
        except ValueError as exc:
            self.problems.append(f"{what} is not valid JSON ({exc}): fix or remove it")
            return None

    def located(self, problem: str) -> str:
        """A model problem with the BPMN element of the step it names."""
        by_step = {sid: eid for eid, sid in self.step_id.items()}
        for m in re.finditer(r"'([^']+)'", problem):
            eid = by_step.get(m.group(1))
            if eid is not None:
                return f"{problem} [BPMN element '{eid}'{self.at(eid)}]"
        return problem


_ORDER = ("version", "name", "description", "start", "calendar", "arrivals", "handoff",
          "travel", "case_types", "departments", "materials", "steps", "history")

_KIND_OF_TAG = {
    "exclusiveGateway": "exclusive gateway", "parallelGateway": "parallel gateway",
    "startEvent": "start event", "endEvent": "end event",
    "intermediateCatchEvent": "intermediate event", "intermediateThrowEvent": "intermediate event",
    **dict.fromkeys(_TASKS, "task"),
}


def _guess_kind(name: str) -> str:
    low = name.lower()
    for kind, words in _KIND_WORDS:
        if any(w in low for w in words):
            return kind
    return "other"


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
    if reader.notes:
        notes = "\n".join(f"  - {n}" for n in dict.fromkeys(reader.notes))
        warnings.warn(BpmnWarning(f"{source}: read with approximations:\n{notes}"),
                      stacklevel=2)
    return process
