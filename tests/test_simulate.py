"""Simulation semantics in time, one small case per rule, with exact expected instants."""

from __future__ import annotations

import datetime as dt
import math
import xml.etree.ElementTree as ET
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import flowkit as fk

# DESIGN's example (tests/data/design_example.yaml) is offered more work than amr can do
# (ρ ≈ 1.96), and the queue tests overload on purpose; these tests are about other rules.
# The overload warning itself is tested in tests/test_load.py.
pytestmark = pytest.mark.filterwarnings("ignore::flowkit.OverloadWarning")

TZ = "Asia/Shanghai"


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_localize(TZ)


def one_case(steps: str, *, head: str = "", at: str = "2026-01-05 10:00", **kw: object):
    """Simulate a single case arriving at ``at`` (default calendar unless ``head`` sets one)."""
    src = f"""
name: t
{head}
arrivals: {{at: ["{at}"]}}
departments:
  - {{id: a, location: hall, staff: 1}}
  - {{id: b, location: hall, staff: 1}}
  - {{id: c, issue_time: 2wd}}
materials: [{{id: cert, issued_by: c}}]
steps:
{steps}
"""
    p = fk.loads(src)
    return p, fk.simulate(p, seed=1, replications=1, **kw)


def test_work_resumes_after_closing() -> None:
    """1 h of work started at 17:00 stops at 17:30 and ends at 09:30 the next working day."""
    _, r = one_case("  - {id: s, department: a, channel: counter, work: 1h}", at="2026-01-05 17:00")
    c = r.cases.iloc[0]
    assert c["done"] == ts("2026-01-06 09:30")
    assert c["days"] == pytest.approx(16.5 / 24)
    assert c["workdays"] == pytest.approx(1 / 7)
    assert c["touch_hours"] == pytest.approx(1.0)


def test_work_waits_for_opening() -> None:
    """A case arriving at night starts when the office opens."""
    _, r = one_case("  - {id: s, department: a, work: 30min}", at="2026-01-05 20:00")
    ev = r.events.iloc[0]
    assert ev["start"] == ts("2026-01-05 20:00")  # the staff member takes it at once
    assert r.cases.iloc[0]["done"] == ts("2026-01-06 09:30")


def test_wait_in_wd_counts_working_days() -> None:
    """Friday 10:00 + 1wd is Monday 10:00; 1d is Saturday 10:00."""
    _, r = one_case("  - {id: s, department: a, wait: 1wd}", at="2026-01-09 10:00")
    assert r.cases.iloc[0]["done"] == ts("2026-01-12 10:00")
    _, r = one_case("  - {id: s, department: a, wait: 1d}", at="2026-01-09 10:00")
    assert r.cases.iloc[0]["done"] == ts("2026-01-10 10:00")


def test_china_holidays_and_make_up_days() -> None:
    """National Day 2025: 30 Sep + 1wd is 9 Oct; Sunday 28 Sep is a working day."""
    _, r = one_case("  - {id: s, department: a, wait: 1wd}", head="calendar: {holidays: china}",
                    at="2025-09-30 10:00", start="2025-09-29")
    assert r.cases.iloc[0]["done"] == ts("2025-10-09 10:00")
    _, r = one_case("  - {id: s, department: a, work: 1h}", head="calendar: {holidays: china}",
                    at="2025-09-28 10:00", start="2025-09-28")
    assert r.cases.iloc[0]["done"] == ts("2025-09-28 11:00")


def test_staff_queue_is_fifo() -> None:
    """With one person, the second of two simultaneous cases waits for the first."""
    p = fk.loads("""
name: t
calendar: always
arrivals: {at: ["2026-01-05 10:00", "2026-01-05 10:00", "2026-01-05 10:10"]}
departments: [{id: a, staff: 1}]
steps: [{id: s, department: a, work: 1h}]
""")
    c = fk.simulate(p, seed=1, replications=1).cases
    assert list(c["done"]) == [ts("2026-01-05 11:00"), ts("2026-01-05 12:00"),
                               ts("2026-01-05 13:00")]
    assert list(c["queue_hours"].round(6)) == [0.0, 1.0, pytest.approx(1 + 50 / 60)]


