"""Static analysis: one small process per rule of docs/concepts.md, with hand-computed answers."""

from __future__ import annotations

import math

import pytest

import flowkit as fk

HEAD = """
name: t
calendar: {hours: ["09:00-12:00", "13:30-17:30"]}
handoff: {mode: paper}
departments:
  - {id: a, level: 区县, location: hall}
  - {id: b, level: 区县, location: hall}
  - {id: c, level: 市, region: 杭州}
  - {id: d, level: 市, region: 宁波}
"""


def analyze(steps: str, extra: str = "") -> fk.Analysis:
    return fk.analyze(fk.loads(HEAD + extra + "steps:\n" + steps))


def test_same_hall_windows_are_one_visit() -> None:
    """Two counters of different departments in one hall, back to back: one visit."""
    a = analyze("""
  - {id: s1, department: a, channel: counter, work: 10min, next: s2}
  - {id: s2, department: b, channel: counter, work: 10min}
""")
    assert a.visits == 1.0
    assert a.one_visit
    assert a.handoffs == 1.0
    assert a.by_applicant == 1.0


def test_wait_between_counters_makes_two_visits() -> None:
    """A step with a wait between two counters at one location ends the visit."""
    a = analyze("""
  - {id: s1, department: a, channel: counter, next: s2}
  - {id: s2, department: a, work: 1h, wait: 2wd, next: s3}
  - {id: s3, department: a, channel: counter}
""")
    assert a.visits == 2.0
    assert not a.one_visit
    assert a.max_visits == 2.0


def test_counter_with_its_own_wait_ends_the_visit() -> None:
    """A counter step's own wait (after its work) sends the applicant home."""
    a = analyze("""
  - {id: s1, department: a, channel: counter, wait: 1d, next: s2}
  - {id: s2, department: a, channel: counter}
""")
    assert a.visits == 2.0


def test_counter_elsewhere_ends_the_visit() -> None:
    """hall -> c's office -> hall: three trips."""
    a = analyze("""
  - {id: s1, department: a, channel: counter, next: s2}
  - {id: s2, department: c, channel: counter, next: s3}
  - {id: s3, department: b, channel: counter}
""")
    assert a.visits == 3.0


def test_paper_handoff_delay_ends_the_visit() -> None:
    """An internal paper transfer (1wd) between counters' departments ends the presence."""
    a = analyze("""
  - {id: s1, department: a, channel: counter, next: s2}
  - {id: s2, department: b, channel: backoffice, next: s3}
  - {id: s3, department: b, channel: counter}
""")
    assert a.visits == 2.0
    assert a.handoffs == 1.0
    assert a.by_applicant == 0.0
    # electronic transfers take no time: the applicant is still there
    el = fk.analyze(fk.loads(HEAD.replace("mode: paper", "mode: electronic") + """steps:
  - {id: s1, department: a, channel: counter, next: s2}
  - {id: s2, department: b, channel: backoffice, next: s3}
  - {id: s3, department: b, channel: counter}
"""))
    assert el.visits == 1.0


def test_online_and_mail_and_onsite_are_not_visits() -> None:
    """Online, mail, onsite and backoffice steps never count as visits."""
    a = analyze("""
  - {id: s1, department: a, channel: online, next: s2}
  - {id: s2, department: a, channel: onsite, next: s3}
  - {id: s3, department: a, channel: backoffice, next: s4}
  - {id: s4, department: a, channel: mail}
""")
    assert a.visits == 0.0
    assert a.zero_visit
    assert a.one_visit


def test_fetch_trips_are_visits() -> None:
    """Each issued, unshared material a step lists and no step produces is one more trip."""
    extra = """materials:
  - {id: cert, issued_by: c}
  - {id: cert2, issued_by: d}
  - {id: shared_cert, issued_by: d, shared: true}
  - {id: made, issued_by: a}
  - {id: own}
"""
    a = analyze("""
  - {id: s1, department: a, channel: counter, materials: [cert, shared_cert, own], produces: [made],
     next: {s2: 0.5, s3: 0.5}}
  - {id: s2, department: a, channel: backoffice, materials: [made, cert2]}
  - {id: s3, department: a, channel: backoffice}
""", extra)
    assert a.fetch_trips == 2  # cert and cert2 (listed on a branch of probability 0.5 too)
    assert a.visits == 3.0
    # submissions: s1 hands in cert and own (shared_cert counts zero); s2, half the time, 2
    assert a.materials == pytest.approx(2 + 0.5 * 2)


