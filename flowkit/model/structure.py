"""The flow structure of a process: loops, AND blocks and their branches.

Pure functions over a list of steps, used to check a process and to analyse it.

* A **back edge** (a loop, 补正) is a flow back to an earlier step: within a
  cycle (a strongly connected set of steps), a flow to a step listed at or before
  its source. Every cycle has one; a flow that closes no cycle is never a loop,
  whatever the order steps are listed in.
* An **AND block** is an AND-split step ``S`` (``next: [a, b]``), the branches
  starting at its targets, and the ``join: all`` step ``J`` where they meet.
  Each branch is the set of steps reachable from its head without passing ``J``
  (nested blocks included). Branches are disjoint, end only at ``J``, and no
  flow enters or leaves a branch except ``S -> head`` and ``-> J``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .process import Step

__all__ = ["Block", "Branch", "Structure", "analyse_structure", "reach"]


@dataclass(frozen=True)
class Branch:
    """One branch of an AND block: its head (the join itself when empty) and its steps."""

    head: str
    nodes: frozenset[str]

    @property
    def empty(self) -> bool:
        """True when the split flows straight to the join."""
        return not self.nodes


@dataclass(frozen=True)
class Block:
    """An AND block: split step, join step and branches in listed order."""

    split: str
    join: str
    branches: tuple[Branch, ...]

    @property
    def nodes(self) -> frozenset[str]:
        """Every step inside the branches (not the split, not the join)."""
        out: set[str] = set()
        for b in self.branches:
            out |= b.nodes
        return frozenset(out)


@dataclass
class Structure:
    """What :func:`analyse_structure` finds."""

    start: str
    order: tuple[str, ...]
    back_edges: frozenset[tuple[str, str]]
    blocks: dict[str, Block]
    #: innermost enclosing (split id, branch index) of each step, or None at top level
    parent: dict[str, tuple[str, int] | None]
    reachable: frozenset[str]
    problems: list[str] = field(default_factory=list)

    def region(self, scope: tuple[str, int] | None) -> list[str]:
        """Steps directly in a scope (top level or one branch), in listed order."""
        regions = self.__dict__.get("_regions")
        if regions is None:
            regions = {}
            for s in self.order:
                if s in self.reachable:
                    regions.setdefault(self.parent.get(s), []).append(s)
            self.__dict__["_regions"] = regions
        return list(regions.get(scope, []))


def analyse_structure(
    steps: Sequence[Step], start: str | None = None, *, index: dict[str, int] | None = None
) -> Structure:
    """Find loops and AND blocks; report structural problems with step paths.

    Parameters
    ----------
    steps : sequence of Step
        Steps whose targets all name existing steps.
    start : str, optional
        The start step (default: the first).
    index : dict, optional
        Position of each step id in the file, for ``steps[i]`` in messages.

    Examples
    --------
    >>> from flowkit import Step
    >>> st = analyse_structure([
    ...     Step(id="a", department="d", next=["b", "c"]),
    ...     Step(id="b", department="d", next="j"),
    ...     Step(id="c", department="d", next={"j": 0.9, "c": 0.1}),
    ...     Step(id="j", department="d", join="all")])
    >>> st.blocks["a"].join, [sorted(b.nodes) for b in st.blocks["a"].branches]
    ('j', [['b'], ['c']])
    >>> sorted(st.back_edges), st.problems
    ([('c', 'c')], [])
    """
    g = _Graph.of(steps, index)
    start_id = start or (steps[0].id if steps else "")
    seen = reach([start_id], g.succ) if start_id in g.by_id else set()
    back = _back_edges(g)
    problems = _unreachable(g, seen, start_id)
    problems += _stuck(g, seen)
    finder = _BlockFinder(g, back, problems)
    for sid in g.order:
        if sid in seen and g.by_id[sid].flow == "and":
            finder.find(sid)
    problems += _stray_joins(g, seen, finder)
    parent = _scopes(g.order, finder.blocks)
    problems += _loops_across_blocks(g, back, finder.blocks, parent)
    return Structure(
        start=start_id,
        order=g.order,
        back_edges=frozenset(back),
        blocks=finder.blocks,
        parent=parent,
        reachable=frozenset(seen),
        problems=_unique(problems),
    )


@dataclass(frozen=True)
class _Graph:
    """The flow graph of a list of steps, with their positions for messages."""

    steps: Sequence[Step]
    by_id: dict[str, Step]
    idx: dict[str, int]
    order: tuple[str, ...]
    #: targets of each step that name a step, in listed order
    succ: dict[str, list[str]]
    #: the steps flowing into each step
    preds: dict[str, list[str]]

    @classmethod
    def of(cls, steps: Sequence[Step], index: dict[str, int] | None) -> _Graph:
        """The graph of ``steps``; ``index`` gives file positions (default: list order)."""
        by_id = {s.id: s for s in steps}
        succ = {s.id: [t for t in s.targets if t in by_id] for s in steps}
        preds: dict[str, list[str]] = {s.id: [] for s in steps}
        for u, vs in succ.items():
            for v in vs:
                preds[v].append(u)
        return cls(
            steps=steps,
            by_id=by_id,
            idx=index or {s.id: i for i, s in enumerate(steps)},
            order=tuple(s.id for s in steps),
            succ=succ,
            preds=preds,
        )

    def where(self, sid: str) -> str:
        """``steps[i]`` for a step of the file, else ``step 'id'``."""
        return f"steps[{self.idx[sid]}]" if sid in self.idx else f"step '{sid}'"


def _back_edges(g: _Graph) -> set[tuple[str, str]]:
    """Loop flows: within a cycle (one strongly connected component), a flow to a step
    listed at or before its source."""
    comp = _components(g.order, g.succ)
    return {
        (u, v)
        for u, vs in g.succ.items()
        for v in vs
        if comp[u] == comp[v] and g.idx.get(v, 0) <= g.idx.get(u, 0)
    }


def _unreachable(g: _Graph, seen: set[str], start_id: str) -> list[str]:
    """A problem for every step the start cannot reach."""
    return [
        f"{g.where(s.id)} '{s.id}' cannot be reached from the start '{start_id}': "
        "connect it with a next, or remove it"
        for s in g.steps
        if s.id not in seen
    ]


def _stuck(g: _Graph, seen: set[str]) -> list[str]:
    """Every reachable step must reach an end over flows of positive probability."""
    ends = {s.id for s in g.steps if s.flow == "end"}
    if not ends and g.steps:
        return ["no step ends the process: give at least one step no next (the last step)"]
    rev_pos: dict[str, list[str]] = {s.id: [] for s in g.steps}
    for s in g.steps:
        for t, p in s.branches:
            if p > 0 and t in g.by_id:
                rev_pos[t].append(s.id)
    can_end = reach(ends, rev_pos)
    return [
        f"{g.where(sid)} '{sid}' can never reach an end of the process (a loop with no "
        "exit, or only exits of probability 0): give the loop a way out"
        for sid in g.order
        if sid in seen and sid not in can_end
    ]


class _BlockFinder:
    """Finds the AND block of each split, nested blocks first, and reports malformed ones.

    Problems are appended to ``problems`` in the order they are found.
    """

    def __init__(self, g: _Graph, back: set[tuple[str, str]], problems: list[str]) -> None:
        self.g = g
        self.back = back
        self.problems = problems
        self.blocks: dict[str, Block] = {}
        #: the split whose join each join step is
        self.join_owner: dict[str, str] = {}
        self.failed: set[str] = set()
        self.in_progress: set[str] = set()

    @cached_property
    def _forward(self) -> dict[str, list[str]]:
        """The flows that are no loop flow, built once for every branch that needs them."""
        return {x: [t for t in vs if (x, t) not in self.back] for x, vs in self.g.succ.items()}

    def find(self, split: str) -> Block | None:
        """The block that ``split`` opens, or None (and problems) when it is malformed."""
        if split in self.blocks:
            return self.blocks[split]
        if split in self.failed:
            return None
        if split in self.in_progress:
            self.problems.append(
                f"{self.g.where(split)} '{split}': parallel blocks are not properly nested (the "
                "split is reached again from inside its own branches)"
            )
            self.failed.add(split)
            return None
        self.in_progress.add(split)
        branches, joins, ok = self._branches(split)
        self.in_progress.discard(split)
        block = self._close(split, branches, joins) if ok else None
        if block is None:
            self.failed.add(split)
            return None
        self.blocks[split] = block
        self.join_owner[block.join] = split
        return block

    def _branches(self, split: str) -> tuple[list[Branch], list[set[str]], bool]:
        """Walk every branch of ``split``: the branches, the joins each reaches, and whether
        every branch is well formed."""
        by_id = self.g.by_id
        branches: list[Branch] = []
        joins: list[set[str]] = []
        ok = True
        for head in by_id[split].targets:
            if head not in by_id:
                ok = False
                continue
            if by_id[head].join == "all":
                branches.append(Branch(head=head, nodes=frozenset()))
                joins.append({head})
                continue
            nodes, found, branch_ok = self._walk(split, head)
            ok = ok and branch_ok
            branches.append(Branch(head=head, nodes=frozenset(nodes)))
            joins.append(found)
        return branches, joins, ok

    def _walk(self, split: str, head: str) -> tuple[set[str], set[str], bool]:
        """The steps of the branch from ``head`` (nested blocks whole), the joins it
        reaches, and whether it is well formed."""
        by_id = self.g.by_id
        nodes: set[str] = set()
        found: set[str] = set()
        forward: _Reach | None = None  # explored only as far as a loop flow needs
        ok = True
        todo = [head]
        while todo:
            x = todo.pop()
            if x in nodes:
                continue
            sx = by_id[x]
            if sx.join == "all" and x != head:
                found.add(x)
                continue
            nodes.add(x)
            leaving, forward = self._loops_out(split, head, x, forward)
            if leaving:
                ok = False
                continue
            if sx.flow == "end":
                self.problems.append(
                    f"{self.g.where(x)} '{x}' ends the process inside a parallel branch of "
                    f"'{split}': every branch must meet the others at a join: all step"
                )
                ok = False
                continue
            if sx.flow == "and":
                inner = self.find(x)
                if inner is None:
                    ok = False
                    continue
                # the nested join belongs to this branch; go on after it
                nodes |= inner.nodes
                nodes.add(inner.join)
                todo.extend(t for t in by_id[inner.join].targets if t in by_id)
                continue
            todo.extend(t for t in sx.targets if t in by_id)
        return nodes, found, ok

    def _loops_out(
        self, split: str, head: str, x: str, forward: _Reach | None
    ) -> tuple[list[str], _Reach | None]:
        """Loop flows from ``x`` that leave the branch from ``head`` (each reported), and
        the steps reachable from ``head`` without a loop flow once that was needed."""
        leaving = []
        for t in self.g.by_id[x].targets:
            if t in self.g.by_id and (x, t) in self.back:
                if forward is None:
                    forward = _Reach(head, self._forward)
                if t == split or not forward.reaches(t):
                    leaving.append(t)
        for t in leaving:
            self.problems.append(
                f"{self.g.where(x)} '{x}' loops back to '{t}', outside the parallel branch of "
                f"'{split}' it is in; no loop may leave or enter an AND block: end the "
                "loop inside the branch, or move the loop before the split"
            )
        return leaving, forward

    def _close(self, split: str, branches: list[Branch], joins: list[set[str]]) -> Block | None:
        """The block when its branches meet at one join of its own, are disjoint and
        closed to flows from outside; else None (and a problem)."""
        jn = self._one_join(split, joins)
        if jn is None or not self._disjoint(split, branches):
            return None
        if not self._closed(split, branches, jn):
            return None
        return Block(split=split, join=jn, branches=tuple(branches))

    def _one_join(self, split: str, joins: list[set[str]]) -> str | None:
        """The one join every branch reaches, if it is no other split's join."""
        all_joins = set().union(*joins) if joins else set()
        if len(all_joins) != 1 or any(len(j) != 1 for j in joins):
            names = ", ".join(f"'{j}'" for j in sorted(all_joins)) or "none"
            self.problems.append(
                f"{self.g.where(split)} '{split}' splits into parallel branches "
                f"{list(self.g.by_id[split].targets)} that do not all meet at one join: all "
                f"step (joins reached: {names}); end every branch at the same step with "
                "join: all"
            )
            return None
        jn = all_joins.pop()
        if jn in self.join_owner and self.join_owner[jn] != split:
            self.problems.append(
                f"{self.g.where(jn)} '{jn}' is the join of both '{self.join_owner[jn]}' and "
                f"'{split}': give each parallel split its own join: all step"
            )
            return None
        return jn

    def _disjoint(self, split: str, branches: list[Branch]) -> bool:
        """True when no step is on two branches (else the first such step is reported)."""
        owner: dict[str, int] = {}
        for i, b in enumerate(branches):
            for n in b.nodes:
                if n in owner:
                    self.problems.append(
                        f"{self.g.where(n)} '{n}' is on two parallel branches of '{split}' "
                        f"(from '{branches[owner[n]].head}' and '{b.head}'): parallel "
                        "branches must not share steps"
                    )
                    return False
                owner[n] = i
        return True

    def _closed(self, split: str, branches: list[Branch], jn: str) -> bool:
        """True when flows enter the branches only from the split, and the join only from
        the block (else the first stray flow is reported)."""
        g = self.g
        for b in branches:
            for n in sorted(b.nodes, key=lambda s: g.idx.get(s, 0)):
                for p in g.preds[n]:
                    if p in b.nodes or (p == split and n == b.head):
                        continue
                    self.problems.append(
                        f"{g.where(p)} '{p}' flows into '{n}' inside a parallel branch of "
                        f"'{split}' from outside it; only '{split}' may lead into its "
                        "branches (neither a loop nor a second split or choice may enter an "
                        f"AND block): route every flow into the block through '{split}'"
                    )
                    return False
        inside = set().union(*(b.nodes for b in branches)) | {split}
        for p in g.preds[jn]:
            if p not in inside:
                self.problems.append(
                    f"{g.where(p)} '{p}' flows into the join '{jn}' of '{split}' from outside "
                    "the parallel block; only its branches may flow into a join: all step"
                )
                return False
        return True


