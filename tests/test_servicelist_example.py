"""The shipped district list (examples/service_list_district/), written from published 办事指南.

Every figure asserted here is worked out by hand from the guides' figures as the CSV
files hold them (see the folder's README for the source of each field).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import flowkit as fk
from flowkit.analysis.servicelist import service_metrics

LIST = Path(__file__).resolve().parents[1] / "examples" / "service_list_district"


@pytest.fixture(scope="module")
def sl() -> fk.ServiceList:
    return fk.read_service_list(LIST)


def test_reads_fourteen_services_without_problems(sl: fk.ServiceList) -> None:
    assert list(sl.processes) == [f"S{i:02d}" for i in range(1, 15)]
    assert sl.problems == ()


def test_declared_limits_and_fees_are_the_guides(sl: fk.ServiceList) -> None:
    d = sl.declared
    # S12 (二孩生育服务登记): 法定期限 7个工作日, 承诺期限 7个工作日, 免费服务
    assert d.loc["S12", ["legal_limit", "time_limit", "fee"]].tolist() == [7.0, 7.0, 0.0]
    # S02 (出生户口登记): 当场办结 -> 0; S13 (卫生许可证): 30个工作日
    assert d.at["S02", "time_limit"] == 0.0
    assert d.at["S13", "time_limit"] == 30.0
    # no guide publishes 到办事现场次数 or 年办件量, and S10's 法定 一个月 is left empty
    assert d["visits"].isna().all()
    assert d["volume"].isna().all()
    assert d["legal_limit"].notna().sum() == 1


def test_a_certificate_not_shared_is_a_finding(sl: fk.ServiceList) -> None:
    a = fk.audit(sl)
    # S02 asks for the 出生医学证明 (issued by the 助产机构, S04) and the parents' 结婚证
    # (issued by the 婚姻登记中心, S03); neither is marked shared -> two 免证办 candidates
    s02 = a[a["事项编码"] == "S02"]
    assert s02[["check", "declared", "computed", "severity"]].values.tolist() == [
        ["issued_not_shared", "出生医学证明", "助产机构", "low"],
        ["issued_not_shared", "结婚证", "区民政局婚姻登记中心", "low"],
    ]
    # five such findings in all: S02 x2, S07 (营业执照), S12 x2
    issued = a[a["check"] == "issued_not_shared"]
    assert issued["事项编码"].tolist() == ["S02", "S02", "S07", "S12", "S12"]


def test_the_disability_card_commitment_misses_the_handoff(sl: fk.ServiceList) -> None:
    a = fk.audit(sl)
    # S08: 7 working days from the 区残联's receipt; the file comes from the 镇（办）残联
    # by a paper handoff (the default 1 wd): the statutory clock is 7 + 1 = 8 > 7
    row = a[(a["事项编码"] == "S08") & (a["check"] == "limit_unmet")]
    assert row[["declared", "computed", "severity"]].values.tolist() == [[7.0, 8.0, "high"]]
    # no visits finding anywhere: the list declares no 到办事现场次数 to compare
    assert not (a["check"] == "visits").any()


def test_visits_follow_the_steps_and_fetch_trips(sl: fk.ServiceList) -> None:
    m = service_metrics(sl)
    # S08: 镇（办）残联 (forms) -> 指定医院 (assessment) -> 镇（办）残联 (hand in): 3 trips
    assert m.at["S08", "visits"] == 3.0
    assert m.at["S08", "fetch_trips"] == 0.0
    # S02: counter intake (1 visit assumed) + fetching 出生医学证明 and 结婚证: 3
    assert m.loc["S02", ["visits", "fetch_trips"]].tolist() == [3.0, 2.0]


def test_sharing_priority_and_bundles(sl: fk.ServiceList) -> None:
    s = fk.sharing_priority(sl)
    # no 年办件量: each asking service counts 1 case a year
    assert s[["material", "services", "submissions_per_year", "volume_assumed"]].values.tolist() \
        == [["出生医学证明", 2, 2.0, 2], ["结婚证", 2, 2.0, 2], ["营业执照", 1, 1.0, 1]]
    b = fk.bundle_candidates(sl).set_index(["service_a", "service_b"])
    # S02 + S12 share 出生医学证明 and 结婚证: 2 materials; visits 3 + 3 - (max(1, 1) + 2) = 3
    assert b.loc[("S02", "S12"), ["materials_saved", "visits_saved"]].tolist() == [2, 3.0]
    # S08 + S10 share 居民身份证, 居民户口簿, 照片: 3 materials; visits 3 + 1 - max(3, 1) = 1
    assert b.loc[("S08", "S10"), "shared_materials"] == ("居民户口簿", "居民身份证", "照片")
    assert b.loc[("S08", "S10"), ["materials_saved", "visits_saved"]].tolist() == [3, 1.0]
    # pairs sharing at least 2 materials: the 10 pairs of S03, S08, S09, S10, S11 (身份证 and
    # 户口簿) and S02 + S12
    assert len(b) == 11