def test_fetch_issue_time_adds_the_longest() -> None:
    """Fetch issue times run in parallel before the first step: the longest adds."""
    src = """
name: t
departments:
  - {id: a}
  - {id: c, issue_time: 3wd}
  - {id: d, issue_time: 5wd}
materials:
  - {id: x, issued_by: c}
  - {id: y, issued_by: d}
steps:
  - {id: s1, department: a, channel: counter, work: 7h, materials: [x, y]}
"""
    a = fk.analyze(fk.loads(src))
    assert a.workdays == pytest.approx(5 + 1)
    assert a.visits == 3


def test_rework_loop_expected_visits() -> None:
    """A 20 % loop back to the counter: intake runs 1/0.8 times, each a new visit."""
    a = analyze("""
  - {id: intake, department: a, channel: counter, materials: [], next: review}
  - {id: review, department: a, wait: 3wd, next: {issue: 0.8, intake: 0.2}}
  - {id: issue, department: a, channel: mail}
""")
    assert a.visits == pytest.approx(1 / 0.8)
    assert a.steps == pytest.approx(2 / 0.8 + 1)
    assert a.max_visits == math.inf
    assert not a.one_visit
    assert a.executions["intake"] == pytest.approx(1.25)


def test_loop_back_to_counter_is_a_new_visit_even_without_wait() -> None:
    """A loop back to a counter step always starts a new visit, even at the same place."""
    a = analyze("""
  - {id: intake, department: a, channel: counter, next: check}
  - {id: check, department: a, next: {done: 0.5, intake: 0.5}}
  - {id: done, department: a}
""")
    assert a.visits == pytest.approx(2.0)


def test_join_all_counter_is_a_new_visit() -> None:
    """A join: all counter step starts a new visit; parallel branches inherit presence."""
    a = analyze("""
  - {id: s, department: a, channel: counter, next: [x, y]}
  - {id: x, department: b, channel: counter, next: j}
  - {id: y, department: c, channel: counter, next: j}
  - {id: j, department: a, channel: counter, join: all}
""")
    # s: 1; x continues (same hall, no delay); y: c's office, 1; j: join, 1
    assert a.visits == 3.0


def test_counter_to_online_can_add_visits_through_an_and_split() -> None:
    """Documented exception: presence fans out into parallel branches."""
    src = """
  - {id: s0, department: c, channel: counter, next: s}
  - {id: s, department: a, channel: %s, next: [x, y]}
  - {id: x, department: b, channel: counter, next: j}
  - {id: y, department: b, channel: counter, next: j}
  - {id: j, department: a, channel: backoffice, join: all}
"""
    before = analyze(src % "counter")
    after = analyze(src % "online")
    assert before.visits == 2.0  # s0; s; x and y continue s's visit in the hall
    assert after.visits == 3.0  # s0; x and y each come from c's office


def test_handoff_classes() -> None:
    """Cross-department, -level, -region and by-applicant handoffs are counted per flow."""
    a = analyze("""
  - {id: s1, department: a, channel: counter, next: s2}
  - {id: s2, department: c, next: s3}
  - {id: s3, department: d, next: s4}
  - {id: s4, department: d, channel: online, next: s5}
  - {id: s5, department: a, channel: counter}
""")
    # a->c: dept+level; c->d: dept+region; d->d: none; d->a: dept+level, by applicant
    assert a.handoffs == 3.0
    assert a.cross_department == 3.0
    assert a.cross_level == 2.0
    assert a.cross_region == 1.0
    assert a.by_applicant == 1.0


def test_cross_level_needs_both_levels() -> None:
    """A department without a level never makes a handoff cross-level."""
    src = """
name: t
departments: [{id: a, level: 市}, {id: b}]
steps:
  - {id: s1, department: a, next: s2}
  - {id: s2, department: b}
"""
    a = fk.analyze(fk.loads(src))
    assert (a.handoffs, a.cross_level) == (1.0, 0.0)


def test_critical_path_through_an_and_block() -> None:
    """Parallel branches: the longest branch counts, handoff delays included."""
    a = analyze("""
  - {id: s, department: a, work: 7h, next: [x, y]}
  - {id: x, department: a, wait: 2wd, next: j}
  - {id: y, department: c, work: 3.5h, next: j}
  - {id: j, department: a, join: all}
""")
    # s 1wd; x branch 2wd; y branch: a->c 1wd paper + 0.5wd + c->a 1wd = 2.5wd
    assert a.workdays == pytest.approx(1 + 2.5)


def test_xor_takes_the_expectation_and_loops_are_exact() -> None:
    """XOR branches weigh their times; a loop multiplies by 1/(1-p)."""
    a = analyze("""
  - {id: s, department: a, work: 7h, next: {fast: 0.25, slow: 0.75}}
  - {id: fast, department: a, wait: 1wd}
  - {id: slow, department: a, wait: 4wd, next: {s: 0.5, end: 0.5}}
  - {id: end, department: a}
""")
    # T(s) = 1 + 0.25*1 + 0.75*(4 + 0.5*T(s)) -> T = 4.25 / 0.625
    assert a.workdays == pytest.approx(4.25 / 0.625)