def test_priority_case_types_go_first() -> None:
    """A waiting case of a higher-priority type is served before lower ones (绿色通道)."""
    at = ", ".join(f'"2026-01-05 10:{m:02d}"' for m in range(40))
    p = fk.loads(f"""
name: t
calendar: always
arrivals: {{at: [{at}]}}
case_types:
  - {{id: green, name: 绿色通道, share: 0.3, priority: 1}}
  - {{id: normal, name: 一般, share: 0.7}}
departments: [{{id: a, staff: 1}}]
steps: [{{id: s, department: a, work: 10min}}]
""")
    r = fk.simulate(p, seed=3, replications=1)
    ev = r.events.merge(r.cases[["case", "case_type"]], on="case")
    assert set(ev["case_type"]) == {"green", "normal"}
    for _, low in ev[ev["case_type"] == "normal"].iterrows():
        jumped = ev[(ev["case_type"] == "green") & (ev["enabled"] < low["start"])
                    & (ev["start"] > low["start"])]
        assert jumped.empty, "a green case waited while a normal one was served"


def test_case_type_shares() -> None:
    """Case types are drawn by share (binomial 99.9 % interval)."""
    p = fk.loads("""
name: t
calendar: always
arrivals: {every: 1h}
case_types: [{id: x, share: 0.25}, {id: y, share: 0.75}]
departments: [{id: a, staff: 5}]
steps: [{id: s, department: a}]
""")
    c = fk.simulate(p, n_cases=4000, seed=2, replications=1).cases
    share = (c["case_type"] == "x").mean()
    assert abs(share - 0.25) < 3.3 * math.sqrt(0.25 * 0.75 / 4000)


def test_schedule_waits_for_the_next_session() -> None:
    """A weekly Tuesday 14:00 meeting: a Monday case is decided Tuesday 14:00-15:00."""
    _, r = one_case("""  - {id: s, department: a, work: 1h,
     schedule: {weekdays: [2], at: ["14:00"]}}""")
    ev = r.events.iloc[0]
    assert ev["start"] == ts("2026-01-06 14:00")
    assert ev["end"] == ts("2026-01-06 15:00")


def test_fetch_trips_delay_the_first_step_and_are_visits() -> None:
    """Fetching a certificate (issue time 2wd) is one visit and delays the first step."""
    p, r = one_case("  - {id: s, department: a, channel: counter, materials: [cert]}")
    c = r.cases.iloc[0]
    assert r.events.iloc[0]["enabled"] == ts("2026-01-07 10:00")
    assert c["visits"] == 2 == fk.analyze(p).visits
    assert c["materials"] == 1


def test_paper_and_electronic_handoffs() -> None:
    """An internal paper transfer takes 1wd; an electronic one none."""
    steps = """  - {id: s1, department: a, channel: counter, work: 1h, next: s2}
  - {id: s2, department: b, work: 1h}"""
    _, r = one_case(steps)
    ev = r.events.set_index("step")
    assert ev.loc["s2", "enabled"] == ts("2026-01-06 11:00")
    c = r.cases.iloc[0]
    assert (c["handoffs"], c["by_applicant"]) == (1, 0)
    _, r = one_case(steps, head="handoff: {mode: electronic}")
    assert r.events.set_index("step").loc["s2", "enabled"] == ts("2026-01-05 11:00")


def test_same_hall_same_day_is_one_visit_and_closing_ends_it() -> None:
    """Two windows in one hall: one visit; if the office closes in between, two."""
    steps = """  - {id: s1, department: a, channel: counter, work: %s, next: s2}
  - {id: s2, department: b, channel: counter, work: 5min}"""
    p, r = one_case(steps % "10min", at="2026-01-05 16:50")
    assert fk.analyze(p).visits == 1
    assert r.cases.iloc[0]["visits"] == 1
    _, r = one_case(steps % "45min", at="2026-01-05 16:50")  # s1 ends Tuesday 09:05
    c = r.cases.iloc[0]
    assert (c["visits"], c["closing_visits"]) == (2, 1)


