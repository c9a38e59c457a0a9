"""What the read process's steps and departments are: ids, lanes and step records.

Step ids are flowkit's own (from its data), else the BPMN id, else (for ids a modeler
generated, such as ``Activity_0fk1a2b``) made from the name. Lanes are departments:
a node belongs to its deepest lane, and a lane becomes a department when it holds
nodes, has no child lanes, or carries flowkit data. Each task becomes a step record
of the file format, from its flowkit data or, without it, from its type and name.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from .codec import CHANNEL_TASK, SCHEDULE_LISTS, STEP_LISTS, TASK_CHANNEL, B, F, read_record, slug
from .document import Document, El

__all__ = ["departments", "guess_kind", "step_ids", "step_tree"]

#: ids modellers generate (bpmn.io: ``Activity_0fk1a2b``; older: ``Task_1``, ``Gateway_12``)
_AUTO_ID = re.compile(
    r"^(?:Activity|[A-Za-z]*Task|[A-Za-z]*Gateway|[A-Za-z]*Event|Lane|Participant)_"
    r"(?:(?=[a-z]{0,6}[0-9])[0-9a-z]{7}|[0-9]+)$"
)

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


def guess_kind(name: str) -> str:
    """The step kind words in a name suggest, else ``'other'``.

    Examples
    --------
    >>> guess_kind("缴纳费用"), guess_kind("Review application"), guess_kind("Lunch")
    ('payment', 'review', 'other')
    """
    low = name.lower()
    for kind, words in _KIND_WORDS:
        if any(w in low for w in words):
            return kind
    return "other"


# =============================================================================== ids
def step_ids(els: list[tuple[str, str | None, ET.Element | None]],
             taken: set[str]) -> dict[str, str]:
    """Step ids: flowkit's own, else the BPMN id, else (auto-generated ids) the name.

    ``els`` holds the BPMN id, the name and the ``<fk:step>`` data of each element;
    the ids in ``taken`` are given already (and are taken further here).

    Examples
    --------
    >>> step_ids([("Activity_0abc123", "Check order", None), ("pay", "Pay", None)], set())
    {'pay': 'pay', 'Activity_0abc123': 'Check_order'}
    """
    out: dict[str, str] = {}
    later: list[tuple[str, str | None]] = []
    for eid, name, ext in els:
        own = ext.get("id") if ext is not None else None
        if own:
            sid = own
        elif ext is not None or not _AUTO_ID.match(eid) or not slug(name):
            sid = slug(eid) or "step"
        else:
            later.append((eid, name))
            continue
        while sid in taken:
            sid += "_2"
        taken.add(sid)
        out[eid] = sid
    for eid, name in later:
        sid = slug(name) or eid
        base, n = sid, 1
        while sid in taken:
            n += 1
            sid = f"{base}_{n}"
        taken.add(sid)
        out[eid] = sid
    return out


# ============================================================================= lanes
def _lanes(proc: ET.Element) -> list[tuple[ET.Element, int]]:
    """Every lane of the process, with its depth in nested lane sets, in document order."""
    lanes: list[tuple[ET.Element, int]] = []
    # preorder with an explicit stack, not recursion: lanes nested thousands deep are fine
    stack = [(lane, 0) for lane_set in proc.findall(f"{B}laneSet")
             for lane in lane_set.findall(f"{B}lane")][::-1]
    while stack:
        lane, depth = stack.pop()
        lanes.append((lane, depth))
        stack.extend((child, depth + 1) for child_set in lane.findall(f"{B}childLaneSet")
                     for child in child_set.findall(f"{B}lane")[::-1])
    return lanes


def _deepest(lanes: list[tuple[ET.Element, int]]) -> dict[str, tuple[ET.Element, int]]:
    """The deepest lane that refers to each node, by node id."""
    best: dict[str, tuple[ET.Element, int]] = {}
    for lane, depth in lanes:
        for ref in lane.findall(f"{B}flowNodeRef"):
            node = (ref.text or "").strip()
            if node not in best or depth > best[node][1]:
                best[node] = (lane, depth)
    return best


def _department(doc: Document, lane: ET.Element, ext: ET.Element | None,
                taken: set[str]) -> dict[str, Any]:
    """The department record of one lane, with an id no other department has."""
    lane_name = lane.get("name")
    tree: dict[str, Any] = {}
    if ext is not None:
        tree = {k: v for k, v in read_record(ext, doc.problems).items() if k != "unnamed"}
        if lane_name and not (ext.get("unnamed") == "true" and lane_name == tree.get("id")):
            tree["name"] = lane_name
    elif lane_name:
        lane_name = " ".join(lane_name.split())
        tree["name"] = lane_name
    did = tree.get("id") or slug(lane_name) or slug(lane.get("id")) or "department"
    base, n = did, 1
    while did in taken:
        n += 1
        did = f"{base}_{n}"
    taken.add(did)
    return {"id": did, **{k: v for k, v in tree.items() if k != "id"}}


def departments(doc: Document, proc: ET.Element,
                name: str | None) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The department records the lanes make, and the department of each node by id.

    Without lanes, one department (named after the process) holds every node.
    """
    lanes = _lanes(proc)
    best = _deepest(lanes)
    holding = {id(lane) for lane, _ in best.values()}
    out: list[dict[str, Any]] = []
    dept_of_lane: dict[int, str] = {}
    taken: set[str] = set()
    for lane, _ in lanes:
        ext = lane.find(f"{B}extensionElements/{F}department")
        leaf = not lane.findall(f"{B}childLaneSet/{B}lane")
        if ext is None and not leaf and id(lane) not in holding:
            continue
        out.append(_department(doc, lane, ext, taken))
        dept_of_lane[id(lane)] = out[-1]["id"]
    lane_of = {node: dept_of_lane[id(lane)] for node, (lane, _) in best.items()
               if id(lane) in dept_of_lane}
    if not out:
        did = slug(name) or "department"
        out.append({"id": did, **({"name": name} if name else {})})
        doc.notes.append(f"no lanes: every step is given to one department '{did}'")
        lane_of.update(dict.fromkeys(doc.els, did))
    return out, lane_of


