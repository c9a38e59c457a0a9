"""The BPMN flow nodes and sequence flows a process becomes, before any XML or geometry.

A task per step; an exclusive merge gateway before a step that several flows reach, a
parallel join gateway before a ``join: all`` step; after a step an end event, an
exclusive choice gateway or a parallel split gateway, as its ``next`` says; and one
start event before the first step.

A routing step (``kind: routing``) is written as the gateway it is, carrying its
flowkit data: a parallel gateway for a split or a join (a join that then chooses gets
a parallel join gateway before its exclusive one), an exclusive gateway for a choice
or a plain pass-through; one that ends the process is followed by an end event.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ...model.process import Process, Step
from .codec import CHANNEL_TASK, Ids, xml_id

__all__ = ["Flow", "Node", "graph"]


@dataclass
class Node:
    """A BPMN flow node to write."""

    id: str
    tag: str                       # BPMN element name without prefix
    lane: str                      # department id
    name: str | None = None
    step: str | None = None        # the step of a task
    direction: str | None = None   # of a gateway: Diverging or Converging
    incoming: list[str] = field(default_factory=list)
    outgoing: list[str] = field(default_factory=list)


@dataclass
class Flow:
    """A BPMN sequence flow to write, with its share of cases when it leaves a choice."""

    id: str
    source: str
    target: str
    probability: float | None = None


class _Builder:
    """Collects the nodes and flows of one process, giving each a fresh id."""

    def __init__(self, p: Process) -> None:
        self.p = p
        self.ids = Ids(set())
        self.bpmn_id: dict[str, str] = {}
        for s in p.steps:  # steps keep their own id when bpmn.io accepts it (ASCII)
            self.bpmn_id[s.id] = self.ids.fresh(xml_id(s.id, "Activity"))
        self.nodes: dict[str, Node] = {}
        self.flows: list[Flow] = []
        self.entry: dict[str, str] = {}
        """The node a flow into a step reaches: its task or the gateway before it."""
        self.leave: dict[str, str] = {}
        """The node after the task of a step that does not simply go on to one step."""

    def node(self, n: Node) -> str:
        """Add a node; its id."""
        self.nodes[n.id] = n
        return n.id

    def flow(self, source: str, target: str, probability: float | None = None) -> None:
        """Add a flow between two nodes added before."""
        f = Flow(self.ids.fresh(f"Flow_{source}_{target}"), source, target, probability)
        self.nodes[source].outgoing.append(f.id)
        self.nodes[target].incoming.append(f.id)
        self.flows.append(f)

    def routing_nodes(self, s: Step, arriving: int) -> None:
        """A routing step: one gateway standing for the step (see the module doc)."""
        bid = self.bpmn_id[s.id]
        parallel = s.flow == "and" or (s.join == "all" and s.flow != "xor")
        gw = ""
        if s.join == "all" and not parallel:
            gw = self.node(Node(self.ids.fresh(f"Join_{bid}"), "parallelGateway",
                                s.department, direction="Converging"))
        elif arriving > 1 and s.join is None and (parallel or s.flow != "seq"):
            gw = self.node(Node(self.ids.fresh(f"Merge_{bid}"), "exclusiveGateway",
                                s.department, direction="Converging"))
        joining = (s.join == "all" or arriving > 1) and not gw
        splitting = len(s.targets) > 1
        direction = "Mixed" if joining and splitting else "Converging" if joining else \
            "Diverging" if splitting else None
        tag = "parallelGateway" if parallel else "exclusiveGateway"
        node = self.node(Node(bid, tag, s.department, name=s.name, step=s.id,
                              direction=direction))
        if gw:
            self.flow(gw, node)
        self.entry[s.id] = gw or node
        self.leave[s.id] = node
        if s.flow == "end":
            self.leave[s.id] = self.node(Node(self.ids.fresh(f"End_{bid}"), "endEvent",
                                              s.department, name="结束"))
            self.flow(node, self.leave[s.id])

    def step_nodes(self, s: Step, arriving: int) -> None:
        """The nodes of one step: a gateway before its task, the task, the node after it."""
        if s.routing:
            self.routing_nodes(s, arriving)
            return
        bid = self.bpmn_id[s.id]
        gw = ""
        if s.join == "all":
            gw = self.node(Node(self.ids.fresh(f"Join_{bid}"), "parallelGateway",
                                s.department, direction="Converging"))
        elif arriving > 1:
            gw = self.node(Node(self.ids.fresh(f"Merge_{bid}"), "exclusiveGateway",
                                s.department, direction="Converging"))
        task = self.node(Node(bid, CHANNEL_TASK[s.channel], s.department, name=s.label,
                              step=s.id))
        if gw:
            self.flow(gw, task)
        self.entry[s.id] = gw or task
        if s.flow == "end":
            self.leave[s.id] = self.node(Node(self.ids.fresh(f"End_{bid}"), "endEvent",
                                              s.department, name="结束"))
        elif s.flow == "xor":
            self.leave[s.id] = self.node(Node(self.ids.fresh(f"Choice_{bid}"),
                                              "exclusiveGateway", s.department,
                                              name=f"{s.label}?", direction="Diverging"))
        elif s.flow == "and":
            self.leave[s.id] = self.node(Node(self.ids.fresh(f"Split_{bid}"),
                                              "parallelGateway", s.department,
                                              direction="Diverging"))

    def step_flows(self, s: Step) -> None:
        """The flows out of one step's task, and out of the node after it."""
        task = self.bpmn_id[s.id]
        if s.routing:
            for t, prob in s.branches:
                self.flow(task, self.entry[t], prob if s.flow == "xor" else None)
            return
        if s.flow == "seq":
            self.flow(task, self.entry[s.targets[0]])
            return
        self.flow(task, self.leave[s.id])
        for t, prob in s.branches:
            self.flow(self.leave[s.id], self.entry[t], prob if s.flow == "xor" else None)


def graph(p: Process) -> tuple[list[Node], list[Flow]]:
    """The BPMN flow nodes and sequence flows of a process, in writing order."""
    b = _Builder(p)
    arriving = Counter(t for s in p.steps for t in s.targets)
    arriving[p.start_step] += 1
    start = b.node(Node(b.ids.fresh("StartEvent"), "startEvent",
                        p.step(p.start_step).department, name="开始"))
    for s in p.steps:
        b.step_nodes(s, arriving[s.id])
    b.flow(start, b.entry[p.start_step])
    for s in p.steps:
        b.step_flows(s)
    return list(b.nodes.values()), b.flows