def test_loop_back_to_a_counter_is_a_new_visit() -> None:
    """A rework loop back to the counter starts a new visit each time."""
    p = fk.loads("""
name: t
calendar: always
arrivals: {every: 1d}
departments: [{id: a, location: hall, staff: 3}]
steps:
  - {id: s, department: a, channel: counter, work: 10min, next: c}
  - {id: c, department: a, work: 10min, next: {s: 0.5, e: 0.5}}
  - {id: e, department: a}
""")
    c = fk.simulate(p, n_cases=3000, seed=4, replications=1).cases
    assert (c["visits"] == c["steps"].sub(1).floordiv(2)).all()
    assert c["visits"].mean() == pytest.approx(2.0, abs=4 * math.sqrt(2 / 3000))


def test_parallel_branches_run_at_the_same_time() -> None:
    """AND branches start together; the join waits for the longer one."""
    steps = """  - {id: s, department: a, work: 1h, next: [x, y]}
  - {id: x, department: a, work: 2h, next: j}
  - {id: y, department: b, work: 1h, next: j}
  - {id: j, department: a, join: all}"""
    _, r = one_case(steps, head="handoff: {mode: electronic}")
    ev = r.events.set_index("step")
    assert ev.loc["x", "start"] == ev.loc["y", "start"] == ts("2026-01-05 11:00")
    assert ev.loc["j", "enabled"] == ts("2026-01-05 14:30")  # 11-12, lunch, 13:30-14:30
    assert r.cases.iloc[0]["steps"] == 4


def test_time_limits_met() -> None:
    """within_time_limit compares the case's working days with its committed limit."""
    _, r = one_case("""  - {id: s, department: a, work: 7h, wait: 1wd, time_limit: 1wd,
     legal_limit: 3wd}""", at="2026-01-05 09:00")
    c = r.cases.iloc[0]
    assert c["workdays"] == pytest.approx(2.0)
    assert c["time_limit"] == 1
    assert bool(c["within_time_limit"]) is False
    assert c["legal_limit"] == 3
    assert bool(c["within_legal_limit"]) is True


def test_costs_and_applicant_hours() -> None:
    """staff_cost = work hours x cost_per_hour; applicant hours add travel per visit."""
    p = fk.loads("""
name: t
calendar: always
travel: 1h
arrivals: {at: ["2026-01-05 10:00"]}
departments: [{id: a, staff: 1, cost_per_hour: 120}]
steps: [{id: s, department: a, channel: counter, work: 30min}]
""")
    c = fk.simulate(p, seed=1, replications=1).cases.iloc[0]
    assert c["staff_cost"] == pytest.approx(60.0)
    assert c["applicant_hours"] == pytest.approx(0.5 + 1.0)


def test_same_seed_same_results_across_executors() -> None:
    """The same seed gives identical cases serially, with joblib and with executors."""
    p = fk.load("tests/data/design_example.yaml")
    kw = {"n_cases": 150, "seed": 11, "replications": 3}
    base = fk.simulate(p, **kw).cases
    assert fk.simulate(p, **kw).cases.equals(base)
    assert fk.simulate(p, n_jobs=2, **kw).cases.equals(base)
    with ThreadPoolExecutor(2) as ex:
        assert fk.simulate(p, executor=ex, **kw).cases.equals(base)
    with ProcessPoolExecutor(2) as ex:
        assert fk.simulate(p, executor=ex, **kw).cases.equals(base)
    other = fk.simulate(p, n_cases=150, seed=12, replications=3).cases
    assert not other["days"].equals(base["days"])
    reps = base.groupby("replication")["days"].mean()
    assert reps.nunique() == 3  # independent streams per replication


def test_seed_is_recorded() -> None:
    """Without a seed one is drawn and kept, so the run can be repeated."""
    p = fk.load("tests/data/design_example.yaml")
    r = fk.simulate(p, n_cases=20, replications=1)
    assert isinstance(r.seed, int)
    assert fk.simulate(p, n_cases=20, seed=r.seed, replications=1).cases.equals(r.cases)


