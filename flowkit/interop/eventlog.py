"""Event logs in: a CSV file or a pandas DataFrame, read against a process.

An event log has one row per executed step: a case id, an activity (the step's id
or name) and start and end times — flowkit's own :meth:`Result.to_eventlog` CSV,
or a government system's export with columns named by the caller. Reading it
here means: finding the columns (a missing one is named, with the closest
column as a hint), reading the times (ISO 8601; an offset is converted to
Asia/Shanghai local time, times without one are taken as local), mapping each
activity to a step (by id, else by an unambiguous name), leaving out the events
that cannot be used (each kind noted), and ordering the events by case, then
time. What the events then say about the process is
:func:`flowkit.simulation.calibrate.calibrate`'s business.

XES is not read here: read it with pm4py and pass its DataFrame.
"""

from __future__ import annotations

import difflib
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InteropError
from ..model.process import Process
from .text import decode_text

__all__ = ["EventLog", "LogNote", "PathLike", "read_events", "read_table"]

PathLike = str | os.PathLike[str]

#: the column of the step order flowkit's own logs carry (ties of start and end)
ORDER_COLUMN = "order"


@dataclass(frozen=True)
class LogNote:
    """Events of the log left out, and why.

    ``kind`` is ``unmapped`` (an activity that names no step; ``value`` is the
    activity) or ``data`` (events whose times cannot be used).
    """

    kind: str
    n: int
    note: str
    value: str = ""


@dataclass
class EventLog:
    """The usable events of a log, as numbers, sorted by case, then start, end and order.

    Times are minutes after ``origin`` (midnight before the log's first time, local
    time of Asia/Shanghai). ``case`` holds codes into ``case_ids``; the events of
    case ``k`` are ``bounds[k]:bounds[k + 1]``.
    """

    case: np.ndarray
    step: np.ndarray  # step ids (object)
    start: np.ndarray
    end: np.ndarray
    case_ids: list[str]
    bounds: np.ndarray
    origin: pd.Timestamp
    source: str = "DataFrame"
    notes: list[LogNote] = field(default_factory=list)


def read_table(log: pd.DataFrame | PathLike) -> tuple[pd.DataFrame, str]:
    """The log's table (cells of a CSV kept as text) and a name for it.

    A ``.csv`` path is read as UTF-8 (with or without BOM) or GB18030.

    Raises
    ------
    InteropError
        When the file does not exist or is not a ``.csv``.

    Examples
    --------
    >>> import pandas as pd
    >>> read_table(pd.DataFrame({"a": [1]}))[1]
    'DataFrame'
    >>> read_table("log.xes")
    Traceback (most recent call last):
    ...
    flowkit.InteropError: no such event log: log.xes
    """
    if isinstance(log, pd.DataFrame):
        return log, "DataFrame"
    path = Path(log)
    if not path.exists():
        raise InteropError(f"no such event log: {path}")
    if path.suffix.lower() != ".csv":
        raise InteropError(
            f"'{path.name}': calibrate reads an event log as .csv (or a pandas DataFrame); "
            "read XES with pm4py and pass its DataFrame"
        )
    text = decode_text(path.read_bytes(), path.name)
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False), path.name


def column(df: pd.DataFrame, name: str, role: str) -> pd.Series:
    """The column ``name`` of the log, which holds the ``role`` (case, activity, start, end).

    Raises
    ------
    InteropError
        When there is no such column: the message names the closest one.

    Examples
    --------
    >>> import pandas as pd
    >>> column(pd.DataFrame({"开始时间": []}), "开始时刻", "start")
    Traceback (most recent call last):
    ...
    flowkit.InteropError: the event log has no column '开始时刻' for the start; ...
    """
    if name in df.columns:
        return df[name]
    cols = [str(c) for c in df.columns]
    close = difflib.get_close_matches(name, cols, n=1, cutoff=0.5)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    raise InteropError(
        f"the event log has no column '{name}' for the {role}{hint} (columns: "
        f"{', '.join(cols)}); pass {role}='<column>'"
    )


def local_times(col: pd.Series, name: str) -> pd.Series:
    """Timestamps as naive local time of Asia/Shanghai (offsets converted).

    Raises
    ------
    InteropError
        When a cell is not an ISO 8601 date and time.

    Examples
    --------
    >>> import pandas as pd
    >>> local_times(pd.Series(["2026-01-05T01:30:00Z"]), "end").iloc[0]
    Timestamp('2026-01-05 09:30:00')
    >>> local_times(pd.Series(["2026-01-05 09:30"]), "end").iloc[0]
    Timestamp('2026-01-05 09:30:00')
    """
    if pd.api.types.is_datetime64_any_dtype(col):
        ts = col
    else:
        try:
            ts = pd.to_datetime(col.astype(str).str.strip(), format="ISO8601", utc=True)
        except (ValueError, TypeError) as exc:
            first = col.iloc[0] if len(col) else ""
            raise InteropError(
                f"column '{name}' holds '{first}', which is not a date and time: write ISO "
                f"8601, e.g. 2026-01-05T09:30:00+08:00 or 2026-01-05 09:30 ({exc})"
            ) from exc
        naive = ~col.astype(str).str.contains(r"(?:Z|[+-]\d\d:?\d\d)\s*$", regex=True)
        if bool(naive.all()):
            return ts.dt.tz_localize(None)  # written without an offset: local time already
    if getattr(ts.dt, "tz", None) is not None:
        ts = ts.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
    return ts


