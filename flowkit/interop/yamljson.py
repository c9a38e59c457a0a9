"""Process files as text: YAML and JSON read into trees, trees written back.

A model file is data: YAML is read with PyYAML's safe loader (extended only to
reject duplicate keys), never with a loader that can build objects. Reading gives
the raw tree (dicts and lists), the keys written twice, and for YAML the node tree
that locates each value on its line; turning the tree into a
:class:`~flowkit.Process` with located problems is :mod:`flowkit.interop.validate`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError

from ..errors import FileFormatError, TextTypeError
from ..model.base import format_path
from ..model.calendar import ALWAYS
from ..model.process import Process
from .bounded import BoundedLoader, cut, json_too_deep, reader_error

__all__ = ["read_file", "read_json", "read_yaml", "save", "to_dict"]

PathLike = str | os.PathLike[str]

_TOP_FIELDS = list(Process.model_fields)
_NULL = "tag:yaml.org,2002:null"
_STR = "tag:yaml.org,2002:str"


# ------------------------------------------------------------------------- YAML reading
def read_yaml(text: str | bytes) -> tuple[Any, list[str], yaml.Node | None]:
    """The tree of a YAML text, its duplicate keys (located) and its root node.

    Raises
    ------
    FileFormatError
        On a syntax error, located by line and column, with a hint where one helps.
    """
    text = _as_text(text)
    _reject_tabs(text)
    try:
        loader = BoundedLoader(text)
    except yaml.reader.ReaderError as exc:
        raise FileFormatError([reader_error(exc, text)]) from None
    try:
        node = loader.get_single_node()
        _rejoin(node)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        raise FileFormatError([_syntax_error(exc)]) from None
    except yaml.reader.ReaderError as exc:
        raise FileFormatError([reader_error(exc, text)]) from None
    except yaml.YAMLError as exc:
        raise FileFormatError([f"YAML syntax error: {exc}"]) from None
    finally:
        loader.dispose()
    return data, _duplicate_keys(node), node


def _as_text(text: Any) -> str:
    """The text to read: a ``str``, or ``bytes`` decoded as UTF-8 (a BOM allowed).

    Raises
    ------
    TextTypeError
        For anything else (``None``, a number, a path object …).
    """
    if isinstance(text, str):
        return text
    if isinstance(text, bytes | bytearray):
        try:
            return bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FileFormatError(
                [f"the text is not UTF-8 (byte {exc.start}): decode it first, or save it as UTF-8"]
            ) from None
    hint = ": to read a file, use load(path)" if isinstance(text, os.PathLike) else ""
    raise TextTypeError(
        [f"the text to read is {type(text).__name__} {cut(repr(text))}, not str or bytes{hint}"]
    )


def _reject_tabs(text: str) -> None:
    """A tab used for indentation, named by its line (YAML indents with spaces only)."""
    if "\t" not in text:
        return
    for n, line in enumerate(text.splitlines(), 1):
        if line.lstrip(" ").startswith("\t"):
            raise FileFormatError(
                [f"YAML syntax error at line {n}: a tab is used for indentation; YAML "
                 "indents with spaces only: replace the tab with spaces"]
            )


def _syntax_error(exc: yaml.MarkedYAMLError) -> str:
    """PyYAML's error as one located sentence."""
    mark = exc.problem_mark
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
    what = exc.problem or "invalid YAML"
    if isinstance(exc, ComposerError | ConstructorError) and exc.context is None:
        return f"YAML error at {where}: {what}"  # a limit or a number of BoundedLoader
    ctx = f" ({exc.context})" if exc.context else ""
    cm = exc.context_mark
    if cm is not None and mark is not None and cm.line != mark.line:
        ctx = f" ({exc.context} that starts at line {cm.line + 1}, column {cm.column + 1})"
    if "got '['" in what or "got '{'" in what:
        ctx += (
            "; inside {...} or [...] on one line, quote a value that holds brackets, "
            "e.g. work: 'empirical([1h, 2h])'"
        )
    return f"YAML syntax error at {where}: {what}{ctx}; check indentation, colons and quotes"


def _where(mark: yaml.Mark, other: yaml.Mark) -> str:
    """The two places of a key written twice."""
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
    """Open brackets less closed ones."""
    return text.count("(") + text.count("[") - text.count(")") - text.count("]")


def _plain(node: yaml.Node) -> bool:
    """A scalar written without quotes."""
    return isinstance(node, yaml.ScalarNode) and node.style is None


def _rejoin(node: yaml.Node | None) -> None:
    """Undo YAML's split of ``tri(20min, 30min, 60min)`` at commas inside ``{...}``/``[...]``.

    In a flow collection a comma ends a plain scalar, so ``{work: tri(1h, 2h, 3h)}``
    reads as ``{work: 'tri(1h', '2h': null, '3h)': null}``. A plain value with an
    open bracket followed by plain keys without values that close it is joined back.
    """
    if isinstance(node, yaml.MappingNode):
        node.value = _rejoin_mapping(node.value)
    elif isinstance(node, yaml.SequenceNode):
        node.value = _rejoin_sequence(node.value)


def _valueless_key(key: yaml.Node, value: yaml.Node) -> bool:
    """A plain key with an empty value: the piece of a value YAML split off."""
    return (_plain(key) and isinstance(value, yaml.ScalarNode)
            and value.tag == _NULL and value.value == "")


