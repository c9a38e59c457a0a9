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
.. [1] Figures from unpublished notes (Jiaxing Nanhu swimming pool, 2017): 2 permits,
   2 material sets, 2 windows, 2 inspections, 20+ materials, >= 17 WD -> 1 window,
   1 set, 1 inspection, licence couriered by day 3.
   No published source confirms them.
.. [2] Jiaxing service guide 公共场所卫生许可,
   https://m.lieju.com/jx/gongsizhuce_nianjian/7760318.html (legal 20 WD, committed 7 WD).
"""

from __future__ import annotations

import sys
from pathlib import Path

from flowkit import levers as L

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import _figures  # noqa: E402  (the examples' shared figures module)

NAME = "南湖区开办游泳场所（改革后）"

#: the time the levers set is an input from unpublished notes: no published source
#: confirms "couriered by day 3"
NOTES = "figures from unpublished notes (licence couriered by day 3; no published source)"

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
    L.set_wait("health_inspect", "0h", source=NOTES),
    L.set_wait("health_decide", "0h", source=NOTES),
    L.set_wait("sports_review", "0h", source=NOTES),
    L.set_wait("sports_decide", "0h", source=NOTES),
)

#: the figures the README compares
NAMES = ("windows", "material_sets", "inspections", "permits", "materials", "workdays",
         "visits", "one_visit", "steps")


def build() -> tuple[_figures.fk.Process, _figures.fk.Process]:
    """The current process and the redesigned one."""
    return _figures.build(HERE, LEVERS, NAME)


if __name__ == "__main__":
    _figures.main(HERE, LEVERS, NAME, NAMES)
