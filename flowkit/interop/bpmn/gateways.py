"""Where the flows out of each task lead, through gateways and events: flowkit's ``next``.

BPMN routes between tasks with gateways and intermediate events; flowkit routes at
steps. :class:`Resolver` follows each flow to the steps it reaches, as an expression:
``("step", id)``, ``("end", id)``, ``("xor", gateway, {step: share, …})`` or
``("and", gateway, [step, …])``, computed once per gateway (memoised, without
recursion: a lattice of gateways costs its size, not its paths). Chains of gateways
collapse (the shares of nested choices multiply), a timer after a task becomes that
task's ``wait``, a parallel join becomes ``join: all`` on the step after it, and a
gateway or end event that cannot be attached to a step becomes a ``kind: routing``
step (路由: no work, not counted as a step), noted.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from .codec import B, F, iso_duration, local, probability_in
from .document import TASKS, Document, El, ReadProblem

__all__ = ["Expr", "Resolver"]

#: where a flow leads (see the module docstring)
Expr = tuple[Any, ...]


class Resolver:
    """Resolves the flows of one document into flowkit ``next`` values."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.wait: dict[str, str] = {}
        """The wait a timer after a task gives it, by task id."""
        self.joins: set[str] = set()
        """The tasks (and routing steps) after a parallel join: ``join: all``."""
        self.synth: dict[str, dict[str, Any]] = {}
        """The routing steps inserted, by the id of the element each stands for."""
        self.step_gateways: set[str] = set()
        """Gateways that carry the flowkit data of a routing step: read as that step."""
        self.memo: dict[str, Expr | ReadProblem] = {}
        """What each gateway and event resolves to (or the problem it has), by id."""
        self.open: set[str] = set()
        """The gateways and events whose walk is under way (to find loops without task)."""

    # -- shares of a choice ------------------------------------------------------------
    def probabilities(self, gw: El) -> list[float]:
        """The share of cases on each flow out of an exclusive gateway, summing to 1."""
        values = [self.flow_share(fid) for fid in gw.outgoing]
        known = [v for v in values if v is not None]
        missing = len(values) - len(known)
        if missing == len(values):
            self.doc.notes.append(
                f"{self.doc.named(gw.id)}: no probabilities on its {len(values)} flows; each "
                f"gets an equal share 1/{len(values)} (write p=0.8 or 80% in a flow's name or "
                "documentation)"
            )
            return [1 / len(values)] * len(values)
        if missing:
            return self.share_rest(gw, values, missing)
        return self.check_sum(gw, known)

    def flow_share(self, fid: str) -> float | None:
        """The share written on one flow: its label or documentation, else its flowkit data."""
        f = self.doc.flows[fid].elem
        ext = f.find(f"{B}extensionElements/{F}probability")
        exact = None
        if ext is not None:
            try:
                exact = float(ext.get("value", ""))
            except ValueError:
                raise ReadProblem(f"sequence flow '{fid}'{self.doc.at(fid)}: fk:probability "
                                  f"value {ext.get('value')!r} is not a number") from None
        doc = f.find(f"{B}documentation")
        shown_doc = probability_in(doc.text if doc is not None else None)
        shown = shown_doc if shown_doc is not None else probability_in(f.get("name"))
        value = exact
        if shown is not None and (exact is None or abs(shown - exact) > 1e-4):
            if exact is not None:
                self.doc.notes.append(
                    f"sequence flow '{fid}': its label or documentation says {shown:g}, its "
                    f"flowkit data {exact:g}; the visible {shown:g} is used"
                )
            value = shown
        if value is not None and not 0 <= value <= 1:
            raise ReadProblem(f"sequence flow '{fid}'{self.doc.at(fid)} has probability "
                              f"{value:g}, outside 0..1: write it as p=0.8 or 80%")
        return value

    def share_rest(self, gw: El, values: list[float | None], missing: int) -> list[float]:
        """The flows without a share split what the others leave, equally."""
        total = sum(v for v in values if v is not None)
        rest = 1 - total
        if rest < -1e-9:
            raise ReadProblem(f"{self.doc.named(gw.id)}: the probabilities on its flows "
                              f"already sum to {total:g} > 1: fix them so that all of them "
                              "sum to 1 (100%)")
        if missing > 1:
            self.doc.notes.append(
                f"{self.doc.named(gw.id)}: {missing} flows have no probability; they share "
                f"the remaining {max(rest, 0):g} equally"
            )
        share = round(max(rest, 0) / missing, 12)  # 1 - 0.9 is 0.1, not 0.0999…
        return [v if v is not None else share for v in values]

    def check_sum(self, gw: El, known: list[float]) -> list[float]:
        """Shares on every flow: as they are, scaled when they miss 1 by at most 0.02."""
        total = sum(known)
        if abs(total - 1) <= 1e-6:
            return known
        if abs(total - 1) <= 0.02:
            self.doc.notes.append(f"{self.doc.named(gw.id)}: its probabilities sum to "
                                  f"{total:g}; they are scaled to sum to 1")
            return [v / total for v in known]
        shares = ", ".join(f"{fid}: {v:g}" for fid, v in zip(gw.outgoing, known, strict=True))
        raise ReadProblem(f"{self.doc.named(gw.id)}: the probabilities on its flows sum to "
                          f"{total:g}, not 1 ({shares}): make them sum to 1 (100%)")

    # -- following flows ---------------------------------------------------------------
    def expr_of(self, fid: str) -> Expr:
        """Where a flow leads: a step, an end, or a choice/parallel split of steps."""
        el = self.doc.els[self.doc.flows[fid].target]
        if el.tag in TASKS or el.id in self.step_gateways:
            return ("step", el.id)
        if el.tag == "endEvent":
            return ("end", el.id)
        if el.tag == "startEvent":
            raise ReadProblem(
                f"sequence flow '{fid}'{self.doc.at(fid)} leads back to the start event "
                f"'{el.id}': a start event has no incoming flow; lead it to the first task"
            )
        return self.node_expr(el.id)

    def resolve(self, fid: str, task: str | None = None) -> Expr:
        """Where a flow leads; ``task`` is the task it leaves (a timer there is its wait)."""
        target = self.doc.els[self.doc.flows[fid].target]
        if task is not None and target.tag == "intermediateCatchEvent":
            if task in self.wait:
                raise ReadProblem(f"{self.doc.named(target.id)}: task '{task}' already has a "
                                  "wait; keep one timer per task")
            self.wait[task] = self.timer_value(target)
        return self.expr_of(fid)

    def node_expr(self, nid: str) -> Expr:
        """What a gateway or event resolves to, memoised; walked without recursion.

        A depth-first walk over the gateways and events after ``nid`` (tasks and ends
        are its leaves) computes each node once from the nodes after it, so a lattice
        of gateways costs its size, not its number of paths, and a chain of thousands of
        gateways needs no deep stack. A node met again while its walk is open lies on a
        loop of gateways and events with no task.
        """
        stack: list[tuple[str, bool]] = [(nid, False)]
        while stack:
            cur, done = stack.pop()
            if done:
                self.open.discard(cur)
                try:
                    self.memo[cur] = self.combine(self.doc.els[cur])
                except ReadProblem as exc:
                    self.memo[cur] = exc
                continue
            if cur in self.memo:
                continue
            if cur in self.open:
                self.open.clear()
                raise ReadProblem(f"{self.doc.named(cur)} is on a loop of gateways and events "
                                  "with no task: put a task in the loop")
            self.open.add(cur)
            stack.append((cur, True))
            for fid in self.doc.els[cur].outgoing:
                target = self.doc.els[self.doc.flows[fid].target]
                if (target.tag not in TASKS and target.id not in self.step_gateways
                        and target.tag not in ("endEvent", "startEvent")
                        and target.id not in self.memo):
                    stack.append((target.id, False))
        found = self.memo[nid]
        if isinstance(found, ReadProblem):
            raise found
        return found

    def combine(self, el: El) -> Expr:
        """What one gateway or event resolves to, from what the nodes after it resolve to."""
        if el.tag in ("intermediateCatchEvent", "intermediateThrowEvent"):
            return self.through_event(el)
        if el.tag == "exclusiveGateway":
            return self.through_exclusive(el)
        return self.through_parallel(el)

    def shared(self, el: El, after: Expr) -> Expr:
        """A parallel split that several flows reach (through ``el``) is one routing step."""
        if after[0] == "and" and len(el.incoming) > 1:
            return ("step", self.routing(after[1], after, "splits in parallel after a merge "
                                         "of several flows (flowkit splits once, at a step)"))
        return after

    def through_event(self, el: El) -> Expr:
        """Past an intermediate event (a timer must follow a task directly)."""
        if el.tag == "intermediateCatchEvent":
            sources = [self.doc.els[self.doc.flows[f].source] for f in el.incoming]
            if (len(sources) != 1 or sources[0].tag not in TASKS
                    or len(sources[0].outgoing) != 1):
                raise ReadProblem(f"{self.doc.named(el.id)}: a timer must follow one task "
                                  "directly (it becomes that task's wait); move it right "
                                  "after a task")
            self.timer_value(el)
        if len(el.outgoing) > 1:
            raise ReadProblem(f"{self.doc.named(el.id)} has {len(el.outgoing)} outgoing "
                              "flows: split with a gateway after it")
        if not el.outgoing:
            return ("end", el.id)
        return self.shared(el, self.expr_of(el.outgoing[0]))

    def through_exclusive(self, el: El) -> Expr:
        """Past an exclusive gateway: a merge leads on, a choice shares its flows."""
        single = el.outgoing[0] if len(el.outgoing) == 1 else None
        if single and self.doc.flows[single].elem.find(
                f"{B}extensionElements/{F}probability") is None:  # a merge, not a choice
            return self.shared(el, self.expr_of(single))
        probs = self.probabilities(el)
        return self.choice(el.id, [(self.expr_of(o), pr)
                                   for o, pr in zip(el.outgoing, probs, strict=True)])

    def through_parallel(self, el: El) -> Expr:
        """Past a parallel gateway: a split leads to all its flows, a join to ``join: all``.

        The join is the ``join: all`` of the step right after it (past further joins)
        when that step has no other incoming flow; else (a merge, a loop re-entering, no
        step) it is a routing step of its own that joins.
        """
        if len(el.outgoing) > 1 and len(el.incoming) > 1:
            raise ReadProblem(f"{self.doc.named(el.id)} both joins {len(el.incoming)} flows "
                              f"and splits into {len(el.outgoing)}: put a task between the "
                              "join and the split")
        if len(el.outgoing) > 1:
            return self.split(el.id, [self.expr_of(o) for o in el.outgoing])
        after = self.expr_of(el.outgoing[0])
        if len(el.incoming) > 1:
            target = self.doc.els[self.doc.flows[el.outgoing[0]].target]
            while target.tag == "parallelGateway" and len(target.outgoing) == 1 \
                    and target.id not in self.step_gateways:  # joins that follow each other
                target = self.doc.els[self.doc.flows[target.outgoing[0]].target]
            if after[0] != "step" or target.id != after[1] or len(target.incoming) != 1:
                return ("step", self.routing(el.id, after, "joins parallel branches but leads "
                                             "to no step of its own (flowkit joins at a "
                                             "step)", join=True))
            self.joins.add(after[1])
        return after

    def out_of_routing(self, el: El) -> Expr:
        """Where a gateway that stands for a routing step leads (it splits or chooses
        itself; a parallel one that several flows reach is the step's ``join: all``)."""
        if el.tag == "exclusiveGateway":
            return self.through_exclusive(el)
        if len(el.incoming) > 1:
            self.joins.add(el.id)
        if len(el.outgoing) > 1:
            return self.split(el.id, [self.expr_of(o) for o in el.outgoing])
        return self.expr_of(el.outgoing[0])

    def timer_value(self, el: El) -> str:
        """The duration of a timer event; raises when it has none flowkit can read."""
        timer = el.elem.find(f"{B}timerEventDefinition")
        dur = timer.find(f"{B}timeDuration") if timer is not None else None
        text = (dur.text or "").strip() if dur is not None else ""
        value = iso_duration(text) if text else None
        if value is None:
            given = [local(c.tag)[1] for c in timer] if timer is not None else []
            found = f"timeDuration {text!r}" if text else ", ".join(given) or "no time"
            raise ReadProblem(
                f"{self.doc.named(el.id)}: flowkit reads timers with a duration in weeks, "
                f"days, hours or minutes such as P3D or PT2H (this one has {found}); a date, "
                "a cycle, years or months have no fixed length: give it a timeDuration"
            )
        return value

    def routing(self, key: str, expr: Expr | None, why: str, *, join: bool = False,
                before: str | None = None) -> str:
        """A zero-work step standing for a BPMN element flowkit cannot attach to a step.

        ``key`` is the gateway or end event; the step's ``next`` is where ``expr`` leads.
        """
        if key not in self.synth:
            self.synth[key] = {"name": self.doc.els[key].name, "join": join, "next": None,
                               "lane": before or key}
            self.doc.notes.append(
                f"{self.doc.named(key)} {why}, so a routing step (kind: routing, no work, "
                "not counted as a step) is inserted there"
            )
            self.synth[key]["next"] = self.next_of(expr)
        return key

    # -- expressions to next -----------------------------------------------------------
    def choice(self, gw: str, branches: list[tuple[Expr, float]]) -> Expr:
        """A choice's expression: the steps it reaches with their shares, flattened
        (nested choices multiply; an end or a parallel split there is a routing step)."""
        out: dict[str, float] = {}
        for e, p in branches:
            if e[0] == "step":
                pairs = [(e[1], p)]
            elif e[0] == "end":
                pairs = [(self.routing(e[1], None, f"ends a branch of the choice '{gw}' "
                                       "(flowkit ends only at a step)", before=gw), p)]
            elif e[0] == "and":
                pairs = [(self.routing(e[1], e, f"splits in parallel right after the choice "
                                       f"'{gw}' (flowkit splits only after a step)"), p)]
            else:  # rounded: 0.4 * 0.75 is 0.3
                pairs = [(t, q if p == 1 else round(p * q, 12)) for t, q in e[2].items()]
            for t, q in pairs:
                out[t] = out.get(t, 0.0) + q
        return ("xor", gw, out)

    def split(self, gw: str, branches: list[Expr]) -> Expr:
        """A parallel split's expression: the steps it reaches, nested splits flattened."""
        out: list[str] = []
        for e in branches:
            if e[0] == "step":
                out.append(e[1])
            elif e[0] == "end":
                raise ReadProblem(f"a parallel branch of '{gw}' goes straight to "
                                  f"{self.doc.named(e[1])}: every parallel branch must meet "
                                  "the others at a parallel join")
            elif e[0] == "xor":
                out.append(self.routing(e[1], e, f"chooses right after the parallel split "
                                        f"'{gw}' (flowkit chooses only after a step)"))
            else:
                out.extend(e[2])
        return ("and", gw, out)

    def next_of(self, e: Expr | None) -> Any:
        """A step's ``next`` (by element id): None, an id, shares by id, or a list of ids."""
        if e is None or e[0] == "end":
            return None
        if e[0] == "step":
            return e[1]
        if e[0] == "xor":
            return dict(e[2])
        counts: Counter[str] = Counter(e[2])
        twice = [t for t, n in counts.items() if n > 1]
        if twice:
            raise ReadProblem(f"{self.doc.named(e[1])} reaches '{twice[0]}' on two parallel "
                              "branches: each branch needs its own task")
        return list(e[2])

    def outgoing(self, el: El) -> Expr | None:
        """Where the flows out of a task lead; several without a gateway split in parallel."""
        if not el.outgoing:
            return None
        if el.id in self.step_gateways:
            return self.out_of_routing(el)
        if len(el.outgoing) == 1:
            return self.resolve(el.outgoing[0], el.id)
        if any(self.doc.flows[f].elem.find(f"{B}conditionExpression") is not None
               for f in el.outgoing):
            raise ReadProblem(f"{self.doc.named(el.id)} has conditional outgoing flows: model "
                              "the choice with an exclusive gateway after the task")
        self.doc.notes.append(f"{self.doc.named(el.id)} has {len(el.outgoing)} outgoing flows "
                              "without a gateway: read as a parallel split (BPMN semantics)")
        return self.split(el.id, [self.expr_of(f) for f in el.outgoing])
