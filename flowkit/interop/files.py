"""Reading and writing process files (YAML and JSON), and validation.

A model file is data: YAML is read with PyYAML's safe loader (extended only to
reject duplicate keys), never with a loader that can build objects.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pydantic
import yaml

from ..errors import FileFormatError, ModelError
from ..model.base import format_path, translate_located
from ..model.calendar import ALWAYS, Calendar
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
)
from ..model.types import Id

__all__ = ["load", "loads", "parse", "save", "to_dict", "validate"]

PathLike = str | os.PathLike[str]

_TOP_FIELDS = list(Process.model_fields)
_LISTS: dict[str, type[pydantic.BaseModel]] = {
    "departments": Department,
    "materials": Material,
    "steps": Step,
    "case_types": CaseType,
    "history": HistoryEntry,
}
_SINGLE: dict[str, Any] = {"calendar": Calendar, "arrivals": Arrivals, "handoff": Handoff}


class _Top(pydantic.BaseModel):
    """The scalar fields of a process, checked on their own."""

    model_config = pydantic.ConfigDict(extra="ignore")
    version: int | str | None = None
    name: str = ""
    description: str | None = None
    start: Id | None = None
    travel: Duration | None = None


# ------------------------------------------------------------------------- YAML reading
def _where(mark: yaml.Mark, other: yaml.Mark) -> str:
    if mark.line == other.line:
        return f"line {mark.line + 1}, columns {other.column + 1} and {mark.column + 1}"
    return f"at line {other.line + 1} and again at line {mark.line + 1}"


def _duplicate_keys(node: yaml.Node | None, loc: tuple[Any, ...] = ()) -> list[str]:
    """Keys written twice in one mapping, each with its path and both places."""
    out: list[str] = []
    if isinstance(node, yaml.MappingNode):
        seen: dict[tuple[str, str], yaml.Node] = {}
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode):
                key = (k.tag, k.value)
                if key in seen:
                    path = format_path((*loc, k.value))
                    out.append(
                        f"{path} appears twice ({_where(k.start_mark, seen[key].start_mark)}): "
                        f"YAML would silently keep only the last '{k.value}': remove one "
                        f"(line {k.start_mark.line + 1})"
                    )
                else:
                    seen[key] = k
                out += _duplicate_keys(v, (*loc, k.value))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out += _duplicate_keys(item, (*loc, i))
    return out


def _balance(text: str) -> int:
    return text.count("(") + text.count("[") - text.count(")") - text.count("]")


def _plain(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.style is None


def _rejoin(node: yaml.Node | None) -> None:
    """Undo YAML's split of ``tri(20min, 30min, 60min)`` at commas inside ``{...}``/``[...]``.

    In a flow collection a comma ends a plain scalar, so ``{work: tri(1h, 2h, 3h)}``
    reads as ``{work: 'tri(1h', '2h': null, '3h)': null}``. A plain value with an
    open bracket followed by plain keys without values that close it is joined back.
    """
    if isinstance(node, yaml.MappingNode):
        pairs = node.value
        out = []
        i = 0
        while i < len(pairs):
            key, value = pairs[i]
            if _plain(value) and _balance(value.value) > 0:
                parts, j, depth = [value.value], i + 1, _balance(value.value)
                while j < len(pairs) and depth > 0:
                    k2, v2 = pairs[j]
                    if not (_plain(k2) and isinstance(v2, yaml.ScalarNode)
                            and v2.tag == "tag:yaml.org,2002:null" and v2.value == ""):
                        break
                    parts.append(k2.value)
                    depth += _balance(k2.value)
                    j += 1
                if depth == 0 and j > i + 1:
                    merged = yaml.ScalarNode(
                        "tag:yaml.org,2002:str", ", ".join(parts),
                        value.start_mark, pairs[j - 1][0].end_mark,
                    )
                    out.append((key, merged))
                    i = j
                    continue
            _rejoin(value)
            out.append((key, value))
            i += 1
        node.value = out
    elif isinstance(node, yaml.SequenceNode):
        items = node.value
        out_items = []
        i = 0
        while i < len(items):
            item = items[i]
            if _plain(item) and _balance(item.value) > 0:
                parts, j, depth = [item.value], i + 1, _balance(item.value)
                while j < len(items) and depth > 0 and _plain(items[j]):
                    parts.append(items[j].value)
                    depth += _balance(items[j].value)
                    j += 1
                if depth == 0 and j > i + 1:
                    out_items.append(yaml.ScalarNode(
                        "tag:yaml.org,2002:str", ", ".join(parts),
                        item.start_mark, items[j - 1].end_mark,
                    ))
                    i = j
                    continue
            _rejoin(item)
            out_items.append(item)
            i += 1
        node.value = out_items


def _read_yaml(text: str) -> tuple[Any, list[str], yaml.Node | None]:
    if "\t" in text:
        for n, line in enumerate(text.splitlines(), 1):
            stripped = line.lstrip(" ")
            if stripped.startswith("\t"):
                raise FileFormatError(
                    [f"YAML syntax error at line {n}: a tab is used for indentation; YAML "
                     "indents with spaces only: replace the tab with spaces"]
                )
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        _rejoin(node)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        what = exc.problem or "invalid YAML"
        ctx = f" ({exc.context})" if exc.context else ""
        cm = exc.context_mark
        if cm is not None and mark is not None and cm.line != mark.line:
            ctx = f" ({exc.context} that starts at line {cm.line + 1}, column {cm.column + 1})"
        if "got '['" in what or "got '{'" in what:
            ctx += (
                "; inside {...} or [...] on one line, quote a value that holds brackets, "
                "e.g. work: 'empirical([1h, 2h])'"
            )
        raise FileFormatError(
            [f"YAML syntax error at {where}: {what}{ctx}; check indentation, colons and quotes"]
        ) from None
    except yaml.YAMLError as exc:
        raise FileFormatError([f"YAML syntax error: {exc}"]) from None
    finally:
        loader.dispose()
    return data, _duplicate_keys(node), node


def _read_json(text: str) -> tuple[Any, list[str]]:
    twice: dict[int, list[str]] = {}

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in items:
            if k in out:
                twice.setdefault(id(out), []).append(k)
            out[k] = v
        return out

    try:
        data = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        hint = ""
        before = text[: exc.pos].rstrip()
        if before.endswith(","):
            hint = "; is there a comma before a closing } or ]? JSON does not allow one"
        raise FileFormatError(
            [f"JSON syntax error at line {exc.lineno}, column {exc.colno}: {exc.msg}{hint}"]
        ) from None
    duplicates: list[str] = []

    def walk(node: Any, loc: tuple[Any, ...]) -> None:
        if isinstance(node, dict):
            for k in twice.get(id(node), []):
                duplicates.append(
                    f"{format_path((*loc, k))} appears twice in one object: JSON readers keep "
                    f"only the last '{k}': remove one"
                )
            for k, v in node.items():
                walk(v, (*loc, k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, (*loc, i))

    walk(data, ())
    return data, duplicates


def _node_at(
    node: yaml.Node | None, loc: tuple[Any, ...], key: bool = False
) -> yaml.Node | None:
    """The YAML node at a data path (its key node with ``key``), or the deepest on the way."""
    current = node
    for n, part in enumerate(loc):
        if key and n == len(loc) - 1 and isinstance(current, yaml.MappingNode):
            for k, _ in current.value:
                if isinstance(k, yaml.ScalarNode) and k.value == str(part):
                    return k
        if isinstance(current, yaml.MappingNode):
            nxt = None
            for k, v in current.value:
                if isinstance(k, yaml.ScalarNode) and k.value == str(part):
                    nxt = v
                    break
            if nxt is None:
                # a key that should not be there: point at the key itself
                for k, _ in current.value:
                    if isinstance(k, yaml.ScalarNode) and k.value == str(part):
                        return k
                return current
            current = nxt
        elif isinstance(current, yaml.SequenceNode) and isinstance(part, int):
            if 0 <= part < len(current.value):
                current = current.value[part]
            else:
                return current
        else:
            return current
    return current


_PATH = re.compile(r"^([A-Za-z_]\w*(?:\[\d+\])?(?:\.[^\s.\[]+(?:\[\d+\])?)*)")


def _parse_path(text: str) -> tuple[Any, ...]:
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


# ------------------------------------------------------------------------------ parsing
def _collect(tree: Any, root: yaml.Node | None = None) -> tuple[Process | None, list[str]]:
    """Read a raw tree into a Process, gathering every problem found."""
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

    for key in tree:
        if not isinstance(key, str) or key not in _TOP_FIELDS:
            import difflib

            close = difflib.get_close_matches(str(key), _TOP_FIELDS, n=1, cutoff=0.6)
            fields = ", ".join(_TOP_FIELDS)
            hint = f": did you mean '{close[0]}'?" if close else f" (fields: {fields})"
            add((str(key),), f"{key} is not a field of a process{hint} (remove or rename it)")
    if "name" not in tree:
        problems.append("name is missing: give the process a name (事项名称)")
    if "steps" not in tree or not tree.get("steps"):
        problems.append("steps is missing or empty: a process needs at least one step")

    parts: dict[str, Any] = {}
    for key in ("version", "name", "description", "start", "travel"):
        if key in tree:
            parts[key] = tree[key]
    for key, cls in _SINGLE.items():
        if key in tree and tree[key] is not None:
            try:
                parts[key] = cls.__pydantic_validator__.validate_python(tree[key])
            except pydantic.ValidationError as exc:
                for loc, msg in translate_located(exc, (key,), cls):
                    add(loc, msg)

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
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                known[key].append(item["id"])
            try:
                lists[key].append((i, cls.__pydantic_validator__.validate_python(item)))
            except pydantic.ValidationError as exc:
                if key == "steps":
                    complete = False
                located = translate_located(exc, (key, i), cls)
                for loc, msg in located:
                    add(loc, msg)
                salvaged = _salvage(cls, item, located, (key, i))
                if salvaged is not None:
                    obj, more = salvaged
                    for loc, msg in more:
                        add(loc, msg)
                    if obj is not None:
                        lists[key].append((i, obj))

    # top-level scalars
    try:
        _Top.__pydantic_validator__.validate_python(
            {k: tree[k] for k in ("version", "name", "description", "start", "travel") if k in tree}
        )
    except pydantic.ValidationError as exc:
        for loc, msg in translate_located(exc, (), _Top):
            add(loc, msg)

    semantic = check_parts(
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
    for msg in semantic:
        problems.append(_with_line(msg, root))
    if problems:
        return None, _unique(problems)
    try:
        process = Process.model_validate(tree)
    except ModelError as exc:  # anything the piecewise pass did not see
        return None, [_with_line(m, root) for m in exc.problems]
    return process, []


_PLACEHOLDER = "__unreadable__"


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
            if f.annotation in (float, int):
                data[name] = 1
            else:
                data[name] = _PLACEHOLDER
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
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _read(path: PathLike) -> tuple[Any, list[str], yaml.Node | None]:
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".yaml", ".yml", ".json"):
        raise FileFormatError(
            [f"'{p.name}' has suffix '{p.suffix}': flowkit reads .yaml, .yml and .json "
             "(BPMN and spreadsheets through read_bpmn / read_catalogue)"],
            source=str(path),
        )
    if not p.exists():
        raise FileFormatError([f"no such file: {p}"], source=str(path))
    raw = p.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileFormatError(
            [f"the file is not UTF-8 text (byte {exc.start}): save it as UTF-8"], source=str(path)
        ) from None
    if not text.strip():
        raise FileFormatError(
            ["the file is empty: a process needs at least a name and steps"], source=str(path)
        )
    try:
        if suffix == ".json":
            data, dups = _read_json(text)
            return data, dups, None
        data, dups, root = _read_yaml(text)
    except FileFormatError as exc:
        raise FileFormatError(exc.problems, source=str(path)) from None
    if data is None:
        raise FileFormatError(
            ["the file holds no data (only comments or an empty document): a process needs "
             "at least a name and steps"],
            source=str(path),
        )
    return data, dups, root


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
    process, problems = _collect(tree)
    if process is None:
        raise ModelError(problems, source=source)
    return process


def loads(text: str, *, format: str = "yaml") -> Process:
    """Read a process from YAML or JSON text.

    Examples
    --------
    >>> p = loads('''
    ... name: 示例
    ... departments: [{id: d, name: 部门}]
    ... steps: [{id: a, department: d, channel: counter}]
    ... ''')
    >>> p.steps[0].channel
    'counter'
    """
    dups: list[str]
    root: yaml.Node | None = None
    if format == "json":
        data, dups = _read_json(text)
    elif format in ("yaml", "yml"):
        data, dups, root = _read_yaml(text)
    else:
        raise FileFormatError([f"format '{format}' is not one of yaml, json"])
    process, problems = _collect(data, root)
    if dups or process is None:
        raise ModelError(dups + problems)
    return process


def load(path: PathLike) -> Process:
    """Read a process from a ``.yaml``/``.yml`` or ``.json`` file.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    Process

    Raises
    ------
    ModelError
        With every problem found, each naming where it is (and the line in YAML).

    Examples
    --------
    >>> import flowkit as fk, pathlib, tempfile
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "p.yaml"
    >>> _ = f.write_text("name: 示例\\ndepartments: [{id: d}]\\nsteps: [{id: a, department: d}]\\n",
    ...                  encoding="utf-8")
    >>> fk.load(f).name
    '示例'
    """
    data, dups, root = _read(path)
    process, problems = _collect(data, root)
    if dups or process is None:
        raise ModelError(dups + problems, source=str(path))
    return process


def validate(process_or_path: Process | PathLike | dict[str, Any]) -> list[str]:
    """Every problem of a process file (or tree), as located sentences; never raises.

    Parameters
    ----------
    process_or_path : Process, path or dict

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
        return []
    try:
        dups: list[str]
        root: yaml.Node | None
        if isinstance(process_or_path, dict):
            data, dups, root = process_or_path, [], None
        else:
            data, dups, root = _read(process_or_path)
        _, problems = _collect(data, root)
        return dups + problems
    except ModelError as exc:
        return list(exc.problems)
    except Exception as exc:
        return [f"cannot read the process: {exc.__class__.__name__}: {exc}"]


