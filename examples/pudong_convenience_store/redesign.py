"""Pudong, opening a convenience store: the 一业一证 reform (2019-2020), with levers.

Under 一业一证 the five licences of a convenience store (food, liquor retail, drugs,
second-class medical devices, tobacco retail) are applied for at one window with one
set of materials, reviewed together, and delivered as one 行业综合许可证.

Documented after-figures (the figures this script reproduces, see ``README.md``):

* **1 licence** (行业综合许可证) and **1 set of materials** (before: 5 and 5);
* **12 materials** (劳动报; before: 42). Suning Xiaodian gives 10; the sources
  disagree and no source says which two proofs went (see README, "Modelling choices");
* **5 working days** (before: about 38). flowkit: 5.15 working days (+3.0 %).

Run it from anywhere; it reads ``current.yaml`` and writes ``redesigned.yaml`` next to
itself::

    python examples/pudong_convenience_store/redesign.py

References
----------
.. [1] 劳动报, reprinted at http://www.ninebows.com/jfss/47564.html ("过去……5张证交42份
   材料，如今在浦东，你只需办1张证交12份材料"; Suning Xiaodian: "约38个工作日，目前是5个
   工作日；申请的材料由原来的42份减少至10份").
.. [2] 澎湃新闻 "浦东率先推行食品、酒类许可两证齐发", mirror
   http://6773257.com/newsDetail_forward_2250155 (food and liquor licences together).
"""

from __future__ import annotations

import sys
from pathlib import Path

from flowkit import levers as L

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import _figures  # noqa: E402  (the examples' shared figures module)

NAME = "浦东新区开办便利店（改革后）"

#: the document that commits the time the levers set (an input, not a prediction); the
#: split of the 5 working days into 1 wd of joint review and 2 wd per decision is ours
COMMITMENT = ("劳动报 / Suning Xiaodian (http://www.ninebows.com/jfss/47564.html): "
              "约38个工作日 -> 5个工作日")

LEVERS = (
    # 电子证照: a licence is read by the other departments, not copied
    L.share_data(),
    # 一表申请: the market regulator's four items (food, liquor, drugs, devices) are
    # applied for with one set; the separate liquor, drug and device applications go
    L.remove_step("liquor_intake"),
    L.remove_step("drug_intake"),
    L.remove_step("device_record_filing"),
    # 一窗受理: the tobacco application is taken at the same window (its own three
    # materials join the set: 9 + 3 = 12)
    L.single_window(),
    # the tobacco bureau's counter moves into the enterprise service centre
    L.co_locate(departments=["tobacco"], location="浦东新区企业服务中心"),
    # 一证准营: no separate collection of each licence; each decision issues its
    # permit to the one certificate handed over at the end
    L.merge_steps("food_decide", "food_issue"),
    L.merge_steps("liquor_review", "liquor_issue"),
    L.merge_steps("drug_decide", "drug_issue"),
    # 并联审批: after the joint review, the four authorities work in parallel and the
    # comprehensive licence is handed over once (the join, tobacco_issue)
    L.parallelize([
        ["food_inspect", "food_decide"],
        ["liquor_review"],
        ["drug_review", "drug_inspect", "drug_decide"],
        ["tobacco_intake", "tobacco_review", "tobacco_inspect", "tobacco_decide"],
    ]),
    L.electronic_handoff(),
    # 告知承诺: the liquor decision and the drug and tobacco document reviews rest on
    # the applicant's commitment, checked afterwards
    L.commitment(steps=["liquor_review", "drug_review", "tobacco_review"]),
    # 压缩时限 to the 5-working-day commitment: joint review 1 wd, decisions 2 wd
    L.set_wait("food_review", "1wd", source=COMMITMENT),
    L.set_wait("food_decide", "2wd", source=COMMITMENT),
    L.set_wait("drug_decide", "2wd", source=COMMITMENT),
    L.set_wait("tobacco_decide", "2wd", source=COMMITMENT),
)

#: the figures the README compares
NAMES = ("licences", "permits", "material_sets", "materials", "workdays", "visits",
         "steps", "handoffs", "procedures")


def build() -> tuple[_figures.fk.Process, _figures.fk.Process]:
    """The current process and the redesigned one."""
    return _figures.build(HERE, LEVERS, NAME)


if __name__ == "__main__":
    _figures.main(HERE, LEVERS, NAME, NAMES)
