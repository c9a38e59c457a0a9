"""Beijing, a low-risk warehouse: the 2019 rules for simple low-risk projects, with levers.

京政办发〔2019〕10号 (in force 2019-05) puts every approval of a new, simple, low-risk
project with social investment on one "one-stop" (一站通) online system, cancels 14
approvals, assessments and inspections (planning conditions, environmental evaluation,
traffic impact, civil-defence basement, building-drawing review, completion-file
acceptance, acceptance of water and other utility facilities …), takes the project
filing, planning permit, tree-felling permit and water connection request with one
form, limits the planning permit to 5 WD, the building permit (online) to 5 WD and
the real-estate registration to 3 WD, and mails the property certificate.

Documented after-figures (see ``README.md``):

* **5 procedures (办事环节), at most 20 days** (before: 22 procedures, 137.5 days,
  Doing Business). flowkit: **5 procedures** and 20.35 days (+1.8 %) under the Doing
  Business rules of ``docs/concepts.md``;
* **15 working days** at the start of the 2019 reform (北京市发改委): flowkit 14.04
  working days on the critical path (-6.4 %).

Run it from anywhere; it reads ``current.yaml`` and writes ``redesigned.yaml`` next to
itself::

    python examples/beijing_lowrisk_warehouse/redesign.py

References
----------
.. [1] 京政办发〔2019〕10号, English text in China Daily, 2019-05-24,
   http://www.chinadaily.com.cn/regional/2019-05/24/content_37473511_2.htm (Art. 3
   one-stop system; Art. 4 the 14 cancelled items; Art. 5 one form for 4 items; Art. 6
   planning permit <= 5 WD, building permit online <= 5 WD, registry <= 3 WD,
   certificate by mail; Art. 7 free connection of small water and sewer pipes).
.. [2] 北京市规划自然资源委 news, reprint http://newcar.dizo.com.cn/yw/2019/0524/5586.html
   ("建设单位只需要跑5个办事环节，整个流程最多仅需20天").
.. [3] 北京青年报 via 北京市发改委,
   https://fgw.beijing.gov.cn/gzdt/fgzs/mtbdx/bzwlxw/202310/t20231012_3275695.htm
   ("2019年改革之初的5个环节15个工作日").
.. [4] A Beijing low-risk project guide, https://www.sanwenwang.com/ba/tswagiqf.html
   (later than 2019: building permit decided in 1 WD, joint acceptance 1 WD).
"""

from __future__ import annotations

import sys
from pathlib import Path

from flowkit import levers as L

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import _figures  # noqa: E402  (the examples' shared figures module)

NAME = "北京市社会投资低风险仓库项目审批（改革后）"

#: the documents that commit the times the levers set (inputs, not predictions)
RULES = "京政办发〔2019〕10号 (China Daily 2019-05-24, http://www.chinadaily.com.cn/regional/2019-05/24/content_37473511_2.htm)"
RULES_ART4 = RULES + " Art. 4: item cancelled"
RULES_ART6 = RULES + " Art. 6: planning permit <= 5 WD, registration <= 3 WD"
RULES_ART7 = RULES + " Art. 7: free connection of small water and sewer pipes"
GUIDE = ("Beijing low-risk project guide (https://www.sanwenwang.com/ba/tswagiqf.html): "
         "building permit 1 WD, joint completion acceptance 1 WD")

LEVERS = (
    # Art. 3 信息推送: approval documents pass between departments; the topographic
    # map is no longer fetched
    L.share_data(),
    # Art. 4, cancelled items. The reviews that split or end a parallel block stay as
    # back-office steps without their wait
    L.remove_step("plan_cond_apply"),            # 1 planning conditions
    L.set_wait("plan_cond_review", "0h", source=RULES_ART4),        #   (splits the first block)
    L.remove_step("civil_defense_review"),       # 7 civil-defence basement
    L.remove_step("traffic_apply"),              # 3 traffic impact assessment
    L.set_wait("traffic_review", "0h", source=RULES_ART4),          #   (last step of its branch)
    L.remove_step("eia_filing"),                 # 2 environmental evaluation
    L.remove_step("drawing_apply"),              # 10 building-drawing review
    L.set_wait("drawing_review", "0h", source=RULES_ART4),          #   (last step of its branch)
    L.remove_step("archive_acceptance"),         # 13 completion-file acceptance
    # Art. 5 one form: tree felling is decided with the planning permit; the water
    # connection is requested with it and, free for small pipes (Art. 7), needs no
    # separate design review
    L.remove_step("tree_felling"),
    L.remove_step("water_design"),
    # the fire acceptance is applied for within the joint completion acceptance
    L.remove_step("fire_apply"),
    # Art. 3 一站通: the one online application feeds every later approval
    L.single_window(),
    L.electronic_handoff(),
    # Art. 6 planning permit within 5 WD in all; issued electronically
    L.set_wait("planning_permit_review", "4.5wd", source=RULES_ART6),
    L.merge_steps("planning_permit_review", "planning_permit_issue"),
    # Art. 6 building permit online, with the quality-supervision registration;
    # decided in 1 WD (later guide [4]; the rules allow 5)
    L.merge_steps("quality_supervision", "construction_permit_apply"),
    L.merge_steps("quality_supervision", "construction_permit_review"),
    L.set_wait("quality_supervision", "1wd", source=GUIDE),
    # joint completion acceptance: fire and planning checks, the property survey
    # (多测合一) and the completion filing at once, decided the next day
    L.merge_steps("fire_review", "planning_verification"),
    L.set_wait("fire_review", "0h", source=GUIDE),
    L.merge_steps("completion_filing", "property_survey"),
    L.set_wait("completion_filing", "1wd", source=GUIDE),
    # water connection by the utility on the day (Art. 7)
    L.set_wait("water_connect", "0h", source=RULES_ART7),
    # Art. 6 registration within 3 WD in all; the certificate is mailed
    L.set_wait("registration_review", "2.5wd", source=RULES_ART6),
)

#: the figures the README compares
NAMES = ("procedures", "days", "workdays", "visits", "materials", "steps",
         "departments", "handoffs", "cost")


def build() -> tuple[_figures.fk.Process, _figures.fk.Process]:
    """The current process and the redesigned one."""
    return _figures.build(HERE, LEVERS, NAME)


if __name__ == "__main__":
    _figures.main(HERE, LEVERS, NAME, NAMES)
