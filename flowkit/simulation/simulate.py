"""``simulate``: replications of a process (or several sharing staff) on SimPy."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.load import combined_load, overload_message, warn_overload
from ..errors import DurationError, SimulationError
from ..model.calendar import uncovered_years, warn_uncovered
from ..model.durations import _Dist, parse_duration
from ..model.process import Process
from ..model.seeds import (
    DEFAULT_N_CASES,
    DEFAULT_REPLICATIONS,
    DEFAULT_SEED,
    SeedLike,
    resolve_seed,
)
from . import bounds
from .compile import CompiledModel, compile_model
from .engine import RepOutput, run_replication
from .results import Result, _Meta
from .streams import root_sequences

__all__ = ["DEFAULT_START", "simulate"]

DEFAULT_START = dt.datetime(2026, 1, 5)  # a Monday, 00:00, Asia/Shanghai local time
_AUTO_PROGRESS = 200_000  # cases x replications from which a bar is shown by default
# set by compare(): it warns once for all its scenarios, so simulate stays quiet
_OVERLOAD_COLLECTED: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "flowkit_overload_collected", default=False)
# set by compare(): the years without holiday data its scenarios reach, warned once at its end
_CALENDAR_YEARS: contextvars.ContextVar[set[int] | None] = contextvars.ContextVar(
    "flowkit_calendar_years", default=None)


def _local(value: Any, error: str) -> dt.datetime:
    """A date-time as naive local time of Asia/Shanghai (SimulationError ``error`` if none)."""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise SimulationError(error) from exc
    if pd.isna(ts):  # NaT, from nan or 'nan': no instant at all
        raise SimulationError(error)
    if ts.tzinfo is not None:
        ts = ts.tz_convert("Asia/Shanghai").tz_localize(None)
    return ts.to_pydatetime()


def _start(start: Any) -> dt.datetime:
    """The first instant of the run (default :data:`DEFAULT_START`)."""
    if start is None:
        return DEFAULT_START
    return _local(start, f"start {start!r} is not a date-time: write e.g. '2026-01-05 09:00'")


def _until(until: Any, start: dt.datetime) -> float | None:
    """Minutes after ``start`` with no arrival after them (``None``: no limit)."""
    if until is None:
        return None
    if isinstance(until, str):
        try:
            d: _Dist | None = parse_duration(until)
        except DurationError:  # not a duration: a date-time, read below
            d = None
        if d is not None:
            if d.unit == "wd":
                raise SimulationError(
                    f"until '{until}' is in working days: give calendar time ('90d') or a "
                    "date-time"
                )
            return d.minutes().mean()
    end = _local(until, f"until {until!r} is neither a duration ('90d') nor a date-time "
                        "('2026-06-30')")
    minutes = (end - start).total_seconds() / 60.0
    if minutes <= 0:
        raise SimulationError(f"until {until!r} is not after the start {start}")
    return minutes


def _task(args: tuple[Any, ...]) -> RepOutput:
    """One replication (a top-level function, so executors and joblib can pickle it)."""
    model, rep, root, kwargs = args
    return run_replication(model, rep, root, **kwargs)


def simulate(
    process: Process | Sequence[Process],
    *,
    n_cases: int | None = None,
    until: str | dt.datetime | None = None,
    seed: SeedLike = DEFAULT_SEED,
    replications: int = DEFAULT_REPLICATIONS,
    warmup: int = 0,
    start: str | dt.datetime | None = None,
    keep_events: bool = True,
    progress: bool | None = None,
    n_jobs: int = 1,
    executor: Executor | None = None,
) -> Result:
    """Simulate cases of a process on SimPy and measure each one.

    Each department's staff is a FIFO pool (case types with ``priority`` go first);
    ``work`` runs only in working hours and resumes after closing; ``wait`` in
    ``wd`` counts working days, in ``d``/``h``/``min`` elapsed time; internal
    handoffs take the process's transfer delay; fetch trips, visits (a location
    that has closed ends a visit), schedules, case types and costs follow
    ``docs/simulation.md``.

    Parameters
    ----------
    process : Process or sequence of Process
        Several processes run in one simulation; departments with the same id share
        their staff.
    n_cases : int, optional
        Cases per process and replication, after the warm-up. Default: the listed
        arrivals (``arrivals.at``), else those arriving before ``until``, else
        ``DEFAULT_N_CASES`` (1,000).
    until : str or datetime, optional
        No arrival after this instant (a duration from the start such as ``'90d'``,
        or a date-time); every case that arrived is run to completion.
    seed : int, numpy.random.Generator, numpy.random.SeedSequence or None
        Seed of the run (see :func:`flowkit.model.seeds.resolve_seed`): an ``int``
        >= 0, a ``Generator`` (one draw is taken from it), a ``SeedSequence``, or
        ``None`` (the default: fresh entropy). The same seed gives identical
        results, whatever ``n_jobs`` or ``executor``; the ``int`` that reproduces
        the run is kept in ``Result.seed``.
    replications : int
        Independent replications (streams from ``numpy.random.SeedSequence.spawn``);
        default ``DEFAULT_REPLICATIONS`` (5).
    warmup : int
        Cases simulated first in each replication and left out of the results.
    start : str or datetime, optional
        The first instant, local time of Asia/Shanghai (default Monday 2026-01-05 00:00).
    keep_events : bool
        Keep the event log; ``False`` keeps memory bounded to one row per case.
    progress : bool, optional
        Show a progress bar (``tqdm.auto``); by default on for large runs.
    n_jobs : int
        Replications run in parallel with joblib (``-1``: every core).
    executor : concurrent.futures.Executor, optional
        Run replications on it instead (e.g. ``distributed.Client(...).get_executor()``).

    Returns
    -------
    Result

    Raises
    ------
    SimulationError
        When the arguments cannot describe a run (located, with what to do).
    FlowkitError
        When ``seed`` is not one of the accepted kinds (a bool, a negative or
        non-integral number, text).

    Examples
    --------
    >>> import flowkit as fk
    >>> p = fk.loads('''
    ... name: 示例
    ... calendar: always
    ... arrivals: {every: exp(30min)}
    ... departments: [{id: a, staff: 2, location: hall}]
    ... steps:
    ...   - {id: apply, department: a, channel: counter, work: exp(20min), next: issue}
    ...   - {id: issue, department: a, channel: counter, work: 5min}
    ... ''')
    >>> r = fk.simulate(p, n_cases=500, seed=7, replications=1)
    >>> len(r.cases), int(r.cases["visits"].max())
    (500, 1)
    >>> list(r.events.columns)[:4]
    ['case', 'replication', 'step', 'step_name']
    >>> import numpy as np
    >>> fk.simulate(p, n_cases=10, seed=np.random.SeedSequence(7)).replications
    5
    """
    processes = _processes(process)
    _check_counts(n_cases, replications, warmup, n_jobs)
    for p in processes:
        bounds.check_steps_per_case(p)
    root = resolve_seed(seed)
    t0 = _start(start)
    limit = _until(until, t0)
    model = compile_model(processes, t0)
    counts = _counts(processes, n_cases, warmup, limit)
    _warn_overload(processes)
    roots = root_sequences(root, replications)
    kwargs = {"n_cases": counts, "warmup": warmup, "until": limit, "keep_events": keep_events}
    total = replications * sum((c or 0) + warmup for c in counts)
    show = progress if progress is not None else total >= _AUTO_PROGRESS
    outputs = _run_all(model, roots, kwargs, show, total, n_jobs, executor)
    _warn_calendar(model, t0, outputs)
    meta = _Meta(
        process_names=[p.name for p in processes],
        step_ids=[[s.id for s in p.steps] for p in processes],
        step_names=[[s.label for s in p.steps] for p in processes],
        type_ids=[[t.id for t in p.case_types] for p in processes],
        dept_ids=model.dept_ids,
        dept_names=model.dept_names,
        dept_staff=model.dept_staff,
        dept_calendars=[model.calendars[c] for c in model.dept_clock],
        start=t0,
        seed=root,
        n_cases=counts,
        warmup=warmup,
    )
    return Result(meta=meta, outputs=outputs)


def _warn_calendar(model: CompiledModel, t0: dt.datetime, outputs: list[RepOutput]) -> None:
    """Warn ``CalendarWarning`` once for the years the run reached without holiday data.

    The years are those from the start to the last event of any replication (worker
    processes included, since the span is read from their outputs). Under
    :func:`collecting_calendar` they are collected for the caller instead.
    """
    end = max((out.makespan for out in outputs), default=0.0)
    last = t0 + dt.timedelta(minutes=float(end))
    years = uncovered_years(model.calendars, t0.date(), last.date())
    collected = _CALENDAR_YEARS.get()
    if collected is not None:
        collected.update(years)
    else:
        warn_uncovered(years, stacklevel=3)  # points at the caller of simulate


@contextlib.contextmanager
def collecting_calendar() -> Iterator[set[int]]:
    """Inside, :func:`simulate` collects the uncovered years in the set yielded, quietly."""
    years: set[int] = set()
    token = _CALENDAR_YEARS.set(years)
    try:
        yield years
    finally:
        _CALENDAR_YEARS.reset(token)


def _warn_overload(processes: list[Process]) -> None:
    """Warn ``OverloadWarning`` once, before the run, for departments at ρ ≥ 1."""
    if _OVERLOAD_COLLECTED.get():
        return
    msg = overload_message(combined_load(processes))
    if msg is not None:
        warn_overload([msg], stacklevel=3)  # points at the caller of simulate


@contextlib.contextmanager
def collecting_overload() -> Iterator[None]:
    """Inside, :func:`simulate` does not warn of overload (its caller warns once)."""
    token = _OVERLOAD_COLLECTED.set(True)
    try:
        yield
    finally:
        _OVERLOAD_COLLECTED.reset(token)


def _processes(process: Process | Sequence[Process]) -> list[Process]:
    """The processes to simulate together; they need distinct names."""
    processes = [process] if isinstance(process, Process) else list(process)
    if not processes or not all(isinstance(p, Process) for p in processes):
        raise SimulationError(
            "simulate takes a Process or a list of them: load files with flowkit.load first"
        )
    names = [p.name for p in processes]
    if len(set(names)) != len(names):
        raise SimulationError(
            f"processes simulated together need distinct names; got {names}"
        )
    return processes


def _check_counts(n_cases: int | None, replications: int, warmup: int, n_jobs: int) -> None:
    """Refuse counts that are not whole numbers in range (a ``bool`` is not one)."""
    for name, value, low in (("replications", replications, 1), ("warmup", warmup, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise SimulationError(f"{name}={value!r}: give a whole number >= {low}")
    if n_cases is not None and (
        isinstance(n_cases, bool) or not isinstance(n_cases, int) or n_cases < 1
    ):
        raise SimulationError(f"n_cases={n_cases!r}: give a whole number >= 1")
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0:
        raise SimulationError(f"n_jobs={n_jobs!r}: give 1 (serial), k > 1, or -1 (every core)")


def _counts(processes: list[Process], n_cases: int | None, warmup: int,
            limit: float | None) -> list[int | None]:
    """Cases per process and replication (``None``: as many as arrive before ``limit``)."""
    counts: list[int | None] = []
    for p in processes:
        if n_cases is not None:
            if p.arrivals.at is not None and n_cases > len(p.arrivals.at) - warmup:
                raise SimulationError(
                    f"process '{p.name}' lists {len(p.arrivals.at)} arrivals; n_cases={n_cases} "
                    f"with warmup={warmup} asks for more"
                )
            counts.append(n_cases)
        elif p.arrivals.at is not None:
            counts.append(max(len(p.arrivals.at) - warmup, 0))
        elif limit is not None:
            counts.append(None)
        else:
            counts.append(DEFAULT_N_CASES)
    return counts


def _run_all(
    model: CompiledModel,
    roots: list[np.random.SeedSequence],
    kwargs: dict[str, Any],
    show: bool,
    total: int,
    n_jobs: int,
    executor: Executor | None,
) -> list[RepOutput]:
    tasks = [(model, r, root, kwargs) for r, root in enumerate(roots)]
    bar = _bar(show, total, len(tasks))
    try:
        if executor is not None:
            outs = []
            for out in executor.map(_task, tasks):
                outs.append(out)
                _advance(bar, out)
            return outs
        jobs = (os.cpu_count() or 1) if n_jobs < 0 else n_jobs
        if jobs > 1 and len(tasks) > 1:
            from joblib import Parallel, delayed

            outs = []
            gen = Parallel(n_jobs=jobs, return_as="generator")(delayed(_task)(t) for t in tasks)
            for out in gen:
                outs.append(out)
                _advance(bar, out)
            return outs
        outs = []
        for model_, r, root, kw in tasks:
            tick: Callable[[int], None] | None = bar.update if bar is not None else None
            out = run_replication(model_, r, root, **kw, tick=tick)
            if bar is not None:
                done = int(bar.n)
                expected = (r + 1) * total // len(tasks)
                if expected > done:
                    bar.update(expected - done)
            outs.append(out)
        return outs
    finally:
        if bar is not None:
            bar.close()


def _bar(show: bool, total: int, reps: int) -> Any:
    if not show:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="case", desc=f"simulating ({reps} replication(s))")


def _advance(bar: Any, out: RepOutput) -> None:
    if bar is not None:
        bar.update(len(out.cases["case"]))