def test_seed_kinds() -> None:
    """A Generator or a SeedSequence gives the int recorded in Result.seed; the defaults
    are the shared ones; a bool, a negative number, a float or text is refused."""
    from flowkit.model.seeds import DEFAULT_REPLICATIONS

    p = fk.load("tests/data/design_example.yaml")
    a = fk.simulate(p, n_cases=10, seed=np.random.default_rng(3), replications=1)
    b = fk.simulate(p, n_cases=10, seed=np.random.default_rng(3), replications=1)
    assert isinstance(a.seed, int)
    assert a.seed == b.seed
    assert a.cases.equals(b.cases)
    c = fk.simulate(p, n_cases=10, seed=np.random.SeedSequence(3))
    assert isinstance(c.seed, int)
    assert c.replications == DEFAULT_REPLICATIONS
    assert fk.simulate(p, n_cases=10, seed=5, replications=1).seed == 5
    for bad in (True, -1, 1.5, "7"):
        with pytest.raises(fk.FlowkitError, match="seed"):
            fk.simulate(p, n_cases=10, seed=bad, replications=1)  # type: ignore[arg-type]


def test_warmup_cases_are_left_out() -> None:
    """Warm-up cases run first and are not reported; case numbers restart at 0."""
    p = fk.load("tests/data/design_example.yaml")
    r = fk.simulate(p, n_cases=30, seed=5, replications=1)
    w = fk.simulate(p, n_cases=25, warmup=5, seed=5, replications=1)
    assert len(w.cases) == 25
    assert list(w.cases["case"]) == list(range(25))
    assert w.cases["arrival"].iloc[0] == r.cases["arrival"].iloc[5]
    assert set(w.events["case"]) == set(range(25))


def test_until_stops_arrivals() -> None:
    """With until, cases arrive until that instant and all of them finish."""
    p = fk.load("tests/data/design_example.yaml")
    r = fk.simulate(p, until="10d", seed=5, replications=1)
    limit = ts("2026-01-05") + pd.Timedelta(days=10)
    assert (r.cases["arrival"] <= limit).all()
    assert r.cases["done"].notna().all()
    assert 50 < len(r.cases) < 300  # 20 a working day for 10 calendar days


def test_keep_events_false() -> None:
    """keep_events=False keeps per-case rows only; writing a log then says why it cannot."""
    p = fk.load("tests/data/design_example.yaml")
    r = fk.simulate(p, n_cases=10, seed=1, replications=1, keep_events=False)
    assert r.events.empty
    assert len(r.cases) == 10
    with pytest.raises(fk.FlowkitError, match="keep_events=True"):
        r.to_eventlog("x.csv")


def test_processes_share_staff_by_department_id() -> None:
    """Two services simulated together queue for the same hall staff (综合窗口)."""
    def service(name: str) -> fk.Process:
        return fk.loads(f"""
name: {name}
calendar: always
arrivals: {{at: ["2026-01-05 10:00"]}}
departments: [{{id: hall, staff: 1}}]
steps: [{{id: s, department: hall, work: 1h}}]
""")
    r = fk.simulate([service("甲"), service("乙")], seed=1, replications=1)
    c = r.cases.sort_values("done")
    assert list(c["process"]) == ["甲", "乙"]
    assert list(c["queue_hours"]) == [0.0, 1.0]
    assert r.utilization().loc["hall", "busy_hours"] == pytest.approx(2.0)


def test_shared_department_must_agree() -> None:
    """Processes sharing a department id must give it the same staff."""
    a = fk.loads("name: a\ndepartments: [{id: hall, staff: 1}]\nsteps: [{id: s, department: hall}]")
    b = fk.loads("name: b\ndepartments: [{id: hall, staff: 2}]\nsteps: [{id: s, department: hall}]")
    with pytest.raises(fk.SimulationError, match="'hall'"):
        fk.simulate([a, b], n_cases=5, seed=1)


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"n_cases": 0}, "n_cases"),
        ({"replications": 0}, "replications"),
        ({"warmup": -1}, "warmup"),
        ({"n_jobs": 0}, "n_jobs"),
        ({"start": "not a date"}, "start"),
        ({"until": "2025-01-01"}, "until"),
        ({"until": "3wd"}, "until"),
    ],
)
def test_bad_arguments(kwargs: dict, needle: str) -> None:
    """Bad arguments raise SimulationError naming the argument."""
    p = fk.load("tests/data/design_example.yaml")
    with pytest.raises(fk.SimulationError, match=needle):
        fk.simulate(p, seed=1, **kwargs)


