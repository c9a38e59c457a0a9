"""The statutory clock (行政许可法 Art. 42–45), the applicant's delay and the time levers.

Every expected value is computed by hand in the test's docstring or comments.
"""

from __future__ import annotations

import math

import pytest

import flowkit as fk

L = fk.levers


def _expert(time_limit: str = "20wd") -> fk.Process:
    return fk.loads(f"""
name: 专家评审
time_limit: {time_limit}
legal_limit: 20wd
departments: [{{id: d}}]
steps:
  - {{id: apply, department: d, kind: intake, channel: counter, work: 1h, next: expert}}
  - {{id: expert, department: d, kind: review, wait: 30wd, clock: excluded, next: decide}}
  - {{id: decide, department: d, kind: approval, work: 1h}}
""")


def test_an_excluded_expert_review_is_off_the_clock() -> None:
    """1h intake, 30 wd excluded review, 1h approval: the clock holds only the approval.

    workdays = 1/7 + 30 + 1/7; clock = 1/7 (starts when the intake ends); 1/7 <= 20.
    """
    a = fk.analyze(_expert())
    assert a.workdays == pytest.approx(30 + 2 / 7)
    assert a.clock_workdays == pytest.approx(1 / 7)
    assert a.meets_time_limit is True
    assert a.time_limit == 20.0
    assert a.legal_limit == 20.0
    assert a.compression == 0.0


def test_counted_the_same_review_misses_the_limit() -> None:
    """Without clock: excluded the 30 wd count: 30 + 1/7 > 20."""
    p = _expert()
    q = p.replace(steps=tuple(s.replace(clock="counted") for s in p.steps))
    a = fk.analyze(q)
    assert a.clock_workdays == pytest.approx(30 + 1 / 7)
    assert a.meets_time_limit is False


def test_issue_example_meets_a_four_day_commitment() -> None:
    """5 wd expert review (excluded) + 3 wd review + 1h approval: clock 3 + 1/7 <= 4."""
    p = fk.loads("""
name: t
time_limit: 4wd
departments: [{id: d}]
steps:
  - {id: apply, department: d, kind: intake, channel: counter, work: 1h, next: expert}
  - {id: expert, department: d, kind: review, wait: 5wd, clock: excluded, next: review}
  - {id: review, department: d, kind: review, wait: 3wd, next: decide}
  - {id: decide, department: d, kind: approval, work: 1h}
""")
    a = fk.analyze(p)
    assert a.clock_workdays == pytest.approx(3 + 1 / 7)
    assert a.meets_time_limit is True
    assert a.workdays == pytest.approx(1 / 7 + 5 + 3 + 1 / 7)


def test_no_time_limit_means_none_and_nan_in_the_table() -> None:
    """No service-level limit: meets_time_limit is None, the table shows NaN."""
    p = _expert().replace(time_limit=None, legal_limit=None)
    a = fk.analyze(p)
    assert a.meets_time_limit is None
    assert math.isnan(a.table().loc["meets_time_limit", "value"])
    assert a.table().loc["clock_workdays", "value"] == pytest.approx(1 / 7)


def test_a_supplement_loop_does_not_count_the_applicants_time() -> None:
    """补正: review sends half the cases to an online supplement step and back.

    review runs 1/(1 − 0.5) = 2 times, amend 1 time (only ever entered by the loop).
    workdays = 1/7 (receive) + 2 × (1/7 + 2) + (1/7 + 3) + 1/7 = 7.7143;
    clock = 2 × (1/7 + 2) + 1/7 = 4.4286: the supplement (the applicant's 3 wd) is out.
    """
    p = fk.loads("""
name: t
departments: [{id: d}]
steps:
  - {id: receive, department: d, kind: intake, channel: counter, work: 1h, next: review}
  - {id: amend, department: d, kind: intake, channel: online, work: 1h, wait: 3wd,
     next: review}
  - {id: review, department: d, kind: review, work: 1h, wait: 2wd,
     next: {decide: 0.5, amend: 0.5}}
  - {id: decide, department: d, kind: approval, work: 1h}
""")
    a = fk.analyze(p)
    assert a.workdays == pytest.approx(1 / 7 + 2 * (1 / 7 + 2) + (1 / 7 + 3) + 1 / 7)
    assert a.clock_workdays == pytest.approx(2 * (1 / 7 + 2) + 1 / 7)


