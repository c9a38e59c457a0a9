"""The engine's small parts: staff pools, a case's running figures, samplers, columns.

Kept apart from :mod:`flowkit.simulation.engine` so the engine reads as the walk of a
case and nothing else.
"""

from __future__ import annotations

import heapq
from array import array
from collections import deque
from typing import Any

import numpy as np
import simpy

from ..kpis import BREAKDOWN_ROWS
from .compile import Timing
from .streams import CaseStream, SeqStream, key_hash

__all__ = [
    "BREAKDOWN", "CASE_COLUMNS", "EVENT_COLUMNS", "Acc", "CaseState", "Part", "Pool", "Sampler",
    "Uniform", "case_columns", "event_columns",
]

#: the parts of a case's elapsed time (engine minutes; ``r.cases`` holds them in days)
BREAKDOWN = BREAKDOWN_ROWS
#: whole-number case columns (a row of 32-bit integers per case), then the real ones
_CASE_INTS = (
    "process", "case", "case_type", "visits", "handoffs", "cross_level", "cross_region",
    "by_applicant", "materials", "steps", "departments", "closing_visits",
    "distinct_materials", "applicant_steps",
)
_CASE_FLOATS = (
    "arrival", "done", "workdays", "clock_workdays", "touch", "wait", "fee", "staff_cost",
    "applicant", "time_limit", "legal_limit", *BREAKDOWN,
)
CASE_COLUMNS = _CASE_INTS + _CASE_FLOATS
EVENT_COLUMNS = ("process", "case", "step", "dept", "unit", "enabled", "start", "end")
_EVENT_INTS = EVENT_COLUMNS[:5]  # the whole-number columns come first


def _numpy(col: array, dtype: Any) -> np.ndarray:  # type: ignore[type-arg,unused-ignore]
    return np.frombuffer(col, dtype=dtype) if len(col) else np.zeros(0, dtype=dtype)


def _split_rows(ints: array, floats: array, int_names: tuple[str, ...],  # type: ignore[type-arg,unused-ignore]
                float_names: tuple[str, ...]) -> dict[str, np.ndarray]:
    iv = _numpy(ints, np.int32).reshape(-1, len(int_names))
    fv = _numpy(floats, np.float64).reshape(-1, len(float_names))
    out = {c: iv[:, k] for k, c in enumerate(int_names)}
    out |= {c: fv[:, k] for k, c in enumerate(float_names)}
    return out


def case_columns(ints: array, floats: array) -> dict[str, np.ndarray]:  # type: ignore[type-arg,unused-ignore]
    """The case table's columns (``CASE_COLUMNS``) from its rows, as numpy views.

    The engine appends each case as one row of whole numbers and one of reals.
    """
    return _split_rows(ints, floats, _CASE_INTS, _CASE_FLOATS)


def event_columns(ints: array, floats: array) -> dict[str, np.ndarray]:  # type: ignore[type-arg,unused-ignore]
    """The event log's columns (``EVENT_COLUMNS``) from its rows, as numpy views."""
    return _split_rows(ints, floats, _EVENT_INTS, EVENT_COLUMNS[len(_EVENT_INTS):])


class Pool:
    """Staff of one department: free people are handed over without an event."""

    __slots__ = ("busy", "env", "free", "prio", "queue", "seq")

    def __init__(self, env: simpy.Environment, capacity: int, prio: bool) -> None:
        self.env = env
        self.free = list(range(capacity - 1, -1, -1))
        self.prio = prio
        self.queue: Any = [] if prio else deque()
        self.seq = 0
        self.busy = 0.0  # working minutes of work done

    def wait(self, priority: int) -> simpy.Event:
        ev = self.env.event()
        if self.prio:
            heapq.heappush(self.queue, (-priority, self.seq, ev))
            self.seq += 1
        else:
            self.queue.append(ev)
        return ev

    def handover(self, unit: int) -> None:
        """Give person ``unit`` to the first case in the queue (which is not empty)."""
        q = self.queue
        ev = heapq.heappop(q)[2] if self.prio else q.popleft()
        ev.succeed(unit)

    def release(self, unit: int, work: float) -> None:
        """Free person ``unit`` after ``work`` minutes: the first in the queue gets them."""
        self.busy += work
        q = self.queue
        if q:
            ev = heapq.heappop(q)[2] if self.prio else q.popleft()
            ev.succeed(unit)
        else:
            self.free.append(unit)


