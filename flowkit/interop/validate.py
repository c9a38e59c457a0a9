"""From a tree to a :class:`~flowkit.Process`, with every problem found and located.

:func:`collect` reads a raw tree (as YAML or JSON give it) part by part, so that
one broken step does not hide the problems of the others: each part is checked
on its own, broken items are re-read without their broken fields, then the
whole-process checks of :mod:`flowkit.model.checks` run on whatever could be
read. Each problem is one sentence naming its path (``steps[2].work …``) and, for
YAML, its line. :func:`parse` and :func:`validate` are the public faces.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable
from typing import Annotated, Any

import pydantic
import yaml
from pydantic import AfterValidator

from ..errors import ModelError
from ..model.base import translate_located
from ..model.calendar import Calendar
from ..model.checks import check_parts
from ..model.durations import Duration
from ..model.process import (
    Arrivals,
    CaseType,
    Department,
    Handoff,
    HistoryEntry,
    Material,
    Process,
    Step,
    _in_workdays,
)
from ..model.types import Id
from .yamljson import read_file

__all__ = ["collect", "parse", "recheck", "validate"]

PathLike = str | os.PathLike[str]
#: record one problem at a data path
_Add = Callable[[tuple[Any, ...], str], None]

_TOP_FIELDS = list(Process.model_fields)
_SCALARS = ("version", "name", "description", "start", "travel", "time_limit", "legal_limit",
            "applicant_delay")
_LISTS: dict[str, type[pydantic.BaseModel]] = {
    "departments": Department,
    "materials": Material,
    "steps": Step,
    "case_types": CaseType,
    "history": HistoryEntry,
}
_SINGLE: dict[str, Any] = {"calendar": Calendar, "arrivals": Arrivals, "handoff": Handoff}
_PLACEHOLDER = "__unreadable__"


class _Top(pydantic.BaseModel):
    """The scalar fields of a process, checked on their own."""

    model_config = pydantic.ConfigDict(extra="ignore")
    version: int | str | None = None
    name: str = ""
    description: str | None = None
    start: Id | None = None
    travel: Duration | None = None
    time_limit: Annotated[Duration | None, AfterValidator(_in_workdays)] = None
    legal_limit: Annotated[Duration | None, AfterValidator(_in_workdays)] = None
    applicant_delay: Duration | None = None


# ---------------------------------------------------------------------------- locating
def _node_at(
    node: yaml.Node | None, loc: tuple[Any, ...], key: bool = False
) -> yaml.Node | None:
    """The YAML node at a data path (its key node with ``key``), or the deepest on the way."""
    current = node
    for n, part in enumerate(loc):
        if isinstance(current, yaml.MappingNode):
            keys = [(k, v) for k, v in current.value
                    if isinstance(k, yaml.ScalarNode) and k.value == str(part)]
            if key and n == len(loc) - 1 and keys:
                return keys[0][0]
            if not keys:
                return current
            current = keys[0][1]
        elif isinstance(current, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(current.value):
                return current
            current = current.value[part]
        else:
            return current
    return current


_PATH = re.compile(r"^([A-Za-z_]\w*(?:\[\d+\])?(?:\.[^\s.\[]+(?:\[\d+\])?)*)")


def _parse_path(text: str) -> tuple[Any, ...]:
    """The data path a problem starts with: ``steps[2].work`` -> ('steps', 2, 'work')."""
    m = _PATH.match(text)
    if not m:
        return ()
    out: list[Any] = []
    for part in m.group(1).split("."):
        name, *idx = re.split(r"\[(\d+)\]", part)
        out.append(name)
        out.extend(int(i) for i in idx if i != "")
    return tuple(out)


_NON_TEXT_TAGS = {
    "tag:yaml.org,2002:bool": "a boolean",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:null": "empty (null)",
}


def _with_line(message: str, root: yaml.Node | None, loc: tuple[Any, ...] | None = None) -> str:
    """A problem with the YAML line of its path (and what YAML read a non-text value as)."""
    if root is None:
        return message
    loc = loc if loc is not None else _parse_path(message)
    if not loc:
        return message
    node = _node_at(root, loc, key="is not a field of" in message)
    if node is None or node is root:
        return message
    line = node.start_mark.line + 1
    extra = ""
    if (isinstance(node, yaml.ScalarNode) and node.tag in _NON_TEXT_TAGS
            and ("YAML reads" in message or "not text" in message)):
        extra = f", written {node.value!r}, which YAML reads as {_NON_TEXT_TAGS[node.tag]}"
    return f"{message} (line {line}{extra})"


# ----------------------------------------------------------------------------- reading
def collect(tree: Any, root: yaml.Node | None = None) -> tuple[Process | None, list[str]]:
    """Read a raw tree into a Process, gathering every problem found.

    Parameters
    ----------
    tree : object
        The tree (normally a dict) as YAML or JSON read it.
    root : yaml.Node, optional
        Its YAML node tree, to add the line of each problem.

    Returns
    -------
    (Process or None, list of str)
        The process and no problem, or None and every problem, located.
    """
    if tree is None:
        return None, ["the file is empty: a process needs at least a name and steps"]
    if isinstance(tree, dict):
        # a valid process needs one pass; gathering every problem piecewise is for the rest
        try:
            return Process.model_validate(tree), []
        except ModelError:
            pass
    if not isinstance(tree, dict):
        return None, [
            f"the file holds {type(tree).__name__} {_short(tree)}, not a process: write a "
            "mapping with name, departments, materials and steps"
        ]
    problems: list[str] = []

    def add(loc: tuple[Any, ...], msg: str) -> None:
        problems.append(_with_line(msg, root, loc))

    _check_fields(tree, problems, add)
    lists, known, complete = _read_lists(tree, add)
    _check_scalars(tree, add)
    problems += [_with_line(m, root) for m in _check_whole(tree, lists, known, complete)]
    if problems:
        return None, list(dict.fromkeys(problems))
    try:
        process = Process.model_validate(tree)
    except ModelError as exc:  # anything the piecewise pass did not see
        return None, [_with_line(m, root) for m in exc.problems]
    return process, []


def _check_fields(tree: dict[Any, Any], problems: list[str], add: _Add) -> None:
    """Unknown and missing top-level fields; the calendar, arrivals and handoff."""
    for key in tree:
        if not isinstance(key, str) or key not in _TOP_FIELDS:
            close = difflib.get_close_matches(str(key), _TOP_FIELDS, n=1, cutoff=0.6)
            fields = ", ".join(_TOP_FIELDS)
            hint = f": did you mean '{close[0]}'?" if close else f" (fields: {fields})"
            add((str(key),), f"{key} is not a field of a process{hint} (remove or rename it)")
    if "name" not in tree:
        problems.append("name is missing: give the process a name (事项名称)")
    if "steps" not in tree or not tree.get("steps"):
        problems.append("steps is missing or empty: a process needs at least one step")
    for key, cls in _SINGLE.items():
        if key in tree and tree[key] is not None:
            try:
                cls.__pydantic_validator__.validate_python(tree[key])
            except pydantic.ValidationError as exc:
                for loc, msg in translate_located(exc, (key,), cls):
                    add(loc, msg)


def _check_scalars(tree: dict[Any, Any], add: _Add) -> None:
    """The scalar fields (version, name, description, start, travel), checked together."""
    try:
        _Top.__pydantic_validator__.validate_python({k: tree[k] for k in _SCALARS if k in tree})
    except pydantic.ValidationError as exc:
        for loc, msg in translate_located(exc, (), _Top):
            add(loc, msg)


def _read_lists(
    tree: dict[Any, Any], add: _Add
) -> tuple[dict[str, list[tuple[int, Any]]], dict[str, list[str]], bool]:
    """Each list of parts read item by item.

    Returns the items that could be read (with their index), the ids declared
    (also by items that could not be read) and whether every step was read.
    """
    lists: dict[str, list[tuple[int, Any]]] = {}
    known: dict[str, list[str]] = {}
    complete = True
    for key, cls in _LISTS.items():
        raw = tree.get(key)
        lists[key] = []
        known[key] = []
        if raw is None:
            continue
        if not isinstance(raw, list):
            add((key,), f"{key} {_short(raw)} is not a list: write one '- ' item per entry")
            complete = False
            continue
        for i, item in enumerate(raw):
            ident = item.get("id") if isinstance(item, dict) else getattr(item, "id", None)
            if isinstance(ident, str):
                known[key].append(ident)
            if not _read_item(cls, item, (key, i), lists[key], add) and key == "steps":
                complete = False
    return lists, known, complete


def _read_item(cls: type[pydantic.BaseModel], item: Any, prefix: tuple[Any, int],
               into: list[tuple[int, Any]], add: _Add) -> bool:
    """Read one item into ``into``; False (its problems added) when it is broken."""
    try:
        into.append((prefix[1], cls.__pydantic_validator__.validate_python(item)))
        return True
    except pydantic.ValidationError as exc:
        located = translate_located(exc, prefix, cls)
    for loc, msg in located:
        add(loc, msg)
    salvaged = _salvage(cls, item, located, prefix)
    if salvaged is not None:
        obj, more = salvaged
        for loc, msg in more:
            add(loc, msg)
        if obj is not None:
            into.append((prefix[1], obj))
    return False


def _check_whole(tree: dict[Any, Any], lists: dict[str, list[tuple[int, Any]]],
                 known: dict[str, list[str]], complete: bool) -> list[str]:
    """The whole-process checks (references, duplicates, flows) on the parts read."""
    return check_parts(
        start=tree.get("start") if isinstance(tree.get("start"), str) else None,
        departments=lists["departments"],
        materials=lists["materials"],
        steps=lists["steps"],
        case_types=lists["case_types"],
        known_departments=[*known["departments"], _PLACEHOLDER],
        known_materials=[*known["materials"], _PLACEHOLDER],
        known_steps=[*known["steps"], _PLACEHOLDER],
        known_types=known["case_types"],
        complete=complete,
    )


def _salvage(
    cls: type[pydantic.BaseModel],
    item: Any,
    located: list[tuple[tuple[Any, ...], str]],
    prefix: tuple[Any, ...],
) -> tuple[pydantic.BaseModel | None, list[tuple[tuple[Any, ...], str]]] | None:
    """Re-read an item without its broken fields, to check its references too.

    Required fields that were broken get a placeholder that every reference
    check accepts; problems the second reading finds (e.g. a choice whose
    probabilities do not sum to 1) are returned.
    """
    if not isinstance(item, dict):
        return None
    bad = {loc[len(prefix)] for loc, _ in located if len(loc) > len(prefix)}
    if not bad:
        return None
    data = {k: v for k, v in item.items() if k not in bad and k in cls.model_fields}
    for name, f in cls.model_fields.items():
        if f.is_required() and name not in data:
            data[name] = 1 if f.annotation in (float, int) else _PLACEHOLDER
    found: list[tuple[tuple[Any, ...], str]] = []
    for _ in range(3):
        try:
            return cls.__pydantic_validator__.validate_python(data), found
        except pydantic.ValidationError as exc:
            more = translate_located(exc, prefix, cls)
            found += [(loc, msg) for loc, msg in more if _PLACEHOLDER not in msg]
            drop = {loc[len(prefix)] for loc, _ in more if len(loc) > len(prefix)}
            if any(len(loc) == len(prefix) for loc, _ in more):
                drop |= {"next", "by_type", "shared", "source"}  # what whole-item checks read
            drop &= set(data)
            if not drop:
                break
            data = {k: v for k, v in data.items() if k not in drop}
    return None, found


def _short(value: Any) -> str:
    """A value's repr, cut to 40 characters."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# ------------------------------------------------------------------------- public faces
