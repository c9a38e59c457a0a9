"""并联审批 :class:`parallelize`: a run of sequential steps becomes parallel branches.

The split and the join it needs are the run's neighbours where they can be (a
predecessor in plain sequence, a successor reached only from the run), else new
``kind: routing`` steps (路由), which are not 环节: ``parallelize`` never raises
``steps``. A rework loop that stays inside one branch (a step whose choice goes back
to itself or to an earlier step of its branch) stays in that branch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ...errors import LeverError
from ...model.process import Process
from ..edit import Editor
from .base import Lever, _as_tuple, _need_steps

__all__ = ["parallelize"]


@dataclass(frozen=True, repr=False)
class parallelize(Lever):
    """并联审批: consecutive steps (or chains of them) that need nothing the others
    produce become parallel branches between a split and a join.

    ``steps`` lists the branches in order: a step id, or a list of consecutive step
    ids (a chain that stays in sequence inside its branch). Together they must be one
    run of sequential steps; a step may loop back (补正) to itself or to an earlier
    step of its own branch. ``None`` takes the longest run of consecutive back-office
    or on-site steps after the first intake and before the first approval in which no
    step lists a material another produces, one step per branch. A split or join
    that is not an existing step is a new ``kind: routing`` step, so ``steps`` never
    rises.
    """

    steps: tuple[Any, ...] | None = None
    name: ClassVar[str] = "parallelize"
    primary: ClassVar[tuple[str, ...]] = ("workdays",)
    label: ClassVar[str] = "并联审批"

    def __post_init__(self) -> None:
        if self.steps is not None:
            branches = tuple(
                (b,) if isinstance(b, str) else tuple(b) for b in _as_tuple(self.steps) or ()
            )
            object.__setattr__(self, "steps", branches)

    def _edit(self, ed: Editor, p: Process) -> str | None:
        branches = [list(b) for b in self.steps] if self.steps is not None else _auto_run(p)
        flat = [s for b in branches for s in b]
        chain, fwd = _check_branches(p, branches, flat)
        split = _split_before(ed, p, chain[0], flat)
        ed.set_step(split, "next", [b[0] for b in branches])
        join = _join_after(ed, p, fwd.get(chain[-1]), chain[-1], flat)
        for b in branches:
            for s, t in zip(b, [*b[1:], join], strict=True):
                old = fwd.get(s)
                if old is None:
                    ed.set_step(s, "next", t)
                elif old != t:
                    ed.replace_target(s, old, t)
        return f"branches: {' | '.join(' -> '.join(b) for b in branches)}; join: {join}"


def _forward(p: Process, sid: str, loop_to: list[str]) -> str | None:
    """The one flow of ``sid`` that goes on (None at an end), the others being loops
    back to ``loop_to`` (its branch up to itself), or why it cannot be a branch step."""
    st = p.step(sid)
    if st.flow == "and":
        raise LeverError(f"parallelize: step '{sid}' splits in parallel; only steps in "
                         "plain sequence can be made parallel")
    if st.join is not None:
        raise LeverError(f"parallelize: step '{sid}' is a join; it cannot become a branch")
    ahead = [t for t in st.targets if t not in loop_to]
    if len(ahead) > 1:
        raise LeverError(
            f"parallelize: step '{sid}' chooses between {ahead}; a branch step may only "
            "go on to one step, or loop back to itself or an earlier step of its branch"
        )
    return ahead[0] if ahead else None


def _check_branches(
    p: Process, branches: list[list[str]], flat: list[str]
) -> tuple[list[str], dict[str, str | None]]:
    """The run the branches make up in flow order, and each member's onward flow."""
    _need_steps(p, flat, "parallelize")
    if len(branches) < 2:
        raise LeverError("parallelize: give at least two branches")
    if len(set(flat)) != len(flat):
        raise LeverError("parallelize: a step is listed in two branches")
    fwd = {s: _forward(p, s, b[: i + 1]) for b in branches for i, s in enumerate(b)}
    loops = {(s, t) for b in branches for i, s in enumerate(b)
             for t in p.step(s).targets if t in b[: i + 1]}
    chain = _chain_of(p, flat, fwd, loops)
    pos = {s: i for i, s in enumerate(chain)}
    for b in branches:
        idx = [pos[s] for s in b]
        if idx != list(range(idx[0], idx[0] + len(idx))):
            raise LeverError(
                f"parallelize: branch {b} is not a run of consecutive steps in the flow "
                f"({' -> '.join(chain)})"
            )
    _check_independent(p, branches)
    return chain, fwd


def _check_independent(p: Process, branches: list[list[str]]) -> None:
    """A branch may not need what another produces."""
    for i, a in enumerate(branches):
        made = {m: s for s in a for m in p.step(s).produces}
        for j, b in enumerate(branches):
            if i == j:
                continue
            for s in b:
                for m in p.step(s).materials:
                    if m in made:
                        raise LeverError(
                            f"parallelize: step '{s}' needs '{m}', which step '{made[m]}' "
                            "of another branch produces; they cannot run in parallel"
                        )