def _rejoin_mapping(pairs: list[tuple[yaml.Node, yaml.Node]]) -> list[tuple[yaml.Node, yaml.Node]]:
    """The pairs of a mapping, each split value joined back with the keys it lost."""
    out: list[tuple[yaml.Node, yaml.Node]] = []
    i = 0
    while i < len(pairs):
        key, value = pairs[i]
        if _plain(value) and _balance(value.value) > 0:
            parts, j, depth = [value.value], i + 1, _balance(value.value)
            while j < len(pairs) and depth > 0 and _valueless_key(*pairs[j]):
                parts.append(pairs[j][0].value)
                depth += _balance(pairs[j][0].value)
                j += 1
            if depth == 0 and j > i + 1:
                merged = yaml.ScalarNode(_STR, ", ".join(parts),
                                         value.start_mark, pairs[j - 1][0].end_mark)
                out.append((key, merged))
                i = j
                continue
        _rejoin(value)
        out.append((key, value))
        i += 1
    return out


def _rejoin_sequence(items: list[yaml.Node]) -> list[yaml.Node]:
    """The items of a sequence, each split value joined back with the items it lost."""
    out: list[yaml.Node] = []
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
                out.append(yaml.ScalarNode(_STR, ", ".join(parts),
                                           item.start_mark, items[j - 1].end_mark))
                i = j
                continue
        _rejoin(item)
        out.append(item)
        i += 1
    return out


# ------------------------------------------------------------------------- JSON reading
def read_json(text: str | bytes) -> tuple[Any, list[str]]:
    """The tree of a JSON text and its duplicate keys (located).

    Raises
    ------
    FileFormatError
        On a syntax error or nesting deeper than 100 levels, located by line and column.
    """
    text = _as_text(text)
    deep = json_too_deep(text)
    if deep is not None:
        raise FileFormatError([deep])
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
    return data, _json_duplicates(data, twice)


def _json_duplicates(data: Any, twice: dict[int, list[str]]) -> list[str]:
    """Sentences for the keys written twice, by the id of the object that held them."""
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
    return duplicates


# ------------------------------------------------------------------------------- files
def read_file(path: PathLike) -> tuple[Any, list[str], yaml.Node | None]:
    """The tree, duplicate keys and YAML root node (None for JSON) of a process file.

    Raises
    ------
    FileFormatError
        When the file has another suffix, is missing or cannot be read, is not UTF-8,
        is empty or has a syntax error; it names the file.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".yaml", ".yml", ".json"):
        raise FileFormatError(
            [f"'{p.name}' has suffix '{p.suffix}': flowkit reads .yaml, .yml and .json "
             "(BPMN and spreadsheets through read_bpmn / read_catalogue)"],
            source=str(path),
        )
    text = _read_text(p, str(path))
    try:
        if suffix == ".json":
            data, dups = read_json(text)
            return data, dups, None
        data, dups, root = read_yaml(text)
    except FileFormatError as exc:
        raise FileFormatError(exc.problems, source=str(path)) from None
    if data is None:
        raise FileFormatError(
            ["the file holds no data (only comments or an empty document): a process needs "
             "at least a name and steps"],
            source=str(path),
        )
    return data, dups, root


def _read_text(p: Path, source: str) -> str:
    """The text of a file: it exists, can be read, is UTF-8 (BOM allowed) and is not blank."""
    if not p.exists():
        raise FileFormatError([f"no such file: {p}"], source=source)
    try:
        raw = p.read_bytes()
    except OSError as exc:  # a directory, no permission …
        raise FileFormatError(
            [f"cannot read {p}: {exc.strerror or exc}: give the path of a process file"],
            source=source,
        ) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileFormatError(
            [f"the file is not UTF-8 text (byte {exc.start}): save it as UTF-8"], source=source
        ) from None
    if not text.strip():
        raise FileFormatError(
            ["the file is empty: a process needs at least a name and steps"], source=source
        )
    return text


# ------------------------------------------------------------------------------ writing
def to_dict(process: Process) -> dict[str, Any]:
    """The file tree of a process: what :func:`save` writes, defaults left out.

    Examples
    --------
    >>> from flowkit import parse
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
    """The safe dumper, writing text with line breaks as ``|`` blocks."""


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    """A string as a plain scalar, or a ``|`` block when it holds line breaks."""
    style = "|" if "\n" in data else None
    return dumper.represent_scalar(_STR, data, style=style)


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
    >>> p = fk.parse({"name": "demo", "departments": [{"id": "d"}],
    ...               "steps": [{"id": "a", "department": "d"}]})
    >>> out = save(p, pathlib.Path(tempfile.mkdtemp()) / "p.yaml")
    >>> fk.load(out) == p
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
    try:
        data = writer(tree).encode("utf-8")
    except UnicodeEncodeError:
        raise FileFormatError([_unencodable(tree)], source=str(path)) from None
    p.write_bytes(data)
    return p


def _unencodable(tree: Any, loc: tuple[Any, ...] = ()) -> str:
    """The located problem of the first text in a tree that UTF-8 cannot hold."""
    if isinstance(tree, dict):
        items: list[tuple[Any, Any]] = list(tree.items())
    elif isinstance(tree, list | tuple):
        items = list(enumerate(tree))
    else:
        items = []
    for k, v in items:
        for part in ((k,) if isinstance(k, str) else ()) + (v,):
            if isinstance(part, str):
                try:
                    part.encode("utf-8")
                except UnicodeEncodeError as exc:
                    return (f"{format_path((*loc, k))} {cut(repr(part))} holds the character "
                            f"{part[exc.start]!r} (a lone surrogate) at position {exc.start}, "
                            "which UTF-8 cannot store: remove it; nothing was written")
        found = _unencodable(v, (*loc, k)) if isinstance(v, dict | list | tuple) else ""
        if found:
            return found
    return "" if loc else "the process holds text that UTF-8 cannot store: nothing was written"
