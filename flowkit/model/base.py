"""The frozen model base and the translation of pydantic errors into located messages."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

import pydantic
from pydantic import BaseModel, ConfigDict

from ..errors import ModelError

__all__ = ["FrozenDict", "FrozenModel", "format_path", "translate"]


class FrozenDict(dict):  # type: ignore[type-arg,unused-ignore]
    """A dict that cannot be changed after it is made (used inside frozen models)."""

    def _readonly(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("flowkit models are immutable: make a new one instead")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _readonly  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        # pickle and deepcopy rebuild it from a plain dict (setting items is refused)
        return (FrozenDict, (dict(self),))

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items(), key=lambda kv: str(kv[0]))))

    def __repr__(self) -> str:
        return dict.__repr__(self)


def format_path(loc: Sequence[Any]) -> str:
    """``('steps', 3, 'department')`` -> ``'steps[3].department'``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _value(v: Any) -> str:
    if isinstance(v, str):
        return f"'{v}'"
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def _fields_of(model: type[BaseModel] | None, loc: Sequence[Any]) -> list[str]:
    """Field names (aliases) of the model found at ``loc`` below ``model``."""
    current: Any = model
    for part in loc[:-1]:
        if current is None:
            return []
        if isinstance(part, int):
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        current = _model_in(field.annotation)
    if current is None:
        return []
    return [f.alias or name for name, f in current.model_fields.items()]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


_NOUNS = {
    "steps": "a step", "departments": "a department", "materials": "a material",
    "calendar": "a calendar", "arrivals": "arrivals", "handoff": "the handoff settings",
    "schedule": "a schedule", "case_types": "a case type", "history": "a history entry",
}


_CLASS_NOUNS = {
    "Process": "a process", "Step": "a step", "Department": "a department",
    "Material": "a material", "Calendar": "a calendar", "Arrivals": "arrivals",
    "Handoff": "the handoff settings", "Schedule": "a schedule", "CaseType": "a case type",
    "HistoryEntry": "a history entry",
}


def translate(
    error: pydantic.ValidationError,
    prefix: Sequence[Any] = (),
    model: type[BaseModel] | None = None,
) -> list[str]:
    """Turn a pydantic error into located sentences, one per problem.

    Examples
    --------
    >>> from flowkit import Step
    >>> try:
    ...     Step.model_validate({"id": "a", "department": "d", "wrok": "1h"})
    ... except Exception as e:
    ...     print(e.problems[0])
    wrok is not a field of a step: did you mean 'work'? (remove or rename it)
    """
    return _dedupe(msg for _, msg in translate_located(error, prefix, model))


def translate_located(
    error: pydantic.ValidationError,
    prefix: Sequence[Any] = (),
    model: type[BaseModel] | None = None,
) -> list[tuple[tuple[Any, ...], str]]:
    out: list[tuple[tuple[Any, ...], str]] = []
    for err in error.errors():
        loc = tuple(prefix) + _clean_loc(err["loc"])
        path = format_path(loc)
        kind = err["type"]
        msg = str(err.get("msg", ""))
        value = err.get("input")
        if kind == "extra_forbidden":
            field = str(loc[-1]) if loc else "?"
            owner = next((str(p) for p in reversed(loc[:-1]) if isinstance(p, str)), "")
            if owner in _NOUNS:
                noun = _NOUNS[owner]
            elif model is not None and len(err["loc"]) == 1:
                noun = _CLASS_NOUNS.get(model.__name__, "this item")
            else:
                noun = "this item"
            known = _fields_of(model, err["loc"]) if model is not None else []
            close = difflib.get_close_matches(field, known, n=1, cutoff=0.6)
            hint = f": did you mean '{close[0]}'?" if close else ""
            if not close and known:
                hint = f" (fields: {', '.join(known)})"
            out.append((loc, f"{path} is not a field of {noun}{hint} (remove or rename it)"))
        elif kind == "missing":
            out.append((loc, f"{path} is missing: it is required"))
        elif kind in ("value_error", "assertion_error"):
            text = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
            for line in text.split("\n"):
                out.append(_value_problem(loc, path, line, value))
        elif value is None and kind.endswith("_type"):
            out.append((loc, f"{path} is empty: write a value"))
        elif kind in ("string_type",):
            out.append((loc, f"{path} {_value(value)} is not text: write it as text (quote it)"))
        elif kind in ("int_type", "int_parsing", "int_from_float"):
            out.append((loc, f"{path} {_value(value)} is not a whole number"))
        elif kind in ("float_type", "float_parsing"):
            out.append((loc, f"{path} {_value(value)} is not a number"))
        elif kind in ("bool_type", "bool_parsing"):
            out.append((loc, f"{path} {_value(value)} is not true or false"))
        elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
            ctx = err.get("ctx") or {}
            bound = next(iter(ctx.values()), "?")
            rule = {
                "greater_than_equal": "at least", "greater_than": "more than",
                "less_than_equal": "at most", "less_than": "less than",
            }[kind]
            out.append((loc, f"{path} {_value(value)} is out of range: it must be {rule} {bound}"))
        elif kind == "finite_number":
            out.append((loc, f"{path} {_value(value)} is not a finite number"))
        elif kind in ("list_type", "tuple_type"):
            out.append((loc, f"{path} {_value(value)} is not a list: write [a, b, ...]"))
        elif kind in ("dict_type", "model_type", "model_attributes_type"):
            out.append((loc, f"{path} {_value(value)} is not a mapping: write {{key: value, ...}}"))
        elif kind == "too_short":
            out.append((loc, f"{path} is empty: it needs at least one entry"))
        elif kind in ("date_type", "date_parsing", "date_from_datetime_inexact"):
            out.append((loc, f"{path} {_value(value)} is not a date: write YYYY-MM-DD"))
        elif kind in ("datetime_type", "datetime_parsing", "datetime_from_date_parsing"):
            out.append(
                (loc, f"{path} {_value(value)} is not a date and time: write 'YYYY-MM-DD HH:MM'")
            )
        elif kind == "literal_error":
            expected = (err.get("ctx") or {}).get("expected", msg)
            out.append((loc, f"{path} {_value(value)} is not allowed: use {expected}"))
        elif kind == "union_tag_invalid":
            out.append((loc, f"{path} {_value(value)} is not a known form: {msg}"))
        else:
            out.append((loc, f"{path} {_value(value)}: {msg}"))
    return out


