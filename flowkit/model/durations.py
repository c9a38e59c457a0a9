"""Durations and their distributions.

A duration is written as text (``30min``, ``3wd``, ``exp(30min)``,
``tri(10min, 20min, 40min)`` …) or in a structured form
(``{dist: triangular, low: 10min, mode: 20min, high: 40min}``) and becomes one
of the frozen models of the :data:`Duration` union, discriminated by ``dist``.
Every distribution stores its parameters as numbers in one ``unit``:

==========  ===========================================================
unit        meaning
==========  ===========================================================
``min``     minutes
``h``       hours
``d``       calendar days (24 h); not allowed for ``work``
``w``       weeks (7 d); not allowed for ``work``
``wd``      working days: in ``work`` one working day of hours, in a
            ``wait`` a count of working days of the calendar
==========  ===========================================================

Values of one distribution written in several elapsed units
(``tri(30min, 1h, 2h)``) are converted to the finest of them; ``wd`` cannot be
mixed with another unit, because its length depends on the calendar.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, model_validator

from ..errors import DurationError

__all__ = [
    "Constant",
    "Duration",
    "Empirical",
    "Exponential",
    "LogNormal",
    "Normal",
    "Sum",
    "Triangular",
    "Uniform",
    "add_durations",
    "format_duration",
    "parse_duration",
]

Unit = Literal["min", "h", "d", "w", "wd"]

#: length of each elapsed unit in minutes
_MINUTES: dict[str, float] = {"min": 1.0, "h": 60.0, "d": 1440.0, "w": 10080.0}
_ORDER = ["min", "h", "d", "w"]

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


def _fmt(x: float) -> str:
    """Shortest text of a number: ``30.0`` -> ``30``, ``0.5`` -> ``0.5``."""
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(float(x))


class _Dist(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    unit: Unit = "h"

    # -- interface every distribution implements -------------------------------
    def mean(self) -> float:
        """Mean value, in ``unit``."""
        raise NotImplementedError

    def _draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        raise NotImplementedError

    def _params(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("dist", "unit")}

    # -- shared behaviour -------------------------------------------------------
    @property
    def is_constant(self) -> bool:
        """True when every draw gives the same value."""
        return False

    @property
    def is_zero(self) -> bool:
        """True for the constant 0."""
        return self.is_constant and self.mean() == 0

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` values (in ``unit``), never negative.

        Examples
        --------
        >>> import numpy as np
        >>> d = parse_duration("uniform(1h, 2h)")
        >>> x = d.sample(np.random.default_rng(0), 1000)
        >>> bool((x >= 1).all() and (x <= 2).all())
        True
        """
        return np.maximum(self._draw(rng, size), 0.0)

    def scaled(self, factor: float, unit: Unit) -> _Dist:
        """The same shape with every value multiplied by ``factor``, in ``unit``."""
        data: dict[str, Any] = {"dist": type(self).model_fields["dist"].default, "unit": unit}
        for k, v in self._params().items():
            data[k] = tuple(x * factor for x in v) if isinstance(v, tuple) else v * factor
        return type(self).model_validate(data)

    def minutes(self, minutes_per_wd: float | None = None) -> _Dist:
        """The distribution in minutes; ``wd`` needs ``minutes_per_wd``."""
        if self.unit == "wd":
            if minutes_per_wd is None:
                raise DurationError("a duration in 'wd' needs the length of a working day")
            return self.scaled(minutes_per_wd, "min")
        return self.scaled(_MINUTES[self.unit], "min")

    def __str__(self) -> str:
        return format_duration(self)


class Constant(_Dist):
    """A fixed duration: ``30min``, ``3wd``.

    Examples
    --------
    >>> parse_duration("3wd")
    Constant(unit='wd', dist='constant', value=3.0)
    """

    dist: Literal["constant"] = "constant"
    value: float = Field(ge=0)

    def mean(self) -> float:
        return self.value

    @property
    def is_constant(self) -> bool:
        return True

    def _draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.full(size, self.value)


