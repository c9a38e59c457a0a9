"""Redesign levers: one small process per lever rule, with the exact effect checked."""

from __future__ import annotations

import pytest

import flowkit as fk

L = fk.levers

BASE = """
name: 开餐馆（示例）
handoff: {mode: paper}
departments:
  - {id: amr, name: 市场监管局, level: 区县, location: 市场监管大厅}
  - {id: fire, name: 消防, level: 区县}
  - {id: env, name: 生态环境局, level: 市}
  - {id: psb, name: 公安局, level: 区县, issue_time: 3wd}
materials:
  - {id: id_card, name: 身份证}
  - {id: lease, name: 租赁合同}
  - {id: license, name: 营业执照, issued_by: amr}
  - {id: no_crime, name: 无犯罪记录证明, issued_by: psb}
steps:
  - {id: apply, name: 申请, department: amr, kind: intake, channel: counter, work: 30min,
     materials: [id_card, lease, no_crime], next: review}
  - {id: review, name: 审查, department: amr, kind: review, work: 2h, wait: 3wd,
     next: {issue: 0.8, apply: 0.2}}
  - {id: issue, name: 发照, department: amr, kind: delivery, channel: counter, work: 10min,
     produces: [license], next: fire_apply}
  - {id: fire_apply, name: 消防申报, department: fire, kind: intake, channel: counter,
     work: 20min, materials: [license, id_card, lease], next: fire_check}
  - {id: fire_check, name: 消防检查, department: fire, kind: inspection, channel: onsite,
     work: 2h, wait: 2wd, next: env_review}
  - {id: env_review, name: 环评审查, department: env, kind: review, work: 1h, wait: 5wd,
     next: permit}
  - {id: permit, name: 领取许可, department: fire, kind: delivery, channel: counter, work: 10min}
"""


@pytest.fixture
def p() -> fk.Process:
    return fk.loads(BASE)


def test_redesign_keeps_the_original_and_records_history(p: fk.Process) -> None:
    """redesign never changes p; each lever adds one history entry with its changes by id."""
    before = p.model_dump()
    q = fk.redesign(p, L.share_data(), L.go_online(), name="改革后")
    assert p.model_dump() == before
    assert q.name == "改革后"
    assert [h.lever for h in q.history] == ["share_data", "go_online"]
    assert [h.label for h in q.history] == ["数据共享", "网上办"]
    share = q.history[0]
    assert {(c.target, c.id, c.field, c.before, c.after) for c in share.changes} == {
        ("material", "license", "shared", False, True),
        ("material", "no_crime", "shared", False, True),
    }
    online = {c.id for c in q.history[1].changes if c.field == "channel"}
    assert online == {"apply", "fire_apply"}


def test_redesign_round_trips_with_history(p: fk.Process, tmp_path) -> None:
    """The redesigned process saves and loads with its history."""
    q = fk.redesign(p, L.single_window(location="政务服务中心"), L.electronic_handoff())
    assert fk.load(fk.save(q, tmp_path / "q.yaml")) == q
    assert fk.load(fk.save(q, tmp_path / "q.json")) == q


def test_a_lever_that_does_not_apply_says_why(p: fk.Process) -> None:
    """Levers that do not apply raise LeverError with the reason."""
    with pytest.raises(fk.LeverError, match="no unshared certificate"):
        fk.redesign(fk.redesign(p, L.share_data()), L.share_data())
    with pytest.raises(fk.LeverError, match="'lease' is held by the applicant"):
        fk.redesign(p, L.share_data(materials=["lease"]))
    with pytest.raises(fk.LeverError, match="'nope' is not a step"):
        fk.redesign(p, L.go_online(steps=["nope"]))
    with pytest.raises(fk.LeverError, match="already hands files over electronically"):
        fk.redesign(p, L.electronic_handoff(), L.electronic_handoff())
    with pytest.raises(fk.LeverError, match="not a lever"):
        fk.redesign(p, "share_data")  # type: ignore[arg-type]


