"""Simulation results: per-case rows, the event log, summaries and utilisation."""

from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import FlowkitError
from ..kpis import KPIS, SUMMARY_ROWS
from ..model.calendar import Calendar
from ..model.render import repr_html
from ..model.worktime import make_clock
from .engine import RepOutput
from .parts import BREAKDOWN
from .stats import batch_means, mean_ci, settles

__all__ = ["Result"]

TZ = "Asia/Shanghai"


@dataclass
class _Meta:
    process_names: list[str]
    step_ids: list[list[str]]
    step_names: list[list[str]]
    type_ids: list[list[str]]
    dept_ids: list[str]
    dept_names: list[str]
    dept_staff: list[int]
    start: dt.datetime
    seed: int
    n_cases: list[int | None]
    warmup: int
    dept_calendars: list[Calendar] = field(default_factory=list)


@dataclass
class Result:
    """What :func:`flowkit.simulate` returns.

    Attributes
    ----------
    cases : pandas.DataFrame
        One row per case (``case`` 0..n-1 within each ``replication``).
    events : pandas.DataFrame
        The event log: one row per step executed (empty with ``keep_events=False``).
    seed : int
        The ``int`` the seed given to :func:`flowkit.simulate` resolved to (see
        :func:`flowkit.model.seeds.resolve_seed`; fresh entropy when none was given):
        passing it as ``seed`` reproduces the run.
    """

    meta: _Meta = field(repr=False)
    outputs: list[RepOutput] = field(repr=False)

    @property
    def seed(self) -> int:
        """The seed of the run, as the ``int`` that reproduces it."""
        return self.meta.seed

    @property
    def replications(self) -> int:
        """Number of replications."""
        return len(self.outputs)

    # -- cases -------------------------------------------------------------------
    def _column(self, table: str, name: str, release: bool = False) -> np.ndarray:
        """A raw column over every replication; ``release`` drops the raw copy (the
        tables are built once and cached, so large runs never hold two copies)."""
        parts = []
        for out in self.outputs:
            data = getattr(out, table)
            if data is None:
                continue
            if name == "replication":
                n = len(next(iter(data.values()))) if data else 0
                parts.append(np.full(n, out.replication, dtype=np.int32))
            else:
                parts.append(data.pop(name) if release else data[name])
        return np.concatenate(parts) if parts else np.zeros(0)

    @cached_property
    def cases(self) -> pd.DataFrame:
        """One row per case: times, figures and whether the time limits were met."""
        m = self.meta
        col = self._column
        reps = col("cases", "replication")
        order = np.lexsort((col("cases", "case"), col("cases", "process"), reps))

        def take(name: str) -> np.ndarray:
            return (reps if name == "replication" else col("cases", name, release=True))[order]

        base = pd.Timestamp(m.start).tz_localize(TZ)
        arrival_min, done_min = take("arrival"), take("done")
        proc = take("process").astype(np.int64)
        ctype = take("case_type").astype(np.int64)
        visits = take("visits")
        wd = take("workdays")
        clock = take("clock_workdays")
        parts = {name: take(name) / 1440.0 for name in BREAKDOWN}  # where the days go
        tl = take("time_limit")
        ll = take("legal_limit")
        data: dict[str, Any] = {
            "case": take("case").astype(np.int64),
            "replication": take("replication").astype(np.int64),
        }
        if len(m.process_names) > 1:
            data["process"] = _from_codes(proc, categories=m.process_names)
        if any(m.type_ids):
            names = sorted({t for ts in m.type_ids for t in ts})
            codes = np.full(len(ctype), -1, dtype=np.int64)
            for pi, ts in enumerate(m.type_ids):
                for ti, t in enumerate(ts):
                    codes[(proc == pi) & (ctype == ti)] = names.index(t)
            data["case_type"] = _from_codes(codes, categories=names)
        data |= {
            "arrival": base + pd.to_timedelta(arrival_min, unit="min"),
            "done": base + pd.to_timedelta(done_min, unit="min"),
            "days": (done_min - arrival_min) / 1440.0,
            "workdays": wd,
            "visits": visits.astype(np.int64),
            "closing_visits": take("closing_visits").astype(np.int64),
            "one_visit": visits <= 1,
            "zero_visit": visits == 0,
        }
        for name in ("handoffs", "cross_department", "cross_level", "cross_region",
                     "by_applicant", "materials", "steps", "departments",
                     "distinct_materials", "applicant_steps"):
            data[name] = take(name).astype(np.int64)
        data |= {
            "fee": take("fee"),
            "touch_hours": take("touch") / 60.0,
            "queue_hours": parts["t_queue"] * 24.0,
            "wait_hours": take("wait") / 60.0,
            "staff_cost": take("staff_cost"),
            "applicant_hours": take("applicant") / 60.0,
            "clock_workdays": clock,
            "time_limit": tl,
            "within_time_limit": _within(clock, tl),
            "legal_limit": ll,
            "within_legal_limit": _within(clock, ll),
        }
        data |= parts
        return pd.DataFrame(data, copy=False)

    # -- events ------------------------------------------------------------------
    @cached_property
    def events(self) -> pd.DataFrame:
        """The event log: ``case, replication, step, step_name, department, resource,
        enabled, start, end`` (and ``process`` when several ran together)."""
        m = self.meta
        cols = ["case", "replication", "step", "step_name", "department", "resource",
                "enabled", "start", "end"]
        if all(o.events is None for o in self.outputs):
            return pd.DataFrame({c: [] for c in cols})
        col = self._column
        reps = col("events", "replication")
        order = np.lexsort((col("events", "end"), col("events", "start"), col("events", "case"),
                            col("events", "process"), reps))

        def take(name: str) -> np.ndarray:
            return (reps if name == "replication" else col("events", name, release=True))[order]

        proc = take("process").astype(np.int64)
        step = take("step").astype(np.int64)
        dept = take("dept").astype(np.int64)
        unit = take("unit").astype(np.int64)
        # categorical codes: steps of every process, staff of every department
        offsets = np.cumsum([0, *[len(ids) for ids in m.step_ids]])
        step_code = offsets[proc] + step
        flat_ids = [sid for ids in m.step_ids for sid in ids]
        flat_names = [name for names in m.step_names for name in names]
        res_cats: list[str] = []
        res_offset = []
        for d, did in enumerate(m.dept_ids):
            res_offset.append(len(res_cats))
            res_cats.append(did)  # steps without staff (no work)
            res_cats.extend(f"{did}#{u + 1}" for u in range(m.dept_staff[d]))
        res_code = np.asarray(res_offset)[dept] + unit + 1
        base = pd.Timestamp(m.start).tz_localize(TZ)
        data: dict[str, Any] = {
            "case": take("case").astype(np.int64),
            "replication": take("replication").astype(np.int64),
            "step": _categorical(step_code, flat_ids),
            "step_name": _categorical(step_code, flat_names),
            "department": _from_codes(dept, categories=m.dept_ids),
            "resource": _from_codes(res_code, categories=res_cats),
            "enabled": base + pd.to_timedelta(take("enabled"), unit="min"),
            "start": base + pd.to_timedelta(take("start"), unit="min"),
            "end": base + pd.to_timedelta(take("end"), unit="min"),
        }
        if len(m.process_names) > 1:
            data = {"process": _from_codes(proc, categories=m.process_names),
                    **data}
        return pd.DataFrame(data, copy=False)

    # -- statistics --------------------------------------------------------------
    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """One row per KPI: ``mean, ci_low, ci_high, p50, p90, max`` (and labels).

        The confidence interval is a t interval over replication means when there
        are several replications, else over 20 batch means of the one run (cases in
        arrival order). Percentiles and the maximum are over all cases. Rows and
        labels come from the KPI registry (:func:`flowkit.kpis`): the shares of cases
        with at most one visit and with none are ``one_visit_share`` and
        ``zero_visit_share`` (the means of the columns ``one_visit``, ``zero_visit``).

        Examples
        --------
        >>> import flowkit as fk
        >>> p = fk.loads('''
        ... name: t
        ... calendar: always
        ... arrivals: {every: exp(1h)}
        ... departments: [{id: a, staff: 2}]
        ... steps: [{id: s, department: a, channel: counter, work: exp(30min)}]
        ... ''')
        >>> s = fk.simulate(p, n_cases=200, seed=1, replications=3).summary()
        >>> float(s.loc["visits", "mean"]), list(s.columns[:6])
        (1.0, ['mean', 'ci_low', 'ci_high', 'p50', 'p90', 'max'])
        """
        c = self.cases
        rows = []
        by_arrival = _arrival_groups(c)
        for kpi in SUMMARY_ROWS:
            info = KPIS[kpi]
            if info.of not in c:
                continue
            col = c[info.of]
            values = pd.to_numeric(col, errors="coerce").astype(float).to_numpy()
            if np.all(np.isnan(values)):
                continue
            if self.replications >= 2:
                per_rep = (
                    pd.Series(values).groupby(c["replication"].to_numpy()).mean().to_numpy()
                )
                mean, lo, hi = mean_ci(per_rep, level)
                mean = float(np.nanmean(values))
            else:
                order = np.argsort(c["arrival"].to_numpy(), kind="stable")
                mean = float(np.nanmean(values))
                _, lo, hi = mean_ci(batch_means(values[order]), level)
                # centre the interval on the run mean (batch means drop a tail)
                half = (hi - lo) / 2 if not math.isnan(lo) else math.nan
                lo, hi = mean - half, mean + half
            finite = values[~np.isnan(values)]
            rows.append({
                "kpi": kpi, "mean": mean, "ci_low": lo, "ci_high": hi,
                "p50": float(np.percentile(finite, 50)) if len(finite) else math.nan,
                "p90": float(np.percentile(finite, 90)) if len(finite) else math.nan,
                "max": float(finite.max()) if len(finite) else math.nan,
                "label_zh": info.label_zh, "label_en": info.label_en,
                "stable": _settles(values, by_arrival, info.better),
            })
        return pd.DataFrame(rows).set_index("kpi")

    def breakdown(self, level: float = 0.95) -> pd.DataFrame:
        """Where the days go: the mean parts of a case's elapsed time.

        One row per part of :data:`flowkit.kpis.BREAKDOWN_ROWS` (columns of
        :attr:`cases`, in calendar days, along the path that determined each case's
        completion; they add up to ``days``): ``days`` (the mean), ``ci_low``,
        ``ci_high`` (as in :meth:`summary`), ``share`` (of the mean ``days``) and the
        labels.

        Examples
        --------
        >>> import flowkit as fk
        >>> p = fk.loads('''
        ... name: t
        ... calendar: always
        ... arrivals: {every: 1d}
        ... departments: [{id: a}]
        ... steps: [{id: s, department: a, work: 6h, wait: 18h}]
        ... ''')
        >>> b = fk.simulate(p, n_cases=20, seed=1, replications=2).breakdown()
        >>> b["days"].round(2).tolist()          # work, queue, closed, wait, transfer, applicant
        [0.25, 0.0, 0.0, 0.75, 0.0, 0.0]
        >>> b["share"].round(2).tolist()
        [0.25, 0.0, 0.0, 0.75, 0.0, 0.0]
        """
        s = self.summary(level).reindex(list(BREAKDOWN))
        days = float(self.cases["days"].mean())
        out = s[["mean", "ci_low", "ci_high", "label_zh", "label_en"]].rename(
            columns={"mean": "days"})
        out.insert(3, "share", out["days"] / days if days > 0 else np.nan)
        out.index.name = "part"
        return out

    def utilization(self) -> pd.DataFrame:
        """Per department: staff, busy and open hours, utilisation (mean over runs).

        Measured over the **arrival window**, from the first to the last arrival
        of each replication: busy hours are the working time of work done inside
        it, available hours are staff × the department's open hours inside it. A
        department offered more work than it can do thus shows ≈ 100 %, not a
        figure diluted by the drain of the backlog after arrivals stop. The column
        ``window`` says which span was used: ``"arrivals"``, or ``"run"`` (from the
        start to the last completion) when the run kept no event log
        (``keep_events=False``), used a warm-up (its cases' work is not logged), or
        the arrival window holds no open time (a single arrival instant).

        Examples
        --------
        >>> import flowkit as fk
        >>> p = fk.loads('''
        ... name: t
        ... calendar: always
        ... arrivals: {at: ["2026-01-05 10:00", "2026-01-05 14:00"]}
        ... departments: [{id: d}]
        ... steps: [{id: s, department: d, work: 3h}]
        ... ''')
        >>> u = fk.simulate(p, seed=1, replications=1).utilization()
        >>> u.loc["d", ["busy_hours", "available_hours", "utilization"]].tolist()
        [3.0, 4.0, 0.75]
        >>> u.loc["d", "window"]
        'arrivals'
        """
        m = self.meta
        busy = np.array([o.busy for o in self.outputs], dtype=float)
        avail = np.array([o.available for o in self.outputs], dtype=float)
        window = ["run"] * len(m.dept_ids)
        if self._windowed():
            busy_w, avail_w = self._window_hours()
            use = np.asarray((avail_w > 0).all(axis=0), dtype=bool)
            busy[:, use], avail[:, use] = busy_w[:, use], avail_w[:, use]
            window = ["arrivals" if u else "run" for u in use.tolist()]
        with np.errstate(invalid="ignore", divide="ignore"):
            util = np.where(avail > 0, busy / avail, np.nan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a department never open
            mean_util = np.nanmean(util, axis=0) if len(util) else np.nan
        df = pd.DataFrame({
            "department": m.dept_ids,
            "name": m.dept_names,
            "staff": m.dept_staff,
            "busy_hours": busy.mean(axis=0) / 60.0,
            "available_hours": avail.mean(axis=0) / 60.0,
            "utilization": mean_util,
            "window": window,
        })
        return df.set_index("department")

    def _windowed(self) -> bool:
        """Whether busy time can be measured inside the arrival window (see utilization)."""
        m = self.meta
        return (m.warmup == 0 and len(m.dept_calendars) == len(m.dept_ids)
                and all(o.events is not None for o in self.outputs)
                and not self.events.empty)

    def _window_hours(self) -> tuple[np.ndarray, np.ndarray]:
        """Busy and available working minutes per replication and department, between
        the first and the last arrival of each replication."""
        m = self.meta
        base = pd.Timestamp(m.start).tz_localize(TZ)
        c, ev = self.cases, self.events

        def minutes(ts: pd.Series) -> np.ndarray:
            return ((ts - base) / pd.Timedelta(minutes=1)).to_numpy(dtype=float)

        arr, t_st, t_end = minutes(c["arrival"]), minutes(ev["start"]), minutes(ev["end"])
        reps_c, reps_e = c["replication"].to_numpy(), ev["replication"].to_numpy()
        dept_e = ev["department"].cat.codes.to_numpy()
        n_rep, n_dept = len(self.outputs), len(m.dept_ids)
        busy = np.zeros((n_rep, n_dept))
        avail = np.zeros((n_rep, n_dept))
        for j, cal in enumerate(m.dept_calendars):
            clock = make_clock(cal, m.start)
            for r in range(n_rep):
                a_r = arr[reps_c == r]
                if len(a_r) == 0:
                    continue
                lo, hi = float(a_r.min()), float(a_r.max())
                sel = (reps_e == r) & (dept_e == j)
                s = np.clip(t_st[sel], lo, hi)
                e = np.clip(t_end[sel], lo, hi)
                busy[r, j] = float((_worked(clock, e) - _worked(clock, s)).sum())
                avail[r, j] = m.dept_staff[j] * clock.working(lo, hi)
        return busy, avail

    # -- export ------------------------------------------------------------------
    def to_eventlog(self, path: str | Path) -> Path:
        """Write the event log for process mining: ``.csv`` or ``.xes`` (IEEE 1849-2016).

        CSV columns follow pm4py's names: ``case:concept:name``, ``concept:name``,
        ``time:timestamp`` (completion), ``start_timestamp``, ``org:resource``, plus
        ``order`` (the event's position in its case, which breaks timestamp ties) and
        the step id. Times are ISO 8601 with the +08:00 offset.
        """
        p = Path(path)
        ev = self.events
        if ev.empty:
            raise FlowkitError(
                "the result holds no events: simulate with keep_events=True to write a log"
            )
        keys = ["replication", "process", "case"] if "process" in ev else ["replication", "case"]
        ev = ev.sort_values([*keys, "end", "start"], kind="stable")
        proc = ev["process"].astype(str) + ":" if "process" in ev else ""
        case_id = proc + ev["replication"].astype(str) + "-" + ev["case"].astype(str)
        order = ev.groupby(case_id.to_numpy(), sort=False).cumcount()
        suffix = p.suffix.lower()
        if suffix == ".csv":
            out = pd.DataFrame({
                "case:concept:name": case_id.to_numpy(),
                "concept:name": ev["step_name"].to_numpy(),
                "time:timestamp": _iso(ev["end"]),
                "start_timestamp": _iso(ev["start"]),
                "org:resource": ev["resource"].to_numpy(),
                "org:group": ev["department"].to_numpy(),
                "step": ev["step"].to_numpy(),
                "order": order.to_numpy(),
            })
            out.to_csv(p, index=False, encoding="utf-8")
            return p
        if suffix == ".xes":
            _write_xes(p, case_id.to_numpy(), ev, order.to_numpy())
            return p
        raise FlowkitError(
            f"'{p.name}': to_eventlog writes .csv or .xes; choose one of those suffixes"
        )

    def _repr_html_(self) -> str:
        return repr_html("result_html", self)

    def __repr__(self) -> str:
        return (
            f"Result({', '.join(self.meta.process_names)}: {len(self.cases)} cases, "
            f"{self.replications} replication(s), seed={self.seed})"
        )


def _worked(clock: Any, t: np.ndarray) -> np.ndarray:
    """Working minutes from time 0 to each instant of ``t`` (vectorised ``done_before``)."""
    if len(t) == 0 or clock.always:
        return t
    clock.done_before(float(t.max()))  # generates the intervals up to there
    starts = np.asarray(clock.starts)
    ends = np.asarray(clock.ends)
    cum = np.asarray(clock.cum[:-1])
    i = np.searchsorted(starts, t, side="right") - 1
    ok = i >= 0
    k = np.where(ok, i, 0)
    return np.where(ok, cum[k] + np.minimum(t, ends[k]) - starts[k], 0.0)


def _arrival_groups(c: pd.DataFrame) -> list[np.ndarray]:
    """Row positions of each replication's cases in arrival order."""
    reps = c["replication"].to_numpy()
    arrival = c["arrival"].to_numpy()
    order = np.lexsort((arrival, reps))
    cuts = np.flatnonzero(np.diff(reps[order])) + 1
    return np.split(order, cuts)


def _settles(values: np.ndarray, groups: list[np.ndarray], better: str | None) -> bool:
    """``stable``: the i-th arrivals' mean over replications settles (MSER-5, see stats)."""
    n = min((len(g) for g in groups), default=0)
    if n == 0:
        return True
    grid = np.vstack([values[g[:n]] for g in groups])
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a column with no value
        series = np.nanmean(grid, axis=0)
    return settles(series, better)


def _from_codes(codes: Any, categories: list[str]) -> Any:
    return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories))