def _value_problem(
    loc: tuple[Any, ...], path: str, text: str, value: Any
) -> tuple[tuple[Any, ...], str]:
    """A validator's sentence, prefixed with the path (and the value unless it says it)."""
    if text.startswith("."):  # a sub-path: 'steps[1].next' + '.issue probability ...'
        sub = text[1:].split(" ", 1)[0]
        return (*loc, sub), f"{path}{text}"
    if not path:
        return loc, text
    if (
        text.startswith(("'", '"', "-", "{", "[", "key ", "item ", "probabilities", "is "))
        or text[:1].isdigit()
        or _starts_with_value(text, value)
        or isinstance(value, dict | list | tuple)
    ):
        return loc, f"{path} {text}"
    return loc, f"{path} {_value(value)} {text}"


def _starts_with_value(text: str, value: Any) -> bool:
    return text.startswith((repr(value), f"'{value}'"))


_DIST_TAGS = {
    "constant", "exponential", "triangular", "uniform", "lognormal", "normal", "empirical",
}
_DURATION_FIELDS = {
    "work", "wait", "issue_time", "delay", "every", "travel", "time_limit", "legal_limit",
}


def _clean_loc(loc: Sequence[Any]) -> tuple[Any, ...]:
    """Drop the union members pydantic puts in locations; they mean nothing to a user."""
    out: list[Any] = []
    for part in loc:
        if isinstance(part, str):
            if any(c in part for c in "[](),") or part in ("str", "int", "float", "bool"):
                continue
            if part in _DIST_TAGS and out and out[-1] in _DURATION_FIELDS:
                continue
        out.append(part)
    return tuple(out)


def _dedupe(items: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for x in items:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out


class FrozenModel(BaseModel):
    """Base of every flowkit model: frozen, ``extra='forbid'``, located errors.

    Building a model with bad data raises :class:`flowkit.ModelError` (a
    ``ValueError``), never a raw pydantic error.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
    _noun: ClassVar[str] = "item"

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except pydantic.ValidationError as exc:
            raise ModelError(translate(exc, model=type(self))) from None

    # Tell pydantic this __init__ only wraps the base one, so nested models are still
    # built by pydantic-core directly (their errors stay located in the outer error).
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().model_validate(obj, *args, **kwargs)
        except pydantic.ValidationError as exc:
            raise ModelError(translate(exc, model=cls)) from None

    def replace(self, **changes: Any) -> Any:
        """A validated copy with some fields changed (the model itself never changes).

        Examples
        --------
        >>> from flowkit import Department
        >>> d = Department(id="tax", name="税务局")
        >>> d.replace(staff=3).staff, d.staff
        (3, 1)
        """
        data = {name: getattr(self, name) for name in type(self).model_fields}
        data.update(changes)
        return type(self).model_validate(data)
