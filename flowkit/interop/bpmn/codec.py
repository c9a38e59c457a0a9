"""The encoding both directions share: namespaces, ids, task types, durations, shares, fk: data.

:mod:`~flowkit.interop.bpmn.writer` and :mod:`~flowkit.interop.bpmn.reader` agree here
on how a flowkit process is spelt in BPMN 2.0: the XML namespaces, the ids bpmn.io
accepts, the task type of each channel, ISO 8601 durations of timers, the probability
written on a flow, and the records of the flowkit namespace :data:`FK_NS` that keep
everything BPMN has no place for (work and wait times, materials, fees, calendar,
arrivals …).
"""

from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET
from typing import Any

__all__ = [
    "BPMNDI_NS",
    "BPMN_NS",
    "CALENDAR_LISTS",
    "CHANNEL_TASK",
    "DC_NS",
    "DI_NS",
    "FK_NS",
    "SCHEDULE_LISTS",
    "STEP_LISTS",
    "TASK_CHANNEL",
    "B",
    "F",
    "Ids",
    "extensions",
    "iso_duration",
    "local",
    "percent",
    "probability_in",
    "read_json",
    "read_process_ext",
    "read_record",
    "slug",
    "sub",
    "write_process_ext",
    "write_record",
    "write_step_ext",
    "xml_id",
]

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
#: The namespace of flowkit's extension elements.
FK_NS = "urn:flowkit:bpmn:1"

#: ``{namespace}``, the prefix ElementTree gives the tags of BPMN elements
B = "{" + BPMN_NS + "}"
#: ``{namespace}``, the prefix ElementTree gives the tags of flowkit extension elements
F = "{" + FK_NS + "}"


def local(tag: str) -> tuple[str, str]:
    """``'{ns}name'`` -> ``('ns', 'name')``.

    Examples
    --------
    >>> local("{urn:flowkit:bpmn:1}step"), local("task")
    (('urn:flowkit:bpmn:1', 'step'), ('', 'task'))
    """
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return "", tag


# ========================================================================= task types
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


# ================================================================================ ids
#: the ids bpmn.io and Camunda Modeler accept (moddle-xml): ASCII only
_XML_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def xml_id(text: str, prefix: str) -> str:
    """``text`` when bpmn.io accepts it as an id, else ``prefix_`` and a short hash of it.

    Examples
    --------
    >>> xml_id("review", "Activity")
    'review'
    >>> xml_id("审核", "Activity") == xml_id("审核", "Activity") != "审核"
    True
    """
    if _XML_ID.match(text):
        return text
    n = int.from_bytes(hashlib.sha1(text.encode("utf-8")).digest()[:8], "big")
    digits = ""
    for _ in range(7):
        n, r = divmod(n, 36)
        digits += "0123456789abcdefghijklmnopqrstuvwxyz"[r]
    return f"{prefix}_{digits}"


class Ids:
    """Fresh, valid and unique XML ids.

    Examples
    --------
    >>> ids = Ids({"Flow_a_b"})
    >>> ids.fresh("Flow_a_b"), ids.fresh("Lane 1")
    ('Flow_a_b_2', 'Lane_1')
    """

    def __init__(self, taken: set[str]) -> None:
        self.taken = set(taken)
        """The ids given out so far (and those taken before)."""

    def fresh(self, base: str) -> str:
        """An id made from ``base`` that no element has yet, now taken."""
        base = re.sub(r"[^A-Za-z0-9_.-]", "_", base)
        if not _XML_ID.match(base):
            base = "_" + base
        out, n = base, 1
        while out in self.taken:
            n += 1
            out = f"{base}_{n}"
        self.taken.add(out)
        return out


def slug(text: str | None) -> str | None:
    """A flowkit id made from a name: runs of other characters become ``_``.

    Examples
    --------
    >>> slug("Check order"), slug("2nd review"), slug("  "), slug(None)
    ('Check_order', 's_2nd_review', None, None)
    """
    if not text:
        return None
    s = re.sub(r"[^\w-]+", "_", text).strip("_-")
    if not s:
        return None
    if not re.match(r"^[^\W\d]", s):
        s = "s_" + s
    return s