def _categorical(codes: np.ndarray, labels: list[str]) -> pd.Categorical:
    """Codes into a list of labels that may repeat (same step id in two processes)."""
    cats = list(dict.fromkeys(labels))
    remap = np.asarray([cats.index(x) for x in labels], dtype=np.int64)
    return _from_codes(remap[codes] if len(codes) else codes, categories=cats)


def _within(workdays: np.ndarray, limit: np.ndarray) -> Any:
    """Whether each case finished within its limit (NA where there is no limit)."""
    met = workdays <= limit + 1e-9
    return pd.arrays.BooleanArray(met, np.isnan(limit))


def _iso(s: pd.Series) -> Any:
    return (s.dt.strftime("%Y-%m-%dT%H:%M:%S.%f") + "+08:00").to_numpy()


def _write_xes(path: Path, case_ids: np.ndarray, ev: pd.DataFrame, order: np.ndarray) -> None:
    from xml.sax.saxutils import quoteattr

    ends = _iso(ev["end"])
    starts = _iso(ev["start"])
    names = ev["step_name"].to_numpy()
    steps = ev["step"].to_numpy()
    res = ev["resource"].to_numpy()
    groups = ev["department"].to_numpy()
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<log xes.version="1849-2016" xes.features="nested-attributes" '
        'xmlns="http://www.xes-standard.org/">',
        '  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>',
        '  <extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>',
        '  <extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>',
        '  <extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>',
        '  <global scope="trace"><string key="concept:name" value="UNKNOWN"/></global>',
        '  <global scope="event"><string key="concept:name" value="UNKNOWN"/>'
        '<date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/></global>',
        '  <classifier name="Activity" keys="concept:name"/>',
    ]
    current = None
    for k in range(len(case_ids)):
        cid = case_ids[k]
        if cid != current:
            if current is not None:
                lines.append("  </trace>")
            lines.append(f'  <trace><string key="concept:name" value={quoteattr(str(cid))}/>')
            current = cid
        lines.append(
            "    <event>"
            f'<string key="concept:name" value={quoteattr(str(names[k]))}/>'
            f'<string key="lifecycle:transition" value="complete"/>'
            f'<date key="time:timestamp" value="{ends[k]}"/>'
            f'<date key="start_timestamp" value="{starts[k]}"/>'
            f'<string key="org:resource" value={quoteattr(str(res[k]))}/>'
            f'<string key="org:group" value={quoteattr(str(groups[k]))}/>'
            f'<string key="step" value={quoteattr(str(steps[k]))}/>'
            f'<int key="order" value="{int(order[k])}"/>'
            "</event>"
        )
    if current is not None:
        lines.append("  </trace>")
    lines.append("</log>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
