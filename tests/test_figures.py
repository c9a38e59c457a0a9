"""distinct_materials (材料份数), applicant_steps (办事环节（申请人）), and the compare
table's ``better``/``improved`` columns, exact static rows and report shading."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import flowkit as fk
from flowkit.kpis import KPIS
from flowkit.report.display import comparison_html as notebook_html
from flowkit.report.files import comparison_html as report_html

L = fk.levers

#: one certificate handed in at two windows of two departments
TWO_WINDOWS = """
name: 两个窗口
calendar: always
arrivals: {every: exp(1h)}
departments: [{id: a, staff: 3}, {id: b, staff: 3}, {id: x, issue_time: 1h}]
materials:
  - {id: lic, name: 营业执照, issued_by: x}
steps:
  - {id: s1, department: a, kind: intake, channel: counter, work: 10min, materials: [lic],
     next: s2}
  - {id: s2, department: b, kind: intake, channel: counter, work: 10min, materials: [lic]}
"""

#: a 30 % 补正 loop through a supplement window that lists one more material
REWORK = """
name: 补正
calendar: always
arrivals: {every: exp(1h)}
departments: [{id: a, staff: 4}]
materials:
  - {id: id_card, name: 身份证, source: applicant}
  - {id: extra, name: 补充说明, source: applicant}
steps:
  - {id: s1, department: a, kind: intake, channel: counter, work: 10min,
     materials: [id_card], next: r}
  - {id: r, department: a, kind: review, work: 10min, next: {fix: 0.3, s2: 0.7}}
  - {id: fix, department: a, kind: intake, channel: counter, work: 5min,
     materials: [extra, id_card], next: r}
  - {id: s2, department: a, kind: approval, work: 10min}
"""

#: every channel, with a 20 % loop back to the counter step
CHANNELS = """
name: 多渠道
calendar: always
arrivals: {every: exp(1h)}
departments: [{id: a, staff: 4}]
steps:
  - {id: s1, department: a, kind: intake, channel: online, work: 5min, next: s2}
  - {id: s2, department: a, kind: review, channel: backoffice, work: 5min, next: s3}
  - {id: s3, department: a, kind: intake, channel: counter, work: 5min, next: r}
  - {id: r, department: a, kind: review, work: 5min, next: {s3: 0.2, s5: 0.8}}
  - {id: s5, department: a, kind: payment, channel: online, work: 5min, next: s6}
  - {id: s6, department: a, kind: inspection, channel: onsite, work: 5min, next: s7}
  - {id: s7, department: a, kind: delivery, channel: mail, work: 5min}
"""

#: a material listed in both branches of an AND block, each time with a probability
BRANCHES = """
name: 并联
calendar: always
departments: [{id: a}, {id: b}]
materials:
  - {id: m, name: 图纸, source: applicant}
  - {id: n, name: 证明, source: applicant}
steps:
  - {id: s, department: a, kind: intake, channel: counter, materials: [n], next: [b1, b2]}
  - {id: b1, department: a, next: {c1: 0.5, j: 0.5}}
  - {id: c1, department: a, channel: counter, materials: [m], next: j}
  - {id: b2, department: b, next: {c2: 0.4, j: 0.6}}
  - {id: c2, department: b, channel: counter, materials: [m], next: j}
  - {id: j, department: a, join: all}
"""


# -- distinct_materials -------------------------------------------------------------
def test_certificate_at_two_windows_is_two_submissions_one_material() -> None:
    """materials 2 (one per window), distinct_materials 1 — statically and in every case."""
    p = fk.loads(TWO_WINDOWS)
    a = fk.analyze(p)
    assert a.materials == pytest.approx(2.0)
    assert a.distinct_materials == pytest.approx(1.0)
    t = a.table()
    assert t.loc["distinct_materials", "value"] == pytest.approx(1.0)
    assert t.loc["distinct_materials", "label_zh"] == "材料份数"
    c = fk.simulate(p, n_cases=50, seed=3, replications=2).cases
    assert (c["materials"] == 2).all()
    assert (c["distinct_materials"] == 1).all()


def test_shared_certificate_counts_zero() -> None:
    """Once shared (电子证照), the certificate is neither a submission nor a material."""
    q = fk.redesign(fk.loads(TWO_WINDOWS), L.share_data())
    a = fk.analyze(q)
    assert (a.materials, a.distinct_materials) == (0.0, 0.0)


def test_rework_loop_counts_a_material_by_its_hitting_probability() -> None:
    """By hand: id_card is listed on every path (1); extra only when the case goes to
    补正 at least once, P = 0.3 (the first choice at r). distinct = 1.3. Submissions:
    fix runs N times with P(N ≥ k) = 0.3^k, E[N] = 0.3 / 0.7, two materials each:
    1 + 2 × 0.3 / 0.7 = 1.857143."""
    a = fk.analyze(fk.loads(REWORK))
    assert a.distinct_materials == pytest.approx(1.3, abs=1e-12)
    assert a.materials == pytest.approx(1 + 2 * 0.3 / 0.7, abs=1e-12)


def test_and_branches_combine_as_independent() -> None:
    """m is listed in branch 1 with P 0.5 and in branch 2 with P 0.4: it is missed with
    P 0.5 × 0.6 = 0.3, so P(m) = 0.7; n is listed once: distinct = 1.7. Submissions:
    1 + 0.5 + 0.4 = 1.9."""
    a = fk.analyze(fk.loads(BRANCHES))
    assert a.distinct_materials == pytest.approx(1.7, abs=1e-12)
    assert a.materials == pytest.approx(1.9, abs=1e-12)


def test_produced_material_still_counts_once() -> None:
    """A licence the process issues and a later step lists: no fetch trip, but one
    material (and one submission)."""
    p = fk.loads("""
