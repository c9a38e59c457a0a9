"""``compare``: scenarios side by side, static and simulated, with paired confidence intervals."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.analyze import Analysis, analyze
from ..analysis.doing_business import DoingBusiness
from ..analysis.load import offered_load, overload_message, warn_overload
from ..errors import FlowkitError, SimulationError
from ..kpis import BREAKDOWN_ROWS, COMPARE_ROWS, KPIS, RATIO_ROWS, label_en, label_zh
from ..model.calendar import warn_uncovered
from ..model.process import Process
from ..model.render import render, repr_html
from ..model.seeds import (
    DEFAULT_N_CASES,
    DEFAULT_REPLICATIONS,
    DEFAULT_SEED,
    SeedLike,
    resolve_seed,
)
from .results import Result
from .simulate import collecting_calendar, collecting_overload, simulate
from .stats import t_quantile

__all__ = ["Comparison", "compare"]

@dataclass
class Comparison:
    """Scenarios side by side (see :func:`compare`).

    Attributes
    ----------
    scenarios : dict of str to Process
    analyses : dict of str to Analysis
    results : dict of str to Result
    table : pandas.DataFrame
        Indexed by KPI id: a column per scenario, then ``delta``, ``change_pct``,
        ``ci_low``, ``ci_high``, ``significant``, ``improved`` (versus the first
        scenario; with more than two scenarios each suffixed ``:name``), then
        ``better`` (the registry's direction), ``source`` (static/simulated) and
        labels. Static rows are exact: their ``ci_low``/``ci_high`` are NaN and
        ``significant`` is ``pd.NA``. ``improved`` is True when the change goes the
        ``better`` way, False when it goes against it, ``pd.NA`` when the KPI is
        descriptive or unchanged (a simulated row whose paired interval holds 0
        counts as unchanged). Yes/no KPIs (``one_visit``) show ``True``/``False``;
        their ``change_pct`` is NaN.
    ratios : pandas.DataFrame
        The reduction ratios reports quote (跑动减少率, 减材料率, 办理时间缩短率 …).

    Rows, labels and sources come from the KPI registry (:func:`flowkit.kpis`).
    """

    scenarios: dict[str, Process]
    analyses: dict[str, Analysis]
    doing_business: dict[str, DoingBusiness]
    results: dict[str, Result]
    common_random_numbers: bool
    level: float = 0.95
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def names(self) -> list[str]:
        return list(self.scenarios)

    @cached_property
    def table(self) -> pd.DataFrame:
        names = self.names
        base = names[0]
        rows: list[dict[str, Any]] = []
        for kpi in (k for k in COMPARE_ROWS if KPIS[k].source == "static"):
            attr, zh, en = KPIS[kpi].of, label_zh(kpi), label_en(kpi)
            vals = {n: _static(self.analyses[n], self.doing_business[n], attr) for n in names}
            if all(math.isnan(v) for v in vals.values()):
                continue
            row: dict[str, Any] = {"kpi": kpi, **_shown(kpi, vals)}
            for other in names[1:]:
                d = vals[other] - vals[base]
                row.update(_delta_cols(other, names, d, vals[base], math.nan, math.nan,
                                       None))
                if KPIS[kpi].unit == "bool":  # a percent change of a yes/no is meaningless
                    row[_col("change_pct", other, names)] = math.nan
                row[_col("improved", other, names)] = _improved(kpi, d, True)
            row.update({"better": KPIS[kpi].better, "source": "static", "label_zh": zh,
                        "label_en": en})
            rows.append(row)
        for kpi in (k for k in COMPARE_ROWS if KPIS[k].source == "simulated"):
            col, stat, zh, en = KPIS[kpi].of, KPIS[kpi].stat, label_zh(kpi), label_en(kpi)
            per_rep = {n: _per_replication(self.results[n], col, stat) for n in names}
            if any(v is None for v in per_rep.values()):
                continue
            vals = {n: _pooled(self.results[n], col, stat) for n in names}
            row = {"kpi": kpi, **vals}
            for other in names[1:]:
                diff = per_rep[other] - per_rep[base]  # type: ignore[operator]
                d = vals[other] - vals[base]
                lo, hi = _paired_ci(diff, self.level)
                sig = bool(lo > 0 or hi < 0)
                row.update(_delta_cols(other, names, d, vals[base], lo, hi, sig))
                row[_col("improved", other, names)] = _improved(kpi, d, sig)
            row.update({"better": KPIS[kpi].better, "source": "simulated", "label_zh": zh,
                        "label_en": en})
            rows.append(row)
        return _typed(pd.DataFrame(rows).set_index("kpi"))

    def breakdown(self) -> pd.DataFrame:
        """Where the days go, before and after: the rows of :attr:`table` for the parts
        of the elapsed time (:data:`flowkit.kpis.BREAKDOWN_ROWS`, calendar days), with
        each scenario's mean, the paired change and its interval."""
        t = self.table
        return t.loc[[k for k in BREAKDOWN_ROWS if k in t.index]]

    @cached_property
    def ratios(self) -> pd.DataFrame:
        """Reduction ratios versus the first scenario (fractions: 0.25 = 25 % fewer)."""
        t = self.table
        names = self.names
        rows = []
        for rid in RATIO_ROWS:
            kpi, zh, en = KPIS[rid].of, label_zh(rid), label_en(rid)
            if kpi not in t.index:
                continue
            base = float(t[names[0]].to_dict()[kpi])
            row: dict[str, Any] = {"ratio": rid, "kpi": kpi, "label_zh": zh, "label_en": en}
            for other in names[1:]:
                v = float(t[other].to_dict()[kpi])
                row[other] = (base - v) / base if base else math.nan
            rows.append(row)
        return pd.DataFrame(rows).set_index("ratio")

    def to_html(self, path: str | Path, *, inputs: Sequence[str | Path] | None = None) -> Path:
        """One self-contained HTML file (no network): the headline, the KPI table with
        paired intervals, the figures, the levers in Chinese and a footer stating the
        run (``inputs``: the files the scenarios were loaded from, named there)."""
        p = Path(path)
        names = [str(x) for x in inputs] if inputs else None
        p.write_text(render("comparison_report_html", self, inputs=names), encoding="utf-8")
        return p

    def to_excel(self, path: str | Path, *, cases: bool | None = None) -> Path:
        """An Excel workbook: 摘要 (headline and KPI table) first, then 改革成效, 改革举措
        and, with ``cases`` (default: only up to 2,000 cases in all), one sheet of cases
        per scenario. Needs ``pip install "flowkit[excel]"``."""
        out: Path = render("comparison_excel", self, Path(path), cases=cases)
        return out

    def _repr_html_(self) -> str:
        return repr_html("comparison_html", self)


def _static(a: Analysis, db: DoingBusiness, attr: str) -> float:
    if attr.startswith("db."):
        return float(getattr(db, attr[3:]))
    return float(getattr(a, attr))


def _col(name: str, other: str, names: list[str]) -> str:
    """A delta column's name: plain with two scenarios, ``name:other`` with more."""
    return name if len(names) == 2 else f"{name}:{other}"


def _shown(kpi: str, vals: dict[str, float]) -> dict[str, Any]:
    """Scenario values as the table shows them: a yes/no KPI as ``bool``."""
    if KPIS[kpi].unit != "bool":
        return dict(vals)
    return {n: bool(v) if not math.isnan(v) else pd.NA for n, v in vals.items()}


def _improved(kpi: str, d: float, changed: bool) -> Any:
    """True when the change ``d`` goes the KPI's better way, False when worse.

    ``pd.NA`` when the KPI is descriptive (``better`` is None), when it did not
    change (``|d|`` ≤ 1e-12, or, for a simulated row, ``changed`` is False: the
    paired interval holds 0), or when ``d`` is unknown.
    """
    better = KPIS[kpi].better
    if better is None or not changed or math.isnan(d) or abs(d) <= 1e-12:
        return pd.NA
    return bool(d < 0) if better == "lower" else bool(d > 0)


def _typed(t: pd.DataFrame) -> pd.DataFrame:
    """``significant*``/``improved*`` as nullable booleans (NA: static or unchanged)."""
    for col in t.columns:
        if str(col).startswith(("significant", "improved")):
            t[col] = t[col].astype("boolean")
    if "better" in t:  # None (descriptive) stays None, as in ``fk.kpis()``
        t["better"] = pd.Series([KPIS[k].better for k in t.index], index=t.index,
                                dtype=object)
    return t


def _delta_cols(other: str, names: list[str], d: float, base: float, lo: float, hi: float,
                sig: bool | None) -> dict[str, Any]:
    suffix = "" if len(names) == 2 else f":{other}"
    pct = 100.0 * d / base if base else (0.0 if d == 0 else math.nan)
    return {f"delta{suffix}": d, f"change_pct{suffix}": pct, f"ci_low{suffix}": lo,
            f"ci_high{suffix}": hi, f"significant{suffix}": pd.NA if sig is None else sig}


def _values(r: Result, col: str) -> pd.Series | None:
    c = r.cases
    if col not in c:
        return None
    v = pd.to_numeric(c[col], errors="coerce").astype(float)
    if v.isna().all():
        return None
    return v


def _per_replication(r: Result, col: str, stat: str) -> np.ndarray | None:
    v = _values(r, col)
    if v is None:
        return None
    g = v.groupby(r.cases["replication"].to_numpy())
    out = g.mean() if stat == "mean" else g.quantile(0.9)
    return out.to_numpy(dtype=float)


def _pooled(r: Result, col: str, stat: str) -> float:
    v = _values(r, col)
    assert v is not None
    return float(v.mean() if stat == "mean" else v.quantile(0.9))


def _paired_ci(diff: np.ndarray, level: float) -> tuple[float, float]:
    n = len(diff)
    m = float(np.mean(diff))
    if n < 2:
        return math.nan, math.nan
    half = t_quantile(n - 1, level) * float(np.std(diff, ddof=1)) / math.sqrt(n)
    return m - half, m + half


def compare(
    scenarios: Mapping[str, Process] | Sequence[Process],
    *,
    n_cases: int = DEFAULT_N_CASES,
    seed: SeedLike = DEFAULT_SEED,
    replications: int = DEFAULT_REPLICATIONS,
    common_random_numbers: bool = True,
    warmup: int = 0,
    start: Any = None,
    keep_events: bool = False,
    level: float = 0.95,
    n_jobs: int = 1,
    executor: Executor | None = None,
    progress: bool | None = None,
) -> Comparison:
    """Compare scenarios (现状 vs 改革后 …) statically and by simulation.

    Every scenario is analysed exactly and simulated with the same settings. With
    ``common_random_numbers`` (the default) they share the seed, so the same cases
    arrive at the same times and, at steps present in several scenarios, get the same
    work: differences come from the redesign, not from luck, and the paired
    confidence intervals of the differences are narrow.

    Parameters
    ----------
    scenarios : dict of name to Process, or a sequence of Process (named by their names)
        The first is the reference for differences.
    n_cases, replications, warmup, start, keep_events, n_jobs, executor, progress
        As for :func:`flowkit.simulate` (defaults ``DEFAULT_N_CASES`` = 1,000 cases and
        ``DEFAULT_REPLICATIONS`` = 5 replications; ``progress`` shows a bar per
        scenario, by default for large runs only).
    seed : int, numpy.random.Generator, numpy.random.SeedSequence or None
        Seed of the comparison (see :func:`flowkit.model.seeds.resolve_seed`): an
        ``int`` >= 0, a ``Generator`` (one draw is taken from it), a
        ``SeedSequence``, or ``None`` (the default: fresh entropy). Each scenario's
        ``Result.seed`` records the ``int`` it ran with.
    common_random_numbers : bool
        Share random numbers across scenarios (else each gets its own seed, derived
        from ``seed``).
    level : float
        Confidence level of the intervals.

    Returns
    -------
    Comparison

    Raises
    ------
    FlowkitError
        With fewer than two scenarios, repeated names, a scenario that is not a
        Process, or a ``seed`` that is not one of the accepted kinds.
    SimulationError
        When ``level`` is not between 0 and 1, or the simulation cannot run as asked.

    Examples
    --------
    >>> import flowkit as fk
    >>> p = fk.load("examples/jiaxing_swimming_pool/current.yaml")
    >>> q = fk.redesign(p, fk.levers.share_data(), fk.levers.mail_delivery())
    >>> c = fk.compare({"现状": p, "改革后": q}, n_cases=100, seed=1, replications=3,
    ...                start="2025-03-03")  # a year every holiday data set covers
    >>> c.table.loc["visits", ["现状", "改革后", "delta"]].astype(float).round(3).tolist()
    [4.176, 2.176, -2.0]
    >>> c.table.loc["one_visit", ["现状", "改革后"]].tolist()  # yes/no as booleans
    [False, False]
    >>> t = c.table
    >>> t.loc["visits", "better"], bool(t.loc["visits", "improved"])
    ('lower', True)
    >>> t.loc["visits", "significant"] is pd.NA  # exact: no interval
    True
    >>> # a simulated row has a paired interval; improved is NA unless significant
    >>> t.loc["days", "better"], bool(t.loc["days", "ci_low"] <= t.loc["days", "ci_high"])
    ('lower', True)
    """
    items = _scenarios(scenarios)
    root = resolve_seed(seed)
    if not 0 < level < 1:
        raise SimulationError(f"level={level!r}: give a confidence level between 0 and 1")
    _warn_overload(items)
    analyses, dbs, results = {}, {}, {}
    with collecting_calendar() as years:  # warned once below, for every scenario
        for k, (n, p) in enumerate(items):
            analyses[n] = analyze(p)
            dbs[n] = analyses[n].doing_business()
            s = root if common_random_numbers else int(
                np.random.SeedSequence([root, k]).generate_state(1)[0])
            with collecting_overload():  # warned once above, for every scenario
                results[n] = simulate(p, n_cases=n_cases, seed=s, replications=replications,
                                      warmup=warmup, start=start, keep_events=keep_events,
                                      n_jobs=n_jobs, executor=executor, progress=progress)
    warn_uncovered(sorted(years), stacklevel=2)  # points at the caller of compare
    return Comparison(scenarios=dict(items), analyses=analyses, doing_business=dbs,
                      results=results, common_random_numbers=common_random_numbers,
                      level=level)


def _warn_overload(items: list[tuple[str, Process]]) -> None:
    """One ``OverloadWarning`` for the whole comparison, naming each scenario's departments."""
    msgs = [m for n, p in items if (m := overload_message(offered_load(p), n)) is not None]
    warn_overload(msgs, stacklevel=3)  # points at the caller of compare


def _scenarios(scenarios: Mapping[str, Process] | Sequence[Process]) -> list[tuple[str, Process]]:
    """The named scenarios, checked: at least two, distinct names, each a Process."""
    if isinstance(scenarios, Mapping):
        items = list(scenarios.items())
    else:
        items = [(p.name if isinstance(p, Process) else f"[{i}]", p)
                 for i, p in enumerate(scenarios)]
    if len(items) < 2:
        raise FlowkitError("compare needs at least two scenarios (e.g. {'现状': p, '改革后': q})")
    names = [n for n, _ in items]
    if len(set(names)) != len(names):
        raise FlowkitError(f"scenario names must differ; got {names}")
    for n, p in items:
        if not isinstance(p, Process):
            raise FlowkitError(f"scenario '{n}' is not a Process: load files with flowkit.load")
    return items
