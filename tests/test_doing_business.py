"""Doing Business rules (docs/concepts.md), one small case per rule."""

from __future__ import annotations

import pytest

import flowkit as fk

HEAD = """
name: db
departments: [{id: a}, {id: b}, {id: c, issue_time: 3wd}, {id: e, issue_time: 0h}]
materials: [{id: x, issued_by: c}, {id: y, issued_by: e}]
"""


def db(steps: str, head: str = HEAD) -> fk.Analysis:
    return fk.analyze(fk.loads(head + "steps:\n" + steps)).doing_business()


def test_procedure_kinds() -> None:
    """Counter, online, onsite and mail steps are procedures; backoffice steps are not."""
    r = db("""
  - {id: s1, department: a, channel: counter, next: s2}
  - {id: s2, department: a, channel: backoffice, next: s3}
  - {id: s3, department: a, channel: online, next: s4}
  - {id: s4, department: a, channel: onsite, next: s5}
  - {id: s5, department: a, channel: mail}
""")
    assert r.procedures == 4
    assert list(r.table().index) == ["s1", "s3", "s4", "s5"]


def test_at_least_one_day() -> None:
    """A procedure shorter than a day counts one day."""
    r = db("  - {id: s1, department: a, channel: counter, work: 1h}\n")
    assert r.days == 1.0


def test_online_under_a_day_counts_half() -> None:
    """An online procedure under a day counts half a day; a longer one its full time."""
    assert db("  - {id: s1, department: a, channel: online, work: 1h}\n").days == 0.5
    r = db("  - {id: s1, department: a, channel: online, wait: 3d}\n")
    assert r.days == pytest.approx(3.0)


def test_working_days_convert_to_calendar_days() -> None:
    """1 wd = 7/5 calendar days on Mon-Fri; work hours / 7 = working days."""
    r = db("  - {id: s1, department: a, channel: counter, work: 7h, wait: 4wd}\n")
    assert r.days == pytest.approx(5 * 7 / 5)


def test_backoffice_time_adds_to_the_procedure_before() -> None:
    """Back-office time and internal handoff delays join the previous procedure."""
    r = db("""
  - {id: s1, department: a, channel: counter, work: 1h, next: s2}
  - {id: s2, department: b, channel: backoffice, wait: 2d, next: s3}
  - {id: s3, department: b, channel: counter, work: 1h}
""")
    t = r.table()
    # s1: 1/7 wd * 7/5 = 0.2 d, + paper handoff a->b 1wd = 1.4 d, + 2 d
    assert t.loc["s1", "days"] == pytest.approx(0.2 + 1.4 + 2)
    assert t.loc["s3", "days"] == 1.0
    assert r.days == pytest.approx(0.2 + 1.4 + 2 + 1)


def test_backoffice_before_the_first_procedure_adds_to_the_first() -> None:
    """Leading back-office time belongs to the first procedure (and its minimum)."""
    r = db("""
  - {id: s0, department: a, channel: backoffice, wait: 12h, next: s1}
  - {id: s1, department: a, channel: online, work: 1h}
""")
    # 0.5 d + 0.2 d = 0.7 d: an online procedure under a day -> 0.5
    assert r.days == pytest.approx(0.5)
    r2 = db("""
  - {id: s0, department: a, channel: backoffice, wait: 12h, next: s1}
  - {id: s1, department: a, channel: counter, work: 1h}
""")
    assert r2.days == pytest.approx(1.0)  # max(1, 0.7)


def test_simultaneous_procedures_start_a_day_apart() -> None:
    """Parallel branches starting with procedures: the i-th starts i-1 days after the first."""
    r = db("""
  - {id: s, department: a, channel: backoffice, next: [p, q, r]}
  - {id: p, department: a, channel: counter, next: j}
  - {id: q, department: a, channel: counter, next: j}
  - {id: r, department: a, channel: counter, next: j}
  - {id: j, department: a, channel: backoffice, join: all}
""")
    # three 1-day procedures starting on days 0, 1, 2: the chain is 3 days
    assert r.days == pytest.approx(3.0)
    assert r.procedures == 3


def test_fetch_trips_are_staggered_procedures() -> None:
    """Fetch trips: procedures before the first step, one day apart, at least a day each."""
    r = db("""
  - {id: s1, department: a, channel: counter, materials: [x, y]}
""")
    # x: 3wd -> 4.2 d starting day 0; y: 0 -> 1 d starting day 1; longest 4.2; then s1 1 d
    assert r.procedures == 3
    assert r.days == pytest.approx(4.2 + 1)
    assert list(r.table().index) == ["fetch:x", "fetch:y", "s1"]


def test_xor_and_loops_in_expectation() -> None:
    """Loops and choices count in expectation, procedures and days alike."""
    r = db("""
  - {id: s1, department: a, channel: counter, wait: 2d, next: {s1: 0.5, s2: 0.5}}
  - {id: s2, department: a, channel: counter, fee: 10}
""")
    assert r.procedures == pytest.approx(3.0)
    assert r.days == pytest.approx(2 * 2 + 1)
    assert r.cost == pytest.approx(10.0)


def test_examples_reproduce_documented_db_figures() -> None:
    """The Shanghai example: 7 procedures, about 22 days, CNY 400 (DB2019 before)."""
    a = fk.analyze(fk.load("examples/shanghai_business_startup/current.yaml"))
    r = a.doing_business()
    assert r.procedures == 7
    assert r.days == pytest.approx(22, rel=0.1)
    assert r.cost == 400
