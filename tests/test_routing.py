"""Routing steps (``kind: routing``, 路由): split and join points that are not 环节.

They are not counted in ``steps``, ``departments`` or Doing Business procedures, and a
handoff is counted between the working steps on either side of them (DESIGN §5).
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import flowkit as fk
from flowkit import levers as L
from flowkit.analysis.flowcalc import FlowModel
from flowkit.model.generate import random_process

BLOCK = """
name: two branches
arrivals: {{per_day: 2}}
handoff: {{mode: paper}}
departments: [{{id: a}}, {{id: b}}, {{id: c}}, {{id: d}}]
steps:
  - {{id: A, department: a, work: 1h, channel: {ach}, next: R}}
  - {{id: R, department: a, kind: routing, next: [B, C]}}
  - {{id: B, department: {bd}, work: 1h, next: J}}
  - {{id: C, department: {cd}, work: 2h, next: J}}
  - {{id: J, department: a, kind: 路由, join: all, next: D}}
  - {{id: D, department: {dd}, work: 1h, channel: {dch}}}
"""


def block(bd: str = "b", cd: str = "c", dd: str = "d", ach: str = "backoffice",
          dch: str = "backoffice") -> fk.Process:
    return fk.loads(BLOCK.format(bd=bd, cd=cd, dd=dd, ach=ach, dch=dch))


# -- the model -------------------------------------------------------------------------
def test_routing_kind_reads_in_both_languages() -> None:
    p = block()
    assert (p.step("R").kind, p.step("J").kind, p.step("J").kind_zh) == \
        ("routing", "routing", "路由")
    assert p.step("R").routing
    assert not p.step("A").routing


@pytest.mark.parametrize(("field", "value"), [
    ("work", "1h"), ("wait", "1wd"), ("fee", 10), ("materials", "[m]"),
    ("produces", "[m]"), ("channel", "counter"), ("time_limit", "1wd"),
])
def test_routing_step_refuses_work_and_the_like(field: str, value: object) -> None:
    """A routing step has no work, wait, fee, materials or products, and no channel."""
    text = f"""
name: t
departments: [{{id: a}}]
materials: [{{id: m}}]
steps:
  - {{id: s, department: a, next: r}}
  - {{id: r, department: a, kind: routing, {field}: {value}}}
"""
    with pytest.raises(fk.ModelError, match=rf"steps\[1\] {field}.* routing step.*drop"):
        fk.loads(text)


# -- counting ------------------------------------------------------------------------
def test_two_branch_block_counts_working_steps_only() -> None:
    """A -> R -> [B, C] -> J -> D, all in different departments: 4 steps, 4 handoffs
    (A-B, A-C, B-D, C-D), 4 departments; routing steps count for nothing."""
    a = fk.analyze(block())
    assert (a.steps, a.handoffs, a.departments) == (4.0, 4.0, 4.0)
    assert a.cross_department == 4.0
    # work 1h + max(1h, 2h) + 1h = 4/7 wd; one paper delay into the branch (A -> C)
    # and one after the join (-> D): each pair's delay is applied once
    assert a.workdays == pytest.approx(4 / 7 + 2)


def test_two_branch_block_in_one_department_has_no_handoff() -> None:
    a = fk.analyze(block(bd="a", cd="a", dd="a"))
    assert (a.steps, a.handoffs, a.departments) == (4.0, 0.0, 1.0)
    assert a.workdays == pytest.approx(4 / 7)


def test_mixed_departments_count_each_working_pair() -> None:
    """B in A's department, C and D elsewhere: pairs A-C, B-D, C-D cross = 3."""
    a = fk.analyze(block(bd="a", cd="c", dd="d"))
    assert (a.steps, a.handoffs, a.departments) == (4.0, 3.0, 3.0)


def test_sequence_through_a_routing_step_is_one_handoff() -> None:
    p = fk.loads("""
name: t
departments: [{id: a, level: 市}, {id: b, level: 区县}]
steps:
  - {id: A, department: a, next: R}
  - {id: R, department: a, kind: routing, next: B}
  - {id: B, department: b, work: 1h}
""")
    a = fk.analyze(p)
    assert (a.steps, a.handoffs, a.cross_level, a.departments) == (2.0, 1.0, 1.0, 2.0)
    assert a.workdays == pytest.approx(1 + 1 / 7)  # one paper delay, 1 wd