def test_single_window(p: fk.Process) -> None:
    """The first intake stays the front desk with every later intake's materials, minus
    what the process produces; later intakes become back-office reviews."""
    q = fk.redesign(p, L.single_window(location="政务服务中心"))
    apply, fire = q.step("apply"), q.step("fire_apply")
    assert apply.materials == ("id_card", "lease", "no_crime")  # license: produced by issue
    assert apply.location == "政务服务中心"
    assert apply.channel == "counter"
    assert (fire.channel, fire.kind, fire.materials) == ("backoffice", "review", ())
    a, b = fk.analyze(p), fk.analyze(q)
    assert b.materials == pytest.approx(a.materials - 3)  # fire_apply's three are gone


def test_single_window_with_paper_handoffs_can_split_a_visit() -> None:
    """Documented: a later window in the same hall becomes a back office reached on paper."""
    src = """
name: t
departments: [{id: a, location: hall}, {id: b, location: hall}]
steps:
  - {id: s1, department: a, kind: intake, channel: counter, next: s2}
  - {id: s2, department: b, kind: intake, channel: counter, next: s3}
  - {id: s3, department: b, kind: delivery, channel: counter}
"""
    p = fk.loads(src)
    q = fk.redesign(p, L.single_window())
    assert fk.analyze(p).visits == 1  # one trip: three windows in one hall
    assert fk.analyze(q).visits == 2  # s2 is now back office, reached on paper (1wd)
    r = fk.redesign(p, L.single_window(), L.electronic_handoff())
    assert fk.analyze(r).visits == 1


def test_co_locate(p: fk.Process) -> None:
    """Counters of the chosen departments move to one hall; own step locations stay."""
    q = fk.redesign(p, L.co_locate())
    assert {d.where for d in q.departments if d.id in ("amr", "fire")} == {"政务服务中心"}
    assert q.department("env").where == "env"  # no counter step
    with pytest.raises(fk.LeverError, match="not a department"):
        fk.redesign(p, L.co_locate(departments=["tax"]))


def test_go_online_kinds_and_steps(p: fk.Process) -> None:
    """Counter intakes and payments go online by default; listed steps otherwise."""
    q = fk.redesign(p, L.go_online())
    assert [s.id for s in q.steps if s.channel == "online"] == ["apply", "fire_apply"]
    r = fk.redesign(p, L.go_online(steps=["permit"]))
    assert r.step("permit").channel == "online"
    with pytest.raises(fk.LeverError, match="not a counter step"):
        fk.redesign(p, L.go_online(steps=["review"]))


def test_share_data_removes_fetch_trips_and_submissions(p: fk.Process) -> None:
    """A shared certificate is neither fetched nor handed in."""
    a = fk.analyze(p)
    assert a.fetch_trips == 1  # 无犯罪记录证明
    b = fk.analyze(fk.redesign(p, L.share_data(materials=["no_crime"])))
    assert b.fetch_trips == 0
    assert b.visits == a.visits - 1
    assert b.materials == pytest.approx(a.materials - 1 / 0.8)  # apply runs 1/0.8 times
    assert b.workdays == pytest.approx(a.workdays - 3)  # the 3wd issue time


def test_mail_delivery(p: fk.Process) -> None:
    """Counter deliveries become mail and wait for the courier."""
    q = fk.redesign(p, L.mail_delivery(wait="2d"))
    assert q.step("issue").channel == "mail"
    assert str(q.step("issue").wait) == "2d"
    assert q.step("permit").channel == "mail"
    assert fk.analyze(q).visits == fk.analyze(p).visits - 2
    with pytest.raises(fk.LeverError, match="no counter delivery"):
        fk.redesign(q, L.mail_delivery())


def test_mail_delivery_adds_to_a_working_day_wait() -> None:
    """A delivery that already waits in wd gets the courier's days in working days."""
    p = fk.loads("""
name: t
departments: [{id: a}]
steps: [{id: s, department: a, kind: delivery, channel: counter, wait: 1wd}]
""")
    q = fk.redesign(p, L.mail_delivery(wait="7d"))
    assert q.step("s").wait.mean() == pytest.approx(1 + 5)
    assert "working days" in (q.history[-1].note or "")


