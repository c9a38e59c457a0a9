"""The duration grammar: reading durations from their text and structured forms.

:func:`parse_duration` reads ``30min``, ``3wd``, ``exp(30min)``,
``tri(10min, 20min, 40min)``, ``exp(30min) + 10min`` … or
``{dist: triangular, low: 10min, mode: 20min, high: 40min}`` into one of the
distribution models of :mod:`flowkit.model.duration_values`; :data:`Duration` is
the pydantic field type that reads either form and writes the text back. This
module imports the values, never the other way round.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer

from ..errors import DurationError
from .duration_values import (
    _CLASSES,
    _MINUTES,
    _ORDER,
    Constant,
    Empirical,
    Exponential,
    LogNormal,
    Normal,
    Sum,
    Triangular,
    Uniform,
    Unit,
    _Dist,
    _fmt,
    add_durations,
    format_duration,
)
from .limits import check_duration_size

__all__ = ["Duration", "parse_duration"]

_UNIT_ALIASES: dict[str, str] = {
    "min": "min", "mins": "min", "minute": "min", "minutes": "min", "分钟": "min", "分": "min",
    "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h", "小时": "h", "时": "h",
    "d": "d", "day": "d", "days": "d", "天": "d", "日": "d", "自然日": "d",
    "w": "w", "wk": "w", "week": "w", "weeks": "w", "周": "w",
    "wd": "wd", "workday": "wd", "workdays": "wd", "工作日": "wd", "个工作日": "wd",
}

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_QUANTITY = re.compile(rf"^\s*({_NUMBER})\s*([^\d\s.+-][^\s]*)?\s*$")
_CALL = re.compile(r"^\s*([A-Za-z_]+)\s*\((.*)\)\s*$", re.S)

_DIST_ALIASES: dict[str, str] = {
    "const": "constant", "constant": "constant", "fixed": "constant",
    "exp": "exponential", "expon": "exponential", "exponential": "exponential",
    "tri": "triangular", "triang": "triangular", "triangular": "triangular",
    "uniform": "uniform", "unif": "uniform",
    "lognorm": "lognormal", "lognormal": "lognormal",
    "normal": "normal", "norm": "normal",
    "empirical": "empirical", "choice": "empirical",
}

#: positional parameter names of each distribution, in order
_POSITIONAL: dict[str, tuple[str, ...]] = {
    "constant": ("value",),
    "exponential": ("mean",),
    "triangular": ("low", "mode", "high"),
    "uniform": ("low", "high"),
    "lognormal": ("mean", "sd"),
    "normal": ("mean", "sd"),
    "empirical": ("values",),
}


# ---------------------------------------------------------------------------- parsing
def _quantity(text: Any) -> tuple[float, str]:
    """``'30min'`` -> ``(30.0, 'min')``; a bare ``0`` is accepted as zero hours."""
    if isinstance(text, bool):
        raise DurationError(f"{text!r} is not a duration: write a number with a unit, e.g. '30min'")
    if isinstance(text, int | float):
        if not math.isfinite(text):
            raise DurationError(f"{text!r} is not a finite duration")
        if text == 0:
            return 0.0, "h"
        raise DurationError(
            f"{text!r} has no unit: write it with one, e.g. '{_fmt(text)}min', "
            f"'{_fmt(text)}h' or '{_fmt(text)}wd'"
        )
    if not isinstance(text, str):
        raise DurationError(f"{text!r} is not a duration: write text such as '30min' or '3wd'")
    m = _QUANTITY.match(text)
    if not m:
        raise DurationError(
            f"'{text}' is not a duration: write a number and a unit (min, h, d, w, wd), "
            "e.g. '30min', '1.5h', '3wd'"
        )
    value = float(m.group(1))
    if not math.isfinite(value):
        raise DurationError(f"'{text}' is not a finite duration")
    unit_text = (m.group(2) or "").strip()
    if not unit_text:
        if value == 0:
            return 0.0, "h"
        raise DurationError(
            f"'{text}' has no unit: write e.g. '{m.group(1)}min', '{m.group(1)}h' or "
            f"'{m.group(1)}wd'"
        )
    unit = _UNIT_ALIASES.get(unit_text.lower())
    if unit is None:
        raise DurationError(
            f"'{text}' has an unknown unit '{unit_text}': use min, h, d (calendar day), "
            "w (week) or wd (working day)"
        )
    if value < 0:
        raise DurationError(f"'{text}' is negative: a duration is 0 or more")
    return value, unit


def _common_unit(quantities: list[tuple[float, str]], where: str) -> tuple[list[float], Unit]:
    """The values of one duration in one unit: the finest elapsed unit, or ``wd`` alone."""
    units = {u for v, u in quantities if v != 0}
    if not units:
        units = {quantities[0][1]}
    if len(units) == 1:
        unit = units.pop()
        return [v for v, _ in quantities], unit  # type: ignore[return-value]
    if "wd" in units:
        raise DurationError(
            f"'{where}' mixes 'wd' with {sorted(units - {'wd'})}: a working day's length depends "
            "on the calendar, so write every value of one duration in 'wd' or every one in "
            "min/h/d/w"
        )
    finest = min(units, key=_ORDER.index)
    return [v * _MINUTES[u] / _MINUTES[finest] for v, u in quantities], finest  # type: ignore[return-value]


def _split_args(text: str) -> list[str]:
    """Split on top-level commas (brackets may hold a list)."""
    out: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    last = "".join(cur).strip()
    if last or out:
        out.append(last)
    return out


def _split_plus(text: str) -> list[str]:
    """Split on '+' outside brackets, not in a number's exponent ('1e+3')."""
    out: list[str] = []
    cur: list[str] = []
    depth = 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "+" and depth == 0 and i > 0 and text[i - 1] not in "eE" and "".join(cur).strip():
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur).strip())
    return [t for t in out if t]


