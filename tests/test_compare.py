"""compare, diagnose and search on the shipped examples."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import flowkit as fk

L = fk.levers


@pytest.fixture(scope="module")
def pool() -> tuple[fk.Process, fk.Process]:
    p = fk.load("examples/jiaxing_swimming_pool/current.yaml")
    q = fk.redesign(p, L.share_data(), L.single_window(), L.electronic_handoff(),
                    L.mail_delivery(), name="改革后")
    return p, q


@pytest.fixture(scope="module")
def comparison(pool: tuple[fk.Process, fk.Process]) -> fk.Comparison:
    p, q = pool
    return fk.compare({"现状": p, "改革后": q}, n_cases=200, seed=7, replications=5,
                      start="2024-01-01")


def test_table_columns_and_static_rows(
    comparison: fk.Comparison, pool: tuple[fk.Process, fk.Process]
) -> None:
    """A column per scenario, then delta, change_pct, ci_low, ci_high, significant."""
    t = comparison.table
    assert list(t.columns[:7]) == ["现状", "改革后", "delta", "change_pct", "ci_low", "ci_high",
                                   "significant"]
    a, b = (fk.analyze(x) for x in pool)
    row = t.loc["visits"]
    assert (row["现状"], row["改革后"]) == (pytest.approx(a.visits), pytest.approx(b.visits))
    assert row["delta"] == pytest.approx(b.visits - a.visits)
    assert row["change_pct"] == pytest.approx(100 * (b.visits - a.visits) / a.visits)
    # static rows are exact: no interval, no significance (issue 10: never a fake interval)
    assert np.isnan(row["ci_low"])
    assert np.isnan(row["ci_high"])
    assert row["significant"] is pd.NA
    assert t.loc["materials", "source"] == "static"
    assert t.loc["days", "source"] == "simulated"


def test_simulated_rows_have_paired_intervals(comparison: fk.Comparison) -> None:
    """Simulated deltas come with a paired t interval around them."""
    row = comparison.table.loc["days"]
    assert row["ci_low"] < row["delta"] < row["ci_high"]
    assert row["delta"] == pytest.approx(row["改革后"] - row["现状"])


def test_ratios(comparison: fk.Comparison, pool: tuple[fk.Process, fk.Process]) -> None:
    """跑动减少率 and 减材料率 are the relative reductions against the first scenario."""
    a, b = (fk.analyze(x) for x in pool)
    r = comparison.ratios
    assert r.loc["visits_reduction", "改革后"] == pytest.approx(1 - b.visits / a.visits)
    assert r.loc["materials_reduction", "改革后"] == pytest.approx(1 - b.materials / a.materials)
    assert r.loc["visits_reduction", "label_zh"] == "跑动减少率"
    assert r.loc["workdays_reduction", "label_zh"] == "办理时间缩短率"


def test_common_random_numbers_narrow_the_interval(pool: tuple[fk.Process, fk.Process]) -> None:
    """The paired CI of a difference is narrower with common random numbers."""
    p, q = pool
    kw = {"n_cases": 150, "seed": 3, "replications": 8, "start": "2024-01-01"}
    crn = fk.compare([p, q], **kw).table.loc["days"]
    ind = fk.compare([p, q], common_random_numbers=False, **kw).table.loc["days"]
    assert (crn["ci_high"] - crn["ci_low"]) < 0.5 * (ind["ci_high"] - ind["ci_low"])


def test_three_scenarios_name_their_deltas(pool: tuple[fk.Process, fk.Process]) -> None:
    """With more than two scenarios, each delta column names its scenario."""
    p, q = pool
    r = fk.redesign(p, L.go_online(), name="网办")
    t = fk.compare([p, q, r], n_cases=30, seed=1, replications=2, start="2024-01-01").table
    assert {"delta:改革后", "delta:网办", "significant:网办"} <= set(t.columns)


def test_compare_errors(pool: tuple[fk.Process, fk.Process]) -> None:
    """compare needs two or more distinctly named processes."""
    p, _ = pool
    with pytest.raises(fk.FlowkitError, match="at least two"):
        fk.compare([p], n_cases=5, seed=1)
    with pytest.raises(fk.FlowkitError, match="names must differ"):
        fk.compare([p, p], n_cases=5, seed=1)


def test_compare_seeds(pool: tuple[fk.Process, fk.Process]) -> None:
    """compare resolves its seed once: a SeedSequence gives the same comparison twice,
    each scenario's Result.seed is that int; a bad seed is refused."""
    p, q = pool
    kw = {"n_cases": 20, "replications": 2, "start": "2024-01-01"}
    a = fk.compare([p, q], seed=np.random.SeedSequence(4), **kw)
    b = fk.compare([p, q], seed=np.random.SeedSequence(4), **kw)
    assert a.table.equals(b.table)
    seeds = {r.seed for r in a.results.values()}
    assert len(seeds) == 1
    assert isinstance(seeds.pop(), int)
    with pytest.raises(fk.FlowkitError, match="seed"):
        fk.compare([p, q], seed=-3, **kw)


