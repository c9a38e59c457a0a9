"""Handoffs across routing steps: which working steps hand a file to which.

A routing step (``kind: routing``, 路由) is a split or join point, not a 环节: a
handoff is counted between the *working* steps on either side of it. Each pair
``(u, v)`` of working steps joined by a path of routing steps is counted on exactly
one flow of that path, so that static analysis and simulation count it once per
traversal:

* a flow between two working steps carries its own pair;
* a flow from a working step ``u`` into a routing step carries ``(u, w)`` for every
  working step ``w`` reached from there through routing sequences, AND splits and
  joins (each branch counts), stopping at a routing choice (XOR);
* a flow out of a routing choice carries ``(u, w)`` for every working step ``u``
  that reaches the choice through routing steps and every ``w`` reached from the
  flow's target as above;
* other flows out of routing steps carry none.

The transfer *delay* of a pair (an internal target: back-office, on-site or mail,
in another department) is applied once per path, as early as it can be without
delaying a path that needs no transfer:

* on the flow from ``u`` into the routing step, when the way on passes an AND
  join and every working step reached is internal and in another department
  than ``u`` (the file travels while the other branches work, as it does into a
  working join step);
* otherwise on the flow from the routing step into the target ``w``, when one of
  the working steps reaching it is in another department and its file was not
  already sent on leaving it.
"""

from __future__ import annotations

from functools import cached_property

from ..errors import ModelError
from ..model.process import APPLICANT_CHANNELS, Process, Step

__all__ = ["RoutingPairs"]


class RoutingPairs:
    """The working-step pairs each flow of a process carries (see the module doc).

    Examples
    --------
    >>> import flowkit as fk
    >>> p = fk.loads('''
    ... name: t
    ... departments: [{id: a}, {id: b}, {id: c}, {id: d}]
    ... steps:
    ...   - {id: A, department: a, next: R}
    ...   - {id: R, department: a, kind: routing, next: [B, C]}
    ...   - {id: B, department: b, next: J}
    ...   - {id: C, department: c, next: J}
    ...   - {id: J, department: a, kind: routing, join: all, next: D}
    ...   - {id: D, department: d}
    ... ''')
    >>> rp = RoutingPairs(p)
    >>> rp.pairs[("A", "R")], rp.pairs[("R", "B")], rp.pairs[("B", "J")]
    ([('A', 'B'), ('A', 'C')], [], [('B', 'D')])
    >>> rp.delayed("A", "R"), rp.delayed("R", "B"), rp.delayed("B", "J"), rp.delayed("J", "D")
    (False, True, True, False)
    """

    def __init__(self, process: Process) -> None:
        self.process = process
        self.steps: dict[str, Step] = {s.id: s for s in process.steps}
        self.preds: dict[str, list[str]] = {s.id: [] for s in process.steps}
        for s in process.steps:
            for t in s.targets:
                self.preds[t].append(s.id)

    def forward(self, sid: str, stack: tuple[str, ...] = ()) -> list[str]:
        """Working steps reached from ``sid`` through non-choice routing steps."""
        s = self.steps[sid]
        if not s.routing:
            return [sid]
        if s.flow == "xor":
            return []
        if sid in stack:
            raise ModelError(
                f"step '{sid}': routing steps {' -> '.join((*stack, sid))} form a cycle with "
                "no working step: put a working step in the loop or remove a routing step"
            )
        return [w for t in s.targets for w in self.forward(t, (*stack, sid))]

    def backward(self, sid: str, stack: tuple[str, ...] = ()) -> list[str]:
        """Working steps that reach routing step ``sid`` through routing steps."""
        return [u for u, _ in self.exits(sid, stack)]

    def exits(self, sid: str, stack: tuple[str, ...] = ()) -> list[tuple[str, str]]:
        """The flows ``(u, r)`` by which working steps enter the routing steps that
        lead to routing step ``sid``."""
        out: list[tuple[str, str]] = []
        for u in self.preds[sid]:
            if not self.steps[u].routing:
                out.append((u, sid))
            elif u not in stack and u != sid:
                out.extend(self.exits(u, (*stack, sid)))
        return out

    @cached_property
    def pairs(self) -> dict[tuple[str, str], list[tuple[str, str]]]:
        """The working pairs counted on each flow ``(source, target)``."""
        out: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for s in self.process.steps:
            for t in s.targets:
                if not s.routing:
                    out[(s.id, t)] = [(s.id, w) for w in self.forward(t)]
                elif s.flow == "xor":
                    out[(s.id, t)] = [(u, w) for u in self.backward(s.id)
                                      for w in self.forward(t)]
                else:
                    out[(s.id, t)] = []
        return out

    def _internal(self, sid: str) -> bool:
        return self.steps[sid].channel not in APPLICANT_CHANNELS

    def _joins(self, sid: str, stack: tuple[str, ...] = ()) -> bool:
        """True when an AND join lies on the routing steps from ``sid`` onward."""
        s = self.steps[sid]
        if not s.routing or s.flow == "xor" or sid in stack:
            return False
        return s.join == "all" or any(self._joins(t, (*stack, sid)) for t in s.targets)

    def _sent_on_exit(self, u: str, r: str) -> bool:
        """True when working step ``u`` sends its file on its flow into routing ``r``:
        the way on passes an AND join and every working step reached is internal and
        in another department."""
        ws = self.forward(r)
        dept = self.steps[u].department
        return bool(ws) and self._joins(r) and all(
            self._internal(w) and self.steps[w].department != dept for w in ws)

    def delayed(self, source: str, target: str) -> bool:
        """True when the flow carries an internal transfer (it takes the handoff delay)."""
        s, v = self.steps[source], self.steps[target]
        if v.routing:
            return not s.routing and self._sent_on_exit(source, target)
        if not self._internal(target):
            return False
        if not s.routing:
            return s.department != v.department
        return any(self.steps[u].department != v.department
                   and not self._sent_on_exit(u, r) for u, r in self.exits(source))
