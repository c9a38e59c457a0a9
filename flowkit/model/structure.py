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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
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
    by_id = {s.id: s for s in steps}
    idx = index or {s.id: i for i, s in enumerate(steps)}
    order = tuple(s.id for s in steps)
    start_id = start or (steps[0].id if steps else "")
    problems: list[str] = []

    def where(sid: str) -> str:
        return f"steps[{idx[sid]}]" if sid in idx else f"step '{sid}'"

    succ = {s.id: [t for t in s.targets if t in by_id] for s in steps}
    pos_succ = {s.id: [t for t, p in s.branches if p > 0 and t in by_id] for s in steps}
    preds: dict[str, list[str]] = {s.id: [] for s in steps}
    for u, vs in succ.items():
        for v in vs:
            preds[v].append(u)

    # reachability from the start
    seen: set[str] = set()
    if start_id in by_id:
        seen.add(start_id)
        todo_r = [start_id]
        while todo_r:
            node = todo_r.pop()
            for v in succ[node]:
                if v not in seen:
                    seen.add(v)
                    todo_r.append(v)
    # loop flows: within a cycle (one strongly connected component), a flow to a step
    # listed at or before its source
    comp = _components(order, succ)
    back: set[tuple[str, str]] = {
        (u, v)
        for u, vs in succ.items()
        for v in vs
        if comp[u] == comp[v] and idx.get(v, 0) <= idx.get(u, 0)
    }
    for s in steps:
        if s.id not in seen:
            problems.append(
                f"{where(s.id)} '{s.id}' cannot be reached from the start '{start_id}': "
                "connect it with a next, or remove it"
            )

    # every reachable step must be able to reach an end over flows of positive probability
    ends = {s.id for s in steps if s.flow == "end"}
    rev_pos: dict[str, list[str]] = {s.id: [] for s in steps}
    for u, vs in pos_succ.items():
        for v in vs:
            rev_pos[v].append(u)
    can_end = reach(ends, rev_pos)
    if not ends and steps:
        problems.append(
            "no step ends the process: give at least one step no next (the last step)"
        )
    else:
        stuck = [s for s in order if s in seen and s not in can_end]
        for sid in stuck:
            problems.append(
                f"{where(sid)} '{sid}' can never reach an end of the process (a loop with no "
                "exit, or only exits of probability 0): give the loop a way out"
            )

    # AND blocks
    blocks: dict[str, Block] = {}
    join_owner: dict[str, str] = {}
    failed: set[str] = set()
    in_progress: set[str] = set()

    def find_block(split: str) -> Block | None:
        if split in blocks:
            return blocks[split]
        if split in failed:
            return None
        if split in in_progress:
            problems.append(
                f"{where(split)} '{split}': parallel blocks are not properly nested (the split "
                "is reached again from inside its own branches)"
            )
            failed.add(split)
            return None
        in_progress.add(split)
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
            nodes: set[str] = set()
            found: set[str] = set()
            forward: set[str] | None = None  # computed only if a loop flow needs it
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
                leaving = []
                for t in sx.targets:
                    if t in by_id and (x, t) in back:
                        if forward is None:
                            forward = _forward_reach(head, by_id, back)
                        if t == split or t not in forward:
                            leaving.append(t)
                for t in leaving:
                    problems.append(
                        f"{where(x)} '{x}' loops back to '{t}', outside the parallel branch of "
                        f"'{split}' it is in; no loop may leave or enter an AND block: end the "
                        "loop inside the branch, or move the loop before the split"
                    )
                    ok = False
                if leaving:
                    continue
                if sx.flow == "end":
                    problems.append(
                        f"{where(x)} '{x}' ends the process inside a parallel branch of "
                        f"'{split}': every branch must meet the others at a join: all step"
                    )
                    ok = False
                    continue
                if sx.flow == "and":
                    inner = find_block(x)
                    if inner is None:
                        ok = False
                        continue
                    nodes |= inner.nodes
                    # the nested join belongs to this branch; go on after it
                    jn = inner.join
                    nodes.add(jn)
                    todo.extend(t for t in by_id[jn].targets if t in by_id)
                    continue
                todo.extend(t for t in sx.targets if t in by_id)
            branches.append(Branch(head=head, nodes=frozenset(nodes)))
            joins.append(found)
        in_progress.discard(split)
        if not ok:
            failed.add(split)
            return None
        all_joins = set().union(*joins) if joins else set()
        if len(all_joins) != 1 or any(len(j) != 1 for j in joins):
            names = ", ".join(f"'{j}'" for j in sorted(all_joins)) or "none"
            problems.append(
                f"{where(split)} '{split}' splits into parallel branches "
                f"{list(by_id[split].targets)} that do not all meet at one join: all step "
                f"(joins reached: {names}); end every branch at the same step with join: all"
            )
            failed.add(split)
            return None
        jn = all_joins.pop()
        if jn in join_owner and join_owner[jn] != split:
            problems.append(
                f"{where(jn)} '{jn}' is the join of both '{join_owner[jn]}' and '{split}': give "
                "each parallel split its own join: all step"
            )
            failed.add(split)
            return None
        # branches must be disjoint
        owner: dict[str, int] = {}
        for i, b in enumerate(branches):
            for n in b.nodes:
                if n in owner:
                    problems.append(
                        f"{where(n)} '{n}' is on two parallel branches of '{split}' "
                        f"(from '{branches[owner[n]].head}' and '{b.head}'): parallel "
                        "branches must not share steps"
                    )
                    failed.add(split)
                    return None
                owner[n] = i
        # no flow may enter a branch from outside, except split -> head
        for b in branches:
            for n in sorted(b.nodes, key=lambda s: idx.get(s, 0)):
                for p in preds[n]:
                    if p in b.nodes or (p == split and n == b.head):
                        continue
                    problems.append(
                        f"{where(p)} '{p}' flows into '{n}' inside a parallel branch of "
                        f"'{split}' from outside it; no loop may leave or enter an AND block"
                    )
                    failed.add(split)
                    return None
        inside = set().union(*(b.nodes for b in branches)) | {split}
        for p in preds[jn]:
            if p not in inside:
                problems.append(
                    f"{where(p)} '{p}' flows into the join '{jn}' of '{split}' from outside the "
                    "parallel block; only its branches may flow into a join: all step"
                )
                failed.add(split)
                return None
        block = Block(split=split, join=jn, branches=tuple(branches))
        blocks[split] = block
        join_owner[jn] = split
        return block

    for sid in order:
        if sid in seen and by_id[sid].flow == "and":
            find_block(sid)

    for s in steps:
        if s.join == "all" and s.id in seen and s.id not in join_owner and not failed:
            problems.append(
                f"{where(s.id)} '{s.id}' has join: all but is not where the branches of a "
                "parallel split (next: [a, b]) meet: drop join: all, or make the branches "
                "meet here"
            )

    parent: dict[str, tuple[str, int] | None] = dict.fromkeys(order)

    # assign innermost scopes: outer blocks first, inner blocks overwrite
    def depth(split: str) -> int:
        d, cur = 0, split
        while True:
            holder = next(
                (
                    b.split
                    for b in blocks.values()
                    if cur in b.nodes
                ),
                None,
            )
            if holder is None:
                return d
            d += 1
            cur = holder

    for split in sorted(blocks, key=depth):
        for i, b in enumerate(blocks[split].branches):
            for n in b.nodes:
                parent[n] = (split, i)

    # a loop from inside a block to outside: back edges must stay in one scope
    for u, v in sorted(back):
        if parent.get(u) != parent.get(v) and (u, v) not in _split_heads(blocks):
            pu, pv = parent.get(u), parent.get(v)
            if pu is not None and pv is not None and pu[0] == pv[0] and pu != pv:
                continue
            problems.append(
                f"{where(u)} '{u}' loops back to '{v}' across the boundary of a parallel "
                "block; no loop may leave or enter an AND block"
            )

    return Structure(
        start=start_id,
        order=order,
        back_edges=frozenset(back),
        blocks=blocks,
        parent=parent,
        reachable=frozenset(seen),
        problems=_unique(problems),
    )


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


def _forward_reach(head: str, by_id: dict[str, Step], back: set[tuple[str, str]]) -> set[str]:
    """Steps reachable from ``head`` without following a loop flow."""
    forward = {x: [t for t in s.targets if t in by_id and (x, t) not in back]
               for x, s in by_id.items()}
    return reach([head], forward)


def _split_heads(blocks: dict[str, Block]) -> set[tuple[str, str]]:
    return {(b.split, br.head) for b in blocks.values() for br in b.branches}


def _unique(items: list[str]) -> list[str]:
    out: list[str] = []
    for x in items:
        if x not in out:
            out.append(x)
    return out