def test_parallelize_explicit_branches(p: fk.Process) -> None:
    """Consecutive independent steps become AND branches meeting at the next step."""
    q = fk.redesign(p, L.parallelize(steps=[["fire_apply", "fire_check"], "env_review"]))
    assert q.step("issue").next == ("fire_apply", "env_review")
    assert q.step("fire_check").next == "permit"
    assert q.step("env_review").next == "permit"
    assert q.step("permit").join == "all"
    a, b = fk.analyze(p), fk.analyze(q)
    assert b.steps == a.steps
    # fire branch: 20min + (fire->fire none) 2h + 2wd + fire->fire? permit is fire: no handoff
    fire = (20 / 60 + 2) / 7 + 2  # fire_apply and fire_check, no handoff inside fire
    env = 1 + 1 / 7 + 5  # paper handoff amr -> env, 1h, 5wd (env -> permit: by applicant)
    serial = fire + 1 + 1 / 7 + 5  # fire -> env was a paper handoff too
    assert b.workdays == pytest.approx(a.workdays - serial + max(fire, env))


def test_parallelize_refuses_a_dependency() -> None:
    """A branch that needs what another produces cannot run beside it."""
    p = fk.loads("""
name: t
departments: [{id: a}, {id: b}]
materials: [{id: m, issued_by: a}]
steps:
  - {id: s0, department: a, next: s1}
  - {id: s1, department: a, kind: review, produces: [m], next: s2}
  - {id: s2, department: b, kind: review, materials: [m], next: s3}
  - {id: s3, department: a}
""")
    with pytest.raises(fk.LeverError, match="'s2' needs 'm', which step 's1'"):
        fk.redesign(p, L.parallelize(steps=["s1", "s2"]))


def test_parallelize_auto_finds_review_runs() -> None:
    """Without steps, the longest run of reviews by two or more departments is used."""
    p = fk.loads("""
name: t
departments: [{id: a}, {id: b}, {id: c}]
steps:
  - {id: s0, department: a, kind: intake, channel: counter, next: r1}
  - {id: r1, department: a, kind: review, wait: 2wd, next: r2}
  - {id: r2, department: b, kind: review, wait: 3wd, next: r3}
  - {id: r3, department: c, kind: inspection, channel: onsite, wait: 1wd, next: d}
  - {id: d, department: a, kind: approval}
""")
    q = fk.redesign(p, L.parallelize())
    assert q.step("s0").next == ("r1", "r2", "r3")
    assert q.step("d").join == "all"
    assert fk.analyze(q).workdays < fk.analyze(p).workdays


def test_accept_incomplete(p: fk.Process) -> None:
    """A rework loop back to the counter goes to an online supplement: no return trip."""
    q = fk.redesign(p, L.accept_incomplete())
    sup = q.step("apply_supplement")
    assert (sup.channel, sup.department) == ("online", "amr")
    assert sup.materials == p.step("apply").materials
    assert sup.next == "review"
    assert dict(q.step("review").next) == {"issue": 0.8, "apply_supplement": 0.2}
    a, b = fk.analyze(p), fk.analyze(q)
    assert b.visits == pytest.approx(a.visits - 0.25)  # 1/0.8 - 1 return trips
    assert b.workdays == pytest.approx(a.workdays)  # the same work, done online
    with pytest.raises(fk.LeverError, match="no rework loop"):
        fk.redesign(q, L.accept_incomplete())


def test_commitment(p: fk.Process) -> None:
    """告知承诺: the review's work, wait and rework loop leave the path; the check is listed."""
    q = fk.redesign(p, L.commitment(steps=["review"]))
    r = q.step("review")
    assert r.work.is_zero
    assert r.wait.is_zero
    assert r.next == "issue"
    assert q.post_checks
    assert "审查" in q.post_checks[0]
    a, b = fk.analyze(p), fk.analyze(q)
    # no return trips (0.25), and with no wait the applicant stays in the hall from
    # application to licence: issue continues apply's visit (1 more)
    assert (a.visits, b.visits) == (pytest.approx(5.25), 4.0)
    assert b.workdays == pytest.approx(a.workdays - 1.25 * (2 / 7 + 3) - 0.25 * 0.5 / 7)
    with pytest.raises(fk.LeverError, match="not the applicant's own step"):
        fk.redesign(p, L.commitment(steps=["apply"]))