def map_activities(activities: np.ndarray, p: Process) -> tuple[np.ndarray, list[LogNote]]:
    """The step id of each activity (``None`` when it names no step), and the notes.

    An activity maps to the step with that id, else to the one step with that name.

    Examples
    --------
    >>> import flowkit as fk, numpy as np
    >>> p = fk.loads('''
    ... name: 示例
    ... departments: [{id: d}]
    ... steps:
    ...   - {id: a, name: 受理, department: d, next: b}
    ...   - {id: b, department: d}
    ... ''')
    >>> steps, notes = map_activities(np.array(["受理", "b", "x"]), p)
    >>> steps.tolist(), [n.value for n in notes]
    (['a', 'b', None], ['x'])
    """
    ids = {s.id for s in p.steps}
    by_name: dict[str, list[str]] = {}
    for s in p.steps:
        if s.name:
            by_name.setdefault(s.name.strip(), []).append(s.id)
    mapping: dict[str, str | None] = {}
    notes: list[LogNote] = []
    for value, count in zip(*np.unique(activities, return_counts=True), strict=True):
        v = str(value)
        if v in ids:
            mapping[v] = v
        elif len(by_name.get(v, [])) == 1:
            mapping[v] = by_name[v][0]
        else:
            mapping[v] = None
            why = (f"names {len(by_name[v])} steps ({', '.join(by_name[v])})" if v in by_name
                   else "is neither a step id nor a step name of the process")
            notes.append(LogNote("unmapped", int(count),
                                 f"activity '{v}' {why}: its events are left out", value=v))
    return np.array([mapping[str(v)] for v in activities], dtype=object), notes


def _minutes(t0: pd.Series, t1: pd.Series, keep: np.ndarray
             ) -> tuple[pd.Timestamp, np.ndarray, np.ndarray]:
    """The origin (midnight before the first kept time) and start and end minutes after it."""
    origin = min(t0[keep].min(), t1[keep].min()).normalize()
    s_min = (t0[keep] - origin).dt.total_seconds().to_numpy() / 60.0
    e_min = (t1[keep] - origin).dt.total_seconds().to_numpy() / 60.0
    return origin, s_min, e_min


def _ordered(case: np.ndarray, step: np.ndarray, s_min: np.ndarray, e_min: np.ndarray,
             order: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str], np.ndarray]:
    """Events sorted by case (in order of first appearance), start, end, then ``order``.

    Returns the case codes, steps, starts, ends, case ids and bounds of each case.
    """
    codes, uniques = pd.factorize(case)
    idx = np.lexsort((order, e_min, s_min, codes))
    codes = codes[idx]
    bounds = np.flatnonzero(np.diff(codes)) + 1
    bounds = np.concatenate(([0], bounds, [len(codes)]))
    return codes, step[idx], s_min[idx], e_min[idx], [str(u) for u in uniques], bounds


def read_events(
    log: pd.DataFrame | PathLike, p: Process, *, case: str, activity: str | None, start: str,
    end: str,
) -> EventLog:
    """Read an event log against process ``p`` (see the module documentation).

    ``activity=None`` takes the column ``step`` if the log has it, else
    ``concept:name``.

    Raises
    ------
    InteropError
        When the log cannot be read, a column is missing, a time cannot be read,
        or no event maps to a step of ``p``.

    Examples
    --------
    >>> import flowkit as fk, pandas as pd
    >>> p = fk.loads('''
    ... name: 示例
    ... departments: [{id: d}]
    ... steps:
    ...   - {id: a, department: d, next: b}
    ...   - {id: b, department: d}
    ... ''')
    >>> df = pd.DataFrame({"case": ["1", "1", "2"], "step": ["b", "a", "a"],
    ...                    "start": ["2026-01-05 10:00", "2026-01-05 09:00", "2026-01-05 09:30"],
    ...                    "end": ["2026-01-05 11:00", "2026-01-05 09:20", "2026-01-05 09:00"]})
    >>> ev = read_events(df, p, case="case", activity=None, start="start", end="end")
    >>> ev.step.tolist(), ev.start.tolist(), [n.note for n in ev.notes]
    (['a', 'b'], [540.0, 600.0], ['events end before they start: left out'])
    """
    df, source = read_table(log)
    if activity is None:
        activity = "step" if "step" in df.columns else "concept:name"
    c = column(df, case, "case").astype(str).to_numpy()
    a = column(df, activity, "activity").astype(str).str.strip().to_numpy()
    t0 = local_times(column(df, start, "start"), start)
    t1 = local_times(column(df, end, "end"), end)
    step, notes = map_activities(a, p)
    keep = np.array([s is not None for s in step], dtype=bool)
    keep &= ~(t0.isna().to_numpy() | t1.isna().to_numpy())
    if not keep.any():
        seen = ", ".join(map(str, np.unique(a)[:8]))
        raise InteropError(
            f"no event of the log maps to a step of '{p.name}' (activities: {seen}…; steps: "
            f"{', '.join(s.id for s in p.steps)}): pass activity='<column>' naming the step "
            "ids or names"
        )
    origin, s_min, e_min = _minutes(t0, t1, keep)
    bad = e_min < s_min
    if bad.any():
        notes.append(LogNote("data", int(bad.sum()), "events end before they start: left out"))
    order = (pd.to_numeric(df[ORDER_COLUMN], errors="coerce").to_numpy()[keep][~bad]
             if ORDER_COLUMN in df.columns else np.zeros(int((~bad).sum())))
    codes, steps, s_sorted, e_sorted, ids, bounds = _ordered(
        c[keep][~bad], step[keep][~bad], s_min[~bad], e_min[~bad], order)
    return EventLog(codes, steps, s_sorted, e_sorted, ids, bounds, origin,
                    source=source, notes=notes)