# ============================================================= shares and durations
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


def percent(p: float) -> str:
    """The label written on a flow of a choice.

    Examples
    --------
    >>> percent(0.85), percent(1 / 3)
    ('85%', '33.33%')
    """
    return f"{round(p * 100, 2):g}%"


def probability_in(text: str | None) -> float | None:
    """A probability written in a label or documentation: ``p=0.8``, ``80%``, ``0.8``.

    Examples
    --------
    >>> probability_in("p=0.8"), probability_in("通过 85%"), probability_in("0.25")
    (0.8, 0.85, 0.25)
    >>> probability_in("approved") is None
    True
    """
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


def iso_duration(text: str) -> str | None:
    """``PT2H`` -> ``'2h'``, ``P3D`` -> ``'3d'`` (elapsed time); None for years/months.

    Examples
    --------
    >>> iso_duration("PT2H"), iso_duration("P3D"), iso_duration("PT90M")
    ('2h', '3d', '90min')
    >>> iso_duration("P1M") is None
    True
    """
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


# ====================================================================== fk: records
#: calendar fields written as comma-joined attributes
CALENDAR_LISTS = ("hours", "weekdays", "holidays", "workdays")
#: step fields written as comma-joined attributes
STEP_LISTS = ("materials", "produces")
#: schedule fields written as comma-joined attributes
SCHEDULE_LISTS = ("weekdays", "at")


def _words(values: list[Any]) -> str:
    return ", ".join(str(v) for v in values)


def _words_of(value: str) -> list[Any]:
    items = (w.strip() for w in value.split(","))
    return [int(x) if x.isascii() and x.isdigit() else x for x in items if x]


def _text(value: Any) -> str:
    """An attribute value: text as is, numbers and booleans as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value)


def sub(parent: ET.Element, tag: str, attrib: dict[str, str] | None = None,
        text: str | None = None) -> ET.Element:
    """A new child element of ``parent``, with its attributes and text."""
    e = ET.SubElement(parent, tag, attrib or {})
    if text is not None:
        e.text = text
    return e


def extensions(parent: ET.Element) -> ET.Element:
    """A new ``<bpmn:extensionElements>`` of ``parent``."""
    return sub(parent, "bpmn:extensionElements")


def write_record(parent: ET.Element, tag: str, tree: dict[str, Any],
                 lists: tuple[str, ...] = ()) -> ET.Element:
    """A flowkit extension element holding one record of the file format.

    Scalars are attributes; the ``lists`` fields are comma-joined attributes; any other
    list or mapping is a ``<fk:value key="...">`` child holding JSON (so a field added to
    the format later is kept too).

    Examples
    --------
    >>> root = ET.Element("root")
    >>> e = write_record(root, "department", {"id": "amr", "staff": 3, "tags": {"a": 1}})
    >>> ET.tostring(e, encoding="unicode")
    '<fk:department id="amr" staff="3"><fk:value key="tags">{"a": 1}</fk:value></fk:department>'
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
    e = sub(parent, f"fk:{tag}", attrib)
    for key, value in nested.items():
        sub(e, "fk:value", {"key": key}, text=json.dumps(value, ensure_ascii=False))
    return e


def read_json(el: ET.Element, what: str, problems: list[str]) -> Any:
    """The JSON an element holds; None, and a problem naming ``what``, when it is not JSON."""
    try:
        return json.loads(el.text or "null")
    except ValueError as exc:
        problems.append(f"{what} is not valid JSON ({exc}): fix or remove it")
        return None


def read_record(el: ET.Element, problems: list[str],
                lists: tuple[str, ...] = ()) -> dict[str, Any]:
    """The record a flowkit extension element holds (see :func:`write_record`).

    Examples
    --------
    >>> e = ET.fromstring(f'<step xmlns="{FK_NS}" materials="id_card, 2" fee="400">'
    ...                   '<value key="sla">{"days": 3}</value></step>')
    >>> read_record(e, [], STEP_LISTS)
    {'materials': ['id_card', 2], 'fee': '400', 'sla': {'days': 3}}
    """
    out: dict[str, Any] = {}
    for key, value in el.attrib.items():
        if key in lists and not (key == "holidays" and value == "china"):
            out[key] = _words_of(value)
        else:
            out[key] = value
    for child in el.findall(f"{F}value"):
        out[child.get("key", "")] = read_json(child, f"fk:value {child.get('key')!r}",
                                              problems)
    return out