def test_routing_choice_counts_the_pair_on_its_flows() -> None:
    """A -> X (routing choice: B 0.25, C 0.75): the handoff is A-B or A-C."""
    p = fk.loads("""
name: t
arrivals: {per_day: 2}
departments: [{id: a}, {id: b}]
steps:
  - {id: A, department: a, work: 1h, next: X}
  - {id: X, department: a, kind: routing, next: {B: 0.25, C: 0.75}}
  - {id: B, department: b, work: 1h}
  - {id: C, department: a, work: 1h}
""")
    a = fk.analyze(p)
    assert (a.steps, a.handoffs) == (2.0, 0.25)
    assert a.departments == pytest.approx(1.25)
    r = fk.simulate(p, n_cases=400, seed=3, replications=1)
    c = r.cases
    assert set(c["steps"]) == {2}
    assert set(c["handoffs"]) <= {0, 1}
    # 400 Bernoulli(0.25) draws: sd of the mean 0.0217; 4 sd
    assert c["handoffs"].mean() == pytest.approx(0.25, abs=4 * 0.0217)


def test_static_and_simulated_counts_agree_on_the_block() -> None:
    p = block()
    r = fk.simulate(p, n_cases=60, seed=1, replications=2)
    c = r.cases
    assert set(c["steps"]) == {4}
    assert set(c["handoffs"]) == {4}
    assert set(c["departments"]) == {4}


def test_doing_business_procedures_skip_routing() -> None:
    """A counter, B and C back office, D counter: 2 procedures, none for the routing
    steps (a zero-work counter step there would be one)."""
    p = block(ach="counter", dch="counter")
    db = fk.analyze(p).doing_business()
    assert db.procedures == 2.0
    assert list(db.table().index) == ["A", "D"]
    # A: 1h -> 1 day; the block: its longer branch, 1 wd paper + 2h = (1 + 2/7) x 7/5
    # = 1.8 d; D: 1h (by the applicant, no delay) -> 1 day
    assert db.days == pytest.approx(1 + 1.8 + 1)


# -- parallelize -----------------------------------------------------------------------
SERIAL = """
name: serial
departments: [{id: a}, {id: b}, {id: c}]
materials: [{id: m, issued_by: a}]
steps:
  - {id: s0, department: a, kind: intake, channel: counter, next: r1}
  - {id: r1, department: a, kind: review, work: 1h, wait: 2wd, next: r2}
  - {id: r2, department: b, kind: review, work: 1h, wait: 3wd, next: r3}
  - {id: r3, department: c, kind: inspection, channel: onsite, wait: 1wd, next: d}
  - {id: d, department: a, kind: approval, channel: counter, work: 30min,
     next: {e: 0.5, d2: 0.5}}
  - {id: d2, department: a, kind: other, work: 10min, next: e}
  - {id: e, department: a, kind: delivery, channel: counter}
"""


def test_parallelize_reuses_neighbours_as_split_and_join() -> None:
    """r1 -> r2 entered from s0 alone and left to r3 reached only from the run: s0 splits
    and r3 joins; no step is added, steps stay."""
    p = fk.loads(SERIAL)
    q = fk.redesign(p, L.parallelize(steps=["r1", "r2"]))
    assert [s.id for s in q.steps] == [s.id for s in p.steps]
    assert (q.step("s0").next, q.step("r3").join) == (("r1", "r2"), "all")
    a, b = fk.analyze(p), fk.analyze(q)
    assert b.steps == a.steps == 6.5
    # r1 (1h + 2wd) and r2 (paper 1wd + 1h + 3wd) side by side: r1's 2h 2wd saved
    assert a.workdays - b.workdays == pytest.approx(1 / 7 + 2)


