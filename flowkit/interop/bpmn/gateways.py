"""Where the flows out of each task lead, through gateways and events: flowkit's ``next``.

BPMN routes between tasks with gateways and intermediate events; flowkit routes at
steps. :class:`Resolver` follows each flow to the steps it reaches, as an expression:
``("step", id)``, ``("end", id)``, ``("xor", gateway, [(expr, share), …])`` or
``("and", gateway, [expr, …])``. Chains of gateways collapse (the shares of nested
choices multiply), a timer after a task becomes that task's ``wait``, a parallel join
becomes ``join: all`` on the step after it, and a gateway or end event that cannot be
attached to a step becomes a ``kind: routing`` step (路由: no work, not counted as a
step), noted.
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
    def resolve(self, fid: str, task: str | None, path: frozenset[str]) -> Expr:
        """Where a flow leads: a step, an end, or a choice/parallel split of those.

        ``task`` is the task the flow leaves directly (a timer there is its wait);
        ``path`` holds the gateways and events passed since the last task.
        """
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
        if el.id in path:
            raise ReadProblem(f"{self.doc.named(el.id)} is on a loop of gateways and events "
                              "with no task: put a task in the loop")
        inner = path | {el.id}
        if el.tag in ("intermediateCatchEvent", "intermediateThrowEvent"):
            return self.through_event(el, task, inner)
        if el.tag == "exclusiveGateway":
            return self.through_exclusive(el, inner)
        return self.through_parallel(el, inner)

    def through_event(self, el: El, task: str | None, inner: frozenset[str]) -> Expr:
        """Past an intermediate event (a timer gives ``task`` its wait)."""
        if el.tag == "intermediateCatchEvent":
            self.timer(el, task)
        if len(el.outgoing) > 1:
            raise ReadProblem(f"{self.doc.named(el.id)} has {len(el.outgoing)} outgoing "
                              "flows: split with a gateway after it")
        if not el.outgoing:
            return ("end", el.id)
        return self.resolve(el.outgoing[0], task, inner)

    def through_exclusive(self, el: El, inner: frozenset[str]) -> Expr:
        """Past an exclusive gateway: a merge leads on, a choice shares its flows."""
        single = el.outgoing[0] if len(el.outgoing) == 1 else None
        if single and self.doc.flows[single].elem.find(
                f"{B}extensionElements/{F}probability") is None:  # a merge, not a choice
            return self.resolve(el.outgoing[0], None, inner)
        probs = self.probabilities(el)
        return ("xor", el.id, [(self.resolve(o, None, inner), pr)
                               for o, pr in zip(el.outgoing, probs, strict=True)])

    def through_parallel(self, el: El, inner: frozenset[str]) -> Expr:
        """Past a parallel gateway: a split leads to all its flows, a join to ``join: all``."""
        if len(el.outgoing) > 1 and len(el.incoming) > 1:
            raise ReadProblem(f"{self.doc.named(el.id)} both joins {len(el.incoming)} flows "
                              f"and splits into {len(el.outgoing)}: put a task between the "
                              "join and the split")
        if len(el.outgoing) > 1:
            return ("and", el.id, [self.resolve(o, None, inner) for o in el.outgoing])
        after = self.resolve(el.outgoing[0], None, inner)
        if len(el.incoming) > 1:
            if after[0] != "step":
                return ("step", self.routing(el.id, after, "joins parallel branches but leads "
                                             "to no task (flowkit joins at a step)", join=True))
            self.joins.add(after[1])
        return after

    def out_of_routing(self, el: El) -> Expr:
        """Where a gateway that stands for a routing step leads (it splits or chooses
        itself; a parallel one that several flows reach is the step's ``join: all``)."""
        inner = frozenset({el.id})
        if el.tag == "exclusiveGateway":
            return self.through_exclusive(el, inner)
        if len(el.incoming) > 1:
            self.joins.add(el.id)
        if len(el.outgoing) > 1:
            return ("and", el.id, [self.resolve(o, None, inner) for o in el.outgoing])
        return self.resolve(el.outgoing[0], None, inner)

    def timer(self, el: El, task: str | None) -> None:
        """The wait a timer event right after ``task`` gives it."""
        if task is None or len(el.incoming) != 1:
            raise ReadProblem(f"{self.doc.named(el.id)}: a timer must follow one task "
                              "directly (it becomes that task's wait); move it right after "
                              "a task")
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
        if task in self.wait:
            raise ReadProblem(f"{self.doc.named(el.id)}: task '{task}' already has a wait; "
                              "keep one timer per task")
        self.wait[task] = value

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
    def flatten_xor(self, e: Expr, weight: float, gw: str) -> list[tuple[str, float]]:
        """The steps a choice reaches with their shares; nested choices multiply."""
        if e[0] == "step":
            return [(e[1], weight)]
        if e[0] == "end":
            return [(self.routing(e[1], None, f"ends a branch of the choice '{gw}' (flowkit "
                                  "ends only at a step)", before=gw), weight)]
        if e[0] == "and":
            return [(self.routing(e[1], e, f"splits in parallel right after the choice '{gw}' "
                                  "(flowkit splits only after a step)"), weight)]
        # a choice inside a choice: probabilities multiply (rounded: 0.4 * 0.75 is 0.3)
        return [pair for sub, p in e[2]
                for pair in self.flatten_xor(sub, p if weight == 1 else round(weight * p, 12),
                                             e[1])]

    def flatten_and(self, e: Expr, gw: str) -> list[str]:
        """The steps a parallel split reaches; nested splits flatten."""
        if e[0] == "step":
            return [e[1]]
        if e[0] == "end":
            raise ReadProblem(f"a parallel branch of '{gw}' goes straight to "
                              f"{self.doc.named(e[1])}: every parallel branch must meet the "
                              "others at a parallel join")
        if e[0] == "xor":
            return [self.routing(e[1], e, f"chooses right after the parallel split '{gw}' "
                                 "(flowkit chooses only after a step)")]
        return [s for sub in e[2] for s in self.flatten_and(sub, e[1])]

    def next_of(self, e: Expr | None) -> Any:
        """A step's ``next`` (by element id): None, an id, shares by id, or a list of ids."""
        if e is None or e[0] == "end":
            return None
        if e[0] == "step":
            return e[1]
        if e[0] == "xor":
            out: dict[str, float] = {}
            for target, p in self.flatten_xor(e, 1.0, e[1]):
                out[target] = out.get(target, 0.0) + p
            return out
        targets = self.flatten_and(e, e[1])
        twice = [t for t, n in Counter(targets).items() if n > 1]
        if twice:
            raise ReadProblem(f"{self.doc.named(e[1])} reaches '{twice[0]}' on two parallel "
                              "branches: each branch needs its own task")
        return targets

    def outgoing(self, el: El) -> Expr | None:
        """Where the flows out of a task lead; several without a gateway split in parallel."""
        if not el.outgoing:
            return None
        if el.id in self.step_gateways:
            return self.out_of_routing(el)
        if len(el.outgoing) == 1:
            return self.resolve(el.outgoing[0], el.id, frozenset())
        if any(self.doc.flows[f].elem.find(f"{B}conditionExpression") is not None
               for f in el.outgoing):
            raise ReadProblem(f"{self.doc.named(el.id)} has conditional outgoing flows: model "
                              "the choice with an exclusive gateway after the task")
        self.doc.notes.append(f"{self.doc.named(el.id)} has {len(el.outgoing)} outgoing flows "
                              "without a gateway: read as a parallel split (BPMN semantics)")
        return ("and", el.id, [self.resolve(f, None, frozenset()) for f in el.outgoing])