def test_electronic_handoff(p: fk.Process) -> None:
    """Internal transfers take no time on the platform."""
    q = fk.redesign(p, L.electronic_handoff())
    assert q.handoff.mode == "electronic"
    a, b = fk.analyze(p), fk.analyze(q)
    assert b.workdays == pytest.approx(a.workdays - 1)  # fire (onsite) -> env: one paper hop


def test_remove_step_reconnects(p: fk.Process) -> None:
    """Removing a step sends its predecessors where it went; a choice is spliced in."""
    q = fk.redesign(p, L.remove_step(step="env_review"))
    assert q.step("fire_check").next == "permit"
    r = fk.redesign(p, L.remove_step(step="review"))
    assert dict(r.step("apply").next) == {"issue": 0.8, "apply": 0.2}
    s = fk.redesign(p, L.remove_step(step="apply"))
    assert s.start_step == "review"


def test_merge_steps(p: fk.Process) -> None:
    """b merges into a: work summed, longer wait, materials and products united."""
    q = fk.redesign(p, L.merge_steps(a="fire_apply", b="fire_check"))
    m = q.step("fire_apply")
    assert str(m.work) == "140min"
    assert str(m.wait) == "2wd"
    assert m.next == "env_review"
    assert "fire_check" not in {s.id for s in q.steps}
    with pytest.raises(fk.LeverError, match="does not directly follow"):
        fk.redesign(p, L.merge_steps(a="apply", b="issue"))


def test_flatten(p: fk.Process) -> None:
    """Steps of departments at a level go; the department goes if it issues nothing."""
    q = fk.redesign(p, L.flatten(level="市"))
    assert "env_review" not in {s.id for s in q.steps}
    assert "env" not in {d.id for d in q.departments}
    with pytest.raises(fk.LeverError, match="not a level"):
        fk.redesign(p, L.flatten(level="galaxy"))


def test_add_staff_and_set_wait(p: fk.Process) -> None:
    """add_staff changes only the staff; set_wait only the step's wait."""
    q = fk.redesign(p, L.add_staff(dept="amr", n=2), L.set_wait(step="env_review", wait="2wd"))
    assert q.department("amr").staff == 3
    assert str(q.step("env_review").wait) == "2wd"
    assert fk.analyze(q).workdays == pytest.approx(fk.analyze(p).workdays - 3)


def test_bundle_one_intake_parallel_back_offices_one_delivery() -> None:
    """一件事一次办: one window, one material set, back offices in parallel, one delivery."""
    def service(n: int, wait: int) -> fk.Process:
        return fk.loads(f"""
name: 许可{n}
departments: [{{id: d{n}, location: hall{n}}}]
materials: [{{id: id_card}}, {{id: form{n}}}]
steps:
  - {{id: apply, department: d{n}, kind: intake, channel: counter, materials: [id_card, form{n}],
     next: review}}
  - {{id: review, department: d{n}, kind: review, wait: {wait}wd, next: {{issue: 0.9, apply: 0.1}}}}
  - {{id: issue, department: d{n}, kind: delivery, channel: counter}}
""")
    s1, s2 = service(1, 3), service(2, 5)
    b = fk.bundle(s1, s2, name="一件事")
    assert b.step("intake").next == ("s1_review", "s2_review")
    assert b.step("delivery").join == "all"
    assert set(b.step("intake").materials) == {"id_card", "form1", "form2"}
    a = fk.analyze(b)
    assert a.materials == pytest.approx(3 + 2 * (0.1 / 0.9) * 2)  # supplements resubmit
    assert fk.validate(fk.to_dict(b)) == []
    assert a.workdays < fk.analyze(s1).workdays + fk.analyze(s2).workdays


