"""Service lists as they arrive (DESIGN §7): reading an export, its audit and priorities.

The lists are written here the way exports write them: a merged title row, a
two-row header under a merged 办结时限 cell, notes in headers, a blank row, a
GB18030 CSV. Every figure asserted is computed by hand in the comments.
"""

from __future__ import annotations

import csv
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import flowkit as fk
from flowkit.interop.servicelist.headers import header_key, lookup
from flowkit.interop.servicelist.values import fee, source, visits, volume, workdays, yes_no

openpyxl = pytest.importorskip("openpyxl")

SERVICE_HEAD = ["事项编码", "事项名称", "事项类型", "实施主体", "行使层级",
                "法定办结时限（工作日）", "承诺办理时限", "到办事现场次数（次）", "办件类型",
                "收费标准", "年办件量"]
MATERIAL_HEAD = ["事项编码", "材料名称", "来源渠道", "出具单位", "材料形式", "份数",
                 "是否容缺", "是否共享"]
STEP_HEAD = ["事项编码", "环节序号", "环节名称", "办理部门", "办理时限", "办理方式",
             "是否计入法定时限"]


def _write_csvs(folder: Path, tables: dict[str, list[list[Any]]],
                encoding: str = "utf-8") -> Path:
    folder.mkdir(exist_ok=True)
    for name, rows in tables.items():
        with open(folder / f"{name}.csv", "w", encoding=encoding, newline="") as f:
            csv.writer(f).writerows(rows)
    return folder


def _list(tmp_path: Path, services: list[list[Any]], materials: list[list[Any]],
          steps: list[list[Any]] | None = None) -> fk.ServiceList:
    tables = {"事项": [SERVICE_HEAD, *services], "申请材料": [MATERIAL_HEAD, *materials]}
    if steps is not None:
        tables["办理环节"] = [STEP_HEAD, *steps]
    return fk.read_service_list(_write_csvs(tmp_path / "list", tables))


# ------------------------------------------------------------------ headers and values
def test_header_synonyms() -> None:
    assert header_key("承诺办结时限（工作日）") == header_key("承诺时限") == "承诺时限"
    for h in ("法定办结时限", "法定办理时限", "法定时限（工作日）", "*法定时限", "法定时限 (天)"):
        assert lookup("services", h) == "legal_limit", h
    assert lookup("services", "到办事现场次数（次）") == "visits"
    assert lookup("services", "实施机关") == "authority"
    assert lookup("steps", "时限") == lookup("steps", "办理时限") == "limit"
    assert lookup("materials", "是否共享（电子证照）") == "shared"
    assert lookup("services", "受理条件") is None


def test_values_as_exports_write_them() -> None:
    assert workdays("20个工作日") == (20.0, None)
    assert workdays("即办") == (0.0, None)
    assert workdays("7") == (7.0, None)
    assert workdays("30天")[0] is None  # calendar days: converting would be a guess
    assert visits("0次") == (0, None)
    assert visits("2") == (2, None)
    assert fee("不收费") == (0.0, None)
    assert fee("80元") == (80.0, None)
    text, why = fee("按建筑面积3元/平方米")
    assert text == "按建筑面积3元/平方米"
    assert why is not None
    assert volume("1,200件") == (1200.0, None)
    assert volume("约1000")[0] is None
    assert source("申请人自备") == ("applicant", None)
    assert source("政府部门核发") == ("issued", None)
    assert yes_no("是") == (True, None)
    assert yes_no("否") == (False, None)


# ------------------------------------------------------------------ xlsx as exported
def _workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "事项"
    ws.append(["某区政务服务事项目录"])  # a title over the table, merged
    ws.merge_cells("A1:K1")
    ws.append(["事项编码", "事项名称", "事项类型", "实施主体", "行使层级", "办结时限", None,
               "到办事现场次数（次）", "办件类型", "收费标准", "年办件量"])
    ws.merge_cells("F2:G2")
    ws.append([None, None, None, None, None, "法定", "承诺", None, None, None, None])
    ws.append(["A01", "食品经营许可", "行政许可", "区市场监督管理局", "县级", "20个工作日",
               "5个工作日", "1次", "承诺件", "不收费", 1200])
    ws.append([None] * 11)  # a blank row
    ws.append(["A02", "建筑垃圾处置核准", "行政许可", "区城市管理局", "市级", "二十日",
               "即办", "0次", "即办件", "按证照工本费10元/本", None])
    m = wb.create_sheet("申请材料")
    m.append(MATERIAL_HEAD)
    m.append(["A01", "营业执照", "政府部门核发", "区市场监督管理局", "电子", 1, "否", "是"])
    m.append(["A01", "场所产权证明", "政府部门核发", "区不动产登记中心", "纸质", 1, "否", "否"])
    m.append(["A02", "身份证", "申请人自备", None, "纸质", 1, "否", "否"])
    m.append(["A03", "身份证", "申请人自备", None, "纸质", 1, "否", "否"])
    wb.save(path)
    return path