def _chain_of(p: Process, members: list[str], fwd: dict[str, str | None],
              loops: set[tuple[str, str]]) -> list[str]:
    """Order ``members`` as one run of sequential steps, or say why they are not."""
    mset = set(members)
    starts = [s for s in members if not any(fwd[u] == s for u in mset if u != s)]
    if len(starts) != 1:
        raise LeverError(
            f"parallelize: steps {members} are not one run of consecutive steps in sequence"
        )
    chain = [starts[0]]
    while len(chain) < len(members):
        nxt = fwd[chain[-1]]
        if nxt is None or nxt not in mset:
            raise LeverError(
                f"parallelize: steps {members} are not one run of consecutive steps in sequence"
            )
        preds = [u.id for u in p.steps if nxt in u.targets and (u.id, nxt) not in loops]
        if preds != [chain[-1]]:
            raise LeverError(f"parallelize: step '{nxt}' is also reached from "
                             f"{[x for x in preds if x != chain[-1]]}; it cannot become a branch")
        chain.append(nxt)
    return chain


def _split_before(ed: Editor, p: Process, first: str, flat: list[str]) -> str:
    """The split: the single predecessor with a plain sequence, else a new routing step."""
    preds = [u for u in ed.steps if first in ed.targets(u) and u not in flat]
    if len(preds) == 1 and isinstance(ed.steps[preds[0]]["next"], str):
        return preds[0]
    pred_depts = {ed.steps[u]["department"] for u in preds}
    split = ed.add_step(
        # one department feeding the run keeps the file; several: the run's own
        {"id": ed.fresh_id(f"{first}_split"), "name": "并联分发", "kind": "routing",
         "department": pred_depts.pop() if len(pred_depts) == 1 else
         p.step(first).department, "next": first},
        after=preds[0] if preds else None,
    )
    for u in preds:
        ed.replace_target(u, first, split)
    if p.start_step == first:
        ed.set_top("start", split)
    return split


def _join_after(ed: Editor, p: Process, succ: str | None, last: str, flat: list[str]) -> str:
    """The join: the successor when it can become one, else a new routing step."""
    if succ is not None and p.step(succ).join is None and \
            [u for u in ed.steps if succ in ed.targets(u) and u not in flat] == []:
        ed.set_step(succ, "join", "all")
        return succ
    return ed.add_step(
        {"id": ed.fresh_id(f"{last}_join"), "name": "并联汇合", "kind": "routing",
         "department": p.step(last).department, "join": "all", "next": succ},
        after=last,
    )


def _flow_rank(p: Process) -> dict[str, int]:
    """Each step's place in the flow: depth-first from the start, loops left out."""
    back = p.structure.back_edges
    rank: dict[str, int] = {}
    todo = [p.start_step]
    while todo:
        sid = todo.pop()
        if sid in rank:
            continue
        rank[sid] = len(rank)
        todo.extend(reversed([t for t in p.step(sid).targets
                              if (sid, t) not in back and t not in rank]))
    return rank


def _auto_run(p: Process) -> list[list[str]]:
    """DESIGN's ``steps=None`` run: the longest run of consecutive back-office/on-site
    steps after the first intake and before the first approval in which no step lists
    a material another produces; one branch per step."""
    rank = _flow_rank(p)
    reached = [s for s in p.steps if s.id in rank]
    first = {k: min((rank[s.id] for s in reached if s.kind == k), default=None)
             for k in ("intake", "approval")}
    lo = -1 if first["intake"] is None else first["intake"]
    hi = len(rank) if first["approval"] is None else first["approval"]
    preds: dict[str, list[str]] = {s.id: [] for s in p.steps}
    for s in p.steps:
        for t in s.targets:
            if t != s.id:
                preds[t].append(s.id)

    def ok(sid: str) -> bool:
        s = p.step(sid)
        return (sid in rank and lo < rank[sid] < hi and not s.routing
                and s.channel in ("backoffice", "onsite") and s.flow in ("seq", "end", "xor")
                and s.join is None and len([t for t in s.targets if t != sid]) <= 1)

    best: list[str] = []
    for s in sorted(reached, key=lambda x: rank[x.id]):
        if not ok(s.id) or (preds[s.id] and ok(preds[s.id][0]) and len(preds[s.id]) == 1
                            and _onward(p, preds[s.id][0]) == s.id):
            continue  # not the start of a run
        run = [s.id]
        while (nxt := _onward(p, run[-1])) is not None and ok(nxt) and preds[nxt] == [run[-1]]:
            run.append(nxt)
        window = _longest_independent(p, run)
        if len(window) > len(best):
            best = window
    if len(best) < 2:
        raise LeverError(
            f"parallelize: '{p.name}' has no run of two or more consecutive back-office or "
            "on-site steps after its first intake and before its first approval that need "
            "nothing another produces; name the branches with steps=[...]"
        )
    return [[s] for s in best]


def _onward(p: Process, sid: str) -> str | None:
    """The target of ``sid`` other than itself (its one way on), if exactly one."""
    ahead = [t for t in p.step(sid).targets if t != sid]
    return ahead[0] if len(ahead) == 1 else None


def _longest_independent(p: Process, run: list[str]) -> list[str]:
    """The longest window of ``run`` in which no step lists what another produces."""
    best: list[str] = []
    for i in range(len(run)):
        made: set[str] = set()
        needs: set[str] = set()
        j = i
        while j < len(run):
            st = p.step(run[j])
            if (made & set(st.materials)) or (needs & set(st.produces)):
                break
            made |= set(st.produces)
            needs |= set(st.materials)
            j += 1
        if j - i > len(best):
            best = run[i:j]
    return best