def test_simulate_needs_a_process() -> None:
    """A path or other object is refused with a hint to load it first."""
    with pytest.raises(fk.SimulationError, match=r"flowkit\.load"):
        fk.simulate("tests/data/design_example.yaml")  # type: ignore[arg-type]


def test_summary_with_one_replication_uses_batch_means() -> None:
    """With one replication the interval comes from batch means and holds the mean."""
    p = fk.load("tests/data/design_example.yaml")
    s = fk.simulate(p, n_cases=400, seed=2, replications=1).summary()
    assert list(s.columns) == ["mean", "ci_low", "ci_high", "p50", "p90", "max",
                               "label_zh", "label_en", "stable"]
    row = s.loc["days"]
    assert row["ci_low"] < row["mean"] < row["ci_high"]
    assert s.loc["handoffs", "ci_low"] == s.loc["handoffs", "ci_high"] == 3


def test_result_columns() -> None:
    """cases and events carry the contract columns."""
    r = fk.simulate(fk.load("tests/data/design_example.yaml"), n_cases=20, seed=1,
                    replications=1)
    for col in ["case", "replication", "arrival", "done", "days", "workdays", "visits",
                "handoffs", "materials", "steps", "departments", "touch_hours", "fee",
                "queue_hours", "wait_hours", "staff_cost", "applicant_hours",
                "within_time_limit", "within_legal_limit"]:
        assert col in r.cases
    assert list(r.events.columns) == ["case", "replication", "step", "step_name", "department",
                                      "resource", "enabled", "start", "end"]
    assert str(r.cases["arrival"].dt.tz) == TZ


def test_event_logs(tmp_path: Path) -> None:
    """CSV with pm4py's column names and ISO times with +08:00; XES 1849-2016."""
    r = fk.simulate(fk.load("tests/data/design_example.yaml"), n_cases=15, seed=1,
                    replications=2)
    csv = pd.read_csv(r.to_eventlog(tmp_path / "log.csv"))
    assert list(csv.columns[:5]) == ["case:concept:name", "concept:name", "time:timestamp",
                                     "start_timestamp", "org:resource"]
    assert csv["time:timestamp"].str.endswith("+08:00").all()
    assert len(csv) == len(r.events)
    for _, g in csv.groupby("case:concept:name"):
        assert list(g["order"]) == list(range(len(g)))
        assert g["time:timestamp"].is_monotonic_increasing
    root = ET.parse(r.to_eventlog(tmp_path / "log.xes")).getroot()
    ns = {"x": "http://www.xes-standard.org/"}
    assert root.get("xes.version") == "1849-2016"
    assert len(root.findall("x:trace", ns)) == 30
    assert len(root.findall("x:trace/x:event", ns)) == len(r.events)
    with pytest.raises(fk.FlowkitError, match=r"\.csv or \.xes"):
        r.to_eventlog(tmp_path / "log.txt")


def test_progress_bar_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """progress=True shows a bar and changes nothing in the results."""
    p = fk.load("tests/data/design_example.yaml")
    a = fk.simulate(p, n_cases=50, seed=1, replications=1, progress=True)
    assert "case" in capsys.readouterr().err
    assert a.cases.equals(fk.simulate(p, n_cases=50, seed=1, replications=1,
                                      progress=False).cases)


def test_dask_executor_matches_serial() -> None:
    """A Dask LocalCluster executor gives the same numbers as a serial run."""
    distributed = pytest.importorskip("distributed")
    p = fk.load("tests/data/design_example.yaml")
    base = fk.simulate(p, n_cases=60, seed=8, replications=2).cases
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        r = fk.simulate(p, n_cases=60, seed=8, replications=2, executor=client.get_executor())
    assert r.cases.equals(base)


def test_start_is_the_first_instant() -> None:
    """start moves the clock; per_day arrivals begin at the first opening after it."""
    p = fk.load("tests/data/design_example.yaml")
    r = fk.simulate(p, n_cases=5, seed=1, replications=1, start=dt.datetime(2026, 3, 2, 12, 0))
    assert (r.cases["arrival"] >= ts("2026-03-02 13:30")).all()
