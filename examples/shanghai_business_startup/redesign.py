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

import sys
from pathlib import Path

from flowkit import levers as L

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import _figures  # noqa: E402  (the examples' shared figures module)

NAME = "上海开办企业（改革后）"

#: the documents that commit the times the levers set (inputs, not predictions); the
#: split of the 5 days between registration and bank account is ours
COMMITMENT = ("Shanghai Daily via ECNS 2018-04-10 "
              "(http://www.ecns.cn/business/2018/04-10/298568.shtml): 22 -> 5 days")
TAX_DAY = ("Shanghai Daily 2018-02-01 (http://www.shine.cn/biz/economy/1802019803/): "
           "tax procedures of a new company in one day")

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
    L.set_wait("register_review", "2wd", source=COMMITMENT),
    L.set_wait("tax_review", "1d", source=TAX_DAY),
    L.set_wait("bank_review", "1wd", source=COMMITMENT),
)

#: the figures the README compares
NAMES = ("procedures", "days", "visits", "materials", "steps", "departments",
         "handoffs", "workdays", "cost")


def build() -> tuple[_figures.fk.Process, _figures.fk.Process]:
    """The current process and the redesigned one."""
    return _figures.build(HERE, LEVERS, NAME)


if __name__ == "__main__":
    _figures.main(HERE, LEVERS, NAME, NAMES)
