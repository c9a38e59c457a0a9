"""Random valid processes, for tests, property checks and benchmarks.

:func:`random_process` builds a process of a given size from structured
fragments, so that every process it returns is valid by construction:

* a **task** — one step;
* a **choice** (XOR) — a deciding step and two or three alternative chains that
  meet again after it (one of them may be empty: the choice skips ahead);
* a **rework loop** (补正) — a chain and a check step that sends a share of
  cases back to the chain's first step (a loop in one scope, exit probability > 0);
* an **AND block** (并联) — a split step, two to four branches (chains that may
  hold choices, loops and AND blocks of their own; at most one branch empty) and a
  ``join: all`` step;
* a **rejection** (不予许可, top level only) — a deciding step that ends a share
  of cases at a step of their own.

Fragments nest inside chains, so AND blocks nest properly, branches are
disjoint, every branch ends at its join and no loop leaves or enters a block.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .process import Process
from .random_parts import random_departments, random_materials, random_step
from .seeds import SeedLike, resolve_seed

__all__ = ["random_process"]

_XOR_SHARE = 0.15  # share of fragments that are choices
_REJECT_SHARE = 0.03  # share of top-level fragments that are rejections
_MAX_DEPTH = 8  # deepest nesting of fragments

_Hole = tuple[int, int]  # (step index, slot index) of a flow whose target is not known yet


def random_process(
    n_steps: int,
    *,
    seed: SeedLike = None,
    departments: int = 8,
    locations: int = 3,
    loop_share: float = 0.1,
    and_share: float = 0.1,
    materials: int = 10,
    calendar: str | None = None,
) -> Process:
    """A random valid process of ``n_steps`` steps, for tests and benchmarks.

    The process mixes every step kind and channel, random ``work`` and ``wait``
    distributions, fees, time limits, choices (XOR), rework loops, properly
    nested AND blocks, a rejection end now and then, departments at several
    levels, regions and locations, and materials held by the applicant or issued
    by departments (some shared, some produced by steps). It is valid by
    construction (see the module docstring) and the same seed gives the same process.

    Parameters
    ----------
    n_steps : int
        Number of steps (at least 1).
    seed : int, numpy.random.Generator, numpy.random.SeedSequence or None
        Read by :func:`flowkit.model.seeds.resolve_seed` into the ``int`` that seeds
        the :func:`numpy.random.default_rng` generator: an ``int`` gives the same
        process every call, a ``Generator`` gives one draw (and so advances), a
        ``SeedSequence`` its first state word; ``None`` draws a fresh process each
        call. No global random state is used. The name of the process shows the
        ``int`` when a seed is given.
    departments : int
        Number of departments (at least 1).
    locations : int
        Number of shared service locations (halls) that departments sit in; a
        department not in a hall has its counter at its own id. 0 puts every
        department at its own location.
    loop_share : float
        Share of fragments that are rework loops (0 for none). When it is > 0 and
        ``n_steps >= 7``, the process has at least one loop.
    and_share : float
        Share of fragments that are AND blocks (0 for none). When it is > 0 and
        ``n_steps >= 5``, the process has at least one AND block.
    materials : int
        Number of materials declared (0 for none).
    calendar : {None, 'always', 'china'}
        ``None``: the default calendar; ``'always'``: 24/7; ``'china'``: the default
        hours with mainland China's public holidays.

    Returns
    -------
    Process

    Raises
    ------
    ValueError
        When a size or share is out of range, or the calendar is unknown.
    flowkit.FlowkitError
        When ``seed`` is not one of the accepted kinds (a ``ValueError`` too).

    Examples
    --------
    >>> import flowkit as fk
    >>> from flowkit.model.generate import random_process
    >>> p = random_process(200, seed=1)
    >>> len(p.steps), fk.validate(fk.to_dict(p))
    (200, [])
    >>> random_process(200, seed=1) == p
    True
    >>> any(s.join == "all" for s in p.steps), fk.analyze(p).steps >= 1
    (True, True)
    >>> q = random_process(30, seed=2, loop_share=0, and_share=0, departments=1)
    >>> {s.flow for s in q.steps} <= {"seq", "xor", "end"}, len(q.departments)
    (True, 1)

    A numpy ``Generator`` works as a seed; generators in the same state give the same
    process:

    >>> import numpy as np
    >>> a = random_process(20, seed=np.random.default_rng(7))
    >>> a == random_process(20, seed=np.random.default_rng(7)), len(a.steps)
    (True, 20)
    """
    _check_sizes(n_steps, departments, locations, materials, loop_share, and_share)
    cal = _calendar_tree(calendar)
    number = resolve_seed(seed)
    rng = np.random.default_rng(number)
    builder = _Builder(
        rng, int(n_steps), int(departments), int(locations), float(loop_share), float(and_share)
    )
    steps = builder.build()
    depts = random_departments(rng, int(departments), int(locations))
    mats = random_materials(rng, int(materials), steps, depts)
    tree: dict[str, Any] = {
        "name": f"随机事项{'' if seed is None else number}（{n_steps}环节）",
        "arrivals": {"per_day": int(rng.integers(5, 60))},
        "handoff": {"mode": "paper" if rng.random() < 0.7 else "electronic"},
        "departments": depts,
        "materials": mats,
        "steps": steps,
    }
    if cal is not None:
        tree["calendar"] = cal
    return Process.model_validate(tree)


def _check_sizes(
    n_steps: int,
    departments: int,
    locations: int,
    materials: int,
    loop_share: float,
    and_share: float,
) -> None:
    """Raise ``ValueError`` when a size or share of :func:`random_process` is out of range."""
    if not isinstance(n_steps, int | np.integer) or n_steps < 1:
        raise ValueError(f"n_steps must be an integer >= 1, got {n_steps!r}")
    if departments < 1:
        raise ValueError(f"departments must be >= 1, got {departments!r}")
    if locations < 0 or materials < 0:
        raise ValueError("locations and materials must be >= 0")
    for name, share in (("loop_share", loop_share), ("and_share", and_share)):
        if not 0 <= share <= 1:
            raise ValueError(f"{name} must be in [0, 1], got {share!r}")


def _calendar_tree(calendar: str | None) -> Any:
    """The ``calendar`` entry of the process for ``None``, ``'always'`` or ``'china'``."""
    if calendar is None:
        return None
    if calendar == "always":
        return "always"
    if calendar == "china":
        return {"holidays": "china"}
    raise ValueError(f"calendar must be None, 'always' or 'china', got {calendar!r}")


# --------------------------------------------------------------------------- flow
class _Builder:
    """Grows the steps of a process fragment by fragment.

    Each step is a dict; its flow is kept in ``slots``: ``[target, probability]``
    pairs whose target is None until the fragment after it is known (a *hole*).
    """

    def __init__(
        self,
        rng: np.random.Generator,
        n_steps: int,
        n_departments: int,
        n_locations: int,
        loop_share: float,
        and_share: float,
    ) -> None:
        self.rng = rng
        self.n_steps = n_steps
        self.n_departments = n_departments
        self.n_locations = n_locations
        self.loop_share = loop_share
        self.and_share = and_share
        self.steps: list[dict[str, Any]] = []
        self.slots: list[list[list[Any]]] = []
        self.is_and: list[bool] = []
        self.dept = 0

    # -- fragments ----------------------------------------------------------
    def build(self) -> list[dict[str, Any]]:
        """The steps: a planned top-level chain (with an AND block and a loop reserved
        when they are asked for) and the final step."""
        budget = self.n_steps - 1  # the last step is the final delivery
        reserved: list[tuple[str, int]] = []
        if self.and_share > 0 and budget >= 4:
            room = budget - 2 if self.loop_share > 0 and budget >= 6 else budget
            size = int(self.rng.integers(4, min(room, 10) + 1))
            reserved.append(("and", size))
            budget -= size
        if self.loop_share > 0 and budget >= 2:
            size = int(self.rng.integers(2, min(budget, 5) + 1))
            reserved.append(("loop", size))
            budget -= size
        plan = self._plan(budget, top=True, depth=0)
        for frag in reserved:
            plan.insert(int(self.rng.integers(0, len(plan) + 1)), frag)
        _, holes = self._chain(plan, top=True, depth=0)
        final = self._new("final")
        self._fill(holes, final)
        return self._finish()

    def _plan(self, budget: int, *, top: bool, depth: int) -> list[tuple[str, int]]:
        """Fragments ``(kind, size)`` whose sizes add up to ``budget`` steps."""
        rng = self.rng
        plan: list[tuple[str, int]] = []
        rem = budget
        while rem > 0:
            u = rng.random()
            if u < self.and_share:
                kind, low, high = "and", 4, 16
            elif u < self.and_share + self.loop_share:
                kind, low, high = "loop", 2, 8
            elif u < self.and_share + self.loop_share + _XOR_SHARE:
                kind, low, high = "xor", 2, 8
            elif top and u < self.and_share + self.loop_share + _XOR_SHARE + _REJECT_SHARE:
                kind, low, high = "reject", 2, 2
            else:
                kind, low, high = "task", 1, 1
            if rem < low or (kind in ("and", "loop", "xor") and depth >= _MAX_DEPTH):
                kind, low, high = "task", 1, 1
            plan.append((kind, int(rng.integers(low, min(rem, high) + 1))))
            rem -= plan[-1][1]
        return plan

    def _seq(self, budget: int, *, top: bool, depth: int) -> tuple[int | None, list[_Hole]]:
        """A planned chain of ``budget`` steps: its entry (None when empty) and its holes."""
        if budget == 0:
            return None, []
        return self._chain(self._plan(budget, top=top, depth=depth), top=top, depth=depth)

    def _chain(
        self, plan: list[tuple[str, int]], *, top: bool, depth: int
    ) -> tuple[int | None, list[_Hole]]:
        """The fragments of ``plan`` one after the other: the entry and the last holes."""
        entry: int | None = None
        holes: list[_Hole] = []
        for kind, size in plan:
            e, h = self._fragment(kind, size, top=top, depth=depth)
            if entry is None:
                entry = e
            else:
                self._fill(holes, e)
            holes = h
        return entry, holes

    def _fragment(self, kind: str, size: int, *, top: bool, depth: int) -> tuple[int, list[_Hole]]:
        """One fragment of ``size`` steps: its entry step and the holes it leaves open."""
        rng = self.rng
        if kind == "task":
            i = self._new("task")
            return i, [(i, 0)]
        if kind == "reject":
            d = self._new("decide")
            end = self._new("reject")
            r = round(float(rng.uniform(0.02, 0.2)), 2)
            self.slots[d] = [[None, round(1 - r, 2)], [end, r]]
            return d, [(d, 0)]
        if kind == "xor":
            d = self._new("decide")
            rest = size - 1
            skip = rest < 2 or rng.random() < 0.4  # one alternative is empty: skip ahead
            k = 3 if rest >= 3 and rng.random() < 0.25 else 2
            sizes = _compose(rng, rest, k - 1 if skip else k, min_each=1)
            if skip:
                sizes.append(0)
            probs = _probabilities(rng, k)
            slots: list[list[Any]] = []
            holes: list[_Hole] = []
            for sz, p in zip(sizes, probs, strict=True):
                e, h = self._seq(sz, top=top, depth=depth + 1)
                if e is None:
                    holes.append((d, len(slots)))
                slots.append([e, p])
                holes += h
            self.slots[d] = slots
            return d, holes
        if kind == "loop":
            first, holes = self._seq(size - 1, top=top, depth=depth + 1)
            assert first is not None
            c = self._new("check")
            self._fill(holes, c)
            q = round(float(rng.uniform(0.05, 0.35)), 2)
            self.slots[c] = [[None, round(1 - q, 2)], [first, q]]
            return first, [(c, 0)]
        # AND block: split, branches, join
        s = self._new("split")
        rest = size - 2
        k = int(rng.integers(2, min(4, rest + 1) + 1))
        empty = k > rest or rng.random() < 0.12  # at most one branch goes straight to the join
        sizes = _compose(rng, rest, k - 1 if empty else k, min_each=1)
        if empty:
            sizes.insert(int(rng.integers(0, len(sizes) + 1)), 0)
        heads: list[int | None] = []
        branch_holes: list[_Hole] = []
        saved = self.dept
        for sz in sizes:
            self.dept = saved
            e, h = self._seq(sz, top=False, depth=depth + 1)
            heads.append(e)
            branch_holes += h
        j = self._new("join")
        self.is_and[s] = True
        self.slots[s] = [[j if e is None else e, 1.0] for e in heads]
        self._fill(branch_holes, j)
        return s, [(j, 0)]

    def _fill(self, holes: list[_Hole], target: int) -> None:
        """Point every hole at step ``target``."""
        for i, k in holes:
            self.slots[i][k][0] = target

    # -- steps ----------------------------------------------------------------
    def _new(self, role: str) -> int:
        """Add a step for ``role``; it stays with the department or moves to another."""
        rng = self.rng
        i = len(self.steps)
        if rng.random() < 0.35:
            self.dept = int(rng.integers(0, self.n_departments))
        self.steps.append(random_step(rng, i, role, self.dept, self.n_locations))
        self.slots.append([[None, 1.0]])
        self.is_and.append(False)
        return i

    def _finish(self) -> list[dict[str, Any]]:
        """The steps with ``next`` written from their slots."""
        ids = [s["id"] for s in self.steps]
        for step, slots, is_and in zip(self.steps, self.slots, self.is_and, strict=True):
            live = [(t, p) for t, p in slots if t is not None]
            if is_and:
                step["next"] = [ids[t] for t, _ in live]
            elif len(live) == 1 and len(slots) == 1:
                step["next"] = ids[live[0][0]]
            elif live:
                # only the final step and rejection ends keep holes (they end the process)
                assert len(live) == len(slots), step["id"]
                step["next"] = {ids[t]: p for t, p in live}
        return self.steps


def _compose(rng: np.random.Generator, total: int, k: int, *, min_each: int = 0) -> list[int]:
    """Split ``total`` into ``k`` random parts, each at least ``min_each``."""
    free = total - k * min_each
    assert free >= 0
    cuts = np.sort(rng.integers(0, free + 1, size=k - 1))
    edges = [0, *cuts.tolist(), free]
    return [min_each + edges[i + 1] - edges[i] for i in range(k)]


def _probabilities(rng: np.random.Generator, k: int) -> list[float]:
    """``k`` positive probabilities with two decimals that sum to 1 (the first the largest)."""
    w = rng.integers(1, 20, size=k).astype(float)
    w[0] += 20.0  # the main path is the likely one
    p = [round(float(x), 2) for x in w / w.sum()]
    p[-1] = round(1.0 - sum(p[:-1]), 2)
    return p