# ============================================================================= steps
def step_tree(doc: Document, el: El, sid: str, department: str | None, wait: str | None,
              *, flowkit: bool) -> dict[str, Any]:
    """The step record of one task.

    ``sid`` is its step id, ``department`` the department of its lane, ``wait`` the
    wait a timer after it gives; ``flowkit`` says whether the file carries flowkit data
    (a task without it was then added in a modeler).
    """
    ext = el.elem.find(f"{B}extensionElements/{F}step")
    tree: dict[str, Any] = {"id": sid}
    name = el.name
    if ext is not None:
        if ext.get("unnamed") == "true" and name in (None, sid):
            name = None
    elif name is not None:
        name = " ".join(name.split())
    if name is not None:
        tree["name"] = name
    if department is not None:
        tree["department"] = department
    else:
        doc.problems.append(f"{doc.named(el.id)} is in no lane: put it in the lane of the "
                            "department that performs it")
    if ext is None:
        _from_task(doc, el, tree, name, flowkit=flowkit)
    else:
        _from_data(doc, el, tree, ext)
    if wait is not None:
        if "wait" in tree:
            doc.problems.append(f"{doc.named(el.id)} has a wait in its flowkit data and a "
                                "timer after it: keep one")
        tree["wait"] = wait
    return tree


def _from_task(doc: Document, el: El, tree: dict[str, Any], name: str | None, *,
               flowkit: bool) -> None:
    """Kind and channel of a task without flowkit data: from its name and its type."""
    tree["kind"] = guess_kind(name or "")
    tree["channel"] = TASK_CHANNEL[el.tag]
    if flowkit:
        doc.notes.append(
            f"{doc.named(el.id)} has no flowkit data (added in a modeler?): its channel "
            f"comes from its type, its kind '{tree['kind']}' is guessed from its name, "
            "its work and wait are 0"
        )


def _from_data(doc: Document, el: El, tree: dict[str, Any], ext: ET.Element) -> None:
    """The fields a task's flowkit data holds; a changed task type changes the channel."""
    fields = read_record(ext, doc.problems, STEP_LISTS)
    tree.update((k, v) for k, v in fields.items() if k not in ("id", "unnamed"))
    ext_channel = tree.get("channel", "backoffice")
    if el.tag in TASK_CHANNEL and CHANNEL_TASK.get(ext_channel, el.tag) != el.tag:
        # the task type was changed
        tree["channel"] = TASK_CHANNEL[el.tag]
    sched = ext.find(f"{F}schedule")
    if sched is not None:
        tree["schedule"] = read_record(sched, doc.problems, SCHEDULE_LISTS)