name: 出证后
departments: [{id: a}]
materials: [{id: lic, name: 营业执照, issued_by: a}]
steps:
  - {id: s1, department: a, kind: delivery, channel: counter, produces: [lic], next: s2}
  - {id: s2, department: a, channel: counter, materials: [lic], next: s3}
  - {id: s3, department: a, channel: counter, materials: [lic]}
""")
    a = fk.analyze(p)
    assert a.fetch_trips == 0
    assert (a.materials, a.distinct_materials) == (2.0, 1.0)


# -- applicant_steps ----------------------------------------------------------------
def test_applicant_steps_count_counter_and_online_only() -> None:
    """By hand: s3 runs 1 / 0.8 = 1.25 times; counter and online steps s1 + s3 + s5 =
    1 + 1.25 + 1 = 3.25 (backoffice, onsite and mail steps are not the applicant's);
    steps = 1 + 1 + 1.25 + 1.25 + 1 + 1 + 1 = 7.5."""
    a = fk.analyze(fk.loads(CHANNELS))
    assert a.applicant_steps == pytest.approx(3.25, abs=1e-12)
    assert a.steps == pytest.approx(7.5, abs=1e-12)
    assert fk.analyze(fk.loads(CHANNELS)).table().loc["applicant_steps", "label_zh"] == \
        "办事环节（申请人）"


@pytest.mark.parametrize("text", [REWORK, CHANNELS])
def test_simulated_means_agree_with_analyze(text: str) -> None:
    """The simulated means of both figures hold the exact static values inside their
    intervals (two intervals per process: Bonferroni, each at 1 − 0.05/2)."""
    p = fk.loads(text)
    a = fk.analyze(p)
    s = fk.simulate(p, n_cases=1000, seed=11, replications=5).summary(level=1 - 0.05 / 2)
    for kpi in ("distinct_materials", "applicant_steps"):
        lo, hi = s.loc[kpi, "ci_low"], s.loc[kpi, "ci_high"]
        assert lo <= getattr(a, kpi) <= hi, (kpi, lo, getattr(a, kpi), hi)


def test_case_columns_are_whole_numbers() -> None:
    c = fk.simulate(fk.loads(REWORK), n_cases=200, seed=2, replications=2).cases
    assert set(c["distinct_materials"].unique()) <= {1, 2}
    assert c["distinct_materials"].dtype == np.int64
    assert (c["applicant_steps"] >= 1).all()
    # a case went to 补正 exactly when it handed in the extra material
    assert ((c["distinct_materials"] == 2) == (c["applicant_steps"] > 1)).all()


# -- the compare table --------------------------------------------------------------
@pytest.fixture(scope="module")
def worse_days() -> fk.Comparison:
    """share_data removes trips; mail_delivery adds the courier's 2 days (worse days)."""
    p = fk.load("examples/jiaxing_swimming_pool/current.yaml")
    q = fk.redesign(p, L.share_data(), L.mail_delivery(), name="改革后")
    return fk.compare({"现状": p, "改革后": q}, n_cases=100, seed=1, replications=3,
                      start="2024-01-01")


def test_compare_has_better_and_improved(worse_days: fk.Comparison) -> None:
    t = worse_days.table
    cols = list(t.columns)
    assert cols.index("improved") == cols.index("significant") + 1
    assert {"better", "improved"} <= set(cols)
    assert t.loc["visits", "better"] == "lower"
    assert t.loc["departments", "better"] is None
    assert t.loc["visits", "improved"] is np.True_ or bool(t.loc["visits", "improved"])
    assert t.loc["days", "improved"] is not pd.NA
    assert not bool(t.loc["days", "improved"])  # the courier's days: worse
    assert t.loc["departments", "improved"] is pd.NA  # descriptive
    assert t.loc["steps", "improved"] is pd.NA  # unchanged
    for kpi in ("distinct_materials", "applicant_steps"):
        assert t.loc[kpi, "source"] == "static"


def test_static_rows_have_no_interval(worse_days: fk.Comparison) -> None:
    """Every static row is exact: NaN interval, NA significance — never the delta."""
    t = worse_days.table
    static = t[t["source"] == "static"]
    assert {"visits", "one_visit", "handoffs", "steps", "departments", "materials",
            "distinct_materials", "applicant_steps", "fee"} <= set(static.index)
    assert static["ci_low"].isna().all()
    assert static["ci_high"].isna().all()
    assert static["significant"].isna().all()
    simulated = t[t["source"] == "simulated"]
    assert simulated["significant"].notna().all()


def test_one_visit_is_a_boolean(worse_days: fk.Comparison) -> None:
    t = worse_days.table
    v0, v1 = t.loc["one_visit", "现状"], t.loc["one_visit", "改革后"]
    assert isinstance(v0, bool | np.bool_)
    assert isinstance(v1, bool | np.bool_)
    assert math.isnan(t.loc["one_visit", "change_pct"])
    html = report_html(worse_days)
    row = _rows(html)["one_visit"]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row)
    assert cells[:2] == ["是" if v0 else "否", "是" if v1 else "否"]  # the two scenarios


