"""The statutory clock in simulation: from the first intake's end to the last approval's
end, leaving out the time back with the applicant for 补正 (行政许可法 Art. 42–45)."""

from __future__ import annotations

import pandas as pd
import pytest

import flowkit as fk

pytestmark = pytest.mark.filterwarnings("ignore::flowkit.OverloadWarning")


def test_clock_runs_from_intake_to_decision() -> None:
    """Mon 09:00 intake 1 h, review 7 h (to Tue 10:00), decision 1 h (to Tue 11:00), then a
    3-day delivery wait: the clock counts Mon 10:00 → Tue 11:00 = 8 working hours."""
    p = fk.loads("""
name: t
arrivals: {at: ["2026-01-05 09:00"]}
handoff: {mode: electronic}
departments: [{id: a}]
steps:
  - {id: i, department: a, kind: intake, channel: counter, work: 1h, next: r,
     time_limit: 1wd}
  - {id: r, department: a, kind: review, work: 7h, next: d}
  - {id: d, department: a, kind: approval, work: 1h, next: s}
  - {id: s, department: a, kind: delivery, channel: mail, wait: 3wd}
""")
    c = fk.simulate(p, seed=1, replications=1).cases.iloc[0]
    assert c["clock_workdays"] == pytest.approx(8 / 7)
    assert c["workdays"] == pytest.approx(3 + 9 / 7)
    assert bool(c["within_time_limit"]) is False  # 8/7 > 1 working day


def test_resubmission_time_is_off_the_clock() -> None:
    """Each loop back to the counter (补正) stops the clock from the moment the case is
    sent back until the intake ends again; checked case by case against the event log."""
    p = fk.loads("""
name: t
calendar: always
arrivals: {every: exp(2h)}
handoff: {mode: electronic}
departments: [{id: a, staff: 2}, {id: b, staff: 2}]
steps:
  - {id: i, department: a, kind: intake, channel: counter, work: exp(20min), next: c}
  - {id: c, department: b, kind: review, work: exp(30min), next: {d: 0.6, i: 0.4}}
  - {id: d, department: b, kind: approval, work: exp(15min)}
""")
    r = fk.simulate(p, n_cases=200, seed=5, replications=1)
    ev = r.events
    looped = 0
    for case, g in ev.groupby("case"):
        g = g.sort_values("end")
        ends = {step: list(x["end"]) for step, x in g.groupby("step", observed=True)}
        off = sum((i_end - c_end for c_end, i_end in zip(ends["c"], ends["i"][1:], strict=False)),
                  pd.Timedelta(0))
        looped += len(ends["i"]) > 1
        expect = (ends["d"][-1] - ends["i"][0] - off) / pd.Timedelta(days=1)
        assert r.cases.loc[r.cases["case"] == case, "clock_workdays"].item() == \
            pytest.approx(expect, abs=1e-9)
    assert looped > 40  # the loop was exercised


def test_without_intake_or_approval_the_clock_is_the_whole_case() -> None:
    p = fk.loads("""
name: t
calendar: always
arrivals: {at: ["2026-01-05 09:00"]}
departments: [{id: a}]
steps: [{id: s, department: a, work: 2h, wait: 1d}]
""")
    c = fk.simulate(p, seed=1, replications=1).cases.iloc[0]
    assert c["clock_workdays"] == pytest.approx(c["days"])


def test_excluded_step_and_service_limit_agree_with_static() -> None:
    """Intake 1 h → expert review 30 wd (clock: excluded) → decision 1 h, service limit
    20 wd: the clock is the decision's hour (1/7 wd) in simulation as statically."""
    p = fk.loads("""
name: t
arrivals: {at: ["2026-01-05 09:00"]}
handoff: {mode: electronic}
time_limit: 20wd
legal_limit: 20wd
departments: [{id: a}]
steps:
  - {id: i, department: a, kind: intake, channel: counter, work: 1h, next: x}
  - {id: x, department: a, kind: review, wait: 30wd, clock: excluded, next: d}
  - {id: d, department: a, kind: approval, work: 1h}
""")
    a = fk.analyze(p)
    c = fk.simulate(p, seed=1, replications=1).cases.iloc[0]
    assert c["clock_workdays"] == pytest.approx(1 / 7)
    assert a.clock_workdays == pytest.approx(1 / 7)
    assert c["workdays"] == pytest.approx(30 + 2 / 7)
    assert c["time_limit"] == 20
    assert bool(c["within_time_limit"]) is True
    assert bool(c["within_legal_limit"]) is True
    assert a.meets_time_limit is True


def test_applicant_delay_counts_in_days_never_on_the_clock() -> None:
    """A 2-day delay before the second trip (collect at the counter after the decision)
    adds 2 days to days and t_applicant, nothing to the clock."""
    src = """
name: t
calendar: always
arrivals: {{at: ["2026-01-05 09:00"]}}
handoff: {{mode: electronic}}
{delay}
departments: [{{id: a}}]
steps:
  - {{id: i, department: a, kind: intake, channel: counter, work: 1h, next: d}}
  - {{id: d, department: a, kind: approval, work: 1h, wait: 1d, next: g}}
  - {{id: g, department: a, kind: delivery, channel: counter, work: 30min}}
"""
    base = fk.loads(src.format(delay=""))
    slow = fk.loads(src.format(delay="applicant_delay: 2d"))
    c0 = fk.simulate(base, seed=1, replications=1).cases.iloc[0]
    c1 = fk.simulate(slow, seed=1, replications=1).cases.iloc[0]
    assert c1["days"] - c0["days"] == pytest.approx(2.0)
    assert c1["t_applicant"] == pytest.approx(2.0)
    assert c1["clock_workdays"] == pytest.approx(c0["clock_workdays"])
    assert c1["visits"] == 2
    assert fk.analyze(slow).workdays - fk.analyze(base).workdays == pytest.approx(2.0)


def test_static_breakdown_holds_the_applicant_delay() -> None:
    p = fk.loads("""
name: t
calendar: always
applicant_delay: 2d
departments: [{id: a}]
steps:
  - {id: i, department: a, kind: intake, channel: counter, work: 1h, wait: 1d, next: g}
  - {id: g, department: a, kind: delivery, channel: counter, work: 1h}
""")
    a = fk.analyze(p)
    assert a.visits == 2
    b = a.breakdown()
    assert b.loc["t_applicant", "workdays"] == pytest.approx(2.0)
    assert float(b["workdays"].sum()) == pytest.approx(a.workdays)