def test_a_loop_back_to_the_intake_counts_the_reviews_not_the_resubmissions() -> None:
    """review → {decide 0.75, apply 0.25}: review runs 4/3 times, every run counted.

    clock = 4/3 × (1/7 + 2) + 1/7; the intake (and its re-submissions) is before 受理.
    """
    p = fk.loads("""
name: t
departments: [{id: d}]
steps:
  - {id: apply, department: d, kind: intake, channel: counter, work: 1h, next: review}
  - {id: review, department: d, kind: review, work: 1h, wait: 2wd,
     next: {decide: 0.75, apply: 0.25}}
  - {id: decide, department: d, kind: approval, work: 1h, next: deliver}
  - {id: deliver, department: d, kind: delivery, channel: mail, wait: 2wd}
""")
    a = fk.analyze(p)
    assert a.clock_workdays == pytest.approx(4 / 3 * (1 / 7 + 2) + 1 / 7)
    # the delivery after the decision is outside the clock, inside workdays
    assert a.workdays == pytest.approx(4 / 3 * (1 / 7 + 1 / 7 + 2) + 1 / 7 + 2)


def test_applicant_delay_before_a_second_trip_adds_exactly_two_days() -> None:
    """24/7 calendar (1 d = 1 wd): two visits, 2 d before the second; clock unchanged."""
    text = """
name: t
calendar: always
{delay}
departments: [{{id: d}}]
steps:
  - {{id: apply, department: d, kind: intake, channel: counter, work: 1h, wait: 1d,
     next: review}}
  - {{id: review, department: d, kind: approval, work: 1h, next: fetch}}
  - {{id: fetch, department: d, kind: delivery, channel: counter, work: 1h}}
"""
    p0 = fk.loads(text.format(delay=""))
    p2 = fk.loads(text.format(delay="applicant_delay: 2d"))
    a0, a2 = fk.analyze(p0), fk.analyze(p2)
    assert a0.visits == 2.0
    assert a2.workdays - a0.workdays == pytest.approx(2.0)
    assert a0.workdays == pytest.approx(3 / 24 + 1)
    assert a2.clock_workdays == a0.clock_workdays == pytest.approx(1 / 24)


def test_applicant_delay_before_a_fetch_trip_counts_once() -> None:
    """Two fetch trips run in parallel: the delay adds once, then once more for the
    counter visit (it is the applicant's third trip). Mon–Fri: 1 d = 5/7 wd."""
    p = fk.loads("""
name: t
applicant_delay: 1d
departments: [{id: d}, {id: psb, issue_time: 2wd}]
materials:
  - {id: a, issued_by: psb}
  - {id: b, issued_by: psb}
steps:
  - {id: apply, department: d, kind: intake, channel: counter, work: 7h, materials: [a, b]}
""")
    a = fk.analyze(p)
    assert a.workdays == pytest.approx(2 + 1 + 2 * 5 / 7)


def test_service_limits_are_in_working_days(tmp_path) -> None:
    """A service-level limit in calendar days is refused where it is."""
    with pytest.raises(fk.ModelError, match="time_limit '20d' is not in working days"):
        _expert(time_limit="20d")
    with pytest.raises(fk.ModelError, match="longer than legal_limit"):
        _expert(time_limit="25wd")
    path = tmp_path / "p.yaml"
    path.write_text("name: t\nlegal_limit: 3h\ndepartments: [{id: d}]\n"
                    "steps: [{id: a, department: d}]\n", encoding="utf-8")
    problems = fk.validate(path)
    assert len(problems) == 1
    assert problems[0].startswith("legal_limit '3h' is not in working days")
    assert problems[0].endswith("(line 2)")


def test_clock_fields_round_trip(tmp_path) -> None:
    """time_limit, legal_limit, applicant_delay and clock survive save/load and BPMN."""
    p = _expert().replace(applicant_delay=fk.parse_duration("2d"))
    for suffix in (".yaml", ".json"):
        path = fk.save(p, tmp_path / f"p{suffix}")
        assert fk.load(path) == p
    fk.to_bpmn(p, tmp_path / "p.bpmn")
    assert fk.read_bpmn(tmp_path / "p.bpmn") == p
    assert "clock: excluded" in (tmp_path / "p.yaml").read_text(encoding="utf-8")