def test_d_versus_wd() -> None:
    """Elapsed days convert at 5/7 working day each; wd counts as it is; work in hours / 7."""
    a = analyze("""
  - {id: s1, department: a, work: 3.5h, wait: 7d, next: s2}
  - {id: s2, department: a, wait: 2wd, next: s3}
  - {id: s3, department: a, wait: 12h}
""")
    assert a.workdays == pytest.approx(0.5 + 5 + 2 + 0.5 * 5 / 7)


def test_always_calendar_days_are_working_days() -> None:
    """On calendar: always a day is 24 working hours and 1 d = 1 wd."""
    p = fk.loads("""
name: t
calendar: always
departments: [{id: a}]
steps:
  - {id: s1, department: a, work: 12h, wait: 2d, next: s2}
  - {id: s2, department: a, wait: 1wd}
""")
    assert fk.analyze(p).workdays == pytest.approx(0.5 + 2 + 1)


def test_submissions_counted_per_step() -> None:
    """The same certificate handed in at two windows counts twice; shared counts zero."""
    extra = """materials:
  - {id: id_card}
  - {id: license, issued_by: a}
  - {id: e_license, issued_by: a, shared: true}
"""
    a = analyze("""
  - {id: s1, department: a, channel: counter, materials: [id_card], produces: [license, e_license],
     next: s2}
  - {id: s2, department: b, channel: counter, materials: [license, id_card, e_license], next: s3}
  - {id: s3, department: c, channel: counter, materials: [license, id_card]}
""", extra)
    assert a.materials == 1 + 2 + 2
    assert a.fetch_trips == 0  # produced in the case


def test_departments_expected_distinct() -> None:
    """Departments counts the expected number of distinct departments a case meets."""
    a = analyze("""
  - {id: s1, department: a, next: {s2: 0.3, s3: 0.7}}
  - {id: s2, department: c, next: s4}
  - {id: s3, department: a, next: s4}
  - {id: s4, department: a, next: {s1: 0.5, s5: 0.5}}
  - {id: s5, department: b}
""")
    # a and b always; c is met unless every pass takes s3: P = 1 - 0.7*0.5/(1-0.7*0.5)... exact:
    # h = 0.3 + 0.7 * 0.5 * h  ->  h = 0.3 / 0.65
    assert a.departments == pytest.approx(2 + 0.3 / 0.65)


def test_departments_through_parallel_branches() -> None:
    """A department on two parallel branches counts once."""
    a = analyze("""
  - {id: s, department: a, next: [x, y]}
  - {id: x, department: c, next: j}
  - {id: y, department: c, next: {j: 0.5, y2: 0.5}}
  - {id: y2, department: d, next: j}
  - {id: j, department: a, join: all}
""")
    assert a.departments == pytest.approx(2 + 0.5)


def test_fee_and_steps() -> None:
    """Fees and steps are expected sums over executed steps."""
    a = analyze("""
  - {id: s1, department: a, fee: 100, next: {s2: 0.4, s3: 0.6}}
  - {id: s2, department: a, fee: 50}
  - {id: s3, department: a}
""")
    assert a.fee == pytest.approx(120.0)
    assert a.steps == pytest.approx(2.0)


def test_time_limits_on_the_skeleton() -> None:
    """承诺/法定时限 totals follow the critical path without repeating loops."""
    a = analyze("""
  - {id: s1, department: a, time_limit: 1wd, legal_limit: 5wd, next: s2}
  - {id: s2, department: a, time_limit: 4wd, legal_limit: 15wd, next: {s3: 0.8, s1: 0.2}}
  - {id: s3, department: a, next: [x, y]}
  - {id: x, department: a, time_limit: 2wd, legal_limit: 10wd, next: j}
  - {id: y, department: a, time_limit: 3wd, legal_limit: 4wd, next: j}
  - {id: j, department: a, join: all}
""")
    assert a.time_limit == pytest.approx(1 + 4 + 3)
    assert a.legal_limit == pytest.approx(5 + 15 + 10)
    assert a.compression == pytest.approx(1 - 8 / 30)


def test_no_limits_gives_nan() -> None:
    """Without time limits the totals are NaN, and the table keeps the rows."""
    a = analyze("  - {id: s1, department: a}\n")
    assert math.isnan(a.time_limit)
    assert math.isnan(a.compression)
    t = a.table()
    assert math.isnan(t.loc["time_limit", "value"])