def test_xlsx_with_merged_headers_notes_and_a_blank_row(tmp_path: Path) -> None:
    sl = fk.read_service_list(_workbook(tmp_path / "list.xlsx"))
    d = sl.declared
    assert list(d.index) == ["A01", "A02"]
    a01 = d.loc["A01"]
    assert (a01["legal_limit"], a01["time_limit"], a01["visits"], a01["fee"],
            a01["volume"], a01["level"], a01["case_type"]) == (20.0, 5.0, 1.0, 0.0, 1200.0,
                                                               "区县", "承诺件")
    assert a01["row"] == 4  # title row 1, the two header rows 2-3
    a02 = d.loc["A02"]
    assert a02["time_limit"] == 0.0
    assert a02["level"] == "市"
    assert a02["fee_text"].startswith("按")
    located = {(p.sheet, p.row, p.column, p.value) for p in sl.problems}
    assert located == {
        ("事项", 6, "法定办结时限", "二十日"),  # 办结时限 + 法定; not working days: no guess
        ("事项", 6, "收费标准", "按证照工本费10元/本"),  # a rule kept as text, reported
        ("申请材料", 5, "事项编码", "A03"),  # not a service of the list
    }
    assert str(next(p for p in sl.problems if p.row == 5)).startswith("申请材料!行5 列「事项编码」")


def test_gb18030_csv_folder(tmp_path: Path) -> None:
    tables = {"事项": [SERVICE_HEAD, ["B1", "公共场所卫生许可", "行政许可", "区卫生健康局",
                                    "县级", "20", "10个工作日", "1", "承诺件", "不收费", "300"]],
              "申请材料": [MATERIAL_HEAD, ["B1", "卫生检测报告", "申请人自备", "", "纸质", "1",
                                       "否", "否"]]}
    folder = _write_csvs(tmp_path / "gb", tables, encoding="gb18030")
    sl = fk.read_service_list(folder)
    assert sl.problems == ()
    assert sl.declared.loc["B1", ["name", "time_limit", "volume"]].tolist() == [
        "公共场所卫生许可", 10.0, 300.0]
    assert [m.name for m in sl.processes["B1"].materials] == ["卫生检测报告"]


# ------------------------------------------------------------------ processes
def test_standard_chain_with_declared_visits_and_limits(tmp_path: Path) -> None:
    sl = _list(tmp_path, [["C1", "许可", "行政许可", "区局", "县级", "20", "5", "2", "承诺件",
                           "80元", ""]],
               [["C1", "申请书", "申请人自备", "", "", "", "", ""]])
    p = sl.processes["C1"]
    assert [(s.name, s.kind, s.channel) for s in p.steps] == [
        ("受理", "intake", "counter"), ("审查", "review", "backoffice"),
        ("决定", "approval", "backoffice"), ("送达", "delivery", "counter")]
    assert p.steps[0].materials == ("申请书",)
    assert str(p.steps[1].wait) == "5wd"
    assert str(p.time_limit) == "5wd"  # the service's commitment, on the statutory clock
    assert str(p.legal_limit) == "20wd"
    assert fk.analyze(p).clock_workdays == pytest.approx(5.0)
    assert p.steps[-1].fee == 80.0
    a = fk.analyze(p)
    # counter intake, a 5-working-day review, counter delivery: 2 visits, 5 working days
    assert (a.visits, a.workdays) == (2.0, 5.0)
    assert any("standard chain" in x and x.startswith("C1") for x in sl.assumptions)
    assert any("审查 waits" in x for x in sl.assumptions)


def test_unshared_issued_material_is_a_fetch_trip(tmp_path: Path) -> None:
    sl = _list(tmp_path, [["D1", "许可", "", "区局", "县级", "20", "5", "1", "承诺件", "", ""]],
               [["D1", "营业执照", "政府部门核发", "区市场监督管理局", "", "", "", "否"],
                ["D1", "电子证照甲", "政府部门核发", "区市场监督管理局", "", "", "", "是"]])
    p = sl.processes["D1"]
    issuer = next(d for d in p.departments if d.name == "区市场监督管理局")
    lic = next(m for m in p.materials if m.name == "营业执照")
    assert (lic.issued_by, lic.shared) == (issuer.id, False)
    a = fk.analyze(p)
    # counter intake (1) + one fetch trip for the unshared licence (1); the shared one: none
    assert (a.fetch_trips, a.visits, a.materials) == (1, 2.0, 1.0)