def _stray_joins(g: _Graph, seen: set[str], finder: _BlockFinder) -> list[str]:
    """``join: all`` steps that close no block (reported only when every block is sound)."""
    if finder.failed:
        return []
    return [
        f"{g.where(s.id)} '{s.id}' has join: all but is not where the branches of a "
        "parallel split (next: [a, b]) meet: drop join: all, or make the branches "
        "meet here"
        for s in g.steps
        if s.join == "all" and s.id in seen and s.id not in finder.join_owner
    ]


def _scopes(
    order: tuple[str, ...], blocks: dict[str, Block]
) -> dict[str, tuple[str, int] | None]:
    """The innermost (split, branch index) of each step, None at the top level."""
    parent: dict[str, tuple[str, int] | None] = dict.fromkeys(order)
    # outer blocks first, inner blocks overwrite: a block nested in another holds
    # strictly fewer steps (not its own split), so size orders every nested pair
    size = {split: sum(len(b.nodes) for b in blk.branches) for split, blk in blocks.items()}
    for split in sorted(blocks, key=lambda s: -size[s]):
        for i, b in enumerate(blocks[split].branches):
            for n in b.nodes:
                parent[n] = (split, i)
    return parent


def _loops_across_blocks(
    g: _Graph,
    back: set[tuple[str, str]],
    blocks: dict[str, Block],
    parent: dict[str, tuple[str, int] | None],
) -> list[str]:
    """Loop flows from inside a block to outside it: back edges must stay in one scope."""
    heads = _split_heads(blocks)
    problems = []
    for u, v in sorted(back):
        pu, pv = parent.get(u), parent.get(v)
        if pu == pv or (u, v) in heads:
            continue
        if pu is not None and pv is not None and pu[0] == pv[0]:
            continue
        problems.append(
            f"{g.where(u)} '{u}' loops back to '{v}' across the boundary of a parallel "
            "block; no loop may leave or enter an AND block"
        )
    return problems


