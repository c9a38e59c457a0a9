"""Where the days go: the parts of a case's elapsed time, per case, static and compared.

Hand-computed instants on the default calendar (Mon–Fri 09:00–12:00, 13:30–17:30, 7 h a
working day); 2026-01-09 is a Friday, 2026-01-12 the Monday after.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import flowkit as fk
from flowkit.kpis import BREAKDOWN_ROWS
from flowkit.model.generate import random_process

pytestmark = pytest.mark.filterwarnings("ignore::flowkit.OverloadWarning")

H = 1 / 24  # an hour in days


def _run(steps: str, *, at: list[str], head: str = "", staff: int = 1, **kw: object):
    quoted = ", ".join(f'"{a}"' for a in at)
    p = fk.loads(f"""
name: t
{head}
arrivals: {{at: [{quoted}]}}
departments:
  - {{id: a, staff: {staff}}}
  - {{id: b}}
steps:
{steps}
""")
    return p, fk.simulate(p, seed=1, replications=1, **kw)


def test_a_wait_ending_on_a_saturday_is_closed_time_not_queue() -> None:
    """Work Fri 09–10, a 1-day wait to Sat 10:00, the next step opens Mon 09:00:
    t_queue 0, t_closed 47 h (Sat 10:00 → Mon 09:00), t_wait 24 h, t_work 2 h."""
    _, r = _run("""  - {id: s, department: a, work: 1h, wait: 1d, next: t}
  - {id: t, department: a, work: 1h}""", at=["2026-01-09 09:00"])
    c = r.cases.iloc[0]
    assert c["days"] == pytest.approx(73 * H)
    assert c["t_queue"] == 0
    assert c["queue_hours"] == 0
    assert c["t_closed"] == pytest.approx(47 * H)
    assert c["t_wait"] == pytest.approx(24 * H)
    assert c["t_work"] == pytest.approx(2 * H)
    assert c["t_transfer"] == c["t_applicant"] == 0


def test_queue_while_open_and_overnight() -> None:
    """Two cases at Mon 16:30, one clerk, 1 h each: the second waits 16:30–17:30 open
    (t_queue 1 h) and 17:30 → Tue 09:00 closed (15.5 h), then works 09–10."""
    _, r = _run("  - {id: s, department: a, work: 1h}",
                at=["2026-01-05 16:30", "2026-01-05 16:30"])
    first, second = r.cases.iloc[0], r.cases.iloc[1]
    assert first["t_work"] == pytest.approx(1 * H)
    assert first["t_queue"] == 0
    assert second["t_queue"] == pytest.approx(1 * H)
    assert second["queue_hours"] == pytest.approx(1.0)
    assert second["t_closed"] == pytest.approx(15.5 * H)
    assert second["t_work"] == pytest.approx(1 * H)
    assert second["days"] == pytest.approx(17.5 * H)


def test_work_across_lunch_and_night_is_work_plus_closed() -> None:
    """3 h of work from 11:00: 11–12, lunch 12–13:30, 13:30–15:30: t_work 3 h, t_closed 1.5 h."""
    _, r = _run("  - {id: s, department: a, work: 3h}", at=["2026-01-05 11:00"])
    c = r.cases.iloc[0]
    assert c["t_work"] == pytest.approx(3 * H)
    assert c["t_closed"] == pytest.approx(1.5 * H)


def test_parallel_branches_follow_the_one_that_finished_last() -> None:
    """s (1 h) → [x 2 h with a 1 h courier, y 1 h] → j: the parts are s, x's and j's."""
    _, r = _run("""  - {id: s, department: a, work: 1h, next: [x, y]}
  - {id: x, department: a, work: 2h, wait: 1h, next: j}
  - {id: y, department: b, work: 1h, next: j}
  - {id: j, department: a, join: all, work: 30min}""", at=["2026-01-05 09:00"],
                head="calendar: always\nhandoff: {mode: electronic}")
    c = r.cases.iloc[0]
    assert c["t_work"] == pytest.approx(3.5 * H)
    assert c["t_wait"] == pytest.approx(1 * H)
    assert c["days"] == pytest.approx(4.5 * H)
    assert c["touch_hours"] == pytest.approx(4.5)  # staff time counts every branch


def test_transfers_and_fetch_trips() -> None:
    """A 1-day paper transfer is t_transfer; a fetch trip's issue time is t_applicant."""
    p = fk.loads("""
name: t
calendar: always
arrivals: {at: ["2026-01-05 09:00"]}
handoff: {mode: paper, delay: 1d}
departments: [{id: a}, {id: b}, {id: c, issue_time: 2d}]
materials: [{id: cert, issued_by: c}]
steps:
  - {id: s, department: a, channel: counter, work: 1h, materials: [cert], next: t}
  - {id: t, department: b, work: 1h}
""")
    c = fk.simulate(p, seed=1, replications=1).cases.iloc[0]
    assert c["t_applicant"] == pytest.approx(2.0)
    assert c["t_transfer"] == pytest.approx(1.0)
    assert c["t_work"] == pytest.approx(2 * H)
    assert c["days"] == pytest.approx(3 + 2 * H)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 30),
       calendar=st.sampled_from([None, "always", "china"]),
       and_share=st.sampled_from([0.0, 0.3]), loop_share=st.sampled_from([0.0, 0.3]))
