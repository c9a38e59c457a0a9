"""Offered load ρ, the overload warning, the ``stable`` column, utilisation over the
arrival window, and ``diagnose``'s add_staff proposal (DESIGN §5 "Load and overload").

Every expected value is computed by hand in the test's docstring or comment. The
statistical checks use fixed seeds chosen before the first run and tolerances from
theory (see each test).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import flowkit as fk
from flowkit.analysis.load import combined_load, staff_needed
from flowkit.simulation.stats import mser_truncation, settles

SEED = 20261207  # chosen before any run; never tuned


def proc(arrivals: str, steps: str, departments: str = "[{id: d}]",
         calendar: str = "") -> fk.Process:
    return fk.loads(f"""
name: t
{calendar}
arrivals: {arrivals}
departments: {departments}
steps:
{steps}
""")


def mm1(rho: float, name: str = "mm1") -> fk.Process:
    """M/M/1 on calendar: always: arrivals exp(1 h), work exp(ρ h)."""
    return fk.loads(f"""
name: {name}
calendar: always
arrivals: {{every: exp(60min)}}
departments: [{{id: d}}]
steps: [{{id: s, department: d, work: exp({rho * 60}min)}}]
""")


def overload_warnings(record: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in record if issubclass(w.category, fk.OverloadWarning)]


# -- a.load --------------------------------------------------------------------------------
def test_load_per_day_with_rework() -> None:
    """per_day 20; intake 30 min at amr (2 staff), review 1 h at amr with 20 % rework back
    to intake: 1.25 executions each, so amr gets 1.25 × 1.5 h = 1.875 h a case; 20 ×
    1.875 ÷ (2 × 7) = 2.678571…; tax 15 min once: 20 × 0.25 ÷ 7 = 0.714285…"""
    p = proc("{per_day: 20}", """
  - {id: a, department: amr, work: 30min, next: b}
  - {id: b, department: amr, work: 1h, next: {c: 0.8, a: 0.2}}
  - {id: c, department: tax, work: 15min}
""", departments="[{id: amr, staff: 2}, {id: tax}]")
    load = fk.analyze(p).load
    assert load["amr"] == pytest.approx(20 * 1.875 / 14)
    assert load["tax"] == pytest.approx(20 * 0.25 / 7)
    assert list(load.index) == ["amr", "tax"]


def test_load_every_in_working_time() -> None:
    """every: exp(30min) on the default 7-hour calendar: gaps in working time, so 14 cases
    a working day; 20 min each: 14 × (1/3) h ÷ 7 h = 2/3."""
    p = proc("{every: exp(30min)}", "  - {id: s, department: d, work: 20min}")
    assert fk.analyze(p).load["d"] == pytest.approx(2 / 3)


def test_load_every_on_always_and_in_workdays() -> None:
    """calendar always: every 2h is 12 a day of 24 h; 1 h each: 12 ÷ 24 = 0.5.
    every 1wd on the 7-hour calendar: 1 a day; 3.5 h each: 0.5."""
    p = proc("{every: 2h}", "  - {id: s, department: d, work: 1h}", calendar="calendar: always")
    assert fk.analyze(p).load["d"] == pytest.approx(0.5)
    q = proc("{every: 1wd}", "  - {id: s, department: d, work: 3.5h}")
    assert fk.analyze(q).load["d"] == pytest.approx(0.5)


def test_load_at_counts_working_days_of_the_span() -> None:
    """Fri 09:00, Mon 09:00, Tue 09:00: the span is 2 working days (the weekend is not
    working time), 2 gaps: 1 case a working day; 3.5 h each ÷ 7 h = 0.5."""
    p = proc('{at: ["2026-01-09 09:00", "2026-01-12 09:00", "2026-01-13 09:00"]}',
             "  - {id: s, department: d, work: 3.5h}")
    assert fk.analyze(p).load["d"] == pytest.approx(0.5)
    one = proc('{at: ["2026-01-09 09:00"]}', "  - {id: s, department: d, work: 1h}")
    assert math.isnan(fk.analyze(one).load["d"])  # one arrival has no rate


def test_load_on_a_department_calendar() -> None:
    """A department open 09:00-12:00 (3 h) on the process's weekdays: per_day 2 × 1 h ÷
    (1 × 3 h) = 2/3 (not 2/7)."""
    p = proc("{per_day: 2}", "  - {id: s, department: d, work: 1h}",
             departments='[{id: d, calendar: {hours: ["09:00-12:00"]}}]')
    assert fk.analyze(p).load["d"] == pytest.approx(2 / 3)


def service(name: str, per_day: float, own: bool = False) -> fk.Process:
    extra = ", {id: own, staff: 1}" if own else ""
    step_own = "\n  - {id: o, department: own, work: 1h}" if own else ""
    nxt = ", next: o" if own else ""
    return fk.loads(f"""