def test_issued_material_without_issuer_is_a_located_problem(tmp_path: Path) -> None:
    sl = _list(tmp_path, [["D2", "许可", "", "区局", "县级", "20", "5", "1", "承诺件", "", "多"]],
               [["D2", "申请书", "申请人自备", "", "", "", "", ""],
                ["D2", "证明", "政府部门核发", "", "", "", "", "否"]])
    assert {(p.sheet, p.row, p.column, p.value) for p in sl.problems} == {
        ("事项", 2, "年办件量", "多"), ("申请材料", 3, "来源渠道", "政府部门核发")}
    assert [m.name for m in sl.processes["D2"].materials] == ["申请书", "证明"]
    assert sl.processes["D2"].materials[1].source == "applicant"  # not made an issued one


def test_steps_table_sets_channels_limits_and_waits(tmp_path: Path) -> None:
    sl = _list(tmp_path, [["E1", "处置核准", "", "区城管局", "县级", "20", "10", "1", "承诺件",
                           "", ""]],
               [["E1", "申请书", "申请人自备", "", "", "", "", ""]],
               [["E1", "2", "现场勘验", "区城管局", "3个工作日", "现场", "否"],
                ["E1", "1", "受理", "区城管局", "即办", "窗口", "是"],
                ["E1", "3", "决定", "区城管局", "4个工作日", "后台", "是"]])
    p = sl.processes["E1"]
    assert [(s.name, s.channel, str(s.wait)) for s in p.steps] == [
        ("受理", "counter", "0wd"), ("现场勘验", "onsite", "3wd"), ("决定", "backoffice", "4wd")]
    assert [s.clock for s in p.steps] == ["counted", "excluded", "counted"]  # 是否计入 = 否
    assert fk.analyze(p).clock_workdays == pytest.approx(4.0)
    m = fk.audit(sl)
    assert m.empty  # 1 visit as declared; clock 4 (勘验 not counted) ≤ 10


# ------------------------------------------------------------------ audit
AUDITED = [
    # code, name, type, authority, level, legal, committed, visits, case type, fee, volume
    ["F1", "干净", "", "甲局", "县级", "20", "5", "1", "承诺件", "", "10"],
    ["F2", "多跑", "", "甲局", "县级", "20", "5", "1", "承诺件", "", "10"],
    ["F3", "超法定", "", "甲局", "县级", "10", "15", "1", "承诺件", "", "10"],
    ["F4", "环节超时", "", "甲局", "县级", "20", "5", "1", "承诺件", "", "10"],
    ["F5", "即办有等待", "", "甲局", "县级", "20", "3", "1", "即办件", "", "10"],
    ["F6", "即办无等待", "", "甲局", "县级", "即办", "即办", "1", "即办件", "", "10"],
]
AUDIT_MATERIALS = [
    ["F1", "申请书", "申请人自备", "", "", "", "", ""],
    ["F2", "营业执照", "政府部门核发", "乙局", "", "", "", "否"],
    ["F2", "营业执照", "政府部门核发", "乙局", "", "", "", "否"],
]
AUDIT_STEPS = [
    ["F4", "1", "受理", "甲局", "即办", "窗口", "是"],
    ["F4", "2", "审查", "甲局", "4个工作日", "后台", "是"],
    ["F4", "3", "专家评审", "甲局", "10个工作日", "后台", "否"],
    ["F4", "4", "决定", "甲局", "2个工作日", "后台", "是"],
    ["F4", "5", "送达", "甲局", "即办", "邮寄", "是"],
]


def test_audit_each_check_triggered_and_not(tmp_path: Path) -> None:
    sl = _list(tmp_path, AUDITED, AUDIT_MATERIALS, AUDIT_STEPS)
    a = fk.audit(sl)
    found = {(r["事项编码"], r["check"]): (r["declared"], r["computed"], r["severity"])
             for _, r in a.iterrows()}
    assert found == {
        # 1 declared; counter intake + a fetch trip for the unshared 营业执照 = 2
        ("F2", "visits"): (1.0, 2.0, "high"),
        ("F2", "issued_not_shared"): ("营业执照", "乙局", "low"),
        ("F2", "material_twice"): ("营业执照", 2, "low"),
        ("F3", "limit_over_legal"): (15.0, 10.0, "high"),
        # counted: 0 + 4 + 2 = 6 > 5 (专家评审 not counted in the statutory clock)
        ("F4", "limit_unmet"): (5.0, 6.0, "high"),
        # 即办件 with the standard chain's 3-working-day review
        ("F5", "immediate_with_wait"): ("即办件", 3.0, "medium"),
    }
    assert list(a.columns) == ["事项编码", "check", "declared", "computed", "severity", "advice"]
    assert a["advice"].str.len().min() > 10
    # F1 and F6 are clean: each check has a case that does not trigger it


def test_audit_through_an_executor_is_identical(tmp_path: Path) -> None:
    sl = _list(tmp_path, AUDITED, AUDIT_MATERIALS, AUDIT_STEPS)
    with ThreadPoolExecutor(2) as ex:
        assert fk.audit(sl, executor=ex).equals(fk.audit(sl))