def reach(starts: Iterable[str], edges: Mapping[str, Iterable[str]]) -> set[str]:
    """Every node reachable from ``starts`` along ``edges`` (the starts included).

    With reversed edges, every node that can reach one of ``starts``.

    Examples
    --------
    >>> sorted(reach(["a"], {"a": ["b"], "b": ["c"], "c": [], "d": ["a"]}))
    ['a', 'b', 'c']
    """
    seen = set(starts)
    todo = list(seen)
    while todo:
        v = todo.pop()
        for w in edges.get(v, ()):
            if w not in seen:
                seen.add(w)
                todo.append(w)
    return seen


def _components(order: Sequence[str], succ: dict[str, list[str]]) -> dict[str, int]:
    """Strongly connected components (iterative Tarjan): step -> component number."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    comp: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    counter = 0
    n_comp = 0
    for root in order:
        if root in index:
            continue
        work = [(root, 0)]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            v, i = work[-1]
            nxt = succ.get(v, [])
            if i < len(nxt):
                work[-1] = (v, i + 1)
                w = nxt[i]
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, 0))
                elif w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    u = work[-1][0]
                    low[u] = min(low[u], low[v])
                if low[v] == index[v]:
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp[w] = n_comp
                        if w == v:
                            break
                    n_comp += 1
    return comp


class _Reach:
    """The steps reachable from ``start`` along ``edges``, explored breadth first only as
    far as the questions asked need: a loop target inside a branch is found close to
    its head, so a branch never pays for the whole rest of the process."""

    def __init__(self, start: str, edges: Mapping[str, Iterable[str]]) -> None:
        self.edges = edges
        self.seen = {start}
        self.todo = deque([start])

    def reaches(self, target: str) -> bool:
        """Whether ``target`` is reachable from the start."""
        seen, todo = self.seen, self.todo
        while target not in seen and todo:
            for w in self.edges.get(todo.popleft(), ()):
                if w not in seen:
                    seen.add(w)
                    todo.append(w)
        return target in seen


def _split_heads(blocks: dict[str, Block]) -> set[tuple[str, str]]:
    return {(b.split, br.head) for b in blocks.values() for br in b.branches}


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
