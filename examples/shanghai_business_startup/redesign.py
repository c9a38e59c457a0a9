"""Shanghai, starting a business: the 开办企业“一窗通” reform of 2018-03-31, with levers.

Since 31 March 2018 a company is registered through the 一窗通 platform
(yct.sh.gov.cn): one online application carries the registration, tax, bank and
social-security information, which the platform passes to each department; the
licence is collected at the single window of the market regulator; the company
seal and the tax-control device with the first invoices follow.

Documented after-figures (the figures this script reproduces, see ``README.md``):

* World Bank *Doing Business 2019*, Shanghai: **4 procedures, 9 days** (before: 7
  procedures, 22 days). flowkit gives 4 procedures and 9.2 days (+2.2 %) under the
  Doing Business rules of ``docs/concepts.md``.

The 一窗通 launch news counts "3 required steps, 5 days"; that is the platform's own
count of its steps (application and licence collection as one), not a Doing Business
figure, and is not reproduced (flowkit: 5.89 working days on the critical path).

Run it from anywhere; it reads ``current.yaml`` and writes ``redesigned.yaml`` next to
itself::

    python examples/shanghai_business_startup/redesign.py

References
----------
.. [1] China Daily, "Shanghai cutting procedures for businesses", 2019-05-28,
   https://investinchina.chinadaily.com.cn/s/201905/28/WS5ced1a8a498e079e68021dfa/shanghai-cutting-procedures-for-businesses.html
   (DB2019: procedures 7 -> 4, days 22 -> 9).
.. [2] DB-style Shanghai list, https://theactant.com/?p=20385 (apply online at
   yct.sh.gov.cn, the market regulator circulates the application to the other
   bureaus, collect the licence at the single window: 5 days; seal 1 day, CNY 400;
   tax-control equipment and invoices).
.. [3] Shanghai Daily via ECNS, 2018-04-10, http://www.ecns.cn/business/2018/04-10/298568.shtml
   (22 -> 5 days; registration, police, tax and banking information submitted
   through the platform).
.. [4] Shanghai Daily, 2018-02-01, http://www.shine.cn/biz/economy/1802019803/ (tax
   procedures of a new company: one day, down from at least three).
.. [5] Yangpu Times, 2018-01-27, https://yptimes.shyp.gov.cn/html/2018-01/27/content_7_1.htm
   (licence to bank account in 4 days, saving 3 working days).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import flowkit as fk
from flowkit import levers as L

HERE = Path(__file__).resolve().parent
NAME = "上海开办企业（改革后）"

LEVERS = (
    # 一窗通: the registration is applied for online (the licence is still collected
    # at the single window of the market regulator)
    L.go_online(steps=["register_apply"]),
    # one application for every department: the tax, bank-account and social-security
    # intakes become back-office steps fed by the platform; their forms move to it
    L.single_window(),
    # the licence and the account licence are read from the platform, not copied
    L.share_data(),
    # files pass between departments on the platform
    L.electronic_handoff(),
    # 多证合一: social-security registration is part of the licence (theactant list)
    L.remove_step("social_security"),
    # 压缩时限: registration review 4 -> 2 wd, tax 2 wd -> one day, bank account
    # approval 5 -> 1 wd (modelling choices, see README)
    L.set_wait("register_review", "2wd"),
    L.set_wait("tax_review", "1d"),
    L.set_wait("bank_review", "1wd"),
)


def build() -> tuple[fk.Process, fk.Process]:
    """The current process and the redesigned one."""
    p = fk.load(HERE / "current.yaml")
    return p, fk.redesign(p, *LEVERS, name=NAME)


def figures(p: fk.Process) -> dict[str, float]:
    """The figures the README compares, before or after."""
    a = fk.analyze(p)
    db = a.doing_business()
    return {
        "DB procedures": db.procedures, "DB days": db.days, "visits": a.visits,
        "materials": a.materials, "steps": a.steps, "departments": a.departments,
        "handoffs": a.handoffs, "workdays": a.workdays, "cost": db.cost,
    }


def main() -> None:
    p, q = build()
    diff = fk.diff(p, q)
    print(f"{p.name} -> {q.name}: {len(diff)} differences")
    print(diff.groupby(["kind", "change"]).size().to_string())
    table = pd.DataFrame({"before": figures(p), "after": figures(q)}).round(2)
    print(table.to_string())
    fk.save(q, HERE / "redesigned.yaml")
    print(f"wrote {HERE / 'redesigned.yaml'}")


if __name__ == "__main__":
    main()