name: {name}
arrivals: {{per_day: {per_day}}}
departments: [{{id: hall, staff: 2}}{extra}]
steps:
  - {{id: s, department: hall, work: 1h{nxt}}}{step_own}
""")


def test_load_of_processes_sharing_a_department() -> None:
    """甲 7 a day and 乙 3.5 a day, 1 h each at the shared hall (2 staff): 10.5 h ÷ 14 h =
    0.75; 乙's own department: 3.5 × 1 h ÷ 7 h = 0.5."""
    load = combined_load([service("甲", 7), service("乙", 3.5, own=True)])
    assert load["hall"] == pytest.approx(0.75)
    assert load["own"] == pytest.approx(0.5)
    assert fk.analyze(service("甲", 7)).load["hall"] == pytest.approx(0.5)


def test_staff_needed_is_the_fewest_below_the_target() -> None:
    """ρ 1.2 at 2 staff is 2.4 staff-loads: 3 staff give exactly 0.8 (not below), 4 give
    0.6: add 2. ρ 0.85 at 1: 2 staff give 0.425: add 1. ρ 0.5: none."""
    assert staff_needed(1.2, 2) == 2
    assert staff_needed(0.85, 1) == 1
    assert staff_needed(0.5, 3) == 0


# -- the warning ---------------------------------------------------------------------------
OVER = "  - {id: s, department: d, work: 1h}"  # per_day 10 × 1 h ÷ 7 h = 1.43


def test_simulate_warns_once_naming_department_and_load() -> None:
    p = proc("{per_day: 10}", OVER)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        fk.simulate(p, n_cases=20, seed=SEED, replications=3)
    msgs = overload_warnings(rec)
    assert len(msgs) == 1
    assert "'d' ρ = 1.43" in msgs[0]
    assert "add_staff" in msgs[0]
    assert "until=" in msgs[0]
    assert "fewer arrivals" in msgs[0]


def test_simulate_does_not_warn_below_one() -> None:
    p = proc("{per_day: 6}", OVER)  # 6 ÷ 7 = 0.86
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        fk.simulate(p, n_cases=20, seed=SEED, replications=2)
    assert overload_warnings(rec) == []


def test_simulate_together_warns_for_the_shared_load() -> None:
    """Each service alone loads the hall 14 ÷ 14 · ½ = 0.5 … together 7 + 7 a day of 1 h
    at 2 staff: 14 ÷ 14 = 1.00 — overloaded only together."""
    a, b = service("甲", 7), service("乙", 7)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        fk.simulate(a, n_cases=10, seed=SEED, replications=1)
        assert overload_warnings(rec) == []
        fk.simulate([a, b], n_cases=10, seed=SEED, replications=1)
    msgs = overload_warnings(rec)
    assert len(msgs) == 1
    assert "'hall' ρ = 1.00" in msgs[0]