def test_diff_lists_changes_by_id(p: fk.Process) -> None:
    """diff gives added, removed and changed items by id."""
    q = fk.redesign(p, L.accept_incomplete(), L.share_data(materials=["license"]))
    d = fk.diff(p, q)
    assert {"kind", "id", "change", "field", "before", "after"} <= set(d.columns)
    assert ((d["id"] == "apply_supplement") & (d["change"] == "added")).any()
    row = d[(d["id"] == "license") & (d["field"] == "shared")].iloc[0]
    assert (row["before"], row["after"]) == (False, True)
    assert fk.diff(p, p).empty


@pytest.mark.parametrize("build", [
    lambda: L.remove_step(),
    lambda: L.merge_steps(),
    lambda: L.merge_steps(a="apply"),
    lambda: L.flatten(),
    lambda: L.add_staff(),
    lambda: L.add_staff(dept="amr"),
    lambda: L.set_wait(),
    lambda: L.set_wait(step="review"),
], ids=["remove_step", "merge_steps", "merge_steps-b", "flatten", "add_staff",
        "add_staff-n", "set_wait", "set_wait-wait"])
def test_a_lever_without_a_required_parameter_fails_when_built(build) -> None:
    """A required parameter left out fails at construction, before any process is seen."""
    with pytest.raises(TypeError, match="required"):
        build()


@pytest.mark.parametrize(("build", "match"), [
    (lambda: L.remove_step(step=""), "remove_step: step= is required"),
    (lambda: L.merge_steps(a="apply", b=None), "merge_steps: b= is required"),
    (lambda: L.flatten(level=""), "flatten: level= is required"),
    (lambda: L.add_staff(dept=None, n=1), "add_staff: dept= is required"),
    (lambda: L.set_wait(step="", wait="1wd"), "set_wait: step= is required"),
    (lambda: L.commitment(), "commitment: name the review steps"),
    (lambda: L.commitment(steps=[], materials=[]), "commitment: name the review steps"),
], ids=["remove_step", "merge_steps", "flatten", "add_staff", "set_wait", "commitment",
        "commitment-empty"])
def test_a_lever_with_an_empty_required_parameter_says_which(build, match: str) -> None:
    """An empty required id (or a commitment naming nothing) is a located LeverError."""
    with pytest.raises(fk.LeverError, match=match):
        build()


def test_required_parameters_may_be_given_by_position(p: fk.Process) -> None:
    """The documented order: remove_step(step), merge_steps(a, b), set_wait(step, wait) …"""
    assert L.remove_step("env_review") == L.remove_step(step="env_review")
    assert L.merge_steps("fire_apply", "fire_check") == L.merge_steps(a="fire_apply",
                                                                      b="fire_check")
    assert L.add_staff("amr", 2) == L.add_staff(dept="amr", n=2)
    assert L.set_wait("env_review", "2wd") == L.set_wait(step="env_review", wait="2wd")
    assert L.flatten("市") == L.flatten(level="市")
    assert fk.redesign(p, L.commitment(materials=["lease"])).step("apply").materials == (
        "id_card", "no_crime")


def test_the_levers_namespace_shows_levers_only() -> None:
    """dir(fk.levers) lists the levers and Lever, not the family modules or helpers."""
    assert dir(fk.levers) == sorted(fk.levers.__all__)
    assert "Lever" in dir(fk.levers)
    assert not {"base", "channels", "structure", "capacity", "rework"} & set(dir(fk.levers))
    for name in fk.levers.__all__:
        obj = getattr(fk.levers, name)
        assert obj is fk.levers.Lever or issubclass(obj, fk.levers.Lever)