def test_audit_on_a_dask_local_cluster_is_identical(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    sl = _list(tmp_path, AUDITED, AUDIT_MATERIALS, AUDIT_STEPS)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        assert fk.audit(sl, executor=client).equals(fk.audit(sl))


# ------------------------------------------------------------------ priorities
def test_sharing_priority_order_by_volume_weighted_submissions(tmp_path: Path) -> None:
    services = [["G1", "一", "", "甲局", "县级", "20", "5", "1", "承诺件", "", "100"],
                ["G2", "二", "", "甲局", "县级", "20", "5", "1", "承诺件", "", "30"],
                ["G3", "三", "", "甲局", "县级", "20", "5", "1", "承诺件", "", ""]]
    materials = [["G1", "户口簿", "政府部门核发", "公安局", "", "", "", "否"],
                 ["G2", "营业执照", "政府部门核发", "市场监管局", "", "", "", "否"],
                 ["G3", "营业执照", "政府部门核发", "市场监管局", "", "", "", "否"],
                 ["G2", "不动产权证", "政府部门核发", "不动产登记中心", "", "", "", "否"],
                 ["G3", "不动产权证", "政府部门核发", "不动产登记中心", "", "", "", "是"]]
    sp = fk.sharing_priority(_list(tmp_path, services, materials))
    # 户口簿: 100; 营业执照: 30 + 1 (G3 has no volume: 1); 不动产权证: 30 (shared in G3)
    assert sp[["material", "services", "submissions_per_year", "fetch_visits_per_year",
               "volume_assumed"]].values.tolist() == [
        ["户口簿", 1, 100.0, 100.0, 0], ["营业执照", 2, 31.0, 31.0, 1],
        ["不动产权证", 1, 30.0, 30.0, 0]]


def test_bundle_candidates_for_two_services_sharing_materials(tmp_path: Path) -> None:
    services = [["H1", "开餐馆许可", "", "市场监管局", "县级", "20", "5", "1", "承诺件", "", "50"],
                ["H2", "户外招牌设置", "", "城管局", "县级", "20", "5", "1", "承诺件", "", "20"],
                ["H3", "无关事项", "", "民政局", "县级", "20", "5", "1", "承诺件", "", "90"]]
    materials = [["H1", "营业执照", "政府部门核发", "市场监管局", "", "", "", "否"],
                 ["H1", "租赁合同", "申请人自备", "", "", "", "", ""],
                 ["H2", "营业执照", "政府部门核发", "市场监管局", "", "", "", "否"],
                 ["H2", "租赁合同", "申请人自备", "", "", "", "", ""],
                 ["H2", "招牌效果图", "申请人自备", "", "", "", "", ""],
                 ["H3", "租赁合同", "申请人自备", "", "", "", "", ""]]
    b = fk.bundle_candidates(_list(tmp_path, services, materials))
    assert len(b) == 1  # H3 shares one material only (min_shared=2)
    r = b.iloc[0]
    assert (r["service_a"], r["service_b"]) == ("H1", "H2")
    assert r["shared_materials"] == ("租赁合同", "营业执照")
    assert r["shared_departments"] == ("市场监管局",)
    # each: counter intake + fetch 营业执照 = 2 visits; together 1 + 1 fetch = 2: saves 2
    assert (r["materials_saved"], r["visits_saved"], r["volume"]) == (2, 2.0, 20.0)
    assert (r["materials_saved_per_year"], r["visits_saved_per_year"]) == (40.0, 40.0)


# ------------------------------------------------------------------ catalogue fixes
def _catalogue(tmp_path: Path, head: list[str], row: list[str]) -> Path:
    path = tmp_path / "cat.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([head, row])
    return path


def test_catalogue_refuses_a_bare_shixian_header(tmp_path: Path) -> None:
    path = _catalogue(tmp_path, ["事项名称", "环节名称", "部门", "时限"],
                      ["甲", "受理", "局", "5个工作日"])
    with pytest.raises(fk.ModelError, match=r"「时限」: is ambiguous.*承诺时限.*法定时限"):
        fk.read_catalogue(path)


def test_catalogue_fee_rule_is_a_located_warning(tmp_path: Path) -> None:
    path = _catalogue(tmp_path, ["事项名称", "环节名称", "部门", "收费"],
                      ["甲", "受理", "局", "按10元/件收取"])
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        cat = fk.read_catalogue(path)
    msgs = [str(x.message) for x in w if issubclass(x.category, fk.CatalogueWarning)]
    assert len(msgs) == 1
    assert msgs[0].startswith("cat!行2 列「收费」: '按10元/件收取'")
    assert cat["甲"].steps[0].fee == 0.0