def test_parallelize_inside_a_branch_sends_each_file_once() -> None:
    """C -> E inside a branch (a -> b, paper 1 wd = 7 h): after parallelize, C's file
    travels to D while E works, and E's path takes its own transfer; the time after
    the routing join is not delayed again (it was, and the lever added 1 wd)."""
    p = fk.loads("""
name: t
arrivals: {per_day: 1}
departments: [{id: a}, {id: b}]
steps:
  - {id: A, department: a, work: 1h, next: [B, C]}
  - {id: B, department: a, work: 1h, next: D}
  - {id: C, department: a, work: 2h, next: E}
  - {id: E, department: b, work: 3h, next: D}
  - {id: D, department: b, work: 1h, join: all}
""")
    q = fk.redesign(p, L.parallelize(steps=["C", "E"]))
    assert (q.step("C_split").kind, q.step("E_join").kind) == ("routing", "routing")
    e = FlowModel(q).edges
    assert {k for k, v in e.items() if v.delay is not None} == \
        {("B", "D"), ("C_split", "E"), ("C", "E_join")}
    # before: A 1h, then max(B 1h + 7h, C 2h + 7h + E 3h) = 12h, D 1h: 14 h
    # after: A 1h, max(B 8h, max(C 2h + 7h, 7h + E 3h) = 10h), D 1h: 12 h
    assert fk.analyze(p).workdays == pytest.approx(14 / 7)
    assert fk.analyze(q).workdays == pytest.approx(12 / 7)
    # B-D, A-E (the split hands A's file to E), C-D: in simulation as statically
    assert fk.analyze(q).handoffs == 3.0
    r = fk.simulate(q, n_cases=20, seed=1, replications=1)
    assert set(r.cases["handoffs"]) == {3}


def test_parallelize_new_split_and_join_are_routing() -> None:
    """A run entered from two steps and left to a step others reach: routing split and
    join; steps stay, handoffs are those of the working pairs."""
    p = fk.loads("""
name: t
departments: [{id: a}, {id: b}, {id: c}]
steps:
  - {id: s0, department: a, kind: intake, channel: counter, next: {x: 0.5, y: 0.5}}
  - {id: x, department: a, work: 1h, next: r1}
  - {id: y, department: a, work: 1h, next: {r1: 0.5, z: 0.5}}
  - {id: r1, department: b, kind: review, work: 1h, next: r2}
  - {id: r2, department: c, kind: review, work: 2h, next: z}
  - {id: z, department: a, kind: approval, next: {e: 0.5, z2: 0.5}}
  - {id: z2, department: a, next: e}
  - {id: e, department: a}
""")
    q = fk.redesign(p, L.parallelize(steps=["r1", "r2"]))
    split, join = q.step("r1_split"), q.step("r2_join")
    assert (split.kind, split.next, join.kind, join.join, join.next) == \
        ("routing", ("r1", "r2"), "routing", "all", "z")
    a, b = fk.analyze(p), fk.analyze(q)
    # s0, x 0.5, y 0.5, r1 0.75, r2 0.75, z, z2 0.5, e
    assert b.steps == a.steps == 6.0
    # the run is passed by 0.75 of the cases; before: x/y -> r1 (a-b), r1 -> r2 (b-c),
    # r2 -> z (c-a) = 3 x 0.75; after: a-b, a-c into the branches, b-a, c-a out = 4 x 0.75
    assert (a.handoffs, b.handoffs) == pytest.approx((2.25, 3.0))
    # on the run, before: 1wd + 1h + 1wd + 2h + 1wd; after: 1wd + max(1h, 2h) + 1wd
    assert a.workdays - b.workdays == pytest.approx(0.75 * (1 + 1 / 7))


def test_parallelize_keeps_a_loop_inside_its_branch() -> None:
    """A rework loop back to an earlier step of the same branch stays in that branch."""
    p = fk.loads("""
name: t
departments: [{id: a}, {id: b}, {id: c}]
steps:
  - {id: s0, department: a, kind: intake, channel: counter, next: b1}
  - {id: b1, department: b, work: 1h, next: b2}
  - {id: b2, department: b, kind: review, work: 1h, wait: 1wd, next: {c1: 0.75, b1: 0.25}}
  - {id: c1, department: c, kind: review, work: 2h, next: {end: 0.9, c1: 0.1}}
  - {id: end, department: a, kind: approval}
""")
    q = fk.redesign(p, L.parallelize(steps=[["b1", "b2"], "c1"]))
    assert q.step("s0").next == ("b1", "c1")
    assert dict(q.step("b2").next) == {"end": 0.75, "b1": 0.25}
    assert dict(q.step("c1").next) == {"end": 0.9, "c1": 0.1}
    assert q.step("end").join == "all"
    a, b = fk.analyze(p), fk.analyze(q)
    assert b.steps == a.steps == pytest.approx(1 + 2 / 0.75 + 1 / 0.9 + 1)
    # branch b: (1h + 1h + 1wd) / 0.75 + paper into it; branch c: 2h / 0.9 + paper
    branch_b = 1 + (2 / 7 + 1) / 0.75
    branch_c = 1 + (2 / 7) / 0.9
    assert b.workdays == pytest.approx(0 + max(branch_b, branch_c) + 1)
    with pytest.raises(fk.LeverError, match="'b2' chooses between"):
        fk.redesign(p, L.parallelize(steps=["b1", "b2", "c1"]))


