"""青海 新生儿出生“一件事”: seven services bundled into one application, with levers.

The reform (健康报 report "青海推进‘新生儿出生一件事’改革", reprint
https://www.hhhzy.com/news/show/11376.html): at the maternity hospital staff enter the
parents' data through the "青松办" mini-program; "该系统与多部门数据共享，自动推送数据，
部门协同办理"; "办理结束后，家长领取新生儿的纸质户口簿及社保卡即可". Its figures:
32 → at most 5 working days, 4 → 1 visit, 9 → 2 materials, 16 → 3 环节.

The one committed time is the 5-working-day limit, set with ``set_time_limit`` and
its source; every other after-figure follows from the structural levers. See
``README.md`` for the modelling choices and ``expected.json`` for the documented
figures with their relations.

Run it from anywhere; it reads ``current.yaml`` and writes ``redesigned.yaml`` next to
itself::

    python examples/qinghai_newborn/redesign.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from flowkit import levers as L

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import _figures  # noqa: E402  (the examples' shared figures module)

NAME = "青海省新生儿出生一件事（改革后）"
SOURCE = ("健康报, 青海推进“新生儿出生一件事”改革 "
          "(https://www.hhhzy.com/news/show/11376.html): 最长5个工作日")

#: the back-office work of the seven services, done together after the one application
JOINT = ("birth_issue", "vaccination_apply", "vaccination_issue", "birth_registration_apply",
         "birth_registration_review", "hukou_apply", "hukou_review", "hukou_issue",
         "medicare_apply", "medicare_review", "claim_apply", "claim_review", "card_apply")

LEVERS = (
    # 数据共享: certificates one department issues are read by the others, not carried
    L.share_data(),
    # 医院端办理: staff enter the application at the hospital through 青松办 (no trip)
    L.go_online(steps=["birth_apply"]),
    # 一件事一次办, 一表申请: the hospital application is the one front desk; every later
    # application becomes back-office work fed by it, its materials asked once
    L.single_window(),
    # 自动推送: files pass between departments on the platform
    L.electronic_handoff(),
    # 部门协同办理: the departments work on the pushed data together, as one 环节
    *(L.merge_steps("birth_review", step) for step in JOINT),
    # the committed limit for the seven services
    L.set_time_limit("5wd", source=SOURCE),
)

#: the figures this README compares
NAMES = ("steps", "visits", "one_visit", "materials", "workdays", "clock_workdays",
         "departments", "handoffs")


def build() -> tuple[_figures.fk.Process, _figures.fk.Process]:
    """The current process and the redesigned one."""
    return _figures.build(HERE, LEVERS, NAME)


if __name__ == "__main__":
    _figures.main(HERE, LEVERS, NAME, NAMES)