class CaseState:
    """What all branches of one case share: its number, type, priority, loop steps run,
    and whether the applicant has made a trip yet."""

    __slots__ = ("case", "ctype", "delays", "i", "prio", "seen", "visited")

    def __init__(self, i: int, case: int, ctype: int, prio: int) -> None:
        self.i = i
        self.case = case
        self.ctype = ctype
        self.prio = prio
        self.seen: set[int] = set()
        self.visited = False
        self.delays = 0  # applicant delays drawn so far


class Acc:
    """The figures of one case, added up over all its steps and branches."""

    __slots__ = (
        "app_steps", "applicant", "by_applicant", "clk0", "clk1", "closing", "cross_level",
        "cross_region", "dmask", "fee", "handoffs", "materials", "mmask", "staff_cost",
        "steps", "touch", "visits", "wait",
    )

    def __init__(self) -> None:
        self.visits = self.closing = self.handoffs = 0
        self.cross_level = self.cross_region = self.by_applicant = 0
        self.materials = self.steps = self.app_steps = 0
        self.dmask = self.mmask = 0  # departments and unshared materials met, as bits
        self.fee = self.touch = self.wait = self.staff_cost = self.applicant = 0.0
        self.clk0: float | None = None  # first intake ended (the clock starts)
        self.clk1: float | None = None  # last approval ended (the clock stops)


class Part:
    """The time of one walk (a case, or one parallel branch of it), split into the parts
    of ``BREAKDOWN`` (``b_*``, minutes), with its limits and the spans off the clock.

    At a join the case's part follows the branch that finished last.
    """

    __slots__ = ("b_appl", "b_closed", "b_queue", "b_tr", "b_wait", "b_work", "end", "ll",
                 "tl", "xspans")

    def __init__(self) -> None:
        self.b_work = self.b_queue = self.b_closed = 0.0
        self.b_wait = self.b_tr = self.b_appl = 0.0
        self.tl = self.ll = 0.0
        self.xspans: list[tuple[float, float]] | None = None  # not on the clock
        self.end = 0.0

    def merge(self, branches: list[Part]) -> None:
        """Add the parallel ``branches``: their time is the last to finish; their limits
        the largest (branches run side by side)."""
        last = branches[0]
        tl, ll = last.tl, last.ll
        for b in branches[1:]:
            if b.end > last.end:
                last = b
            tl = b.tl if b.tl > tl else tl
            ll = b.ll if b.ll > ll else ll
        self.tl += tl
        self.ll += ll
        self.b_work += last.b_work
        self.b_queue += last.b_queue
        self.b_closed += last.b_closed
        self.b_wait += last.b_wait
        self.b_tr += last.b_tr
        self.b_appl += last.b_appl
        if last.xspans:
            self.xspans = (self.xspans or []) + last.xspans


class Sampler:
    """Draws of one timing: per case for first executions, in sequence for repeats."""

    __slots__ = ("const", "first", "more")

    def __init__(self, t: Timing, root: np.random.SeedSequence) -> None:
        self.const = t.const
        self.first: CaseStream | None = None
        self.more: SeqStream | None = None
        if t.const is None and t.dist is not None:
            dist = t.dist
            h = key_hash(*t.key)

            def draw(g: np.random.Generator, n: int) -> np.ndarray:
                return dist.sample(g, n)

            self.first = CaseStream(root, h, draw)
            self.more = SeqStream(root, h, draw)

    def draw(self, case: int, repeat: bool) -> float:
        if self.const is not None:
            return self.const
        if repeat:
            return self.more.draw()  # type: ignore[union-attr]
        return self.first.draw(case)  # type: ignore[union-attr]


class Uniform:
    """Uniform draws for choices: per case first, in sequence for repeats."""

    __slots__ = ("first", "more")

    def __init__(self, root: np.random.SeedSequence, *key: object) -> None:
        h = key_hash(*key)

        def draw(g: np.random.Generator, n: int) -> np.ndarray:
            return g.random(n)

        self.first = CaseStream(root, h, draw)
        self.more = SeqStream(root, h, draw)

    def draw(self, case: int, repeat: bool) -> float:
        return self.more.draw() if repeat else self.first.draw(case)
