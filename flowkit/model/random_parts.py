"""Random departments, materials and step contents, for :func:`~flowkit.random_process`.

The flow of a random process (its fragments) is built in :mod:`flowkit.model.generate`;
this module fills in what each step, department and material holds: names from
Chinese public administration, kinds and channels, ``work`` and ``wait`` in every
distribution of the grammar, fees, time limits, halls, regions and certificates.
Every value is drawn from the ``rng`` passed in, in a fixed order, so that one seed
gives one process.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["random_departments", "random_materials", "random_step"]

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


def random_step(
    rng: np.random.Generator, i: int, role: str, dept: int, n_locations: int
) -> dict[str, Any]:
    """The fields of step ``i`` (all but ``next``) for its ``role`` in a fragment.

    ``role`` is ``task``, ``decide``, ``check``, ``split``, ``join``, ``final`` or
    ``reject``; ``dept`` numbers its department; a counter step may sit in one of
    the first ``n_locations`` halls.
    """
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
        "department": _dept_id(dept),
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
    if channel == "counter" and n_locations and rng.random() < 0.04:
        step["location"] = _LOCATIONS[int(rng.integers(0, min(n_locations, 8)))]
    if kind in ("approval", "other") and channel == "backoffice" and rng.random() < 0.05:
        step["schedule"] = {"weekdays": [int(rng.integers(1, 6))], "at": ["14:00"]}
    if role == "join":
        step["join"] = "all"
    return step


def _role_kind(rng: np.random.Generator, role: str) -> str:
    """The kind of a step with this role (a task's kind is drawn by weight)."""
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
    """A likely channel for the kind, and now and then any channel."""
    if rng.random() < 0.05:  # anything goes now and then
        return str(_CHANNELS[int(rng.integers(0, len(_CHANNELS)))])
    options, weights = _KIND_CHANNELS[kind]
    return str(options[int(rng.choice(len(options), p=weights))])


def _work(rng: np.random.Generator, kind: str, channel: str) -> str | None:
    """A ``work`` duration in one of the grammar's forms, or None (no work)."""
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
    """A ``wait`` duration (mail always waits), or None."""
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
    """The id of department ``i``; names repeat with a number past the table."""
    base, _ = _DEPARTMENTS[i % len(_DEPARTMENTS)]
    return base if i < len(_DEPARTMENTS) else f"{base}{i // len(_DEPARTMENTS) + 1}"


def random_departments(rng: np.random.Generator, n: int, n_locations: int) -> list[dict[str, Any]]:
    """``n`` departments at random levels and regions, some in one of ``n_locations`` halls."""
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
def random_materials(
    rng: np.random.Generator,
    n: int,
    steps: list[dict[str, Any]],
    depts: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """``n`` materials held or issued; some issued ones are produced by a step, and the
    applicant hands materials in at intake and some other steps (``steps`` is updated)."""
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
