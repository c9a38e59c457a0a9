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

import math
from typing import Any

import numpy as np

from .process import Process
from .seeds import SeedLike, resolve_seed

__all__ = ["random_process"]

_DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("amr", "市场监督管理局"),
    ("psb", "公安局"),
    ("tax", "税务局"),
    ("nrp", "自然资源和规划局"),
    ("hud", "住房和城乡建设局"),
    ("eco", "生态环境局"),
    ("fire", "消防救援支队"),
    ("hlth", "卫生健康委员会"),
    ("hrss", "人力资源和社会保障局"),
    ("civ", "民政局"),
    ("trans", "交通运输局"),
    ("water", "水利局"),
    ("agri", "农业农村局"),
    ("cult", "文化广电旅游局"),
    ("edu", "教育局"),
    ("emg", "应急管理局"),
    ("realty", "不动产登记中心"),
    ("street", "街道办事处"),
    ("village", "村民委员会"),
    ("dsa", "数据资源管理局"),
)
_LOCATIONS: tuple[str, ...] = (
    "政务服务中心",
    "市民中心",
    "区行政服务中心",
    "街道便民服务中心",
    "不动产登记大厅",
    "税务办税服务厅",
    "公安出入境大厅",
    "社区服务站",
)
_REGIONS: tuple[str, ...] = ("浙江省", "杭州市", "西湖区", "上城区", "余杭区", "宁波市")
_LEVELS: tuple[str, ...] = ("province", "city", "county", "county", "county", "town", "village")
_MATERIALS_HELD: tuple[tuple[str, str], ...] = (
    ("id_card", "身份证"),
    ("form", "申请表"),
    ("lease", "租赁合同"),
    ("charter", "公司章程"),
    ("hukou", "户口簿"),
    ("photo", "照片"),
    ("plan", "设计图纸"),
    ("contract", "购房合同"),
)
_MATERIALS_ISSUED: tuple[tuple[str, str], ...] = (
    ("license", "营业执照"),
    ("no_crime", "无犯罪记录证明"),
    ("deed", "不动产权证书"),
    ("fire_ok", "消防验收意见书"),
    ("eia", "环评批复"),
    ("plan_permit", "建设工程规划许可证"),
    ("build_permit", "施工许可证"),
    ("health_permit", "卫生许可证"),
    ("marriage", "婚姻登记证明"),
    ("social_sec", "社保缴纳证明"),
)
_STEP_NAMES: dict[str, tuple[str, ...]] = {
    "intake": ("受理申请", "收件", "预审", "补正材料"),
    "review": ("材料审查", "初审", "复审", "技术审查"),
    "inspection": ("现场勘验", "现场核查", "踏勘"),
    "approval": ("审批决定", "审定", "签发"),
    "payment": ("缴纳费用", "缴税", "缴纳契税"),
    "delivery": ("发证", "送达", "出证"),
    "other": ("登记", "公示", "专家评审", "归档"),
}
#: likely channels of each kind, with weights; any channel stays possible
_KIND_CHANNELS: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {
    "intake": (("counter", "online"), (0.7, 0.3)),
    "review": (("backoffice", "counter", "online"), (0.85, 0.1, 0.05)),
    "inspection": (("onsite", "counter"), (0.85, 0.15)),
    "approval": (("backoffice", "counter"), (0.85, 0.15)),
    "payment": (("counter", "online"), (0.5, 0.5)),
    "delivery": (("counter", "mail", "online"), (0.5, 0.35, 0.15)),
    "other": (("backoffice", "counter", "online", "onsite", "mail"), (0.5, 0.2, 0.1, 0.1, 0.1)),
}
_KINDS: tuple[str, ...] = tuple(_KIND_CHANNELS)
_CHANNELS: tuple[str, ...] = ("counter", "online", "backoffice", "onsite", "mail")
_TASK_KIND_P: tuple[float, ...] = (0.16, 0.22, 0.1, 0.14, 0.1, 0.1, 0.18)

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
    depts = _departments(rng, int(departments), int(locations))
    mats = _materials(rng, int(materials), steps, depts)
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
        if budget == 0:
            return None, []
        return self._chain(self._plan(budget, top=top, depth=depth), top=top, depth=depth)

    def _chain(
        self, plan: list[tuple[str, int]], *, top: bool, depth: int
    ) -> tuple[int | None, list[_Hole]]:
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
        for i, k in holes:
            self.slots[i][k][0] = target

    # -- steps ----------------------------------------------------------------
    def _new(self, role: str) -> int:
        rng = self.rng
        i = len(self.steps)
        if rng.random() < 0.35:
            self.dept = int(rng.integers(0, self.n_departments))
        if i == 0:
            kind = "intake"
            channel = "counter" if rng.random() < 0.7 else "online"
        else:
            kind = _role_kind(rng, role)
            channel = _channel(rng, kind, role)
        names = _STEP_NAMES[kind]
        name = "不予许可通知" if role == "reject" else names[int(rng.integers(0, len(names)))]
        step: dict[str, Any] = {
            "id": f"s{i + 1}",
            "name": f"{name}{i + 1}",
            "department": _dept_id(self.dept),
            "kind": kind,
            "channel": channel,
        }
        work = _work(rng, kind, channel)
        if work is not None:
            step["work"] = work
        wait = _wait(rng, kind, channel)
        if wait is not None:
            step["wait"] = wait
        if kind == "payment" or rng.random() < 0.03:
            step["fee"] = float(rng.choice([0, 10, 50, 100, 200, 400, 800, 1500]))
        if rng.random() < 0.15:
            legal = int(rng.integers(3, 21))
            step["legal_limit"] = f"{legal}wd"
            if rng.random() < 0.8:
                step["time_limit"] = f"{max(1, math.ceil(legal * rng.uniform(0.3, 1.0)))}wd"
        if channel == "counter" and self.n_locations and rng.random() < 0.04:
            step["location"] = _LOCATIONS[int(rng.integers(0, min(self.n_locations, 8)))]
        if kind in ("approval", "other") and channel == "backoffice" and rng.random() < 0.05:
            step["schedule"] = {"weekdays": [int(rng.integers(1, 6))], "at": ["14:00"]}
        if role == "join":
            step["join"] = "all"
        self.steps.append(step)
        self.slots.append([[None, 1.0]])
        self.is_and.append(False)
        return i

    def _finish(self) -> list[dict[str, Any]]:
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