def _rows(html: str) -> dict[str, str]:
    """KPI id -> its <tr> in a comparison's HTML table (the id titled, or the English
    label shown beneath the Chinese one)."""
    by_label = {row.label_en: kpi for kpi, row in fk.kpis().iterrows()}
    out = {}
    for tr in re.findall(r"<tr class='[a-z]*'>.*?</tr>", html, re.S):
        m = re.search(r"title='([a-z_0-9]+)'", tr)
        e = re.search(r"<span class=en>([^<]+)</span>", tr)
        if m:
            out[m.group(1)] = tr
        elif e and e.group(1) in by_label:
            out[by_label[e.group(1)]] = tr
    return out


def _shade(tr: str) -> str:
    m = re.match(r"<tr class='([a-z]*)'>", tr)
    assert m is not None
    return m.group(1)


@pytest.mark.parametrize("render", [report_html, notebook_html])
def test_a_worse_kpi_is_never_green(worse_days: fk.Comparison, render: object) -> None:
    """days rose significantly: red, not green; visits fell: green; steps unchanged:
    plain; every green row improved and no red row did."""
    rows = _rows(render(worse_days))  # type: ignore[operator]
    t = worse_days.table
    assert _shade(rows["days"]) == "worse"
    assert _shade(rows["visits"]) == "better"
    assert _shade(rows["steps"]) == ""
    for kpi, tr in rows.items():
        imp = t.loc[kpi, "improved"]
        if _shade(tr) == "better":
            assert imp is not pd.NA, kpi
            assert bool(imp), kpi
        elif _shade(tr) == "worse":
            assert imp is not pd.NA, kpi
            assert not bool(imp), kpi
        else:
            assert imp is pd.NA, kpi
    assert "精确" in rows["visits"]  # a static row: exact, no interval


_LEVERS = {
    "share_data": L.share_data, "electronic_handoff": L.electronic_handoff,
    "mail_delivery": L.mail_delivery, "go_online": L.go_online,
    "single_window": L.single_window, "co_locate": L.co_locate,
}


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@pytest.mark.filterwarnings("ignore::flowkit.OverloadWarning")  # random loads
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(5, 14),
       chosen=st.lists(st.sampled_from(sorted(_LEVERS)), min_size=1, max_size=3, unique=True))
def test_improved_agrees_with_better(seed: int, n: int, chosen: list[str]) -> None:
    """On random redesigns: improved is True only when the value moved the better way,
    False only when it moved against it, NA for descriptive or unchanged rows."""
    p = fk.random_process(n, seed=seed, materials=6, calendar="always")
    q = p
    for name in chosen:
        try:
            q = fk.redesign(q, _LEVERS[name]())
        except fk.FlowkitError:
            continue  # the lever does not apply here
    t = fk.compare({"a": p, "b": q}, n_cases=20, seed=seed, replications=2).table
    for kpi, row in t.iterrows():
        d, imp, better = row["delta"], row["improved"], KPIS[str(kpi)].better
        assert row["better"] == better
        if imp is pd.NA:
            unchanged = math.isnan(d) or abs(d) <= 1e-12
            if row["source"] == "simulated":
                unchanged = unchanged or not bool(row["significant"])
            assert better is None or unchanged, kpi
        elif bool(imp):
            assert (d < 0) if better == "lower" else (d > 0), kpi
        else:
            assert (d > 0) if better == "lower" else (d < 0), kpi
        if row["source"] == "static":
            assert math.isnan(row["ci_low"]), kpi
            assert math.isnan(row["ci_high"]), kpi
            assert row["significant"] is pd.NA, kpi