# ============================================================== fk: process and step
#: top-level fields with a place of their own in the BPMN file
_PLACED = frozenset({"version", "name", "description", "start", "travel", "calendar",
                     "arrivals", "handoff", "case_types", "departments", "materials", "steps",
                     "history"})
#: step fields BPMN itself carries (id, name, lane, flows)
_STEP_PLACED = frozenset({"id", "name", "department", "next", "join"})


def write_process_ext(proc: ET.Element, tree: dict[str, Any]) -> None:
    """The flowkit data of a process (its file-format ``tree``) in ``proc``'s extensions."""
    ext = extensions(proc)
    head: dict[str, str] = {k: tree[k] for k in ("start", "travel") if k in tree}
    if "version" in tree:
        head["version"] = json.dumps(tree["version"])
    sub(ext, "fk:process", head)
    if tree.get("calendar") == "always":
        sub(ext, "fk:calendar", {"preset": "always"})
    elif "calendar" in tree:
        write_record(ext, "calendar", tree["calendar"], CALENDAR_LISTS)
    if "arrivals" in tree:
        write_record(ext, "arrivals", tree["arrivals"])
    if "handoff" in tree:
        write_record(ext, "handoff", tree["handoff"])
    for ct in tree.get("case_types", []):
        write_record(ext, "caseType", ct)
    for m in tree.get("materials", []):
        write_record(ext, "material", m)
    if "history" in tree:
        sub(ext, "fk:history", text=json.dumps(tree["history"], ensure_ascii=False))
    for key, value in tree.items():
        if key not in _PLACED:
            sub(ext, "fk:value", {"key": key}, text=json.dumps(value, ensure_ascii=False))


def read_process_ext(head: ET.Element, ext: ET.Element, problems: list[str],
                     where: str) -> dict[str, Any]:
    """The fields of a process that ``write_process_ext`` kept in flowkit data.

    ``head`` is the ``<fk:process>`` element inside ``ext``; ``where`` names the
    process (with its line) in the problem reported for an unknown element.
    """
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
        ns, tag = local(child.tag)
        if ns != FK_NS or tag == "process":
            continue
        if tag == "calendar":
            preset = child.get("preset")
            tree["calendar"] = preset or read_record(child, problems, CALENDAR_LISTS)
        elif tag in ("arrivals", "handoff"):
            tree[tag] = read_record(child, problems)
        elif tag == "caseType":
            tree.setdefault("case_types", []).append(read_record(child, problems))
        elif tag == "material":
            tree.setdefault("materials", []).append(read_record(child, problems))
        elif tag == "history":
            tree["history"] = read_json(child, "fk:history", problems)
        elif tag == "value":
            tree[child.get("key", "")] = read_json(child, f"fk:value {child.get('key')!r}",
                                                   problems)
        else:
            problems.append(
                f"<fk:{tag}> in the extension elements of {where} is not a flowkit extension "
                "element this version knows: remove it or upgrade flowkit"
            )
    return tree


def write_step_ext(task: ET.Element, tree: dict[str, Any], bpmn_id: str) -> None:
    """The flowkit data of a step (its file-format ``tree``) in its task's extensions.

    The step's id is written only when the task's id ``bpmn_id`` differs from it.
    """
    fields: dict[str, Any] = {"id": tree["id"]} if tree["id"] != bpmn_id else {}
    fields["kind"] = tree.get("kind", "other")
    fields["channel"] = tree.get("channel", "backoffice")
    fields.update((k, v) for k, v in tree.items() if k not in _STEP_PLACED)
    if "name" not in tree:
        fields["unnamed"] = True
    schedule = fields.pop("schedule", None)
    step = write_record(extensions(task), "step", fields, STEP_LISTS)
    if schedule is not None:
        write_record(step, "schedule", schedule, SCHEDULE_LISTS)