def test_compare_warns_once_for_all_scenarios() -> None:
    """Two overloaded scenarios (ρ 1.43 and 10 × 0.75 h ÷ 7 h = 1.07): one warning naming both."""
    p = proc("{per_day: 10}", OVER)
    q = proc("{per_day: 10}", "  - {id: s, department: d, work: 45min}")
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        fk.compare({"现状": p, "改革后": q}, n_cases=20, seed=SEED, replications=2)
    msgs = overload_warnings(rec)
    assert len(msgs) == 1
    assert "现状: 'd' ρ = 1.43" in msgs[0]
    assert "改革后: 'd' ρ = 1.07" in msgs[0]


# -- stable --------------------------------------------------------------------------------
def test_stable_false_when_the_queue_grows() -> None:
    """M/M/1 at ρ = 1.5: the time in system grows ~0.5 h per case and never settles; the
    counts (one step each) are constant, hence settled."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fk.OverloadWarning)
        s = fk.simulate(mm1(1.5), n_cases=1000, seed=SEED, replications=5,
                        keep_events=False).summary()
    assert s["stable"].dtype == bool
    assert not s.loc["days", "stable"]
    assert not s.loc["queue_hours", "stable"]
    assert s.loc["steps", "stable"]
    assert s.loc["visits", "stable"]


def test_stable_true_on_a_stable_queue() -> None:
    """M/M/1 at ρ = 0.5 (measured false-alarm rate 0 in 100 runs, docs/simulation.md)."""
    s = fk.simulate(mm1(0.5), n_cases=1000, seed=SEED, replications=5,
                    keep_events=False).summary()
    assert s["stable"].all()


def test_mser_rule_by_hand() -> None:
    """A flat series keeps everything (d = 0 of 100 batches); a step up after 800 of 1,000
    values: MSER drops the first 160 batches (the 800 low values), the kept tail is worse
    (higher), so it does not settle; a step down is getting better: it does."""
    assert mser_truncation(np.full(500, 3.0)) == (0, 100)
    up = np.r_[np.zeros(800), np.ones(200)]
    assert mser_truncation(up) == (160, 200)
    assert not settles(up)
    assert settles(-up)
    assert not settles(-up, better="higher")
    assert settles(np.arange(50.0))  # too short to judge: under 100 values


# -- utilization ---------------------------------------------------------------------------
def test_utilization_is_over_the_arrival_window() -> None:
    """calendar always; arrivals 10:00 and 14:00, 3 h each: busy 10:00-13:00 and 14:00 on;
    the window 10:00-14:00 holds 3 h busy of 4 h open: 0.75. Without an event log the run
    rule applies: 6 h busy from the start (00:00) to the last completion (17:00): 6 ÷ 17."""
    p = proc('{at: ["2026-01-05 10:00", "2026-01-05 14:00"]}',
             "  - {id: s, department: d, work: 3h}", calendar="calendar: always")
    u = fk.simulate(p, seed=SEED, replications=1).utilization()
    assert u.loc["d", "busy_hours"] == pytest.approx(3.0)
    assert u.loc["d", "available_hours"] == pytest.approx(4.0)
    assert u.loc["d", "utilization"] == pytest.approx(0.75)
    assert u.loc["d", "window"] == "arrivals"
    run = fk.simulate(p, seed=SEED, replications=1, keep_events=False).utilization()
    assert run.loc["d", "utilization"] == pytest.approx(6 / 17)
    assert run.loc["d", "window"] == "run"


def test_utilization_counts_open_hours_only() -> None:
    """Default calendar: arrivals Mon 09:00 and Tue 09:00, 2 h each. Window Mon 09:00 → Tue
    09:00 holds 7 open hours (not 24); busy Mon 09:00-11:00: 2 ÷ 7."""
    p = proc('{at: ["2026-01-05 09:00", "2026-01-06 09:00"]}',
             "  - {id: s, department: d, work: 2h}")
    u = fk.simulate(p, seed=SEED, replications=1).utilization()
    assert u.loc["d", "available_hours"] == pytest.approx(7.0)
    assert u.loc["d", "utilization"] == pytest.approx(2 / 7)


N_UTIL, R_UTIL = 5000, 4


def test_mm1_utilization_at_0_8() -> None:
    """M/M/1, λ = 1/h, μ = 1.25/h (ρ = 0.8). The busy indicator is an alternating renewal
    process: busy periods B (mean 1/(μ−λ) = 4 h, variance (1+ρ)/(μ²(1−ρ)³) = 144 h²) and
    idle periods I ~ exp(λ) (mean 1 h, variance 1 h²). Its time average over T hours has
    asymptotic variance ((1−ρ)² Var B + ρ² Var I) ÷ (E[B+I] T) = (5.76 + 0.64) ÷ 5T =
    1.28 ÷ T. The window of n arrivals is T ≈ n h, so over R replications the mean has
    sd √(1.28 ÷ n ÷ R) = 0.008 for n = 5,000, R = 4; the test allows 3 sd (0.024). The
    start from empty biases it by O(1/T), under 0.001."""
    r = fk.simulate(mm1(0.8), n_cases=N_UTIL, seed=SEED, replications=R_UTIL)
    u = float(r.utilization().loc["d", "utilization"])
    sd = math.sqrt(1.28 / N_UTIL / R_UTIL)
    assert abs(u - 0.8) <= 3 * sd


def test_mm1_utilization_overloaded_is_full() -> None:
    """M/M/1 at ρ = 1.5: the backlog only grows, so the server is busy almost all the
    window (idle only in the first moments): ≥ 0.97."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fk.OverloadWarning)
        r = fk.simulate(mm1(1.5), n_cases=2000, seed=SEED, replications=3)
    assert r.utilization().loc["d", "utilization"] >= 0.97


