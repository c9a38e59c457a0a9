"""The catalogue reader (事项清单): template files, encodings, located errors, KPIs."""

from __future__ import annotations

import csv
import importlib.util
import math
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import flowkit as fk
from flowkit.analysis.catalogue import analyze_catalogue, summarize_catalogue
from flowkit.interop.catalogue import read_catalogue

HERE = Path(__file__).resolve().parent.parent / "examples" / "catalogue"
XLSX = HERE / "事项清单.xlsx"
CSV = HERE / "事项清单.csv"
BROKEN = HERE / "broken.csv"


def _template() -> Any:
    spec = importlib.util.spec_from_file_location("make_template", HERE / "make_template.py")
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


TPL = _template()
SERVICES = list(dict.fromkeys(str(r["事项名称"]) for r in TPL.ROWS))


def _write(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def _problems(path: Path, **kw: Any) -> list[str]:
    with pytest.raises(fk.ModelError) as err:
        read_catalogue(path, **kw)
    return err.value.problems


# ------------------------------------------------------------------------ the template
def test_shipped_files_are_what_the_script_writes(tmp_path: Path) -> None:
    """The shipped CSVs are byte for byte what make_template.py writes (no hand edits)."""
    assert TPL.write_csv(tmp_path / "a.csv", TPL.ROWS).read_bytes() == CSV.read_bytes()
    assert TPL.write_csv(tmp_path / "b.csv", TPL.broken_rows()).read_bytes() == BROKEN.read_bytes()
    assert CSV.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, as Excel saves it


def test_template_has_at_least_five_services_in_order() -> None:
    """The template reads into one process per 事项名称, in the order they appear."""
    cat = read_catalogue(XLSX)
    assert list(cat) == SERVICES
    assert len(cat) >= 5
    assert all(isinstance(p, fk.Process) for p in cat.values())


def test_xlsx_and_csv_give_equal_services() -> None:
    """The workbook and its CSV copy give equal processes."""
    assert read_catalogue(XLSX) == read_catalogue(CSV)


def test_openpyxl_fallback_reads_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without python-calamine the workbook is read with openpyxl, to the same result."""
    pytest.importorskip("openpyxl")
    expected = read_catalogue(XLSX)
    monkeypatch.setitem(sys.modules, "python_calamine", None)
    assert read_catalogue(XLSX) == expected


def test_no_excel_reader_gives_an_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    """With neither reader installed, an xlsx gives a FlowkitError naming the extra; CSV works."""
    monkeypatch.setitem(sys.modules, "python_calamine", None)
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(fk.FlowkitError, match=r"pip install 'flowkit\[excel\]'"):
        read_catalogue(XLSX)
    assert len(read_catalogue(CSV)) == len(SERVICES)


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8", "utf-16"])
def test_csv_encodings_as_excel_and_wps_write_them(encoding: str, tmp_path: Path) -> None:
    """GB18030 (WPS, older Excel), UTF-8 without BOM and UTF-16 read like UTF-8 with BOM."""
    text = CSV.read_bytes().decode("utf-8-sig")
    path = tmp_path / "事项清单.csv"
    path.write_bytes(text.encode(encoding))
    if encoding == "gb18030":
        with pytest.raises(UnicodeDecodeError):
            path.read_bytes().decode("utf-8")
    assert read_catalogue(path) == read_catalogue(CSV)


def test_semicolon_and_tab_separated_csv(tmp_path: Path) -> None:
    """A CSV saved with ';' or tab separators (some locales of Excel) is read too."""
    rows = list(csv.reader(CSV.read_text(encoding="utf-8-sig").splitlines()))
    for sep in (";", "\t"):
        path = tmp_path / f"sep{ord(sep)}.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f, delimiter=sep).writerows(rows)
        assert read_catalogue(path) == read_catalogue(CSV)


def test_template_services_have_the_documented_figures() -> None:
    """Spot checks of the template: one-visit 即办件, a zero-visit 网办件, fetch trips, loops."""
    cat = read_catalogue(CSV)
    a = fk.analyze(cat["个体工商户设立登记"])
    assert (a.visits, a.one_visit, a.steps) == (1.0, True, 1.0)
    a = fk.analyze(cat["结婚登记"])
    assert (a.visits, a.one_visit, a.steps) == (1.0, True, 3.0)  # one window, no wait
    a = fk.analyze(cat["社会保障卡补领"])
    assert (a.visits, a.zero_visit, a.fee) == (0.0, True, 20.0)
    p = cat["公共租赁住房申请"]
    # 收入证明 and 住房情况证明 are fetched; 婚姻状况证明 is shared: neither fetched nor counted
    assert [p.material(m).name for m in p.fetched] == ["收入证明", "住房情况证明"]
    a = fk.analyze(p)
    assert a.fetch_trips == 2
    assert a.materials == pytest.approx(5.0)
    assert a.cross_level > 0
    assert a.visits == pytest.approx(2 + 1 + 1 + 1 / 9)  # fetch ×2, intake, collect, 补正 loop
    p = cat["开办企业（上海，改革前）"]
    assert p.step("s3").next == ("s4", "s6")  # 刻制公章+税务登记信息确认
    assert p.step("s5").next == "s8"  # named explicitly: not the next row
    assert p.step("s7").next == "s8"  # blank: the next row
    assert p.step("s8").join == "all"
    name = p.material("法定代表人_董事_监事_经理任职文件").name
    assert name == "法定代表人、董事、监事、经理任职文件"


# ------------------------------------------------------------------------------ KPIs
def test_analyze_catalogue_equals_analyze_per_service() -> None:
    """Every value of analyze_catalogue is fk.analyze's for that service."""
    cat = read_catalogue(XLSX)
    table = analyze_catalogue(cat)
    assert list(table.index) == SERVICES
    assert table.index.name == "service"
    for name, p in cat.items():
        a = fk.analyze(p)
        for kpi in table.columns:
            want, got = getattr(a, kpi), table.loc[name, kpi]
            if want is None:  # meets_time_limit without a service-level limit
                assert got is pd.NA, (name, kpi)
            elif isinstance(want, float) and math.isnan(want):
                assert math.isnan(got), (name, kpi)
            else:
                assert got == want, (name, kpi)
    assert table["one_visit"].dtype == bool
    for col in ("visits", "one_visit", "zero_visit", "materials", "steps", "departments",
                "handoffs", "cross_level", "workdays", "fee", "time_limit", "legal_limit"):
        assert col in table.columns


def test_analyze_catalogue_takes_a_path_and_labels() -> None:
    """A path is read first; labels='zh' gives the Chinese KPI names."""
    by_path = analyze_catalogue(CSV)
    assert by_path.equals(analyze_catalogue(read_catalogue(CSV)))
    zh = analyze_catalogue(CSV, labels="zh")
    assert "最多跑一次" in zh.columns
    assert "跑动次数" in zh.columns


def test_summary_quotes_the_share_of_one_visit_services() -> None:
    """summarize_catalogue: 最多跑一次 share, means over services, labels in Chinese."""
    table = analyze_catalogue(CSV)
    s = summarize_catalogue(table)
    assert s.loc["services", "value"] == len(SERVICES)
    assert s.loc["one_visit_service_share", "value"] == pytest.approx(table["one_visit"].mean())
    assert s.loc["one_visit_service_share", "value"] == pytest.approx(3 / 8)
    assert s.loc["zero_visit_service_share", "value"] == pytest.approx(1 / 8)
    assert s.loc["mean_visits", "value"] == pytest.approx(table["visits"].mean())
    assert s.loc["mean_legal_limit", "value"] == pytest.approx(table["legal_limit"].mean())
    assert s.loc["one_visit_service_share", "label_zh"] == "最多跑一次事项占比"
    assert summarize_catalogue(CSV).equals(s)


# ------------------------------------------------------------------------ located errors
def _expected_broken(sheet: str) -> list[str]:
    """The location of each mistake make_template.py writes into broken.csv."""
    out = []
    for service, step, column, _ in TPL.BROKEN:
        i = next(k for k, r in enumerate(TPL.ROWS)
                 if r["事项名称"] == service and r["环节名称"] == step)
        out.append(f"{sheet}!行{i + 2} 列「{column}」: ")
    return out


def test_broken_copy_reports_every_error_at_once() -> None:
    """Every mistake of every service comes in one ModelError, located by sheet, row, column."""
    problems = _problems(BROKEN)
    expected = _expected_broken("broken")
    assert len(problems) == len(expected)
    for where, problem in zip(expected, problems, strict=True):
        assert problem.startswith(where), (where, problem)
    text = "\n".join(problems)
    assert "'30分中' has an unknown unit" in text
    assert "'市' differs from '区县'" in text
    assert "'快递柜' is not a channel" in text
    assert "probabilities sum to 1.1" in text
    assert "did you mean '申请开立基本存款账户'?" in text
    assert "'地市' is not a level" in text


def test_broken_workbook_names_the_sheet(tmp_path: Path) -> None:
    """In a workbook the located message names the sheet, e.g. 事项清单!行12 列「部门」."""
    pytest.importorskip("xlsxwriter")
    path = TPL.write_xlsx(tmp_path / "broken.xlsx", TPL.broken_rows())
    problems = _problems(path)
    for where, problem in zip(_expected_broken("事项清单"), problems, strict=True):
        assert problem.startswith(where), (where, problem)
    with pytest.raises(fk.ModelError) as err:
        read_catalogue(path)
    assert str(err.value).startswith(f"{path}: 7 problems")


def test_rows_are_numbered_as_excel_numbers_them(tmp_path: Path) -> None:
    """A title above the header and blank rows keep Excel's row numbers in messages."""
    path = _write(tmp_path / "t.csv", [
        ["XX区政务服务事项清单（2026年）"],
        [],
        ["事项名称", "环节名称", "部门", "办理时长"],
        ["甲", "受理", "市场监管局", "30分钟"],
        [],
        ["甲", "审批", "市场监管局", "1x"],
    ])
    assert _problems(path) == [
        "t!行6 列「办理时长」: '1x' has an unknown unit 'x': use min, h, d (calendar day), "
        "w (week) or wd (working day) (in Chinese: 30分钟, 2小时, 3个工作日, 7天)"
    ]


def test_flow_errors_of_flowkit_are_located(tmp_path: Path) -> None:
    """Structure rules (parallel branches must meet at a join) point at the row and column."""
    path = _write(tmp_path / "t.csv", [
        ["事项名称", "环节名称", "部门", "下一环节", "汇合"],
        ["甲", "受理", "市场监管局", "核查+审查", ""],
        ["甲", "核查", "消防", "结束", ""],
        ["甲", "审查", "市场监管局", "决定", ""],
        ["甲", "决定", "市场监管局", "", ""],
        ["乙", "受理", "税务局", "", "是"],
    ])
    problems = _problems(path)
    assert any(p.startswith("t!行3 列「下一环节」: 's2（核查）' ends the process inside a parallel")
               for p in problems), problems
    assert any(p.startswith("t!行6 列「汇合」: ") and "join: all" in p for p in problems), problems


def test_unknown_and_duplicate_headers(tmp_path: Path) -> None:
    """An unknown header gets a hint; two headers for one column are an error; 备注 is kept."""
    path = _write(tmp_path / "t.csv", [
        ["事项名称", "环节名称", "部门", "办理市场", "备注", "work", "办理时长"],
        ["甲", "受理", "市场监管局", "", "随便写", "30min", "30分钟"],
    ])
    problems = _problems(path)
    assert problems[0].startswith("t!行1 列「办理市场」: is not a column of the catalogue "
                                  "template: did you mean")
    assert problems[1] == ("t!行1 列「办理时长」: means the same as 列「work」 (办理时长): "
                           "keep one of them")
    assert len(problems) == 2


def test_missing_required_column(tmp_path: Path) -> None:
    """Without a 部门 column nothing is read, and the message says which column is missing."""
    path = _write(tmp_path / "t.csv", [["事项名称", "环节名称"], ["甲", "受理"]])
    assert _problems(path) == [
        "t!行1: the column 「部门」 (department) is missing: every catalogue names the service "
        "and the department of each step"
    ]


def test_conflicts_within_a_service_are_reported(tmp_path: Path) -> None:
    """One level and staff per department, one issuer and sharing per material, per service."""
    path = _write(tmp_path / "t.csv", [
        ["事项名称", "环节名称", "部门", "层级", "人员", "材料", "共享"],
        ["甲", "受理", "市场监管局", "区县", "2", "营业执照（市场监管局出具）", "是"],
        ["甲", "审查", "市场监管局", "市", "3", "营业执照", "否"],
        ["甲", "决定", "市场监管局", "", "", "营业执照（税务局出具）", ""],
    ])
    problems = _problems(path)
    assert problems == [
        "t!行3 列「层级」: '市' differs from '区县' given for '市场监管局' at 行2: a department "
        "has one level (层级)",
        "t!行3 列「人员」: '3' differs from '2' given for '市场监管局' at 行2: a department has "
        "one number of staff (人员)",
        "t!行3 列「共享」: '营业执照' is marked not shared here but shared at 行2: mark it the "
        "same way on every row",
        "t!行4 列「材料」: '营业执照' is issued by '税务局' here but by '市场监管局' at 行2: a "
        "material has one issuer",
    ]


def test_unknown_step_reference_gets_a_hint(tmp_path: Path) -> None:
    """A 下一环节 naming no step gets the closest name; an ambiguous name asks for 环节编号."""
    path = _write(tmp_path / "t.csv", [
        ["事项名称", "环节名称", "部门", "下一环节"],
        ["甲", "受理", "市场监管局", "审批决定"],
        ["甲", "审批", "市场监管局", ""],
        ["乙", "审查", "税务局", "审查"],
        ["乙", "审查", "税务局", ""],
    ])
    assert _problems(path) == [
        "t!行2 列「下一环节」: '审批决定' is not a step of 事项「甲」; did you mean '审批'? (refer "
        "to a step by its 环节名称 or 环节编号)",
        "t!行4 列「下一环节」: '审查' names 2 steps (行4、行5): refer to one by its 环节编号",
    ]


# -------------------------------------------------------------------- the cell grammar
def test_flows_numbers_ids_and_department_ids(tmp_path: Path) -> None:
    """环节编号 1, 2 … are s1, s2; choices in % or fractions; '+' is parallel; 部门编号 sets ids."""
    path = _write(tmp_path / "t.csv", [
        ["事项名称", "环节编号", "环节名称", "部门", "部门编号", "办理方式", "下一环节", "汇合"],
        ["甲", "1", "受理", "市场监管局", "amr", "窗口", "2", ""],
        ["甲", "2", "审查", "市场监管局", "amr", "后台", "3：80%；1：20%", ""],
        ["甲", "3", "分发", "市场监管局", "amr", "后台", "4＋5", ""],
        ["甲", "4", "消防核查", "消防救援大队", "101", "现场", "6", ""],
        ["甲", "5", "卫生核查", "卫生健康局", "", "现场", "决定", ""],
        ["甲", "6", "决定", "市场监管局", "amr", "后台", "", "是"],
    ])
    p = read_catalogue(path)["甲"]
    assert [s.id for s in p.steps] == ["s1", "s2", "s3", "s4", "s5", "s6"]
    assert dict(p.step("s2").next) == {"s3": 0.8, "s1": 0.2}
    assert p.step("s3").next == ("s4", "s5")
    assert p.step("s6").join == "all"
    assert [d.id for d in p.departments] == ["amr", "d101", "卫生健康局"]
    assert p.department("d101").name == "消防救援大队"


def test_durations_fees_and_flags_in_chinese(tmp_path: Path) -> None:
    """30分钟, 0.5小时, 3个工作日, 2天, 即办; 400元, 免费; 是/否; 日历, 日均申请量, 移交方式."""
    path = _write(tmp_path / "t.csv", [
        ["事项名称", "环节名称", "部门", "层级", "办理时长", "等待时长", "承诺时限", "收费",
         "日历", "日均申请量", "移交方式"],
        ["甲", "受理", "市场监管局", "区县", "30分钟", "即办", "即办", "免费", "always", "12",
         "电子"],
        ["甲", "审查", "市场监管局", "", "0.5小时", "3个工作日", "5个工作日", "400元", "", "", ""],
        ["甲", "公示", "市场监管局", "", "15min", "2天", "", "", "", "", ""],
    ])
    p = read_catalogue(path)["甲"]
    assert [str(s.work) for s in p.steps] == ["30min", "0.5h", "15min"]
    assert [str(s.wait) for s in p.steps] == ["0h", "3wd", "2d"]
    assert [s.fee for s in p.steps] == [0.0, 400.0, 0.0]
    assert str(p.step("s2").time_limit) == "5wd"
    assert p.calendar.is_always
    assert p.arrivals.per_day == 12
    assert p.handoff.mode == "electronic"
    assert p.department("市场监管局").level == "county"


def test_materials_issuers_sharing_and_book_title_marks(tmp_path: Path) -> None:
    """名称（部门出具） is issued (fetched unless produced or shared); 《…》 keeps 、 in a name."""
    path = _write(tmp_path / "t.csv", [
        ["事项名称", "环节名称", "部门", "办理方式", "材料", "产出证照", "共享"],
        ["甲", "受理", "市场监管局", "窗口",
         "《施工、监理合同》、无犯罪记录证明（派出所出具）；户籍证明（公安局出具，共享）,身份证",
         "", ""],
        ["甲", "发证", "市场监管局", "窗口", "", "许可证", ""],
        ["乙", "受理", "税务局", "窗口", "许可证（市场监管局核发）；完税证明（税务局出具）",
         "", "完税证明"],
    ])
    cat = read_catalogue(path)
    p = cat["甲"]
    names = {m.name: m for m in p.materials}
    assert list(names) == ["施工、监理合同", "无犯罪记录证明", "户籍证明", "身份证", "许可证"]
    assert names["无犯罪记录证明"].issued_by == "派出所"
    assert names["户籍证明"].shared
    assert names["许可证"].issued_by == "市场监管局"  # produced here: never fetched
    assert [p.material(m).name for m in p.fetched] == ["无犯罪记录证明"]
    assert fk.analyze(p).visits == 2.0  # one fetch trip; both windows in one visit
    q = cat["乙"]
    assert q.material("完税证明").shared
    assert not q.material("许可证").shared
    assert fk.analyze(q).materials == 1.0


def test_blank_service_cells_continue_the_service_above(tmp_path: Path) -> None:
    """A blank 事项名称 (a merged cell) continues the service above; none above is an error."""
    path = _write(tmp_path / "t.csv", [
        ["事项名称", "环节名称", "部门"],
        ["甲", "受理", "市场监管局"],
        ["", "审批", "市场监管局"],
    ])
    assert [s.name for s in read_catalogue(path)["甲"].steps] == ["受理", "审批"]
    path = _write(tmp_path / "u.csv", [["事项名称", "环节名称", "部门"], ["", "受理", "局"]])
    assert _problems(path) == ["u!行2 列「事项名称」: is blank: name the service (事项名称)"]


def test_english_headers(tmp_path: Path) -> None:
    """The English aliases of the headers read the same catalogue."""
    zh_to_en = {zh: en for zh, en, _ in TPL.COLUMNS}
    rows = list(csv.reader(CSV.read_text(encoding="utf-8-sig").splitlines()))
    rows[0] = [zh_to_en[h] for h in rows[0]]
    path = _write(tmp_path / "en.csv", rows)
    assert read_catalogue(path) == read_catalogue(CSV)


def test_sheet_argument(tmp_path: Path) -> None:
    """sheet= picks a sheet by name or index; an unknown one lists the sheets."""
    assert read_catalogue(XLSX, sheet="事项清单") == read_catalogue(XLSX, sheet=0)
    with pytest.raises(fk.FlowkitError, match=r"no sheet '清单'.*事项清单, 填写说明"):
        read_catalogue(XLSX, sheet="清单")
    with pytest.raises(fk.FlowkitError, match="CSV file: it has one sheet"):
        read_catalogue(CSV, sheet="其他")


def test_unreadable_inputs(tmp_path: Path) -> None:
    """A missing file or another suffix is a FlowkitError saying what is read."""
    with pytest.raises(fk.FlowkitError, match="no such file"):
        read_catalogue(tmp_path / "none.csv")
    other = tmp_path / "x.txt"
    other.write_text("事项名称\n", encoding="utf-8")
    with pytest.raises(fk.FlowkitError, match=r"reads \.xlsx and \.csv"):
        read_catalogue(other)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x81\x30\x81")
    with pytest.raises(fk.FlowkitError, match="neither UTF-8 nor GB18030"):
        read_catalogue(bad)