# ------------------------------------------------------------------------------ writing
def to_dict(process: Process) -> dict[str, Any]:
    """The file tree of a process: what :func:`save` writes, defaults left out.

    Examples
    --------
    >>> p = parse({"name": "demo", "calendar": "always", "departments": [{"id": "d"}],
    ...            "steps": [{"id": "a", "department": "d", "work": "30min"}]})
    >>> to_dict(p)    # doctest: +NORMALIZE_WHITESPACE
    {'name': 'demo', 'calendar': 'always', 'departments': [{'id': 'd'}],
     'steps': [{'id': 'a', 'department': 'd', 'work': '30min'}]}
    """
    tree = process.model_dump(mode="json", exclude_defaults=True, by_alias=True)
    if process.calendar == ALWAYS:
        tree["calendar"] = "always"
    for i, d in enumerate(process.departments):
        if d.calendar is not None and d.calendar == ALWAYS:
            tree["departments"][i]["calendar"] = "always"
    ordered = {k: tree[k] for k in _TOP_FIELDS if k in tree}
    return ordered


class _Dumper(yaml.SafeDumper):
    pass


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _represent_str)


def save(process: Process, path: PathLike) -> Path:
    """Write a process to ``.yaml``/``.yml`` or ``.json``; ``load(save(p)) == p``.

    Returns
    -------
    pathlib.Path
        The path written.

    Examples
    --------
    >>> import flowkit as fk, pathlib, tempfile
    >>> p = parse({"name": "demo", "departments": [{"id": "d"}],
    ...            "steps": [{"id": "a", "department": "d"}]})
    >>> out = save(p, pathlib.Path(tempfile.mkdtemp()) / "p.yaml")
    >>> load(out) == p
    True
    """
    p = Path(path)
    tree = to_dict(process)
    suffix = p.suffix.lower()
    writer: Callable[[Any], str]
    if suffix == ".json":
        writer = lambda t: json.dumps(t, ensure_ascii=False, indent=2) + "\n"  # noqa: E731
    elif suffix in (".yaml", ".yml"):
        writer = lambda t: yaml.dump(  # noqa: E731
            t, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100
        )
    else:
        raise FileFormatError(
            [f"'{p.name}' has suffix '{p.suffix}': save writes .yaml, .yml or .json "
             "(BPMN through to_bpmn)"]
        )
    p.write_text(writer(tree), encoding="utf-8")
    return p
