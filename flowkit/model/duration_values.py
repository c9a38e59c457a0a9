"""Duration values: the distribution models, their means, sampling and text form.

Every distribution is a frozen model that stores its parameters as numbers in
one ``unit`` (``min``, ``h``, ``d``, ``w`` or ``wd``; see :mod:`flowkit.model.durations`
for what each means). This module knows nothing of the text grammar: reading
``'exp(30min)'`` is :mod:`flowkit.model.duration_grammar`'s job, which imports
this module and never the other way round. :func:`format_duration` writes the text
form the grammar reads back.

The docstrings of the models are also their descriptions in the pinned JSON
schema of the file format, and their examples are written in the grammar: the
package's ``conftest.py`` gives these doctests :func:`~flowkit.parse_duration`.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..errors import DurationError

__all__ = [
    "ZERO",
    "Constant",
    "Empirical",
    "Exponential",
    "LogNormal",
    "Normal",
    "Sum",
    "Triangular",
    "Uniform",
    "Unit",
    "add_durations",
    "format_duration",
]

Unit = Literal["min", "h", "d", "w", "wd"]

#: length of each elapsed unit in minutes
_MINUTES: dict[str, float] = {"min": 1.0, "h": 60.0, "d": 1440.0, "w": 10080.0}
_ORDER = ["min", "h", "d", "w"]

def _fmt(x: float) -> str:
    """Shortest text of a number: ``30.0`` -> ``30``, ``0.5`` -> ``0.5``."""
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(float(x))


class _Dist(BaseModel):
    """The base of every distribution: parameters in ``unit``, mean, sampling."""

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
        >>> d = Uniform(low=1, high=2, unit="h")
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
    >>> from flowkit import parse_duration
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
    >>> from flowkit import parse_duration
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
        if self.sd > 0 and 0.5 * math.erfc(self.mu / self.sd / math.sqrt(2)) > 1 - 1e-9:
            raise ValueError(
                "draws are negative with probability above 1 - 1e-9: almost every draw "
                "would be cut at 0; give a mean at most 6 sd below 0"
            )
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
    >>> from flowkit import parse_duration
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
    >>> h, wd = Constant(value=1, unit="h"), Constant(value=1, unit="wd")
    >>> str(add_durations(h, Constant(value=30, unit="min")))
    '90min'
    >>> str(add_durations(Exponential(mean=1, unit="h"), Constant(value=2, unit="d")))
    'exp(1h) + 48h'
    >>> add_durations(wd, h)
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

def format_duration(d: _Dist) -> str:
    """The text form of a duration, which :func:`~flowkit.parse_duration` reads back.

    Examples
    --------
    >>> format_duration(Exponential(mean=25, unit="min"))
    'exp(25min)'
    >>> format_duration(LogNormal(mean=2, sd=1, unit="h"))
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


#: the zero duration, the default of every optional duration field
ZERO = Constant(value=0.0, unit="h")
