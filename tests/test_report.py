"""The report a consultant hands over: headline, KPI table, lever log, footer, workbook."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import flowkit as fk
from flowkit.report import content, page, sentences, workbook

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(scope="module")
def pool() -> fk.Process:
    return fk.load(EXAMPLES / "jiaxing_swimming_pool" / "current.yaml")


@pytest.fixture(scope="module")
def mixed(pool: fk.Process) -> fk.Comparison:
    """Fewer visits (better) but a 5-day courier: the cases take longer (worse)."""
    q = fk.redesign(pool, fk.levers.mail_delivery(wait="5d"),
                    fk.levers.set_wait("health_decide", "0h", source="承诺书 2026-3"),
                    name="改革后")
    return fk.compare({"现状": pool, "改革后": q}, n_cases=40, seed=5, replications=3,
                      start="2025-03-03")


def test_worse_kpis_are_never_shaded_as_gains(mixed: fk.Comparison) -> None:
    """Each row's shade follows the sign of its change and the registry's ``better``."""
    rows, t, k = content.kpi_rows(mixed), mixed.table, fk.kpis()
    assert rows.loc["visits", "shade"] == "better"  # 4.18 -> 3.18 visits: fewer is better
    assert rows.loc["days", "shade"] == "worse"  # the courier's 5 days: longer
    assert float(t.loc["days", "delta"]) > 0
    assert bool(t.loc["days", "significant"])
    for kpi, shade in rows["shade"].items():
        better, d = k.loc[kpi, "better"], float(t.loc[kpi, "delta"])
        if better is None:
            assert shade == "", kpi
        elif shade == "better":
            assert (d < 0) if better == "lower" else (d > 0), kpi
        elif shade == "worse":
            assert (d > 0) if better == "lower" else (d < 0), kpi
    html = page.report_html(mixed)
    days_row = re.search(r"<tr class='(\w*)'><td class='l'>办理时间（天）<", html)
    assert days_row is not None
    assert days_row.group(1) == "worse"
    visits_row = re.search(r"<tr class='(\w*)'><td class='l'>跑动次数<", html)
    assert visits_row is not None
    assert visits_row.group(1) == "better"
    card = re.search(r"<div class='card (\w*)'><div>办理时间（天）", html)
    assert card is not None
    assert card.group(1) == "worse"


def test_kpi_table_is_chinese_with_formats_and_folds_zero_rows(mixed: fk.Comparison) -> None:
    rows = content.kpi_rows(mixed)
    assert rows.loc["visits", ["现状", "改革后", "Δ 改革后", "% 改革后"]].tolist() == [
        "4.18", "3.18", "−1", "−23.9%"]  # 4.176 -> 3.176: one collection trip less
    assert rows.loc["one_visit", ["现状", "改革后"]].tolist() == ["否", "否"]
    assert rows.loc["visits", "区间 改革后"] == "精确"
    assert rows.loc["days", "区间 改革后"].count("…") == 1
    assert rows.loc["within_time_limit", "现状"].endswith("%")
    html = page.report_html(mixed)
    main, _, folded = html.partition("<details>")
    assert "费用（元）" not in main.split("<h2>各指标分面图")[0].split("指标对比 KPIs")[1]
    assert "费用（元）" in folded.split("</details>")[0]  # 0 yuan in both: folded away
    for raw in ("change_pct", "ci_low", "improved", ">delta<"):
        assert raw not in html


def test_headline_and_verdict(pool: fk.Process) -> None:
    q = fk.redesign(pool, fk.levers.single_window(), fk.levers.share_data(),
                    fk.levers.accept_incomplete(), fk.levers.mail_delivery(), name="改革后")
    c = fk.compare({"现状": pool, "改革后": q}, n_cases=20, seed=1, replications=2)
    h = content.headline(c)
    assert list(h.index)[:4] == ["one_visit", "visits", "days", "materials"]
    assert h.loc["one_visit", "verdict"] == "最多跑一次 达成（现状未达成）"
    assert (h.loc["visits", "before"], h.loc["visits", "after"]) == ("4.18", "1")
    assert "最多跑一次 达成（现状未达成）（改革后）" in page.report_html(c)


def test_lever_log_in_chinese_with_committed_inputs(pool: fk.Process,
                                                    mixed: fk.Comparison) -> None:
    log = sentences.lever_log(pool, mixed.scenarios["改革后"])
    assert [e["label"] for e in log] == ["邮寄送达", "压缩时限"]
    assert "「领取公共场所卫生许可证」由窗口办理改为邮寄办理" in log[0]["sentences"]
    assert log[0]["input"] is False
    assert log[1] == {"lever": "set_wait", "label": "压缩时限", "input": True,
                      "source": "承诺书 2026-3", "note": "committed by 承诺书 2026-3",
                      "sentences": ["「卫生许可审批决定」的等待期由 1 个工作日 改为 0 小时"]}
    html = page.report_html(mixed)
    assert "（承诺时间：输入值，依据 承诺书 2026-3）" in html
    assert "health_decide" not in html.split("改革举措 Levers applied")[1].split("<h2>")[0]


def test_footer_states_the_run(mixed: fk.Comparison) -> None:
    html = page.report_html(mixed, inputs=["current.yaml"])
    foot = html.split("<footer")[1]
    for text in (f"<dd>{fk.__version__}</dd>", "<dd>current.yaml</dd>", "<dd>40 × 3</dd>",
                 "<dd>2025-03-03</dd>", "<dd>5（共同随机数）</dd>"):
        assert text in foot


def test_footer_carries_the_calendar_warning(pool: fk.Process) -> None:
    q = fk.redesign(pool, fk.levers.share_data(), name="改革后")
    with pytest.warns(fk.CalendarWarning):
        c = fk.compare({"现状": pool, "改革后": q}, n_cases=10, seed=1, replications=2,
                       start="2099-03-02")
    foot = page.report_html(c).split("<footer")[1]
    assert "注意 warning" in foot
    assert "2099" in foot


def test_the_page_embeds_a_font_for_its_chinese(mixed: fk.Comparison) -> None:
    html = page.report_html(mixed)
    face = re.search(r"@font-face\{font-family:'flowkit-cjk';src:url\(data:font/ttf;base64,"
                     r"([A-Za-z0-9+/=]+)\)", html)
    assert face is not None
    import base64
    import io

    from fontTools.ttLib import TTFont

    cmap = TTFont(io.BytesIO(base64.b64decode(face.group(1)))).getBestCmap()
    text = page._visible_text(html.replace(face.group(0), ""))
    missing = {ch for ch in text if ord(ch) > 0x7F and not ch.isspace() and ord(ch) not in cmap}
    assert missing == set()


def test_workbook_formats_read_back(mixed: fk.Comparison, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = mixed.to_excel(tmp_path / "r.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["摘要", "改革成效", "改革举措", "案例 现状", "案例 改革后"]
    ws = wb["摘要"]
    header = next(r for r in ws.iter_rows() if r[0].value == "指标")
    top = header[0].row
    assert [c.value for c in header[:4]] == ["指标", "KPI", "现状", "改革后"]
    assert ws.freeze_panes == f"A{top + 1}"
    assert ws.auto_filter.ref.startswith(f"A{top}:")
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    rows = {r[0].value: r for r in ws.iter_rows(min_row=top + 1)}
    visits, days, share = rows["跑动次数"], rows["办理时间（天）"], rows["按时办结率"]
    assert visits[2].number_format == "0.00"
    assert visits[2].value == pytest.approx(4.176, 1e-3)
    assert days[2].number_format == "0.0"
    assert share[2].number_format == "0.0%"
    assert 0 <= share[2].value <= 1
    assert visits[4].number_format == "+0.00;-0.00;0"  # the change, signed
    assert visits[5].number_format == "+0.0%;-0.0%;0%"
    assert visits[5].value == pytest.approx(-1 / 4.176, 1e-3)  # a fraction, not -23.9
    assert [rows["最多跑一次"][j].value for j in (2, 3)] == ["否", "否"]
    assert rows["跑动次数"][6].value == "是"  # 改善: yes/no in Chinese
    assert len(ws._charts) == 1
    for name in wb.sheetnames[1:]:
        assert wb[name].freeze_panes == "A2"
        assert wb[name].auto_filter.ref
        assert wb[name].page_setup.orientation == "landscape"
    levers = pd.read_excel(path, sheet_name="改革举措", engine="openpyxl")
    assert list(levers.columns[:4]) == ["方案", "序号", "举措", "内容"]
    assert "「领取公共场所卫生许可证」由窗口办理改为邮寄办理" in set(levers["内容"])


def test_workbook_leaves_out_case_sheets_above_the_limit(mixed: fk.Comparison, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """240 cases in all: above a limit of 200 the case sheets go, with a note, unless asked."""
    from openpyxl import load_workbook

    monkeypatch.setattr(workbook, "MAX_CASE_ROWS", 200)
    wb = load_workbook(mixed.to_excel(tmp_path / "r.xlsx"))
    assert wb.sheetnames == ["摘要", "改革成效", "改革举措"]
    notes = [c.value for r in wb["摘要"].iter_rows() for c in r
             if isinstance(c.value, str) and "未列出逐案明细" in c.value]
    assert notes
    assert "240" in notes[0]
    wb = load_workbook(mixed.to_excel(tmp_path / "r2.xlsx", cases=True))
    assert wb.sheetnames[-2:] == ["案例 现状", "案例 改革后"]
    assert wb["案例 现状"].max_row == 1 + 40 * 3