def _build(dist: str, params: dict[str, Any], where: str) -> _Dist:
    """Make a distribution from parameter values that are texts or (value, unit) pairs."""
    names = _POSITIONAL[dist]
    unknown = [k for k in params if k not in names]
    if unknown:
        raise DurationError(
            f"'{where}': {dist} takes {', '.join(names)}; '{unknown[0]}' is not one of them"
        )
    missing = [k for k in names if k not in params]
    if missing:
        raise DurationError(f"'{where}': {dist} needs {', '.join(names)}; missing {missing[0]}")
    if dist == "empirical":
        raw = params["values"]
        if not isinstance(raw, list | tuple) or not raw:
            raise DurationError(f"'{where}': empirical needs a non-empty list of durations")
        qs = [_quantity(x) for x in raw]
        vals, unit = _common_unit(qs, where)
        return Empirical(values=tuple(vals), unit=unit)
    keys = list(names)
    if dist == "normal":
        # the mean of a normal may be negative before truncation
        qs = []
        for k in keys:
            x = params[k]
            if isinstance(x, str) and x.strip().startswith("-"):
                v, u = _quantity(x.strip()[1:])
                qs.append((-v, u))
            else:
                qs.append(_quantity(x))
    else:
        qs = [_quantity(params[k]) for k in keys]
    vals, unit = _common_unit(qs, where)
    data: dict[str, Any] = dict(zip(keys, vals, strict=True))
    try:
        return _CLASSES[dist].model_validate({"dist": dist, "unit": unit, **data})
    except ValueError as exc:  # pydantic ValidationError is a ValueError
        msg = _first_message(exc)
        raise DurationError(f"'{where}': {dist} {msg}") from None