def test_table_has_every_contract_kpi() -> None:
    """table() has a row per Analysis attribute of the contract, with labels."""
    a = analyze("  - {id: s1, department: a, channel: counter}\n")
    t = a.table()
    contract = ["visits", "materials", "handoffs", "cross_department", "cross_level",
                "cross_region", "by_applicant", "steps", "departments", "fee", "workdays",
                "one_visit"]
    for k in contract:
        assert k in t.index
        assert t.loc[k, "value"] == pytest.approx(float(getattr(a, k)))
    assert list(t.columns) == ["value", "label_zh", "label_en"]
    assert t.loc["one_visit", "value"] == 1.0


def test_nested_and_blocks() -> None:
    """Nested AND blocks: inner block is the longest of its branches, inside the outer."""
    a = analyze("""
  - {id: s, department: a, next: [p, q]}
  - {id: p, department: a, next: [p1, p2]}
  - {id: p1, department: a, wait: 1wd, next: pj}
  - {id: p2, department: a, wait: 3wd, next: pj}
  - {id: pj, department: a, join: all, next: j}
  - {id: q, department: a, wait: 2wd, next: j}
  - {id: j, department: a, join: all}
""")
    assert a.workdays == pytest.approx(3.0)
    assert a.steps == 7


def test_loop_enclosing_an_and_block() -> None:
    """A rework loop may enclose a whole AND block: the block repeats with it."""
    a = analyze("""
  - {id: s, department: a, channel: counter, next: [x, y]}
  - {id: x, department: a, wait: 1wd, next: j}
  - {id: y, department: a, wait: 2wd, next: j}
  - {id: j, department: a, join: all, next: {s: 0.5, e: 0.5}}
  - {id: e, department: a}
""")
    assert a.workdays == pytest.approx(2 / 0.5)
    assert a.visits == pytest.approx(2.0)
    assert a.executions["x"] == pytest.approx(2.0)


def test_case_types_mix_their_branches() -> None:
    """With case types, figures are share-weighted; by_type re-weights a choice."""
    src = """
name: t
case_types:
  - {id: low, name: 低风险, share: 0.75}
  - {id: high, name: 一般, share: 0.25}
departments: [{id: a}, {id: f}]
steps:
  - {id: s1, department: a, channel: counter, next: {insp: 0.5, end: 0.5},
     by_type: {low: {insp: 0.0, end: 1.0}, high: {insp: 1.0, end: 0.0}}}
  - {id: insp, department: f, channel: onsite, wait: 5wd, next: end}
  - {id: end, department: a}
"""
    a = fk.analyze(fk.loads(src))
    assert a.steps == pytest.approx(0.75 * 2 + 0.25 * 3)
    assert a.workdays == pytest.approx(0.25 * (5 + 2))  # two paper handoffs of 1wd


def test_schedule_adds_the_expected_session_wait() -> None:
    """A weekly session: the expected wait is half a week, 2.5 working days."""
    a = analyze("""
  - {id: s1, department: a, schedule: {weekdays: [2], at: ["14:00"]}}
""")
    assert a.workdays == pytest.approx(3.5 * 5 / 7)


def test_analysis_is_pure() -> None:
    """analyze does not change the process and gives the same answer twice."""
    p = fk.load("tests/data/design_example.yaml")
    before = p.model_dump()
    assert fk.analyze(p) == fk.analyze(p)
    assert p.model_dump() == before


def test_design_example() -> None:
    """DESIGN's example file gives the hand-computed figures."""
    a = fk.analyze(fk.load("tests/data/design_example.yaml"))
    n = 1 / 0.85
    assert a.visits == pytest.approx(n + 2)  # register each pass; issue; seal (invoice continues)
    assert a.materials == pytest.approx(2 * n + 2 + 2)
    assert a.handoffs == 3
    assert a.by_applicant == 2
    assert a.cross_level == 0
    assert a.steps == pytest.approx(2 * n + 4)
    assert a.departments == 3
    assert a.fee == 400
    register = (20 + 30 + 60) / 3 / 60 / 7
    review = 1 / 7 + 3
    seal_branch = 30 / 60 / 7 + 1 + 1  # work, wait, paper handoff psb -> tax
    assert a.workdays == pytest.approx(n * (register + review) + 10 / 60 / 7 + seal_branch)
    assert not a.one_visit


def test_by_step_table() -> None:
    """by_step gives expected executions and submissions per step."""
    a = fk.analyze(fk.load("tests/data/design_example.yaml"))
    t = a.by_step()
    assert t.loc["register", "executions"] == pytest.approx(1 / 0.85)
    assert t.loc["seal", "materials"] == 2
    assert t["fee"].sum() == 400