def _role_kind(rng: np.random.Generator, role: str) -> str:
    if role == "decide":
        return "review" if rng.random() < 0.7 else "approval"
    if role == "check":
        return "review" if rng.random() < 0.8 else "inspection"
    if role in ("final", "reject"):
        return "delivery"
    if role == "join":
        return "approval" if rng.random() < 0.6 else "other"
    return str(_KINDS[int(rng.choice(len(_KINDS), p=_TASK_KIND_P))])


def _channel(rng: np.random.Generator, kind: str, role: str) -> str:
    if rng.random() < 0.05:  # anything goes now and then
        return str(_CHANNELS[int(rng.integers(0, len(_CHANNELS)))])
    options, weights = _KIND_CHANNELS[kind]
    return str(options[int(rng.choice(len(options), p=weights))])


def _work(rng: np.random.Generator, kind: str, channel: str) -> str | None:
    u = rng.random()
    if u < 0.08:
        return None
    if channel in ("online", "mail") and u < 0.5:
        return f"{int(rng.integers(5, 31))}min"
    form = int(rng.integers(0, 9))
    a = int(rng.integers(5, 90))
    if form == 0:
        return f"{a}min"
    if form == 1:
        return f"{int(rng.integers(1, 5))}h"
    if form == 2:
        return f"{rng.choice([0.5, 1, 2])}wd".replace(".0wd", "wd")
    if form == 3:
        return f"exp({a}min)"
    if form == 4:
        b = a + int(rng.integers(0, 30))
        c = b + int(rng.integers(1, 60))
        return f"tri({a}min, {b}min, {c}min)"
    if form == 5:
        return f"uniform({a}min, {a + int(rng.integers(10, 120))}min)"
    if form == 6:
        return f"lognorm(mean={int(rng.integers(1, 5))}h, sd={a}min)"
    if form == 7:
        return f"normal(mean={a + 30}min, sd={int(rng.integers(5, 30))}min)"
    return f"empirical([{a}min, {a + 10}min, {2 * a}min])"