# ---------------------------------------------------------------- defects found in 0.2
BY_TYPE_REWORK = """
name: 补正按类型
case_types: [{id: small, share: 0.6}, {id: large, share: 0.4}]
departments: [{id: amr, name: 市场监管局, location: 政务服务中心}]
steps:
  - {id: apply, department: amr, kind: intake, channel: counter, work: 30min, next: review}
  - id: review
    department: amr
    kind: review
    work: 1h
    wait: 2wd
    next: {issue: 0.8, apply: 0.2}
    by_type:
      large: {issue: 0.7, apply: 0.3}
  - {id: issue, department: amr, kind: delivery, channel: counter, work: 10min}
"""


def test_accept_incomplete_rewires_by_type() -> None:
    """A rework loop with per-type weights: the supplement takes the loop's weight in
    next and in by_type (before 0.2 the lever rejected its own result)."""
    p = fk.loads(BY_TYPE_REWORK)
    q = fk.redesign(p, fk.levers.accept_incomplete())
    review = q.step("review")
    assert review.next == {"issue": 0.8, "apply_supplement": 0.2}
    assert review.by_type == {"large": {"issue": 0.7, "apply_supplement": 0.3}}
    # before: 1 + (0.6·0.2/0.8 + 0.4·0.3/0.7) returns + 1 delivery trip; after: no returns
    assert fk.analyze(p).visits == pytest.approx(2 + 0.6 * 0.25 + 0.4 * 0.3 / 0.7)
    assert fk.analyze(q).visits == pytest.approx(2.0)


def test_commitment_drops_by_type_with_the_loop() -> None:
    """commitment removes the rework loop; by_type, which only re-weighted it, goes too."""
    q = fk.redesign(fk.loads(BY_TYPE_REWORK), fk.levers.commitment(steps=["review"]))
    assert q.step("review").next == "issue"
    assert q.step("review").by_type == {}
    # the signed commitment has no wait: the applicant stays for the delivery, one visit
    assert fk.analyze(q).visits == pytest.approx(1.0)


def test_diagnose_proposes_accept_incomplete_with_by_type() -> None:
    """diagnose no longer drops 容缺受理 silently on a loop with per-type weights."""
    d = fk.diagnose(fk.loads(BY_TYPE_REWORK))
    assert "accept_incomplete" in set(d["finding"])


SECOND_WINDOW_REWORK = """
name: 两个窗口（补正在第二个窗口）
departments:
  - {id: amr, name: 市场监管局, location: 政务服务中心}
  - {id: health, name: 卫健委, location: 卫健窗口}
materials: [{id: id_card, source: applicant}, {id: plan, source: applicant}]
steps:
  - {id: apply, department: amr, kind: intake, channel: counter, work: 30min,
     materials: [id_card], next: review_a}
  - {id: review_a, department: amr, kind: review, work: 1h, wait: 1wd, next: apply2}
  - {id: apply2, department: health, kind: intake, channel: counter, work: 20min,
     materials: [plan], next: review_h}
  - {id: review_h, department: health, kind: review, work: 1h, wait: 2wd,
     next: {issue: 0.8, apply2: 0.2}}
  - {id: issue, department: amr, kind: delivery, channel: counter, work: 10min}
"""


def test_single_window_sends_rework_back_to_the_front_desk() -> None:
    """After 一窗受理 a 补正 loop that went to the second window returns to the front desk
    (a resubmission there), so rework still costs a trip: visits 1 + 0.2/0.8 + 1 = 2.25
    (before the fix the loop pointed at a back-office step: 2.0, rework for free)."""
    p = fk.loads(SECOND_WINDOW_REWORK)
    assert fk.analyze(p).visits == pytest.approx(1 + 1 + 0.25 + 1)
    q = fk.redesign(p, fk.levers.single_window())
    resubmit = q.step("apply2_resubmit")
    assert (resubmit.department, resubmit.channel, resubmit.materials) == (
        "amr", "counter", ("plan",))
    assert resubmit.next == "apply2"
    assert q.step("apply2").channel == "backoffice"
    assert q.step("review_h").next == {"issue": 0.8, "apply2_resubmit": 0.2}
    a = fk.analyze(q)
    assert a.visits == pytest.approx(2.25)
    assert a.materials == pytest.approx(2 + 0.25)  # id_card + plan, then plan per return
