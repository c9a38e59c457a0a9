"""The discrete-event engine: one replication of a compiled model on SimPy.

Design (what makes it fast and exact):

* **One generator per case** walks the steps; an AND block runs its first branch in
  the case's own generator and starts a SimPy process only for the others.
* **Staff pools** hand a free person over without an event: a case that finds
  someone free starts at once; one that does not waits on a single event, and the
  person who finishes hands over directly (FIFO, or by case-type priority).
* **Figures in locals**: a walk keeps its running figures in local variables and
  hands them to the case once, when it ends; departments and materials met are bit
  sets. Each case is written as two rows (whole numbers, reals) of flat arrays.
* **Draws in numpy batches**, indexed by case (see :mod:`flowkit.simulation.streams`).
* **Working time** through :class:`~flowkit.model.worktime.Clock` (bisection on
  precomputed intervals); the 24/7 calendar takes a shortcut.
* **No cyclic garbage collection** during a replication (nothing the engine makes
  needs it; a long queue of waiting cases made each collection slower).

Where the days go: every span of a case's life is put into exactly one part —
``t_work`` (staff working on it), ``t_queue`` (waiting for staff while the office is
open), ``t_closed`` (ready but the office is closed, or waiting for a session),
``t_wait`` (step waits), ``t_transfer`` (handoff delays), ``t_applicant`` (fetch trips
and the applicant's own delays) — along the branch that finished last in each AND
block, so the parts add up to the case's elapsed time.

The engine never reads files or plots; it returns columns of numbers.
"""

from __future__ import annotations

import gc
from array import array
from bisect import bisect_right
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from ..model.worktime import Clock, make_clock
from .compile import AND, END, XOR, CompiledModel, CProcess, CStep
from .parts import (
    CASE_COLUMNS,
    EVENT_COLUMNS,
    Acc,
    CaseState,
    Part,
    Pool,
    Sampler,
    Uniform,
    case_columns,
    event_columns,
)
from .streams import SeqStream, key_hash

__all__ = ["CASE_COLUMNS", "EVENT_COLUMNS", "RepOutput", "run_replication"]

Walk = Generator[Any, Any, None]


@dataclass
class RepOutput:
    """What one replication returns: columns of numbers, no objects."""

    replication: int
    cases: dict[str, np.ndarray]
    events: dict[str, np.ndarray] | None
    busy: list[float]  # working minutes of work per department
    available: list[float]  # staff x working minutes per department over the run
    makespan: float


