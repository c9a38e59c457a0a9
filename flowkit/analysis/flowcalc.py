"""Shared machinery of the static analyses: step figures, edges and scopes.

A process is cut into **scopes**: the top level, and each branch of each AND
block. Inside a scope an AND block is a single transition from its split to its
join, whose figures come from its branches. Each scope is an absorbing Markov
chain (loops solved exactly); scopes are solved innermost first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ..model.durations import _Dist
from ..model.process import APPLICANT_CHANNELS, Process, Step
from ..model.structure import Structure
from .chain import Chain, hit_solve, longest
from .handoffs import RoutingPairs

__all__ = ["ABSENT", "Edge", "FlowModel", "Scope"]

ABSENT = ""  # presence state: the applicant is not at any counter
Scope = tuple[str, int] | None


@dataclass(frozen=True)
class Edge:
    """A flow between two steps with its handoff class."""

    source: str
    target: str
    cross_department: bool
    cross_level: bool
    cross_region: bool
    by_applicant: bool
    delay: _Dist | None  # internal transfer delay, None when there is none
    back: bool
    #: handoffs carried: (cross-department, cross-level, cross-region, by applicant)
    counts: tuple[int, int, int, int] = (0, 0, 0, 0)

    @property
    def delayed(self) -> bool:
        """True when the transfer takes time (it ends the applicant's presence)."""
        return self.delay is not None and not self.delay.is_zero


@dataclass
class FlowModel:
    """A process prepared for static analysis, for one case type (or none)."""

    process: Process
    case_type: str | None = None
    structure: Structure = field(init=False)

    def __post_init__(self) -> None:
        p = self.process
        self.structure = p.structure
        self._trans: dict[tuple[Scope, bool], dict[str, list[tuple[str | None, float]]]] = {}
        self._chains: dict[tuple[Scope, bool], tuple[Chain, dict[str, int]]] = {}
        self.steps: dict[str, Step] = {s.id: s for s in p.steps}
        cal = p.calendar
        self.hours_per_wd = cal.hours_per_day
        self.wd_per_day = cal.workdays_per_week / 7.0

    # -- per-step figures --------------------------------------------------------
    def work_wd(self, s: Step) -> float:
        """Mean work of a step in working days of the process calendar."""
        d = s.work
        if d.unit == "wd":
            hours = d.mean() * self.process.calendar_of(s.department).hours_per_day
        else:
            hours = d.mean() * (1 / 60 if d.unit == "min" else 1.0)
        return hours / self.hours_per_wd

    def elapsed_wd(self, d: _Dist | None) -> float:
        """Mean of an elapsed duration (wait, delay, issue time) in working days."""
        if d is None:
            return 0.0
        if d.unit == "wd":
            return d.mean()
        days = d.mean() * {"min": 1 / 1440, "h": 1 / 24, "d": 1.0, "w": 7.0}[d.unit]
        return days * self.wd_per_day

    def session_wd(self, s: Step) -> float:
        """Expected wait for the next session of a scheduled step, in working days.

        Arrivals spread evenly over the week wait on average sum(g^2) / (2 sum(g))
        for gaps ``g`` between sessions (the length-biased mean gap / 2).
        """
        if s.schedule is None:
            return 0.0
        starts = sorted(
            (wd - 1) * 1440 + m for wd in s.schedule.weekdays for m in s.schedule.minutes
        )
        week = 7 * 1440
        gaps = [(starts[(i + 1) % len(starts)] - starts[i]) % week or week
                for i in range(len(starts))]
        mean_days = sum(g * g for g in gaps) / (2 * sum(gaps)) / 1440
        return mean_days * self.wd_per_day

    def step_wd(self, s: Step) -> float:
        """Mean time of a step (work + wait + session wait) in working days."""
        return self.work_wd(s) + self.elapsed_wd(s.wait) + self.session_wd(s)

    def submissions(self, s: Step) -> int:
        """Materials the applicant hands in at a step (shared ones count zero)."""
        p = self.process
        return sum(1 for m in s.materials if not p.material(m).shared)

    def location(self, s: Step) -> str:
        return self.process.location_of(s)

    # -- edges -------------------------------------------------------------------
    @cached_property
    def edges(self) -> dict[tuple[str, str], Edge]:
        """Every flow with the handoffs it carries (across routing steps, see
        :mod:`flowkit.analysis.handoffs`) and its transfer delay."""
        p = self.process
        back = self.structure.back_edges
        routing = RoutingPairs(p)
        out: dict[tuple[str, str], Edge] = {}
        delay = p.handoff.delay_or_default
        for s in p.steps:
            for t in s.targets:
                counts = [0, 0, 0, 0]
                for u, v in routing.pairs[(s.id, t)]:
                    du = p.department(self.steps[u].department)
                    dv = p.department(self.steps[v].department)
                    if du.id == dv.id:
                        continue
                    counts[0] += 1
                    counts[1] += du.level is not None and dv.level is not None \
                        and du.level != dv.level
                    counts[2] += bool(du.region) and bool(dv.region) and du.region != dv.region
                    counts[3] += self.steps[v].channel in APPLICANT_CHANNELS
                c = (counts[0], counts[1], counts[2], counts[3])
                out[(s.id, t)] = Edge(
                    source=s.id,
                    target=t,
                    cross_department=c[0] > 0,
                    cross_level=c[1] > 0,
                    cross_region=c[2] > 0,
                    by_applicant=c[3] > 0,
                    delay=delay if routing.delayed(s.id, t) else None,
                    back=(s.id, t) in back,
                    counts=c,
                )
        return out

    def branches(self, s: Step) -> tuple[tuple[str, float], ...]:
        return s.branches_for(self.case_type)

    # -- scopes ------------------------------------------------------------------
    @cached_property
    def scopes(self) -> list[Scope]:
        """Every scope, innermost first (the top level last)."""
        st = self.structure

        def depth(split: str) -> int:
            d, cur = 0, st.parent.get(split)
            while cur is not None:
                d += 1
                cur = st.parent.get(cur[0])
            return d

        inner: list[tuple[int, Scope]] = []
        for split, block in st.blocks.items():
            for i in range(len(block.branches)):
                inner.append((depth(split), (split, i)))
        inner.sort(key=lambda x: -x[0])
        return [s for _, s in inner] + [None]

    def nodes(self, scope: Scope) -> list[str]:
        return self.structure.region(scope)

    def entry(self, scope: Scope) -> str | None:
        """First step of a scope (None for an empty branch)."""
        if scope is None:
            return self.structure.start
        split, i = scope
        br = self.structure.blocks[split].branches[i]
        return None if br.empty else br.head

    def transitions(
        self, scope: Scope, skeleton: bool = False
    ) -> dict[str, list[tuple[str | None, float]]]:
        """Transitions of each node of a scope; ``None`` target = leaving the scope.

        An AND split goes to its join with probability 1 (the block in between).
        With ``skeleton``, loop flows are dropped and the rest re-weighted.
        """
        key = (scope, skeleton)
        if key in self._trans:
            return self._trans[key]
        st = self.structure
        out: dict[str, list[tuple[str | None, float]]] = {}
        members = set(self.nodes(scope))
        for v in self.nodes(scope):
            s = self.steps[v]
            if s.flow == "and":
                out[v] = [(st.blocks[v].join, 1.0)]
                continue
            trans: list[tuple[str | None, float]] = []
            pairs = list(self.branches(s))
            if skeleton:
                pairs = [(t, p) for t, p in pairs if (v, t) not in st.back_edges]
                total = sum(p for _, p in pairs)
                pairs = [(t, p / total) for t, p in pairs] if total > 0 else []
            for t, p in pairs:
                if p <= 0:
                    continue
                trans.append((t if t in members else None, p))
            out[v] = trans
        self._trans[key] = out
        return out

    def chain(self, scope: Scope, skeleton: bool = False) -> tuple[Chain, dict[str, int]]:
        key = (scope, skeleton)
        if key in self._chains:
            return self._chains[key]
        nodes = self.nodes(scope)
        index = {v: i for i, v in enumerate(nodes)}
        edges = [
            (index[u], index[t], p)
            for u, trans in self.transitions(scope, skeleton).items()
            for t, p in trans
            if t is not None
        ]
        result = Chain(len(nodes), edges, names=nodes), index
        self._chains[key] = result
        return result

    @cached_property
    def executions(self) -> dict[str, float]:
        """Expected executions of every step per case."""
        st = self.structure
        local: dict[Scope, dict[str, float]] = {}
        for scope in self.scopes:
            entry = self.entry(scope)
            if entry is None:
                local[scope] = {}
                continue
            chain, index = self.chain(scope)
            n = chain.visits(index[entry])
            local[scope] = {v: float(n[i]) for v, i in index.items()}
        mult: dict[Scope, float] = {None: 1.0}

        def multiplier(scope: Scope) -> float:
            if scope in mult:
                return mult[scope]
            split = scope[0]  # type: ignore[index]
            outer = st.parent.get(split)
            m = multiplier(outer) * local[outer].get(split, 0.0)
            mult[scope] = m
            return m

        out: dict[str, float] = {}
        for scope in self.scopes:
            m = multiplier(scope)
            for v, count in local[scope].items():
                out[v] = m * count
        return {v: out.get(v, 0.0) for v in self.structure.order}

    def traversals(self) -> Iterable[tuple[Edge, float]]:
        """Each flow with its expected number of traversals per case."""
        n = self.executions
        for s in self.process.steps:
            for t, p in self.branches(s):
                if p > 0 and n.get(s.id, 0.0) > 0:
                    yield self.edges[(s.id, t)], n[s.id] * p

    # -- time (mean-value critical path) -------------------------------------------
    def critical_time(
        self,
        node_time: Callable[[Step], float],
        edge_time: Callable[[Edge], float],
        skeleton: bool = False,
    ) -> float:
        """Expected time from the start to the end: XOR in expectation, AND the longest branch."""
        parts = self.critical_parts(lambda s: np.array([node_time(s)]),
                                    lambda e: np.array([edge_time(e)]), skeleton)
        return float(parts[0])

    def critical_parts(
        self,
        node_parts: Callable[[Step], np.ndarray],
        edge_parts: Callable[[Edge], np.ndarray],
        skeleton: bool = False,
    ) -> np.ndarray:
        """The expected parts of the time from the start to the end (vectors of the same
        length): XOR in expectation, and at each AND block the parts of the branch whose
        total is the longest — so the parts add up to :meth:`critical_time` of their sum."""
        st = self.structure
        scope_time: dict[Scope, np.ndarray] = {}
        width = len(node_parts(self.steps[self.process.start_step]))
        for scope in self.scopes:
            entry = self.entry(scope)
            lead = np.zeros(width)
            if scope is not None:
                split, i = scope
                head = st.blocks[split].branches[i].head
                lead = edge_parts(self.edges[(split, head)])
            if entry is None:
                scope_time[scope] = lead
                continue
            chain, index = self.chain(scope, skeleton)
            reward = np.zeros((len(index), width))
            for v, trans in self.transitions(scope, skeleton).items():
                s = self.steps[v]
                r = np.array(node_parts(s), dtype=float)
                if s.flow == "and":
                    blk = st.blocks[v]
                    branch = [scope_time[(v, i)] for i in range(len(blk.branches))]
                    r = r + max(branch, key=lambda b: float(b.sum()))
                else:
                    for t, p in trans:
                        r = r + p * edge_parts(
                            self.edges[(v, t if t else self._exit_target(v, scope))])
                reward[index[v]] = r
            scope_time[scope] = lead + chain.accumulate(reward)[index[entry]]
        return scope_time[None]

    def _exit_target(self, v: str, scope: Scope) -> str:
        """The join a branch node leaves to."""
        assert scope is not None
        return self.structure.blocks[scope[0]].join

    # -- probability of reaching a set of steps --------------------------------------
    def hit_probability(self, members: set[str]) -> float:
        """Probability that a case executes at least one of ``members``."""
        return float(self.hit_probabilities([members])[0])

    def hit_probabilities(self, groups: Sequence[set[str]]) -> np.ndarray:
        """For each set of ``groups``, the probability that a case executes one of its
        steps: every set solved together, one batched solve per scope."""
        st = self.structure
        width = len(groups)
        owner: dict[str, list[int]] = {}
        for d, members in enumerate(groups):
            for v in members:
                owner.setdefault(v, []).append(d)
        scope_hit: dict[Scope, np.ndarray] = {}
        for scope in self.scopes:
            entry = self.entry(scope)
            if entry is None:
                scope_hit[scope] = np.zeros(width)
                continue
            nodes = self.nodes(scope)
            index = {v: i for i, v in enumerate(nodes)}
            a = np.zeros((len(nodes), width))
            for v in nodes:
                i = index[v]
                if self.steps[v].flow == "and":
                    blk = st.blocks[v]
                    miss = np.ones(width)
                    for k in range(len(blk.branches)):
                        miss = miss * (1 - scope_hit[(v, k)])
                    a[i] = 1.0 - miss
                a[i, owner.get(v, [])] = 1.0
            rows, cols, probs = self._scope_edges(scope, index)
            scope_hit[scope] = hit_solve(len(nodes), rows, cols, probs, a)[index[entry]]
        return scope_hit[None]

    def _scope_edges(
        self, scope: Scope, index: dict[str, int]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The transitions inside a scope as arrays (source, target, probability)."""
        flows = [
            (index[u], index[t], p)
            for u, trans in self.transitions(scope).items()
            for t, p in trans
            if t is not None
        ]
        if not flows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
        rows, cols, probs = zip(*flows, strict=True)
        return (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64),
                np.asarray(probs, dtype=float))

    # -- visits --------------------------------------------------------------------
    def visit_figures(self) -> tuple[float, float]:
        """Expected visits and the largest number of visits on any path (steps only)."""
        counter_locs = sorted({self.location(s) for s in self.process.steps if s.is_visit})
        presences = [ABSENT, *counter_locs]
        scope_mean: dict[Scope, dict[str, float]] = {}
        scope_max: dict[Scope, dict[str, float]] = {}
        for scope in self.scopes:
            scope_mean[scope], scope_max[scope] = self._scope_visits(
                scope, presences, scope_mean, scope_max
            )
        return scope_mean[None][ABSENT], scope_max[None][ABSENT]

    def _visit(self, s: Step, alpha: str, back: bool) -> float:
        """Visits made by entering step ``s`` with presence ``alpha`` (0 or 1)."""
        if not s.is_visit:
            return 0.0
        if back or s.join == "all" or s.schedule is not None or alpha != self.location(s):
            return 1.0
        return 0.0

    def _after(self, s: Step, alpha: str) -> str:
        """Presence after step ``s``, entered with presence ``alpha``."""
        if s.schedule is not None:
            alpha = ABSENT  # waiting for the session ends the presence before the step
        if not s.wait.is_zero:
            return ABSENT
        if s.is_visit:
            return self.location(s)
        return alpha

    def _scope_visits(
        self,
        scope: Scope,
        presences: list[str],
        scope_mean: dict[Scope, dict[str, float]],
        scope_max: dict[Scope, dict[str, float]],
    ) -> tuple[dict[str, float], dict[str, float]]:
        """Mean and largest visits of one scope, per presence on entering it."""
        entry = self.entry(scope)
        if scope is None:
            entry_sigmas = [ABSENT]
            entry_edge = None
        else:
            split, i = scope
            entry_sigmas = presences
            entry_edge = self.edges[(split, self.structure.blocks[split].branches[i].head)]
        if entry is None:
            return dict.fromkeys(entry_sigmas, 0.0), dict.fromkeys(entry_sigmas, 0.0)
        es = self.steps[entry]
        vc = _VisitChain()
        starts: dict[str, tuple[tuple[str, str], float]] = {}
        for sigma in entry_sigmas:
            alpha = _arrive(sigma, entry_edge)
            state = (entry, self._after(es, alpha))
            starts[sigma] = (state, self._visit(es, alpha, False))
            vc.add(state)
        self._explore_visits(vc, self.transitions(scope), scope_mean, scope_max)
        x, xmax = vc.solve()
        index = vc.index
        return (
            {sigma: r0 + float(x[index[state]]) for sigma, (state, r0) in starts.items()},
            {sigma: r0 + float(xmax[index[state]]) for sigma, (state, r0) in starts.items()},
        )

    def _explore_visits(
        self,
        vc: _VisitChain,
        trans: dict[str, list[tuple[str | None, float]]],
        scope_mean: dict[Scope, dict[str, float]],
        scope_max: dict[Scope, dict[str, float]],
    ) -> None:
        """Expand every state reachable from the queued ones into ``vc``."""
        index, todo = vc.index, vc.todo
        edges, rewards, exit_reward = vc.edges, vc.rewards, vc.exit_reward
        while todo:
            state = todo.pop()
            v, sigma = state
            i = index[state]
            r = 0.0
            outs, rewards_max = self._state_outs(v, sigma, trans, scope_mean, scope_max)
            leave = 1.0 - sum(p for _, p, _ in outs)
            for target_state, p, rv in outs:
                r += p * rv
                if target_state is None:
                    exit_reward[i] = max(exit_reward.get(i, -np.inf), 0.0)
                    continue
                if target_state not in index:
                    index[target_state] = len(index)
                    todo.append(target_state)
                j_ = index[target_state]
                edges.append((i, j_, p))
                rmax = rewards_max if rewards_max is not None else rv
                rewards.append((i, j_, rmax))
            if not outs or leave > 1e-12:
                exit_reward[i] = max(exit_reward.get(i, -np.inf), 0.0)
            vc.reward_mean[i] = r

    def _state_outs(
        self,
        v: str,
        sigma: str,
        trans: dict[str, list[tuple[str | None, float]]],
        scope_mean: dict[Scope, dict[str, float]],
        scope_max: dict[Scope, dict[str, float]],
    ) -> tuple[list[tuple[tuple[str, str] | None, float, float]], float | None]:
        """Moves out of state ``(v, sigma)``: (target, probability, visits), and an AND max."""
        s = self.steps[v]
        outs: list[tuple[tuple[str, str] | None, float, float]] = []
        if s.flow == "and":
            blk = self.structure.blocks[v]
            bm = sum(scope_mean[(v, k)][sigma] for k in range(len(blk.branches)))
            bx = sum(scope_max[(v, k)][sigma] for k in range(len(blk.branches)))
            j = self.steps[blk.join]
            vj = self._visit(j, ABSENT, False)
            nxt = (blk.join, self._after(j, ABSENT))
            outs.append((nxt, 1.0, bm + vj))
            return outs, bx + vj
        for t, p in trans[v]:
            if t is None:
                outs.append((None, p, 0.0))
                continue
            e = self.edges[(v, t)]
            ts = self.steps[t]
            alpha = _arrive(sigma, e)
            outs.append(((t, self._after(ts, alpha)), p, self._visit(ts, alpha, e.back)))
        return outs, None


def _arrive(sigma: str, edge: Edge | None) -> str:
    """Presence on arriving over ``edge``: a delayed transfer ends it."""
    return ABSENT if edge is not None and edge.delayed else sigma


@dataclass
class _VisitChain:
    """Expanded states (node, presence after it) of one scope, with their rewards."""

    index: dict[tuple[str, str], int] = field(default_factory=dict)
    todo: list[tuple[str, str]] = field(default_factory=list)
    edges: list[tuple[int, int, float]] = field(default_factory=list)
    rewards: list[tuple[int, int, float]] = field(default_factory=list)  # for longest
    reward_mean: dict[int, float] = field(default_factory=dict)
    exit_reward: dict[int, float] = field(default_factory=dict)

    def add(self, state: tuple[str, str]) -> None:
        """Number a new state and queue it for expansion."""
        if state not in self.index:
            self.index[state] = len(self.index)
            self.todo.append(state)

    def solve(self) -> tuple[np.ndarray, np.ndarray]:
        """Expected and largest visits still to come from every state."""
        n = len(self.index)
        chain = Chain(n, self.edges)
        rvec = np.zeros(n)
        for i, r in self.reward_mean.items():
            rvec[i] = r
        x = chain.accumulate(rvec)
        xmax = longest(n, self.rewards, [self.exit_reward.get(i, -np.inf) for i in range(n)])
        return x, xmax