def test_parallelize_auto_takes_the_longest_independent_run() -> None:
    """steps=None: back-office/on-site steps after the first intake and before the first
    approval; r3 needs what r1 produces, so the run is r2, r3 (or r1, r2: the first)."""
    p = fk.loads(SERIAL.replace("wait: 1wd, next: d}", "wait: 1wd, materials: [m], next: d}")
                 .replace("wait: 2wd, next: r2}", "wait: 2wd, produces: [m], next: r2}"))
    q = fk.redesign(p, L.parallelize())
    assert q.step("s0").next == ("r1", "r2")
    assert q.step("r3").join == "all"
    q = fk.redesign(fk.loads(SERIAL), L.parallelize())
    assert q.step("s0").next == ("r1", "r2", "r3")
    assert q.step("d").join == "all"


def test_parallelize_auto_raises_without_a_run_of_two() -> None:
    p = fk.loads("""
name: short
departments: [{id: a}, {id: b}]
steps:
  - {id: s0, department: a, kind: intake, channel: counter, next: r1}
  - {id: r1, department: b, kind: review, next: d}
  - {id: d, department: a, kind: approval, next: r2}
  - {id: r2, department: b, kind: review}
""")
    with pytest.raises(fk.LeverError, match="'short' has no run of two or more"):
        fk.redesign(p, L.parallelize())


def test_bundle_then_parallelize_does_not_raise_steps() -> None:
    """一件事 (newborn-like): a bundle of services, then its back offices in parallel."""
    def service(n: int, dept: str) -> fk.Process:
        return fk.loads(f"""
name: 许可{n}
departments: [{{id: {dept}, location: hall}}, {{id: q{n}}}]
materials: [{{id: id_card}}, {{id: form{n}}}]
steps:
  - {{id: apply, department: {dept}, kind: intake, channel: counter,
     materials: [id_card, form{n}], next: review}}
  - {{id: review, department: {dept}, kind: review, wait: {n}wd, next: check}}
  - {{id: check, department: q{n}, kind: review, work: 1h, next: {{issue: 0.8, check: 0.2}}}}
  - {{id: issue, department: {dept}, kind: delivery, channel: counter}}
""")
    b = fk.bundle(service(1, "d1"), service(2, "d2"), service(3, "d3"), name="出生一件事")
    # inside service 1's branch: its review and its check side by side; the split and
    # join it needs there are new routing steps, which used to be two more 环节
    q = fk.redesign(b, L.parallelize(steps=["s1_review", "s1_check"]))
    assert q.step("s1_review_split").kind == q.step("s1_check_join").kind == "routing"
    a0, a1 = fk.analyze(b), fk.analyze(q)
    # intake, 3 reviews, 3 checks run 1/0.8 times each, delivery
    assert a1.steps == pytest.approx(a0.steps) == pytest.approx(2 + 3 + 3 / 0.8)
    assert a1.workdays <= a0.workdays + 1e-9


def _runs(p: fk.Process) -> list[list[str]]:
    """Runs of two to four steps in plain sequence, each reached only from the one before."""
    preds: dict[str, list[str]] = {x.id: [] for x in p.steps}
    for x in p.steps:
        for t in x.targets:
            preds[t].append(x.id)
    out = []
    for x in p.steps:
        run = [x.id]
        while len(run) < 4 and p.step(run[-1]).flow == "seq" and p.step(run[-1]).join is None:
            nxt = p.step(run[-1]).next
            assert isinstance(nxt, str)
            if preds[nxt] != [run[-1]] or p.step(nxt).join is not None or \
                    p.step(nxt).flow == "and":
                break
            run.append(nxt)
        if len(run) >= 2:
            out.append(run)
    return out


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.integers(min_value=0, max_value=2**31), st.integers(min_value=6, max_value=30),
       st.data())