def test_html_report_is_self_contained(comparison: fk.Comparison, tmp_path: Path) -> None:
    """One HTML file with the KPI table, ratios and lever history; no network."""
    text = comparison.to_html(tmp_path / "r.html").read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    for needle in ("跑动次数", "visits", "跑动减少率", "一窗受理", "邮寄送达", "现状", "改革后"):
        assert needle in text
    assert "http://" not in text.replace("http://www.w3.org", "")
    assert "https://" not in text
    assert "<script src" not in text
    assert "<link" not in text


def test_excel_report(comparison: fk.Comparison, tmp_path: Path) -> None:
    """Sheets 摘要 first, 改革成效, 改革举措; cases per scenario only when asked above 2,000."""
    path = comparison.to_excel(tmp_path / "r.xlsx")
    sheets = pd.read_excel(path, sheet_name=None, engine="openpyxl", header=None)
    # 2 × 1,000 cases: at the 2,000-row limit, so the case sheets are in
    assert list(sheets) == ["摘要", "改革成效", "改革举措", "案例 现状", "案例 改革后"]
    assert len(sheets["案例 现状"]) == 1 + 200 * 5
    assert "跑动次数" in set(sheets["摘要"][0])
    hist = pd.read_excel(path, sheet_name="改革举措", engine="openpyxl")
    assert set(hist["lever"]) == {"share_data", "single_window", "electronic_handoff",
                                  "mail_delivery"}
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    ws = load_workbook(path)["改革举措"]
    col = list(hist.columns).index("内容") + 1
    width = ws.column_dimensions[get_column_letter(col)].width
    longest = min(46, max(len(str(x)) for x in hist["内容"]))
    assert width >= min(48, 2 * longest)  # Chinese characters count double



def test_diagnose_on_every_example() -> None:
    """diagnose proposes levers whose gains are real static differences, best first."""
    for path in sorted(Path("examples").glob("*/current.yaml")):
        p = fk.load(path)
        d = fk.diagnose(p)
        assert not d.empty
        assert list(d["score"]) == sorted(d["score"], reverse=True)
        a = fk.analyze(p)
        for _, row in d.iterrows():
            b = fk.analyze(fk.redesign(p, *row["levers"]))
            for k in ("visits", "workdays", "handoffs", "materials"):
                assert row[k] == pytest.approx(getattr(a, k) - getattr(b, k))
            for lv in row["levers"]:
                for k in lv.primary:
                    if k in ("visits", "workdays", "handoffs", "materials"):
                        assert row[k] >= -1e-9, (path, row["finding"], k)


def test_diagnose_pairs_single_window_with_the_platform_where_paper_splits_a_visit() -> None:
    """Where paper transfers make a single window cost a trip, it comes with the platform."""
    p = fk.loads("""
name: t
departments: [{id: a, location: hall}, {id: b, location: hall}]
materials: [{id: id_card}]
steps:
  - {id: s1, department: a, kind: intake, channel: counter, materials: [id_card], next: s2}
  - {id: s2, department: b, kind: intake, channel: counter, materials: [id_card], next: s3}
  - {id: s3, department: b, kind: delivery, channel: counter}
""")
    d = fk.diagnose(p)
    sw = d[d["finding"].str.startswith("single_window")]
    assert list(sw["finding"]) == ["single_window+electronic_handoff"]


def test_search_finds_the_fewest_reforms_for_one_visit() -> None:
    """search: the Pareto front of lever sets that give 最多跑一次, fewest first."""
    p = fk.load("examples/jiaxing_swimming_pool/current.yaml")
    front = fk.search(p, constraints={"one_visit": True}, objective=("n_levers", "workdays"),
                      n_cases=60, replications=2)
    assert not front.empty
    assert front["one_visit"].all()
    assert list(front["n_levers"]) == sorted(front["n_levers"])
    best = front.iloc[0]
    q = fk.redesign(p, *best["levers"])
    assert fk.analyze(q).one_visit
    assert {"days", "days_p90"} <= set(front.columns)
    # nothing on the front is dominated by another member
    vals = front[["n_levers", "workdays"]].to_numpy()
    for i in range(len(vals)):
        for j in range(len(vals)):
            assert not ((vals[j] <= vals[i]).all() and (vals[j] < vals[i]).any())


def test_search_rejects_unknown_figures() -> None:
    """search names the figures it knows when given another."""
    p = fk.load("examples/jiaxing_swimming_pool/current.yaml")
    with pytest.raises(fk.FlowkitError, match="unknown figure 'speed'"):
        fk.search(p, constraints={"speed": 1}, simulate_front=False)


def test_a_scenario_that_is_not_a_process_is_located() -> None:
    """A list holding something other than a Process names its place, not an AttributeError."""
    p = fk.load("tests/data/design_example.yaml")
    with pytest.raises(fk.FlowkitError, match=r"scenario '\[1\]' is not a Process"):
        fk.compare([p, "current.yaml"], n_cases=10, replications=2, seed=1)