class Exponential(_Dist):
    """Exponential with the given mean: ``exp(30min)``."""

    dist: Literal["exponential"] = "exponential"
    mean_: float = Field(ge=0, alias="mean")

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    def mean(self) -> float:
        return self.mean_

    def _params(self) -> dict[str, Any]:
        return {"mean_": self.mean_}

    def scaled(self, factor: float, unit: Unit) -> _Dist:
        return Exponential(mean_=self.mean_ * factor, unit=unit)

    def _draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.exponential(self.mean_, size) if self.mean_ > 0 else np.zeros(size)


class Triangular(_Dist):
    """Triangular: ``tri(low, mode, high)``."""

    dist: Literal["triangular"] = "triangular"
    low: float = Field(ge=0)
    mode: float = Field(ge=0)
    high: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high:
            raise ValueError(
                f"needs low <= mode <= high, got {_fmt(self.low)}, {_fmt(self.mode)}, "
                f"{_fmt(self.high)}"
            )
        return self

    @property
    def is_constant(self) -> bool:
        return self.low == self.high

    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3.0

    def _draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        if self.low == self.high:
            return np.full(size, self.low)
        return rng.triangular(self.low, self.mode, self.high, size)


class Uniform(_Dist):
    """Uniform between ``low`` and ``high``: ``uniform(1h, 2h)``."""

    dist: Literal["uniform"] = "uniform"
    low: float = Field(ge=0)
    high: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.low > self.high:
            raise ValueError(f"needs low <= high, got {_fmt(self.low)}, {_fmt(self.high)}")
        return self

    @property
    def is_constant(self) -> bool:
        return self.low == self.high

    def mean(self) -> float:
        return (self.low + self.high) / 2.0

    def _draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, size)


class LogNormal(_Dist):
    """Log-normal given the mean and sd of the variable itself: ``lognorm(mean=2h, sd=1h)``."""

    dist: Literal["lognormal"] = "lognormal"
    mean_: float = Field(gt=0, alias="mean")
    sd: float = Field(ge=0)

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    def mean(self) -> float:
        return self.mean_

    def _params(self) -> dict[str, Any]:
        return {"mean_": self.mean_, "sd": self.sd}

    def scaled(self, factor: float, unit: Unit) -> _Dist:
        return LogNormal(mean_=self.mean_ * factor, sd=self.sd * factor, unit=unit)

    @property
    def is_constant(self) -> bool:
        return self.sd == 0

    def _draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        if self.sd == 0:
            return np.full(size, self.mean_)
        s2 = math.log1p((self.sd / self.mean_) ** 2)
        mu = math.log(self.mean_) - s2 / 2
        return rng.lognormal(mu, math.sqrt(s2), size)


class Normal(_Dist):
    """Normal truncated at 0: ``normal(mean=1h, sd=20min)``.

    :meth:`mean` is the mean of the truncated variable, which static analysis uses.

    Examples
    --------
    >>> round(parse_duration("normal(mean=0h, sd=1h)").mean(), 4)   # sd * sqrt(2/pi)
    0.7979
    """

    dist: Literal["normal"] = "normal"
    mu: float = Field(alias="mean")
    sd: float = Field(ge=0)

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @model_validator(mode="after")
    def _positive_mass(self) -> Normal:
        if self.sd == 0 and self.mu < 0:
            raise ValueError(f"with sd 0 the mean {_fmt(self.mu)} must not be negative")
        return self

    def _params(self) -> dict[str, Any]:
        return {"mu": self.mu, "sd": self.sd}

    def scaled(self, factor: float, unit: Unit) -> _Dist:
        return Normal(mu=self.mu * factor, sd=self.sd * factor, unit=unit)

    @property
    def is_constant(self) -> bool:
        return self.sd == 0

    def mean(self) -> float:
        if self.sd == 0:
            return max(self.mu, 0.0)
        a = -self.mu / self.sd
        pdf = math.exp(-a * a / 2) / math.sqrt(2 * math.pi)
        tail = 0.5 * math.erfc(a / math.sqrt(2))  # P(Z > a)
        if tail < 1e-300:
            return 0.0
        return self.mu + self.sd * pdf / tail

    def _draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        if self.sd == 0:
            return np.full(size, max(self.mu, 0.0))
        out = rng.normal(self.mu, self.sd, size)
        bad = out < 0
        # rejection sampling: truncation, not clipping (the mean must match mean())
        for _ in range(1000):
            n = int(bad.sum())
            if n == 0:
                break
            out[bad] = rng.normal(self.mu, self.sd, n)
            bad = out < 0
        else:  # pragma: no cover - only for means many sd below zero
            out[bad] = 0.0
        return out