def _wait(rng: np.random.Generator, kind: str, channel: str) -> str | None:
    if channel == "mail":
        return f"{int(rng.integers(1, 4))}d"
    p_wait = {"review": 0.5, "approval": 0.5, "inspection": 0.4, "other": 0.3}.get(kind, 0.1)
    if rng.random() >= p_wait:
        return None
    form = int(rng.integers(0, 5))
    if form == 0:
        return f"{int(rng.integers(1, 16))}wd"
    if form == 1:
        return f"{int(rng.integers(1, 8))}d"
    if form == 2:
        return f"{int(rng.integers(2, 48))}h"
    if form == 3:
        return f"exp({int(rng.integers(1, 6))}d)"
    return f"tri({int(rng.integers(1, 3))}wd, 3wd, {int(rng.integers(4, 10))}wd)"


# ------------------------------------------------------------------- departments
def _dept_id(i: int) -> str:
    base, _ = _DEPARTMENTS[i % len(_DEPARTMENTS)]
    return base if i < len(_DEPARTMENTS) else f"{base}{i // len(_DEPARTMENTS) + 1}"


def _departments(rng: np.random.Generator, n: int, n_locations: int) -> list[dict[str, Any]]:
    halls = _LOCATIONS[: min(n_locations, len(_LOCATIONS))] + tuple(
        f"服务大厅{k + 1}" for k in range(max(0, n_locations - len(_LOCATIONS)))
    )
    out: list[dict[str, Any]] = []
    for i in range(n):
        _, name = _DEPARTMENTS[i % len(_DEPARTMENTS)]
        d: dict[str, Any] = {
            "id": _dept_id(i),
            "name": name if i < len(_DEPARTMENTS) else f"{name}（{i // len(_DEPARTMENTS) + 1}）",
            "level": _LEVELS[int(rng.integers(0, len(_LEVELS)))],
        }
        if rng.random() < 0.7:
            d["region"] = _REGIONS[int(rng.integers(0, len(_REGIONS)))]
        if halls and rng.random() < 0.65:
            d["location"] = halls[int(rng.integers(0, len(halls)))]
        staff = int(rng.integers(1, 5))
        if staff > 1:
            d["staff"] = staff
        if rng.random() < 0.5:
            d["issue_time"] = f"{int(rng.integers(1, 8))}wd"
        if rng.random() < 0.05:
            d["calendar"] = "always"
        out.append(d)
    return out


# --------------------------------------------------------------------- materials
def _materials(
    rng: np.random.Generator,
    n: int,
    steps: list[dict[str, Any]],
    depts: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    if n == 0:
        return []
    out: list[dict[str, Any]] = []
    n_held = n_issued = 0
    for _ in range(n):
        if rng.random() < 0.5:
            mid, name = _MATERIALS_HELD[n_held % len(_MATERIALS_HELD)]
            k = n_held // len(_MATERIALS_HELD)
            n_held += 1
            m: dict[str, Any] = {"source": "applicant"}
        else:
            mid, name = _MATERIALS_ISSUED[n_issued % len(_MATERIALS_ISSUED)]
            k = n_issued // len(_MATERIALS_ISSUED)
            n_issued += 1
            m = {"issued_by": depts[int(rng.integers(0, len(depts)))]["id"]}
            if rng.random() < 0.3:
                m["shared"] = True
        out.append({"id": mid if k == 0 else f"{mid}_{k + 1}",
                    "name": name if k == 0 else f"{name}{k + 1}", **m})
    ids = [m["id"] for m in out]
    # some issued materials are produced by a step (of the issuing department, if any)
    for m in out:
        if "issued_by" in m and rng.random() < 0.35:
            producer = steps[int(rng.integers(0, len(steps)))]
            producer.setdefault("produces", []).append(m["id"])
            m["issued_by"] = producer["department"]
    # the applicant hands materials in at intake steps and at some other steps
    for s in steps:
        if s["kind"] == "intake":
            k = int(rng.integers(1, min(4, len(ids)) + 1))
        elif s["channel"] in ("counter", "online") and rng.random() < 0.3:
            k = int(rng.integers(1, min(2, len(ids)) + 1))
        else:
            continue
        picked = rng.choice(len(ids), size=k, replace=False)
        s["materials"] = [ids[int(j)] for j in sorted(picked)]
    return out