def test_parallelize_never_raises_steps(seed: int, n: int, data: st.DataObject) -> None:
    """On random processes, parallelize (auto, or branches cut from a run of sequential
    steps) never raises ``steps``, whatever split and join it needs."""
    p = random_process(n, seed=seed, loop_share=0.2, and_share=0.2)
    runs = _runs(p)
    levers = [L.parallelize()]
    if runs:
        run = data.draw(st.sampled_from(runs), label="run")
        cuts = sorted(data.draw(st.sets(st.integers(1, len(run) - 1), min_size=1),
                                label="cuts"))
        bounds = [0, *cuts, len(run)]
        levers.append(L.parallelize(steps=[run[i:j] for i, j in itertools.pairwise(bounds)]))
    done = 0
    before = fk.analyze(p).steps
    for lever in levers:
        try:
            q = fk.redesign(p, lever)
        except fk.LeverError:
            continue
        done += 1
        assert fk.analyze(q).steps == pytest.approx(before, rel=1e-9)
    assume(done > 0)


# -- interop -----------------------------------------------------------------------------
def test_routing_round_trips_through_yaml_and_bpmn(tmp_path) -> None:
    p = block()
    fk.save(p, tmp_path / "block.yaml")
    assert fk.load(tmp_path / "block.yaml") == p
    path = tmp_path / "block.bpmn"
    fk.to_bpmn(p, path)
    q = fk.read_bpmn(path)
    assert q == p
    a = fk.analyze(q)
    assert (a.steps, a.handoffs) == (4.0, 4.0)


SHAPES = {
    "choice at the start": """
  - {id: X, department: a, kind: routing, next: {A: 0.3, B: 0.7}}
  - {id: A, department: a, work: 1h, next: E}
  - {id: B, department: b, work: 1h, next: E}
  - {id: E, department: a, kind: routing}
""",
    "join that chooses": """
  - {id: A, department: a, next: [B, C]}
  - {id: B, department: b, next: J}
  - {id: C, department: a, next: J}
  - {id: J, department: a, kind: routing, join: all, next: {D: 0.4, E: 0.6}}
  - {id: D, department: b}
  - {id: E, department: a}
""",
    "merge into a split": """
  - {id: A, department: a, next: {B: 0.5, C: 0.5}}
  - {id: B, department: b, next: S}
  - {id: C, department: a, next: S}
  - {id: S, department: a, kind: routing, next: [D, E]}
  - {id: D, department: b, next: J}
  - {id: E, department: a, next: J}
  - {id: J, department: b, kind: routing, join: all, next: [F, G]}
  - {id: F, department: a, next: K}
  - {id: G, department: b, next: K}
  - {id: K, department: a, kind: routing, join: all}
""",
}


@pytest.mark.parametrize("shape", SHAPES, ids=list(SHAPES))
def test_routing_steps_are_written_as_gateways_and_read_back(shape: str, tmp_path) -> None:
    """A routing step becomes the BPMN gateway it is, and reads back as the same step."""
    p = fk.loads("name: t\ndepartments: [{id: a}, {id: b}]\nsteps:" + SHAPES[shape])
    path = fk.to_bpmn(p, tmp_path / "p.bpmn")
    text = path.read_text(encoding="utf-8")
    for s in p.steps:
        tag = "task" if not s.routing else "parallelGateway" if s.flow == "and" or (
            s.join and s.flow != "xor") else "exclusiveGateway"
        assert f'<bpmn:{tag} id="{s.id}"' in text
    assert fk.read_bpmn(path) == p


def test_routing_rows_read_and_write_in_a_catalogue(tmp_path) -> None:
    """A catalogue row of kind 路由 reads as a routing step and is written back so."""
    p = block()
    path = fk.write_catalogue(p, tmp_path / "cat.csv")
    text = path.read_text(encoding="utf-8-sig")
    assert text.count(",路由,") == 2
    q = next(iter(fk.read_catalogue(path).values()))
    assert [s.id for s in q.steps if s.routing] == ["R", "J"]
    a = fk.analyze(q)
    assert (a.steps, a.handoffs, a.departments) == (4.0, 4.0, 4.0)
