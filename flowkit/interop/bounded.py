"""Bounded reading of YAML and JSON text: aliases, nesting and numbers within limits.

A model file is data of a modest size. A few hundred hostile bytes can still make a
reader work for hours or die: a YAML "billion laughs" (aliases of aliases of
aliases) expands 573 bytes to 9⁹ values, a recursive alias makes a cycle, nesting
1,000 deep overruns Python's stack, and PyYAML's integer reader raises a bare
``ValueError`` on ``0b_`` or a 5,000-digit number. Here each is refused while the
text is read, with the line and column:

* aliases may add at most :data:`MAX_ALIAS_EXPANSION` values to what is written
  (each alias counts the values it repeats), and never refer to the collection
  that holds them;
* collections nest at most :data:`MAX_DEPTH` deep, in YAML and in JSON;
* a number PyYAML cannot build is a located syntax error.

The loader is PyYAML's safe loader, extended only with these counts.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError

__all__ = [
    "MAX_ALIAS_EXPANSION",
    "MAX_DEPTH",
    "BoundedLoader",
    "cut",
    "json_too_deep",
    "reader_error",
]

#: values aliases may add to a YAML document, beyond the values written
MAX_ALIAS_EXPANSION = 100_000
#: deepest nesting of collections (a process file needs fewer than 10 levels)
MAX_DEPTH = 100


class BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, counting nesting depth and alias expansion as it composes.

    Examples
    --------
    >>> loader = BoundedLoader("a: &x [1, 2]\\nb: *x\\n")
    >>> loader.get_single_data()
    {'a': [1, 2], 'b': [1, 2]}
    >>> loader.expanded
    3
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0
        self.expanded = 0  # values added by aliases
        self._pending: set[str] = set()  # anchors of the collections being composed
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent: Any, index: Any) -> Any:
        event: Any = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            node = self.anchors.get(event.anchor)
            if node is not None:
                self._count_alias(event, node)
            return super().compose_node(parent, index)
        if not isinstance(event, yaml.CollectionStartEvent):
            return super().compose_node(parent, index)
        if self.depth >= MAX_DEPTH:
            raise ComposerError(
                None, None,
                f"the values nest more than {MAX_DEPTH} levels deep: a process file needs "
                "fewer than 10; flatten the structure",
                _mark(event),
            )
        self.depth += 1
        if event.anchor is not None:
            self._pending.add(event.anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1
            self._pending.discard(event.anchor or "")

    def _count_alias(self, event: Any, node: yaml.Node) -> None:
        """Add the values an alias repeats; refuse a recursive alias or too many."""
        if event.anchor in self._pending:
            raise ComposerError(
                None, None,
                f"the alias *{event.anchor} refers to the collection that holds it (a cycle): "
                "write the values out",
                event.start_mark,
            )
        self.expanded += self._size(node)
        if self.expanded > MAX_ALIAS_EXPANSION:
            raise ComposerError(
                None, None,
                f"the alias *{event.anchor} takes the aliases of this file past "
                f"{MAX_ALIAS_EXPANSION:,} repeated values (an alias bomb?): write the "
                "values out or use fewer aliases",
                event.start_mark,
            )

    def _size(self, node: yaml.Node) -> int:
        """The number of values a node stands for, its aliases expanded (memoised)."""
        known = self._sizes.get(id(node))
        if known is not None:
            return known
        if isinstance(node, yaml.SequenceNode):
            size = 1 + sum(self._size(n) for n in node.value)
        elif isinstance(node, yaml.MappingNode):
            size = 1 + sum(self._size(k) + self._size(v) for k, v in node.value)
        else:
            size = 1
        self._sizes[id(node)] = size
        return size

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        try:
            return int(super().construct_yaml_int(node))
        except ValueError as exc:
            raise ConstructorError(
                None, None,
                f"'{cut(node.value)}' cannot be read as a number ({cut(str(exc), 60)}): "
                "quote it to keep it as text, or fix the digits",
                node.start_mark,
            ) from None

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
        try:
            return float(super().construct_yaml_float(node))
        except ValueError as exc:
            raise ConstructorError(
                None, None, f"'{cut(node.value)}' cannot be read as a number ({cut(str(exc))})",
                node.start_mark,
            ) from None


BoundedLoader.add_constructor("tag:yaml.org,2002:int", BoundedLoader.construct_yaml_int)
BoundedLoader.add_constructor("tag:yaml.org,2002:float", BoundedLoader.construct_yaml_float)


def _mark(event: Any) -> Any:
    """The start mark of an event (typed loosely: PyYAML has two Mark classes)."""
    return event.start_mark


def cut(text: str, n: int = 40) -> str:
    """A text cut to ``n`` characters."""
    return text if len(text) <= n else text[: n - 3] + "..."


def reader_error(exc: yaml.reader.ReaderError, text: str) -> str:
    """PyYAML's complaint about a character, as a located sentence with a hint.

    Examples
    --------
    >>> try:
    ...     BoundedLoader("name: x\\x00")
    ... except yaml.reader.ReaderError as exc:
    ...     print(reader_error(exc, "name: x\\x00"))  # doctest: +NORMALIZE_WHITESPACE
    YAML syntax error at line 1, column 8: the character #x0000 is not allowed in YAML
    text: remove it
    """
    pos = max(0, min(exc.position, len(text)))
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    char = exc.character if isinstance(exc.character, str) else chr(exc.character)
    what = f"the character #x{ord(char):04x} is not allowed in YAML text"
    if char == "\x00" and text.count("\x00") * 3 >= len(text):
        return (f"YAML syntax error at line {line}, column {column}: {what}; the file looks "
                "like UTF-16 without a byte-order mark: save it as UTF-8")
    return f"YAML syntax error at line {line}, column {column}: {what}: remove it"


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def json_too_deep(text: str) -> str | None:
    """The located problem of a JSON text nested deeper than :data:`MAX_DEPTH`, or None.

    Examples
    --------
    >>> json_too_deep('{"a": [1, "[[["]}') is None
    True
    >>> print(json_too_deep("[" * 101 + "]" * 101))  # doctest: +NORMALIZE_WHITESPACE
    JSON nests more than 100 levels deep at line 1, column 101: a process file needs fewer
    than 10; flatten the structure
    """
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    depth = 0
    for m in _JSON_TOKEN.finditer(text):
        ch = m.group()
        if ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                pos = m.start()
                line = text.count("\n", 0, pos) + 1
                column = pos - (text.rfind("\n", 0, pos) + 1) + 1
                return (f"JSON nests more than {MAX_DEPTH} levels deep at line {line}, column "
                        f"{column}: a process file needs fewer than 10; flatten the structure")
        elif ch in "]}":
            depth -= 1
    return None
