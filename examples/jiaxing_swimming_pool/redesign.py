"""Jiaxing Nanhu, opening a swimming pool: the 2017 最多跑一次 joint service, with levers.

Under the 2017 最多跑一次 reform the two permits of a swimming pool — the public-place
health permit and the high-risk sports permit (游泳) — are applied for at one window
with one set of materials; the two departments inspect the pool once, jointly, and
the permits are couriered to the applicant.

Documented after-figures (the figures this script reproduces, see ``README.md``):

* **1 window, 1 set of materials, 1 (joint) inspection** (before: 2, 2, 2); still
  **2 permits**, from one joint application;
* **licence couriered by day 3** (before: at least 17 working days). flowkit: 3.09
  working days from the application to the permits' arrival by courier (+3.0 %);
* 最多跑一次, the reform's name: at most one trip on every path (flowkit: 1 visit).

Run it from anywhere; it reads ``current.yaml`` and writes ``redesigned.yaml`` next to
itself::

    python examples/jiaxing_swimming_pool/redesign.py

References
----------
.. [1] The team's case notes (Jiaxing Nanhu swimming pool, 2017; see
   /work/shared/CASES.md): 2 permits, 2 material sets, 2 windows, 2 inspections, 20+
   materials, >= 17 WD -> 1 window, 1 set, 1 inspection, licence couriered by day 3.
   The original Nanhu article was not retrieved; the figures are unverified against it.
.. [2] Jiaxing service guide 公共场所卫生许可,
   https://m.lieju.com/jx/gongsizhuce_nianjian/7760318.html (legal 20 WD, committed 7 WD).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import flowkit as fk
from flowkit import levers as L

HERE = Path(__file__).resolve().parent
NAME = "南湖区开办游泳场所（改革后）"

LEVERS = (
    # 一窗受理, 一套材料: the health window takes both applications; the sports intake
    # becomes a back-office step and its materials join the one set
    L.single_window(),
    # 数据共享: the water test (CDC) and the health permit are read, not fetched or copied
    L.share_data(),
    # 容缺受理: a missing document is supplied online, without a second trip
    L.accept_incomplete(),
    # 一次联合踏勘: the health inspection becomes the joint one; the sports department's
    # separate inspection goes
    L.remove_step("sports_inspect"),
    # after the joint inspection, the two departments decide in parallel
    L.parallelize([
        ["health_decide", "health_issue"],
        ["sports_intake", "sports_review", "sports_decide", "sports_issue"],
    ]),
    # 快递送达: both permits are couriered (same-city courier, next day)
    L.mail_delivery(wait="1d"),
    L.electronic_handoff(),
    # 压缩时限 to "couriered by day 3": the joint inspection gives its opinion on the
    # spot, and both departments decide the same day (modelling choices, see README)
    L.set_wait("health_inspect", "0h"),
    L.set_wait("health_decide", "0h"),
    L.set_wait("sports_review", "0h"),
    L.set_wait("sports_decide", "0h"),
)


def build() -> tuple[fk.Process, fk.Process]:
    """The current process and the redesigned one."""
    p = fk.load(HERE / "current.yaml")
    return p, fk.redesign(p, *LEVERS, name=NAME)


def figures(p: fk.Process) -> dict[str, float]:
    """The figures the README compares, before or after."""
    a = fk.analyze(p)
    return {
        "windows": len({s.department for s in p.steps if s.channel == "counter"}),
        "material sets": sum(1 for s in p.steps if s.kind == "intake" and s.materials),
        "inspections": sum(1 for s in p.steps if s.channel == "onsite"),
        "permits": len(p.produced),
        "materials": a.materials, "workdays": round(a.workdays, 2),
        "visits": round(a.visits, 2), "one visit": a.one_visit, "steps": round(a.steps, 2),
    }


def main() -> None:
    p, q = build()
    diff = fk.diff(p, q)
    print(f"{p.name} -> {q.name}: {len(diff)} differences")
    print(diff.groupby(["kind", "change"]).size().to_string())
    table = pd.DataFrame({"before": figures(p), "after": figures(q)})
    print(table.to_string())
    fk.save(q, HERE / "redesigned.yaml")
    print(f"wrote {HERE / 'redesigned.yaml'}")


if __name__ == "__main__":
    main()