def parse(tree: Any, *, source: str | None = None) -> Process:
    """Build a process from a parsed tree (dicts and lists, as in a YAML file).

    Every problem is gathered and raised together in one :class:`~flowkit.ModelError`.

    Examples
    --------
    >>> p = parse({"name": "demo", "departments": [{"id": "d"}],
    ...            "steps": [{"id": "a", "department": "d"}]})
    >>> p.start_step
    'a'
    """
    process, problems = collect(tree)
    if process is None:
        raise ModelError(problems, source=source)
    return process


def recheck(process: Process) -> list[str]:
    """Every problem of an already-built process, located by path.

    A process made with ``model_construct`` or edited with ``model_copy`` skipped
    validation; its parts are read again as a tree would be (parts that are models
    already are taken as they are) and the whole-process checks of
    :mod:`flowkit.model.checks` run on them.

    Examples
    --------
    >>> from flowkit import Department, Process, Step
    >>> p = Process.model_construct(name="x", departments=(Department(id="amr"),),
    ...                             steps=(Step(id="a", department="tax"),))
    >>> for problem in recheck(p):
    ...     print(problem)
    steps[0].department 'tax' is not a declared department (declared: amr): declare it under
    departments or fix the id
    """
    parts = {k: list(v) if isinstance(v, tuple) else v
             for k, v in vars(process).items() if k in Process.model_fields}
    return collect(parts)[1]


def validate(process_or_path: Process | PathLike | dict[str, Any]) -> list[str]:
    """Every problem of a process, file or tree, as located sentences; never raises.

    Parameters
    ----------
    process_or_path : Process, path or dict
        A built process is checked again (see :func:`recheck`): one made with
        ``model_construct`` or edited with ``model_copy`` can be invalid.

    Returns
    -------
    list of str
        Empty when the process is valid.

    Examples
    --------
    >>> for problem in validate({"name": "x", "departments": [{"id": "amr"}],
    ...                          "steps": [{"id": "a", "department": "tax2"}]}):
    ...     print(problem)
    steps[0].department 'tax2' is not a declared department (declared: amr): declare it under
    departments or fix the id
    """
    if isinstance(process_or_path, Process):
        return recheck(process_or_path)
    dups: list[str] = []
    root: yaml.Node | None = None
    if isinstance(process_or_path, str | os.PathLike):
        try:
            data, dups, root = read_file(process_or_path)
        except ModelError as exc:  # FileFormatError: the file could not be read
            return list(exc.problems)
    else:
        data = process_or_path  # a tree; anything but a mapping is reported as such
    return dups + collect(data, root)[1]