# --------------------------------------------------------------------- levers
def test_set_time_limit_records_its_source() -> None:
    """Service level by default; a step's limit with step=; the source is kept."""
    p = _expert()
    q = fk.redesign(p, L.set_time_limit("10wd", source="承诺书〔2026〕1号"))
    assert str(q.time_limit) == "10wd"
    assert q.history[-1].params["source"] == "承诺书〔2026〕1号"
    assert q.history[-1].note == "committed by 承诺书〔2026〕1号"
    r = fk.redesign(p, L.set_time_limit("1wd", step="decide"))
    assert str(r.step("decide").time_limit) == "1wd"
    assert r.time_limit == p.time_limit
    with pytest.raises(fk.LeverError, match="longer than the legal limit"):
        fk.redesign(p, L.set_time_limit("30wd"))
    with pytest.raises(fk.LeverError, match="not in working days"):
        fk.redesign(p, L.set_time_limit("10d"))


def test_set_wait_refuses_a_longer_wait_unless_allowed() -> None:
    """30 wd → 40 wd is refused; with allow_longer it applies; 10 wd applies."""
    p = _expert()
    with pytest.raises(fk.LeverError, match="longer than the wait of 'expert'"):
        fk.redesign(p, L.set_wait("expert", "40wd"))
    with pytest.raises(fk.LeverError, match="longer"):
        fk.redesign(p, L.set_wait("expert", "60d"))  # 60 × 5/7 = 42.9 wd > 30
    q = fk.redesign(p, L.set_wait("expert", "40wd", allow_longer=True, source="新规"))
    assert str(q.step("expert").wait) == "40wd"
    assert q.history[-1].params["source"] == "新规"
    r = fk.redesign(p, L.set_wait("expert", "10wd"))
    assert fk.analyze(r).workdays == pytest.approx(10 + 2 / 7)


def test_deliver_once_merges_the_deliveries_of_two_branches() -> None:
    """Two branches each end with a courier (2 d, 3 d): one delivery after the join.

    Before: 6 steps, 4 handoffs; each branch: transfer 1 wd + 1h/7 + courier, the
    longer 3 × 5/7; workdays = 1 + 1/7 + 15/7 + 1 (transfer into the join) = 4.2857.
    After: 5 steps; the join's department delivers (no handoff after the join), the
    longer courier wait: workdays = 1 + 1/7 + 1 + 15/7 = 4.2857; handoffs 4.
    """
    p = fk.loads("""
name: 出生一件事
departments: [{id: hall}, {id: psb}, {id: hr}]
steps:
  - {id: apply, department: hall, kind: intake, channel: online, next: [hukou, insure]}
  - {id: hukou, department: psb, kind: approval, work: 1h, next: hukou_mail}
  - {id: hukou_mail, department: psb, kind: delivery, channel: mail, wait: 2d, fee: 10,
     next: done}
  - {id: insure, department: hr, kind: approval, work: 1h, next: insure_mail}
  - {id: insure_mail, department: hr, kind: delivery, channel: mail, wait: 3d, fee: 12,
     next: done}
  - {id: done, department: hall, join: all}
""")
    q = fk.redesign(p, L.deliver_once())
    assert [s.id for s in q.steps if s.kind == "delivery"] == ["hukou_mail"]
    d = q.step("hukou_mail")
    assert (d.department, str(d.wait), d.fee, d.next) == ("hall", "3d", 22.0, None)
    assert q.step("done").next == "hukou_mail"
    assert q.step("hukou").next == "done"
    assert q.step("insure").next == "done"
    a, b = fk.analyze(p), fk.analyze(q)
    assert (a.steps, b.steps) == (6.0, 5.0)
    assert a.workdays == pytest.approx(1 + 1 / 7 + 15 / 7 + 1)
    assert b.workdays == pytest.approx(1 + 1 / 7 + 1 + 15 / 7)
    assert b.handoffs == 4.0
    with pytest.raises(fk.LeverError, match="no parallel block"):
        fk.redesign(q, L.deliver_once())