class _Run:
    def __init__(
        self,
        model: CompiledModel,
        root: np.random.SeedSequence,
        *,
        n_cases: list[int | None],
        warmup: int,
        until: float | None,
        keep_events: bool,
        tick: Callable[[int], None] | None,
    ) -> None:
        self.model = model
        self.env = simpy.Environment()
        self.clocks: list[Clock] = [make_clock(c, model.start) for c in model.calendars]
        self.pools = [Pool(self.env, n, model.priorities) for n in model.dept_staff]
        self.warmup = warmup
        self.until = until
        self.n_cases = n_cases
        self.tick = tick
        self.finished = 0
        self.case_i = array("i")  # a row of whole numbers per case, then one of reals
        self.case_f = array("d")
        self.ev_i = array("i") if keep_events else None
        self.ev_f = array("d") if keep_events else None
        self.work: list[list[Sampler]] = []
        self.wait: list[list[Sampler]] = []
        self.choice: list[list[Uniform | None]] = []
        self.delays: list[list[list[Sampler | None]]] = []
        self.fetch: list[list[Sampler]] = []
        self.appl: list[Sampler | None] = []
        for cp in model.processes:
            self.work.append([Sampler(s.work, root) for s in cp.steps])
            self.wait.append([Sampler(s.wait, root) for s in cp.steps])
            self.choice.append([
                Uniform(root, "choice", cp.pos, s.id) if s.flow == XOR else None
                for s in cp.steps
            ])
            self.delays.append([
                [Sampler(d, root) if d is not None else None for d in s.delay]
                for s in cp.steps
            ])
            self.fetch.append([Sampler(t, root) for t in cp.fetch])
            ad = cp.applicant_delay
            self.appl.append(None if ad is None else Sampler(ad, root))
        self.root = root

    # -- arrivals ---------------------------------------------------------------
    def source(self, cp: CProcess) -> Walk:
        env = self.env
        n = self.n_cases[cp.pos]
        total = None if n is None else self.warmup + n
        clock = self.clocks[cp.clock]
        gaps = SeqStream(self.root, key_hash("arrivals", cp.pos), self._gap_sampler(cp))
        types = Uniform(self.root, "type", cp.pos) if cp.type_ids else None
        t = 0.0
        i = 0
        while total is None or i < total:
            if cp.arrivals == "at":
                if i >= len(cp.at):
                    break
                t = cp.at[i]
            else:
                gap = gaps.draw()
                t = clock.add(t, gap) if gap > 0 else t
            if self.until is not None and t > self.until:
                break
            if t > env.now:
                yield env.timeout(t - env.now)
            ctype = -1
            if types is not None:
                ctype = bisect_right(cp.type_cum, types.draw(i, False) * cp.type_cum[-1])
                ctype = min(ctype, len(cp.type_cum) - 1)
            env.process(self.case(cp, i, t, ctype))
            i += 1

    @staticmethod
    def _gap_sampler(cp: CProcess) -> Callable[[np.random.Generator, int], np.ndarray]:
        timing = cp.interarrival
        if timing is None or timing.dist is None:
            return lambda g, n: np.zeros(n)
        dist = timing.dist
        return lambda g, n: dist.sample(g, n)

    # -- a case -----------------------------------------------------------------
    def case(self, cp: CProcess, i: int, arrival: float, ctype: int) -> Walk:
        cs = CaseState(i, i - self.warmup, ctype,
                       cp.type_priority[ctype] if ctype >= 0 else 0)
        acc, part = Acc(), Part()
        if cp.fetch:
            start = self._fetch(cp, cs, acc, part, arrival)
            if start > arrival:
                yield self.env.timeout(start - arrival)
        yield from self.walk(cp, cs, cp.start, -1, acc, part, -1, -1, False)
        if i >= self.warmup:
            self._write(cp, cs, acc, part, arrival)

    def _fetch(self, cp: CProcess, cs: CaseState, acc: Acc, part: Part,
               arrival: float) -> float:
        """The fetch trips before the first step: the instant the case can start.

        The trips run in parallel, each after the applicant's own delay; the case
        starts when the last certificate is issued."""
        acc.visits += len(cp.fetch)
        acc.applicant += cp.travel_min * len(cp.fetch)
        cs.visited = True
        end = arrival
        for k, timing in enumerate(cp.fetch):
            trip = arrival + self._delay(cp, cs)
            d = self.fetch[cp.pos][k].draw(cs.i, False)
            e = trip
            if d > 0:
                e = self.clocks[timing.clock].add(trip, d) if timing.kind == "work" \
                    else trip + d
            end = max(end, e)
        acc.wait += end - arrival
        part.b_appl += end - arrival
        return end

    def _delay(self, cp: CProcess, cs: CaseState) -> float:
        """The applicant's own delay before a trip (0 without ``applicant_delay``)."""
        s = self.appl[cp.pos]
        if s is None:
            return 0.0
        d = s.draw(cs.i, cs.delays > 0)
        cs.delays += 1
        return d if d > 0 else 0.0

    def _write(self, cp: CProcess, cs: CaseState, acc: Acc, part: Part,
               arrival: float) -> None:
        """Append the case's row (``CASE_COLUMNS``)."""
        done = self.env.now
        pclock = self.clocks[cp.clock]
        mpd = cp.minutes_per_day
        clock = self._clock(pclock, acc, part, arrival, done) / mpd
        tl = cp.time_limit if cp.time_limit == cp.time_limit else (
            part.tl if cp.has_time_limit else np.nan)
        ll = cp.legal_limit if cp.legal_limit == cp.legal_limit else (
            part.ll if cp.has_legal_limit else np.nan)
        self.case_i.fromlist([
            cp.pos, cs.case, cs.ctype, acc.visits, acc.handoffs, acc.cross_level,
            acc.cross_region, acc.by_applicant, acc.materials, acc.steps,
            acc.dmask.bit_count(), acc.closing, acc.mmask.bit_count(), acc.app_steps,
        ])
        self.case_f.fromlist([
            arrival, done, pclock.working(arrival, done) / mpd, clock, acc.touch, acc.wait,
            acc.fee, acc.staff_cost,
            acc.applicant + cp.travel_min * (acc.visits - len(cp.fetch)), tl, ll,
            part.b_work, part.b_queue, part.b_closed, part.b_wait, part.b_tr, part.b_appl,
        ])
        self.finished += 1
        if self.tick is not None and self.finished % 1000 == 0:
            self.tick(1000)

    @staticmethod
    def _clock(pclock: Clock, acc: Acc, part: Part, arrival: float, done: float) -> float:
        """Working minutes on the statutory clock: from the first intake's end to the
        last approval's end, less the spans not counted (special steps, 补正)."""
        c0 = acc.clk0 if acc.clk0 is not None else arrival
        c1 = acc.clk1 if acc.clk1 is not None else done
        if c1 <= c0:
            return 0.0
        total = pclock.working(c0, c1)
        for a, b in part.xspans or ():
            a, b = max(a, c0), min(b, c1)
            if b > a:
                total -= pclock.working(a, b)
        return max(total, 0.0)

    def walk(self, cp: CProcess, cs: CaseState, node: int, stop: int, acc: Acc,
             part: Part, here: int, hday: int, back: bool) -> Walk:
        """Run steps from ``node`` until ``stop`` (a join) or the end.

        ``here``/``hday``: where the applicant is (location index, -1 = not present) and
        the working day their visit there started; ``back``: entered by a loop flow.
        The figures every step adds live in locals until the walk ends; rarer ones go
        to ``acc`` and ``part`` at once. Time is tracked as ``now`` (a timeout ends
        exactly ``now`` + its delay)."""
        env, steps, pools = self.env, cp.steps, self.pools
        timeout = env.timeout
        work_s, i, seen = self.work[cp.pos], cs.i, cs.seen
        record = self.ev_i is not None and cs.case >= 0
        n_steps = n_hand = dmask = 0
        touch = b_work = b_queue = b_closed = 0.0
        t_back = -1.0  # when a loop sent the case back to the applicant (补正)
        now = env.now
        while node != stop:
            st: CStep = steps[node]
            repeat = False
            if st.in_loop:
                repeat = node in seen
                seen.add(node)
            t_en = now
            if st.session is not None:  # waits for the session, not kept waiting there
                t_s = self.clocks[st.session[0]].next_session(now, *st.session[1:])
                if t_s > now:
                    yield timeout(t_s - now)
                    b_closed += t_s - now
                    now = t_s
                here = -1
            new_visit = st.counter and (back or st.join or here != st.loc)
            if new_visit and cs.visited and self.appl[cp.pos] is not None:
                now = yield from self._own_delay(cp, cs, part, t_back < 0)
                acc.applicant -= now - t_en  # the applicant's own time, not at the counter
            unit = -1
            if st.staffed:
                pool = pools[st.dept]
                if pool.free:
                    unit = pool.free.pop()
                else:
                    t_q = now
                    unit = yield pool.wait(cs.prio)
                    now = env.now
                    lc = self.clocks[st.loc_clock]
                    q = now - t_q if lc.always else lc.working(t_q, now)
                    b_queue += q
                    b_closed += now - t_q - q
            t_st = now
            if st.counter:
                here, hday = self._at_counter(acc, cs, st, now, new_visit, hday)
            ws = work_s[node]
            w = ws.const
            if w is None:
                w = ws.more.draw() if repeat else ws.first.draw(i)  # type: ignore[union-attr]
            if w > 0:
                span = w if st.work_always else self.clocks[st.work.clock].add(now, w) - now
                yield timeout(span)
                now += span
                b_work += w
                if span != w:
                    b_closed += span - w
            if st.staffed:  # the person goes to the first in the queue, or is free
                pool.busy += w
                if pool.queue:
                    pool.handover(unit)
                else:
                    pool.free.append(unit)
            touch += w
            if st.counted:
                n_steps += 1
                dmask |= st.dbit
            if st.figures or st.applicant_step:
                self._figures(acc, part, st, w, repeat)
            if st.counter:
                acc.applicant += now - t_en
            if record:  # a row of EVENT_COLUMNS: whole numbers, then times
                self._log(cp, cs, st, unit, t_en, t_st, now)
            if st.has_wait:
                e = self._wait_end(cp, cs, st, repeat, now, acc, part)
                if e > now:
                    yield timeout(e - now)
                    now = e
                here = -1
            if t_back >= 0 and st.resubmit:  # back with the authority: 补正 ends
                self._exclude(part, t_back, now)
                t_back = -1.0
            if st.marks:
                self._mark(acc, part, st, t_en, t_back)
            flow = st.flow
            if flow == END:
                break
            if flow == AND:
                yield from self._split(cp, cs, st, acc, part, here, hday, repeat)
                node, here, hday, back, now = st.split_join, -1, -1, False, env.now
                continue
            k = 0 if flow != XOR else self._choose(cp, cs, st, repeat)
            h = st.hand[k]
            if h is not None:  # the handoffs the flow carries (across routing steps)
                n_hand += h[0]
                if st.cross[k]:
                    self._cross(acc, h)
            back = st.back[k]
            if back and t_back < 0 and steps[st.targets[k]].resubmit:
                t_back = now
            if st.delay[k] is not None:
                d = self._transfer(cp, cs, st, k, repeat)
                if d > 0:
                    acc.wait += d
                    part.b_tr += d
                    yield timeout(d)
                    now += d
                    here = -1
            node = st.targets[k]
        acc.steps += n_steps
        acc.handoffs += n_hand
        acc.dmask |= dmask
        acc.touch += touch
        part.b_work += b_work
        part.b_queue += b_queue
        part.b_closed += b_closed
        part.end = now

    def _at_counter(self, acc: Acc, cs: CaseState, st: CStep, now: float, new_visit: bool,
                    hday: int) -> tuple[int, int]:
        """A counter step starts: count the visit; the applicant is now at its location."""
        lc = self.clocks[st.loc_clock]
        day = lc.day(now) if not lc.always else 0
        if new_visit:
            acc.visits += 1
            cs.visited = True
        elif day != hday:  # still there by the rule, but the location has closed
            acc.visits += 1
            acc.closing += 1
        return st.loc, day

    @staticmethod
    def _figures(acc: Acc, part: Part, st: CStep, w: float, repeat: bool) -> None:
        """The figures of a step that lists materials, a fee, a cost or limits."""
        acc.app_steps += st.applicant_step and st.counted
        acc.materials += st.submissions
        acc.fee += st.fee
        acc.staff_cost += w * st.cost_per_min
        acc.mmask |= st.mbit
        if not repeat:
            part.tl += st.time_limit
            part.ll += st.legal_limit

    def _log(self, cp: CProcess, cs: CaseState, st: CStep, unit: int, t_en: float,
             t_st: float, t_end: float) -> None:
        """A row of ``EVENT_COLUMNS``: whole numbers, then times."""
        self.ev_i.fromlist([cp.pos, cs.case, st.idx, st.dept, unit])  # type: ignore[union-attr]
        self.ev_f.fromlist([t_en, t_st, t_end])  # type: ignore[union-attr]

    def _wait_end(self, cp: CProcess, cs: CaseState, st: CStep, repeat: bool, now: float,
                  acc: Acc, part: Part) -> float:
        """When the step's wait ends (counted in ``wait_hours`` and ``t_wait``)."""
        d = self.wait[cp.pos][st.idx].draw(cs.i, repeat)
        if d <= 0:
            return now
        wt = st.wait
        e = self.clocks[wt.clock].add(now, d) if wt.kind == "work" else now + d
        acc.wait += e - now
        part.b_wait += e - now
        return e

    def _own_delay(self, cp: CProcess, cs: CaseState, part: Part,
                   on_clock: bool) -> Generator[Any, Any, float]:
        """The applicant's own delay before a trip; returns the instant it ends."""
        now = self.env.now
        d = self._delay(cp, cs)
        if d > 0:
            if on_clock:  # a delay inside 补正 is in that span already
                self._exclude(part, now, now + d)
            yield self.env.timeout(d)
            now += d
            part.b_appl += d
        return now

    @staticmethod
    def _exclude(part: Part, a: float, b: float) -> None:
        """Leave the span ``a``..``b`` off the statutory clock."""
        if b > a:
            if part.xspans is None:
                part.xspans = []
            part.xspans.append((a, b))

    def _mark(self, acc: Acc, part: Part, st: CStep, t_en: float, t_back: float) -> None:
        """The clock marks of a step: it starts at the first intake's end, stops at the
        last approval's end, and leaves out a special step (entry to end of its wait)."""
        now = self.env.now  # a step ends when its wait ends
        if st.intake and (acc.clk0 is None or now < acc.clk0):
            acc.clk0 = now
        if st.approval and (acc.clk1 is None or now > acc.clk1):
            acc.clk1 = now
        if st.excluded and t_back < 0:
            self._exclude(part, t_en, now)

    @staticmethod
    def _handoff(acc: Acc, h: tuple[int, int, int, int]) -> None:
        acc.handoffs += h[0]
        _Run._cross(acc, h)

    @staticmethod
    def _cross(acc: Acc, h: tuple[int, int, int, int]) -> None:
        """The classes of a handoff: across levels, regions, carried by the applicant."""
        acc.cross_level += h[1]
        acc.cross_region += h[2]
        acc.by_applicant += h[3]

    def _choose(self, cp: CProcess, cs: CaseState, st: CStep, repeat: bool) -> int:
        """The flow an exclusive choice takes (by the case's type where it has one)."""
        cum = st.cum_by_type.get(cs.ctype, st.cum) if st.cum_by_type else st.cum
        u = self.choice[cp.pos][st.idx].draw(cs.i, repeat) * cum[-1]  # type: ignore[union-attr]
        return bisect_right(cum, u, 0, len(cum) - 1)  # at most the last flow

    def _transfer(self, cp: CProcess, cs: CaseState, st: CStep, k: int, repeat: bool) -> float:
        """How long the transfer along flow ``k`` of ``st`` takes, in minutes."""
        timing = st.delay[k]
        d = self.delays[cp.pos][st.idx][k].draw(cs.i, repeat)  # type: ignore[union-attr]
        if d <= 0 or timing is None:
            return 0.0
        now = self.env.now
        end = self.clocks[timing.clock].add(now, d) if timing.kind == "work" else now + d
        return end - now

    def _split(self, cp: CProcess, cs: CaseState, st: CStep, acc: Acc, part: Part,
               here: int, hday: int, repeat: bool) -> Walk:
        """Run the branches of the AND split ``st`` up to its join — the first in this
        generator, the others as SimPy processes; their time joins ``part``."""
        parts = [Part() for _ in st.targets]
        others = [
            self.env.process(self._branch(cp, cs, st, k, acc, parts[k], here, hday, repeat))
            for k in range(1, len(st.targets))
        ]
        yield from self._branch(cp, cs, st, 0, acc, parts[0], here, hday, repeat)
        for p in others:
            if not p.triggered:
                yield p
        part.merge(parts)

    def _branch(self, cp: CProcess, cs: CaseState, split: CStep, k: int, acc: Acc,
                part: Part, here: int, hday: int, repeat: bool) -> Walk:
        """One parallel branch: the flow from the split to its head, then the steps."""
        head, join = split.targets[k], split.split_join
        h = split.hand[k]
        if h is not None:
            self._handoff(acc, h)
        if split.delay[k] is not None:
            d = self._transfer(cp, cs, split, k, repeat)
            if d > 0:
                acc.wait += d
                part.b_tr += d
                yield self.env.timeout(d)
                here = -1
        part.end = self.env.now
        if head != join:
            yield from self.walk(cp, cs, head, join, acc, part, here, hday, False)
        # the flow from the branch's last step into the join is taken in walk()

    # -- run --------------------------------------------------------------------
    def run(self, replication: int) -> RepOutput:
        for cp in self.model.processes:
            self.env.process(self.source(cp))
        collecting = gc.isenabled()
        gc.disable()
        try:
            self.env.run()
        finally:
            if collecting:
                gc.enable()
        makespan = self.env.now
        available = []
        for j, n in enumerate(self.model.dept_staff):
            clock = self.clocks[self.model.dept_clock[j]]
            available.append(n * clock.working(0.0, makespan))
        cases = case_columns(self.case_i, self.case_f)
        cases["cross_department"] = cases["handoffs"]
        events = None
        if self.ev_i is not None and self.ev_f is not None:
            events = event_columns(self.ev_i, self.ev_f)
        busy = [pool.busy for pool in self.pools]
        return RepOutput(replication, cases, events, busy, available, makespan)


def run_replication(
    model: CompiledModel,
    replication: int,
    root: np.random.SeedSequence,
    *,
    n_cases: list[int | None],
    warmup: int = 0,
    until: float | None = None,
    keep_events: bool = True,
    tick: Callable[[int], None] | None = None,
) -> RepOutput:
    """Simulate one replication; ``n_cases[p]`` cases of process ``p`` after ``warmup``."""
    run = _Run(model, root, n_cases=n_cases, warmup=warmup, until=until,
               keep_events=keep_events, tick=tick)
    return run.run(replication)