def test_the_parts_add_up_to_days(seed: int, n: int, calendar: str | None, and_share: float,
                                  loop_share: float) -> None:
    """On random processes every case's parts sum to its days within 1e-6, none negative."""
    p = random_process(n, seed=seed, calendar=calendar, and_share=and_share,
                       loop_share=loop_share)
    c = fk.simulate(p, n_cases=30, seed=seed % 1000, replications=1,
                    keep_events=False).cases
    parts = c[list(BREAKDOWN_ROWS)].to_numpy()
    assert (parts >= -1e-9).all()
    np.testing.assert_allclose(parts.sum(axis=1), c["days"].to_numpy(), atol=1e-6, rtol=0)
    np.testing.assert_allclose(c["queue_hours"], c["t_queue"] * 24)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 40),
       calendar=st.sampled_from([None, "always", "china"]))
def test_static_parts_add_up_to_workdays(seed: int, n: int, calendar: str | None) -> None:
    p = random_process(n, seed=seed, calendar=calendar)
    a = fk.analyze(p)
    b = a.breakdown()
    assert list(b.index) == list(BREAKDOWN_ROWS)
    assert float(b["workdays"].sum()) == pytest.approx(a.workdays, rel=1e-9, abs=1e-12)
    assert b.loc["t_queue", "workdays"] == 0


def _waiting(wait: str) -> fk.Process:
    return fk.loads(f"""
name: t
calendar: always
arrivals: {{every: exp(1h)}}
departments: [{{id: a, staff: 1}}]
steps: [{{id: s, department: a, work: exp(40min), wait: {wait}}}]
""")


def test_result_and_compare_breakdown() -> None:
    """r.breakdown() means equal the case columns' means; c.breakdown() pairs them."""
    p, q = _waiting("2h"), _waiting("30min")
    r = fk.simulate(p, n_cases=300, seed=3, replications=3)
    b = r.breakdown()
    assert list(b.index) == list(BREAKDOWN_ROWS)
    for part in BREAKDOWN_ROWS:
        assert b.loc[part, "days"] == pytest.approx(r.cases[part].mean())
    assert b["share"].sum() == pytest.approx(1.0)
    assert b.loc["t_wait", "days"] == pytest.approx(2 / 24)
    assert b.loc["t_queue", "ci_low"] <= b.loc["t_queue", "days"] <= b.loc["t_queue", "ci_high"]
    c = fk.compare({"before": p, "after": q}, n_cases=300, seed=3, replications=3)
    cb = c.breakdown()
    assert list(cb.index) == list(BREAKDOWN_ROWS)
    assert cb.loc["t_wait", "delta"] == pytest.approx(-1.5 / 24)
    assert bool(cb.loc["t_wait", "improved"]) is True
    assert cb.loc["t_wait", "source"] == "simulated"
    # the same arrivals and work (common random numbers): the queue is unchanged
    assert cb.loc["t_work", "delta"] == pytest.approx(0.0, abs=1e-12)