def _first_message(exc: ValueError) -> str:
    """The first message of a (pydantic) validation error, with its field when it has one."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        err = errors()[0]
        msg = str(err.get("msg", exc))
        msg = msg.removeprefix("Value error, ")
        loc = ".".join(str(x) for x in err.get("loc", ()))
        if loc and err.get("type") != "value_error":
            return f"{loc}: {msg.lower()}"
        return msg
    return str(exc)


def parse_duration(value: Any) -> _Dist:
    """Read a duration from its text or structured form.

    Parameters
    ----------
    value : str, number, dict or distribution
        ``'30min'``, ``'3wd'``, ``'exp(30min)'``, ``'tri(10min, 20min, 40min)'``,
        ``'uniform(1h, 2h)'``, ``'lognorm(mean=2h, sd=1h)'``,
        ``'normal(mean=1h, sd=15min)'``, ``'empirical([1h, 2h, 4h])'``, the number 0,
        or ``{'dist': 'triangular', 'low': '10min', 'mode': '20min', 'high': '40min'}``.

    Returns
    -------
    Constant, Exponential, Triangular, Uniform, LogNormal, Normal or Empirical

    Raises
    ------
    ValueError
        When the text cannot be read; the message quotes it and says what to write.

    Examples
    --------
    >>> parse_duration("tri(10min, 20min, 1h)")
    Triangular(unit='min', dist='triangular', low=10.0, mode=20.0, high=60.0)
    >>> parse_duration("exp(30min)").mean()
    30.0
    >>> parse_duration({"dist": "uniform", "low": "1h", "high": "3h"}).mean()
    2.0
    >>> parse_duration("2 workdays")
    Constant(unit='wd', dist='constant', value=2.0)
    """
    if isinstance(value, _Dist):
        return value
    if isinstance(value, dict):
        return _parse_structured(value)
    if isinstance(value, str) and "+" in value:
        terms = _split_plus(value)
        if len(terms) > 1:
            return _parse_sum(terms)
    if isinstance(value, str):
        m = _CALL.match(value)
        if m:
            return _parse_call(value, m.group(1), m.group(2).strip())
    amount, unit = _quantity(value)
    return Constant(value=amount, unit=unit)


def _parse_sum(terms: list[str]) -> _Dist:
    """The sum of the durations written in ``terms`` (``exp(30min) + 10min``)."""
    total: _Dist = parse_duration(terms[0])
    for t in terms[1:]:
        total = add_durations(total, parse_duration(t))
    return total


#: other names of keyword parameters in a call
_PARAM_ALIASES: dict[str, str] = {
    "lo": "low", "hi": "high", "min": "low", "max": "high",
    "std": "sd", "sigma": "sd", "mu": "mean", "c": "mode",
}


def _parse_call(value: str, name: str, inner: str) -> _Dist:
    """A distribution written as a call, ``name(inner)``: ``tri(10min, 20min, 1h)``."""
    dist = _DIST_ALIASES.get(name.lower())
    if dist is None:
        raise DurationError(
            f"'{value}': unknown distribution '{name}': use exp, tri, uniform, "
            "lognorm, normal or empirical"
        )
    if dist == "empirical":
        listed = inner
        if listed.startswith("[") and listed.endswith("]"):
            listed = listed[1:-1]
        items = [a for a in _split_args(listed) if a]
        return _build(dist, {"values": items}, value)
    args = _split_args(inner)
    params: dict[str, Any] = {}
    names = _POSITIONAL[dist]
    for i, arg in enumerate(args):
        if "=" in arg:
            k, v = (s.strip() for s in arg.split("=", 1))
            params[_PARAM_ALIASES.get(k, k)] = v
        elif i < len(names):
            params[names[i]] = arg
        else:
            raise DurationError(
                f"'{value}': {dist} takes {len(names)} value(s) "
                f"({', '.join(names)}), got {len(args)}"
            )
    return _build(dist, params, value)


def _parse_structured(data: dict[str, Any]) -> _Dist:
    """A distribution written as a mapping: ``{dist: uniform, low: 1h, high: 3h}``."""
    raw_dist = data.get("dist")
    if raw_dist is None:
        raise DurationError(
            f"{data!r} has no 'dist': write e.g. {{dist: triangular, low: 10min, mode: 20min, "
            "high: 40min}"
        )
    dist = _DIST_ALIASES.get(str(raw_dist).lower())
    if dist is None:
        raise DurationError(
            f"dist '{raw_dist}' is not a distribution: use constant, exponential, triangular, "
            "uniform, lognormal, normal or empirical"
        )
    unit = data.get("unit")
    params = {k: v for k, v in data.items() if k not in ("dist", "unit")}
    if unit is not None:
        u = _UNIT_ALIASES.get(str(unit).lower())
        if u is None:
            raise DurationError(f"unit '{unit}' is not a unit: use min, h, d, w or wd")

        def with_unit(x: Any) -> Any:
            if isinstance(x, int | float) and not isinstance(x, bool):
                return f"{x}{u}"
            return x

        params = {
            k: [with_unit(x) for x in v] if isinstance(v, list | tuple) else with_unit(v)
            for k, v in params.items()
        }
    if dist == "empirical" and "values" in params and isinstance(params["values"], tuple):
        params["values"] = list(params["values"])
    written = "{" + ", ".join(f"{k}: {v}" for k, v in data.items()) + "}"
    return _build(dist, params, written)


def _coerce(value: Any) -> Any:
    """Read a :data:`Duration` field; pydantic wants a ``ValueError`` with the message."""
    try:
        dist = parse_duration(value)
    except DurationError as exc:
        raise ValueError(str(exc)) from None
    too_long = check_duration_size(dist)
    if too_long is not None:
        written = value if isinstance(value, str) else format_duration(dist)
        raise ValueError(f"'{written}' {too_long}")
    return dist


#: A duration field: text or structured input, stored as a distribution model,
#: written back as text.
Duration = Annotated[
    Constant | Exponential | Triangular | Uniform | LogNormal | Normal | Empirical | Sum,
    Field(discriminator="dist"),
    BeforeValidator(_coerce),
    PlainSerializer(format_duration, return_type=str),
]