class Empirical(_Dist):
    """One of the listed values, each with equal probability: ``empirical([1h, 2h, 4h])``."""

    dist: Literal["empirical"] = "empirical"
    values: tuple[float, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _non_negative(self) -> Empirical:
        neg = [v for v in self.values if v < 0]
        if neg:
            raise ValueError(f"values must not be negative, got {_fmt(neg[0])}")
        return self

    @property
    def is_constant(self) -> bool:
        return len(set(self.values)) == 1

    def mean(self) -> float:
        return float(sum(self.values) / len(self.values))

    def _draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.choice(np.asarray(self.values, dtype=float), size)


_Part = Annotated[
    Constant | Exponential | Triangular | Uniform | LogNormal | Normal | Empirical,
    Field(discriminator="dist"),
]


class Sum(_Dist):
    """The sum of independent durations: ``exp(30min) + 10min`` (e.g. two merged steps).

    Examples
    --------
    >>> d = parse_duration("exp(30min) + 1h")
    >>> d.unit, d.mean(), str(d)
    ('min', 90.0, 'exp(30min) + 60min')
    """

    dist: Literal["sum"] = "sum"
    parts: tuple[_Part, ...] = Field(min_length=2)

    @model_validator(mode="after")
    def _one_unit(self) -> Sum:
        units = {p.unit for p in self.parts}
        if units != {self.unit}:
            raise ValueError(f"parts of a sum must share its unit '{self.unit}', got {units}")
        return self

    @property
    def is_constant(self) -> bool:
        return all(p.is_constant for p in self.parts)

    def mean(self) -> float:
        return float(sum(p.mean() for p in self.parts))

    def _draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        total = np.zeros(size)
        for p in self.parts:
            total += p.sample(rng, size)
        return total

    def scaled(self, factor: float, unit: Unit) -> _Dist:
        return Sum(unit=unit, parts=tuple(p.scaled(factor, unit) for p in self.parts))


def add_durations(a: _Dist, b: _Dist) -> _Dist:
    """``a + b``: a constant when both are constant, else a :class:`Sum`.

    Examples
    --------
    >>> str(add_durations(parse_duration("1h"), parse_duration("30min")))
    '90min'
    >>> str(add_durations(parse_duration("exp(1h)"), parse_duration("2d")))
    'exp(1h) + 48h'
    >>> add_durations(parse_duration("1wd"), parse_duration("1h"))
    Traceback (most recent call last):
    ...
    flowkit.DurationError: cannot add '1wd' and '1h': ...
    """
    if a.is_zero:
        return b
    if b.is_zero:
        return a
    if (a.unit == "wd") != (b.unit == "wd"):
        raise DurationError(
            f"cannot add '{a}' and '{b}': a working day's length depends on the calendar; "
            "write both in wd or both in min/h/d/w"
        )
    unit: Unit = "wd" if a.unit == "wd" else min(a.unit, b.unit, key=_ORDER.index)

    def to(d: _Dist) -> _Dist:
        return d if d.unit == unit else d.scaled(_MINUTES[d.unit] / _MINUTES[unit], unit)

    a2, b2 = to(a), to(b)
    if a2.is_constant and b2.is_constant:
        return Constant(value=a2.mean() + b2.mean(), unit=unit)
    parts: list[_Dist] = []
    for d in (a2, b2):
        parts.extend(d.parts if isinstance(d, Sum) else [d])
    return Sum(unit=unit, parts=tuple(parts))


_CLASSES: dict[str, type[_Dist]] = {
    "constant": Constant,
    "exponential": Exponential,
    "triangular": Triangular,
    "uniform": Uniform,
    "lognormal": LogNormal,
    "normal": Normal,
    "empirical": Empirical,
    "sum": Sum,
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
            total: _Dist = parse_duration(terms[0])
            for t in terms[1:]:
                total = add_durations(total, parse_duration(t))
            return total
    if isinstance(value, str):
        m = _CALL.match(value)
        if m:
            name = m.group(1).lower()
            dist = _DIST_ALIASES.get(name)
            if dist is None:
                raise DurationError(
                    f"'{value}': unknown distribution '{m.group(1)}': use exp, tri, uniform, "
                    "lognorm, normal or empirical"
                )
            inner = m.group(2).strip()
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
                    k = {"lo": "low", "hi": "high", "min": "low", "max": "high",
                         "std": "sd", "sigma": "sd", "mu": "mean", "c": "mode"}.get(k, k)
                    params[k] = v
                elif i < len(names):
                    params[names[i]] = arg
                else:
                    raise DurationError(
                        f"'{value}': {dist} takes {len(names)} value(s) "
                        f"({', '.join(names)}), got {len(args)}"
                    )
            return _build(dist, params, value)
    amount, unit = _quantity(value)
    return Constant(value=amount, unit=unit)


def _parse_structured(data: dict[str, Any]) -> _Dist:
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


def format_duration(d: _Dist) -> str:
    """The text form of a duration, which :func:`parse_duration` reads back.

    Examples
    --------
    >>> format_duration(parse_duration({"dist": "exponential", "mean": "25min"}))
    'exp(25min)'
    >>> format_duration(parse_duration("lognorm(mean=2h, sd=1h)"))
    'lognorm(mean=2h, sd=1h)'
    """
    u = d.unit

    def q(x: float) -> str:
        if x < 0:
            return f"-{_fmt(-x)}{u}"
        return f"{_fmt(x)}{u}"

    if isinstance(d, Constant):
        return q(d.value)
    if isinstance(d, Exponential):
        return f"exp({q(d.mean_)})"
    if isinstance(d, Triangular):
        return f"tri({q(d.low)}, {q(d.mode)}, {q(d.high)})"
    if isinstance(d, Uniform):
        return f"uniform({q(d.low)}, {q(d.high)})"
    if isinstance(d, LogNormal):
        return f"lognorm(mean={q(d.mean_)}, sd={q(d.sd)})"
    if isinstance(d, Normal):
        return f"normal(mean={q(d.mu)}, sd={q(d.sd)})"
    if isinstance(d, Empirical):
        return "empirical([" + ", ".join(q(v) for v in d.values) + "])"
    if isinstance(d, Sum):
        return " + ".join(format_duration(p) for p in d.parts)
    raise TypeError(type(d).__name__)  # pragma: no cover


def _coerce(value: Any) -> Any:
    if isinstance(value, _Dist):
        return value
    try:
        return parse_duration(value)
    except DurationError as exc:
        raise ValueError(str(exc)) from None


#: A duration field: text or structured input, stored as a distribution model,
#: written back as text.
Duration = Annotated[
    Constant | Exponential | Triangular | Uniform | LogNormal | Normal | Empirical | Sum,
    Field(discriminator="dist"),
    BeforeValidator(_coerce),
    PlainSerializer(format_duration, return_type=str),
]

ZERO = Constant(value=0.0, unit="h")