def test_utilization_overloaded_on_a_working_calendar() -> None:
    """per_day 10 × 1 h at 1 staff (ρ = 1.43) on the 7-hour calendar: the office is busy
    every open hour of the window (≥ 0.97), nights and weekends not counted as idle."""
    p = proc("{per_day: 10}", OVER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fk.OverloadWarning)
        r = fk.simulate(p, n_cases=500, seed=SEED, replications=2)
    assert r.utilization().loc["d", "utilization"] >= 0.97


# -- diagnose ------------------------------------------------------------------------------
def test_diagnose_proposes_add_staff_where_loaded() -> None:
    """amr: 20 a day × 45 min at 2 staff = 15 ÷ 14 = 1.071: 3 staff give 0.714 < 0.8, so
    add_staff(amr, 1) with load 0.714; tax: 20 × 15 min ÷ 7 h = 0.714 < 0.9: nothing."""
    p = proc("{per_day: 20}", """
  - {id: a, department: amr, work: 45min, next: b}
  - {id: b, department: tax, work: 15min}
""", departments="[{id: amr, staff: 2}, {id: tax}]")
    d = fk.diagnose(p)
    rows = d[d["finding"] == "add_staff"]
    assert list(rows["where"]) == ["amr"]
    row = rows.iloc[0]
    lever = row["levers"][0]
    assert (lever.dept, lever.n) == ("amr", 1)
    assert row["load"] == pytest.approx(15 / 21)
    assert "1.07" in row["why"]
    q = fk.redesign(p, *row["levers"])
    assert fk.analyze(q).load["amr"] == pytest.approx(15 / 21)


def test_diagnose_at_0_9_but_not_below() -> None:
    """ρ = 6.5 ÷ 7 = 0.929 ≥ 0.9: add 1 (0.464); ρ = 6 ÷ 7 = 0.857: no proposal."""
    hi = fk.diagnose(proc("{per_day: 6.5}", OVER))
    assert list(hi.loc[hi["finding"] == "add_staff", "where"]) == ["d"]
    lo = fk.diagnose(proc("{per_day: 6}", OVER))
    assert "add_staff" not in set(lo["finding"])
