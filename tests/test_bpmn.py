"""BPMN 2.0 interchange: exact round trips, files bpmn.io accepts, reading other tools' BPMN.

* ``read_bpmn(to_bpmn(p)) == p`` for every example, the design example, a file using every
  field, redesigned processes (history) and random processes; the analysis is unchanged.
* Exported files pass bpmn-io's ``check`` (no error, no warning) and ``lint`` with the
  ``recommended`` rules (bpmn-io is a test dependency: skipped with a reason without it).
* Hand-written bpmn.io / Camunda-style files and the team's reference ``permit.bpmn`` read
  as the expected steps, departments, flows and probabilities; approximations warn.
* Malformed files in ``tests/data/bpmn/malformed/`` give located errors.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import flowkit as fk
from flowkit.errors import BpmnWarning
from flowkit.interop.bpmn import read_bpmn, to_bpmn
from flowkit.interop.bpmn.codec import iso_duration as _iso_duration
from flowkit.interop.bpmn.codec import probability_in as _probability_in

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "bpmn"
MALFORMED = DATA / "malformed"
B = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
BPMNDI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
DC = "{http://www.omg.org/spec/DD/20100524/DC}"
FK = "{urn:flowkit:bpmn:1}"

PROCESSES = [
    *sorted((ROOT / "examples").glob("*/current.yaml")),
    ROOT / "tests" / "data" / "design_example.yaml",
    DATA / "all_fields.yaml",
]

needs_bpmn_io = pytest.mark.skipif(
    importlib.util.find_spec("bpmn_io") is None,
    reason="bpmn-io is not installed (pip install bpmn-io; a test dependency)",
)


def _name(path: Path) -> str:
    return path.parent.name if path.name == "current.yaml" else path.stem


def _quiet_read(path: Path) -> fk.Process:
    """read_bpmn for files with approximations, whose warning is checked elsewhere."""
    with pytest.warns(BpmnWarning):
        return read_bpmn(path)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[fk.Process, Path]]:
    """Every test process, written once to BPMN."""
    out = tmp_path_factory.mktemp("bpmn")
    return {_name(f): (p := fk.load(f), to_bpmn(p, out / f"{_name(f)}.bpmn")) for f in PROCESSES}


# ------------------------------------------------------------------------------ round trip
@pytest.mark.parametrize("path", PROCESSES, ids=_name)
def test_round_trip_is_exact(path: Path, exported: dict[str, tuple[fk.Process, Path]]) -> None:
    """read_bpmn(to_bpmn(p)) == p, with the same analysis, and reading warns of nothing."""
    p, bpmn = exported[_name(path)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", BpmnWarning)
        q = read_bpmn(bpmn)
    assert q == p
    assert fk.analyze(q) == fk.analyze(p)
    assert fk.analyze(q).doing_business().days == fk.analyze(p).doing_business().days


def test_round_trip_keeps_history(tmp_path: Path) -> None:
    """A redesigned process keeps its history (what each lever changed) through BPMN."""
    p = fk.load(ROOT / "tests" / "data" / "design_example.yaml")
    q = fk.redesign(p, fk.levers.single_window(), fk.levers.share_data(),
                    fk.levers.mail_delivery(), name="改革后")
    back = read_bpmn(to_bpmn(q, tmp_path / "q.bpmn"))
    assert back == q
    assert back.history == q.history


@pytest.mark.parametrize("seed", range(12))
def test_round_trip_random_processes(seed: int, tmp_path: Path) -> None:
    """Random processes (loops, nested parallel blocks, many departments) come back equal."""
    p = fk.random_process(8 + 4 * seed, seed=seed, loop_share=0.2, and_share=0.2)
    assert read_bpmn(to_bpmn(p, tmp_path / "r.bpmn")) == p


def test_to_bpmn_returns_the_path(tmp_path: Path) -> None:
    """to_bpmn returns the Path it wrote, accepting a str."""
    p = fk.load(ROOT / "tests" / "data" / "design_example.yaml")
    out = to_bpmn(p, str(tmp_path / "p.bpmn"))
    assert out == tmp_path / "p.bpmn"
    assert out.read_text(encoding="utf-8").startswith('<?xml version="1.0" encoding="UTF-8"?>')


# ------------------------------------------------------------------------- bpmn.io checks
@needs_bpmn_io
@pytest.mark.parametrize("path", PROCESSES, ids=_name)
def test_bpmn_io_check_passes(path: Path, exported: dict[str, tuple[fk.Process, Path]]) -> None:
    """`bpmn-io check FILE` exits 0, and its parser reports no error and no warning."""
    import bpmn_io

    _, bpmn = exported[_name(path)]
    report = bpmn_io.check(bpmn.read_text(encoding="utf-8"))
    assert report.ok, report.errors
    assert [w.message for w in report.warnings] == []
    run = subprocess.run([sys.executable, "-m", "bpmn_io.cli", "check", str(bpmn)],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr


@needs_bpmn_io
@pytest.mark.parametrize("path", PROCESSES, ids=_name)
def test_bpmn_io_lint_passes(path: Path, exported: dict[str, tuple[fk.Process, Path]]) -> None:
    """`bpmn-io lint` (recommended rules) finds no error; the examples have no warning either."""
    _, bpmn = exported[_name(path)]
    run = subprocess.run(
        [sys.executable, "-m", "bpmn_io.cli", "lint", "--config", "recommended", "--json",
         str(bpmn)],
        capture_output=True, text=True, check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    reports = json.loads(run.stdout)["reports"]
    if path.name == "all_fields.yaml":  # next: {dummy: 1.0} is a choice with one branch
        assert set(reports) <= {"superfluous-gateway", "superfluous-label"}
    else:
        assert reports == {}


@needs_bpmn_io
@pytest.mark.parametrize("path", PROCESSES, ids=_name)
def test_survives_a_save_in_bpmn_io(path: Path, exported: dict[str, tuple[fk.Process, Path]],
                                    tmp_path: Path) -> None:
    """Re-serialised by bpmn.io's model (`bpmn-io roundtrip`), the file still reads back equal."""
    p, bpmn = exported[_name(path)]
    run = subprocess.run([sys.executable, "-m", "bpmn_io.cli", "roundtrip", str(bpmn)],
                         capture_output=True, text=True, check=True)
    saved = tmp_path / "saved.bpmn"
    saved.write_text(run.stdout, encoding="utf-8")
    assert read_bpmn(saved) == p


# ------------------------------------------------------------------------ exported shape
def test_export_structure(exported: dict[str, tuple[fk.Process, Path]]) -> None:
    """One pool, a lane per department listing its steps, typed tasks, probabilities kept."""
    p, bpmn = exported["design_example"]
    root = ET.parse(bpmn).getroot()
    (proc,) = root.findall(f"{B}process")
    (part,) = root.findall(f"{B}collaboration/{B}participant")
    assert part.get("processRef") == proc.get("id")
    assert part.get("name") == p.name
    lanes = proc.findall(f"{B}laneSet/{B}lane")
    assert [ln.get("name") for ln in lanes] == [d.label for d in p.departments]
    refs = {ln.get("name"): {r.text for r in ln.findall(f"{B}flowNodeRef")} for ln in lanes}
    assert {"seal"} <= refs["公安局"]
    assert {"invoice", "done"} <= refs["税务局"]
    types = {e.get("id"): e.tag.removeprefix(B) for e in proc if e.get("id") in
             {s.id for s in p.steps}}
    assert types == {"register": "userTask", "review": "task", "issue": "userTask",
                     "seal": "userTask", "invoice": "userTask", "done": "task"}
    flows = {f.get("id"): f for f in proc.findall(f"{B}sequenceFlow")}
    for node in proc:
        if node.tag.endswith(("Task", "task", "Gateway", "Event")):
            for kind, ref in (("incoming", "targetRef"), ("outgoing", "sourceRef")):
                listed = [x.text for x in node.findall(f"{B}{kind}")]
                assert listed == [k for k, f in flows.items() if f.get(ref) == node.get("id")]
    choice = [f for f in flows.values() if f.find(f"{B}extensionElements/{FK}probability")
              is not None]
    assert sorted(f.get("name", "") for f in choice) == ["15%", "85%"]
    assert sorted(f.findtext(f"{B}documentation", "") for f in choice) == ["p=0.15", "p=0.85"]
    join = proc.find(f"{B}parallelGateway[@gatewayDirection='Converging']")
    assert join is not None
    (to_done,) = [f for f in flows.values() if f.get("sourceRef") == join.get("id")]
    assert to_done.get("targetRef") == "done"
    step = proc.find(f"{B}userTask[@id='register']/{B}extensionElements/{FK}step")
    assert step is not None
    assert step.get("work") == "tri(20min, 30min, 60min)"
    assert step.get("materials") == "id_card, lease"


def test_layout_is_in_lanes_left_to_right(exported: dict[str, tuple[fk.Process, Path]]) -> None:
    """Every flow node has a shape inside its lane; forward flows go left to right."""
    _, bpmn = exported["beijing_lowrisk_warehouse"]
    root = ET.parse(bpmn).getroot()
    bounds = {
        s.get("bpmnElement"): tuple(float(b.get(k, "nan")) for k in ("x", "y", "width", "height"))
        for s in root.iter(f"{BPMNDI}BPMNShape") if (b := s.find(f"{DC}Bounds")) is not None
    }
    edges = {e.get("bpmnElement") for e in root.iter(f"{BPMNDI}BPMNEdge")}
    proc = root.find(f"{B}process")
    assert proc is not None
    flows = proc.findall(f"{B}sequenceFlow")
    assert edges == {f.get("id") for f in flows}
    for lane in proc.iter(f"{B}lane"):
        lx, ly, lw, lh = bounds[lane.get("id")]
        for ref in lane.findall(f"{B}flowNodeRef"):
            x, y, w, h = bounds[ref.text]
            assert lx <= x
            assert x + w <= lx + lw
            assert ly <= y
            assert y + h <= ly + lh
    backward = [f for f in flows if bounds[f.get("targetRef")][0] <= bounds[f.get("sourceRef")][0]]
    assert all(f.get("targetRef", "").startswith("Merge_") for f in backward)  # loops only


def test_non_ascii_ids_become_ascii_xml_ids(tmp_path: Path) -> None:
    """bpmn.io accepts ASCII ids only: Chinese step ids are kept in the flowkit data."""
    p = fk.loads("""
name: 中文
departments: [{id: 市场监管局}]
steps:
  - {id: 受理, department: 市场监管局, channel: counter, next: 发证}
  - {id: 发证, department: 市场监管局}
""")
    out = to_bpmn(p, tmp_path / "zh.bpmn")
    root = ET.parse(out).getroot()
    ids = [e.get("id", "") for e in root.iter() if not e.tag.startswith(FK) and e.get("id")]
    assert all(i.isascii() for i in ids)
    steps = [e.get("id") for e in root.iter(f"{FK}step")]
    assert steps == ["受理", "发证"]
    assert read_bpmn(out) == p


# ------------------------------------------------------------------ other tools' BPMN
def test_read_camunda_style_file() -> None:
    """Lanes, user/service/manual/send tasks, a choice with documented shares, AND split/join."""
    with pytest.warns(BpmnWarning, match="no flowkit data"):
        p = read_bpmn(DATA / "restaurant_camunda.bpmn")
    assert p.name == "食品经营许可（餐饮服务）"
    assert p.description == "某区开办餐馆的食品经营许可，现状流程。"
    assert [(d.id, d.name) for d in p.departments] == [
        ("政务服务中心综合窗口", "政务服务中心综合窗口"), ("区市场监督管理局", "区市场监督管理局"),
        ("区消防救援大队", "区消防救援大队")]
    got = [(s.id, s.department[:3], s.channel, s.kind, s.next, s.join) for s in p.steps]
    assert got == [
        ("受理申请", "政务服", "counter", "intake", "材料审查", None),
        ("材料审查", "政务服", "backoffice", "review", {"技术审查": 0.8, "受理申请": 0.2}, None),
        ("技术审查", "区市场", "backoffice", "review", ("现场核查", "消防安全检查"), None),
        ("现场核查", "区市场", "onsite", "inspection", "许可决定", None),
        ("消防安全检查", "区消防", "backoffice", "inspection", "许可决定", None),
        ("许可决定", "区市场", "backoffice", "approval", "邮寄送达许可证", "all"),
        ("邮寄送达许可证", "政务服", "mail", "delivery", None, None),
    ]
    a = fk.analyze(p)
    assert a.steps == pytest.approx(2 / 0.8 + 5)
    assert a.visits == pytest.approx(1 / 0.8)


def test_read_reference_permit_bpmn() -> None:
    """The team's reference permit.bpmn reads as permit.yaml's 7 steps and flows."""
    with pytest.warns(BpmnWarning, match="no lanes"):
        p = read_bpmn(DATA / "permit.bpmn")
    ref = fk.load(DATA / "permit.yaml")  # the same process in flowkit's format
    assert [s.id for s in p.steps] == ["intake", "check", "tech", "site", "fire", "approval",
                                       "issue"]
    flows = {s.id: (s.next, s.join) for s in p.steps}
    assert flows == {
        "intake": ("check", None), "check": ({"intake": 0.2, "tech": 0.8}, None),
        "tech": (("site", "fire"), None), "site": ("approval", None),
        "fire": ("approval", None), "approval": ("issue", "all"), "issue": (None, None),
    }
    assert [s.kind for s in p.steps] == ["intake", "review", "review", "inspection", "review",
                                         "approval", "delivery"]
    assert flows == {s.id: (s.next, s.join) for s in ref.steps}
    assert fk.analyze(p).steps == pytest.approx(2 / 0.8 + 5)


def test_gateway_chains_collapse() -> None:
    """A choice inside a choice multiplies; nested parallel splits and joins flatten."""
    p = _quiet_read(DATA / "gateway_chains.bpmn")
    by_id = {s.id: s for s in p.steps}
    assert by_id["a"].next == {"b": 0.6, "c": 0.3, "d": 0.1}
    assert by_id["e"].next == ("f", "g", "h")
    assert by_id["k"].join == "all"
    assert [d.id for d in p.departments] == ["Front_office", "Back_office"]


def test_read_with_approximations_warns_each() -> None:
    """Equal shares, routing steps, timers, pools and missing lanes are reported in one warning."""
    with pytest.warns(BpmnWarning) as record:
        p = read_bpmn(DATA / "approximations.bpmn")
    (w,) = record
    text = str(w.message)
    for part in ["1 message flow(s) between pools ignored",
                 "exclusive gateway 'Gateway_0acc001' (line 20): no probabilities",
                 "end event 'Event_0rej001' (line 25) ends a branch of the choice",
                 "parallel gateway 'Gateway_1par001' (line 28) splits in parallel right after",
                 "no lanes: every step is given to one department '不动产登记'"]:
        assert part in text
    by_id = {s.id: s for s in p.steps}
    assert by_id["收件受理"].next == {"不予受理": 0.5, "并联审批": 0.5}
    assert by_id["不予受理"].next is None
    assert by_id["不予受理"].work.is_zero
    assert by_id["并联审批"].next == ("权籍调查", "登簿")
    assert str(by_id["权籍调查"].wait) == "15d"  # the timer after the task
    assert by_id["登簿"].next == "缴纳登记费"  # the milestone event is passed through
    assert by_id["缴纳登记费"].join == "all"
    assert by_id["缴纳登记费"].kind == "payment"
    assert by_id["邮寄不动产权证书"].channel == "mail"


def test_edits_made_in_a_modeler_win(tmp_path: Path) -> None:
    """A renamed task, a changed task type and a relabelled share override the flowkit data."""
    p = fk.load(ROOT / "tests" / "data" / "design_example.yaml")
    text = to_bpmn(p, tmp_path / "p.bpmn").read_text(encoding="utf-8")
    text = text.replace('<bpmn:userTask id="issue" name="发照">', '<bpmn:sendTask id="issue" '
                        'name="邮寄营业执照">', 1)
    head, tail = text.split('<bpmn:sendTask id="issue"', 1)
    tail = tail.replace("</bpmn:userTask>", "</bpmn:sendTask>", 1)
    text = (head + '<bpmn:sendTask id="issue"' + tail).replace(
        "<bpmn:documentation>p=0.85</bpmn:documentation>",
        "<bpmn:documentation>p=0.9</bpmn:documentation>").replace(
        "<bpmn:documentation>p=0.15</bpmn:documentation>",
        "<bpmn:documentation>p=0.1</bpmn:documentation>")
    edited = tmp_path / "edited.bpmn"
    edited.write_text(text, encoding="utf-8")
    with pytest.warns(BpmnWarning, match="the visible 0.9 is used"):
        q = read_bpmn(edited)
    assert q.step("issue").channel == "mail"
    assert q.step("issue").name == "邮寄营业执照"
    assert q.step("review").next == {"issue": 0.9, "register": 0.1}
    assert q.step("issue").produces == p.step("issue").produces  # the rest is kept


def test_task_added_in_a_modeler_is_read(tmp_path: Path) -> None:
    """A task drawn into a flowkit file in a modeler becomes a step, with a warning."""
    p = fk.load(ROOT / "tests" / "data" / "design_example.yaml")
    text = to_bpmn(p, tmp_path / "p.bpmn").read_text(encoding="utf-8")
    text = text.replace(
        '<bpmn:sequenceFlow id="Flow_done_End_done" sourceRef="done" targetRef="End_done" />',
        '<bpmn:sequenceFlow id="Flow_done_End_done" sourceRef="done" '
        'targetRef="Activity_0arc001" />\n'
        '<bpmn:task id="Activity_0arc001" name="档案归档" />\n'
        '<bpmn:sequenceFlow id="Flow_0arc002" sourceRef="Activity_0arc001" targetRef="End_done" />',
    ).replace("<bpmn:flowNodeRef>done</bpmn:flowNodeRef>",
              "<bpmn:flowNodeRef>done</bpmn:flowNodeRef>"
              "<bpmn:flowNodeRef>Activity_0arc001</bpmn:flowNodeRef>")
    edited = tmp_path / "edited.bpmn"
    edited.write_text(text, encoding="utf-8")
    with pytest.warns(BpmnWarning, match="'Activity_0arc001'.*has no flowkit data"):
        q = read_bpmn(edited)
    assert q.step("done").next == "档案归档"
    assert q.step("档案归档").department == "tax"
    assert q.step("档案归档").next is None
    assert [s.id for s in q.steps][:-1] == [s.id for s in p.steps]


# ------------------------------------------------------------------------------- errors
#: malformed file -> (error class, substrings that must all appear in one problem)
EXPECTED: dict[str, tuple[type[fk.ModelError], list[str]]] = {
    "unknown_element.bpmn": (fk.ModelError, ["<taks>", "'decide'", "(line 12)",
                                             "not a BPMN element"]),
    "gateway_no_outgoing.bpmn": (fk.ModelError, ["exclusive gateway 'Gateway_0ok'", "(line 12)",
                                                 "no outgoing flow"]),
    "doctype.bpmn": (fk.FileFormatError, ["line 2", "document type", "remove the declaration"]),
    "broken_xml.bpmn": (fk.FileFormatError, ["XML syntax error at line 15", "mismatched tag"]),
    "not_bpmn.bpmn": (fk.FileFormatError, ["<svg>", "not a BPMN 2.0 file"]),
    "sub_process.bpmn": (fk.ModelError, ["<subProcess> 'decide'", "(line 12)",
                                         "event sub-process"]),
    "boundary_event.bpmn": (fk.ModelError, ["'Event_1late' on 'decide'", "(line 16)",
                                            "boundary event"]),
    "inclusive_gateway.bpmn": (fk.ModelError, ["'Gateway_1or'", "(line 12)", "inclusive"]),
    "timer_date.bpmn": (fk.ModelError, ["'Event_0date'", "(line 12)", "timeDate",
                                        "timeDuration"]),
    "probabilities_not_one.bpmn": (fk.ModelError, ["'Gateway_0ok'", "sum to 1.4",
                                                   "Flow_3: 0.7"]),
    "parallel_without_join.bpmn": (fk.ModelError, ["'decide'", "inside a parallel branch",
                                                   "[BPMN element 'decide' (line 17)]"]),
    "flow_to_nowhere.bpmn": (fk.ModelError, ["sequence flow 'Flow_2'", "(line 20)",
                                             "targetRef 'desicion'"]),
    "two_pools.bpmn": (fk.ModelError, ["2 processes", "'Process_1' (line 4)", "one pool"]),
    "no_start_event.bpmn": (fk.ModelError, ["no start event"]),
    "task_in_no_lane.bpmn": (fk.ModelError, ["task 'decide'", "(line 19)", "in no lane"]),
    "gateway_joins_and_splits.bpmn": (fk.ModelError, ["'Gateway_1mix'", "(line 19)",
                                                      "both joins", "put a task between"]),
    "gateways_in_a_loop.bpmn": (fk.ModelError, ["'Gateway_0one'", "(line 12)",
                                                "loop of gateways", "no task"]),
    "unknown_flowkit_element.bpmn": (fk.ModelError, ["<fk:teleport>", "'Process_1' (line 4)",
                                                     "upgrade flowkit"]),
}


def test_malformed_corpus_is_covered() -> None:
    """Every file of the malformed corpus has an expected message (none is silently skipped)."""
    assert {p.name for p in MALFORMED.glob("*.bpmn")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_malformed_files_give_located_errors(name: str) -> None:
    """A malformed BPMN file raises the expected error, naming the element, line and fix."""
    cls, parts = EXPECTED[name]
    with pytest.raises(cls) as err:
        read_bpmn(MALFORMED / name)
    assert type(err.value) is cls
    problems = err.value.problems
    assert any(all(part in problem for part in parts) for problem in problems), str(err.value)
    assert str(MALFORMED / name) in str(err.value)


def test_doctype_with_external_entity_is_refused(tmp_path: Path) -> None:
    """An external entity is never resolved: the declaration is refused before parsing."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET", encoding="utf-8")
    f = tmp_path / "xxe.bpmn"
    f.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>\n'
                 '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">'
                 '<bpmn:process id="P" name="&x;"/></bpmn:definitions>\n', encoding="utf-8")
    with pytest.raises(fk.FileFormatError, match="document type") as err:
        read_bpmn(f)
    assert "TOP SECRET" not in str(err.value)


def test_missing_and_empty_files(tmp_path: Path) -> None:
    """A missing or empty file is a FileFormatError naming the problem."""
    with pytest.raises(fk.FileFormatError, match="no such file"):
        read_bpmn(tmp_path / "nope.bpmn")
    (tmp_path / "empty.bpmn").write_text("  \n", encoding="utf-8")
    with pytest.raises(fk.FileFormatError, match="empty"):
        read_bpmn(tmp_path / "empty.bpmn")


# ------------------------------------------------------------------------------ helpers
@pytest.mark.parametrize(("text", "p"), [
    ("p=0.8", 0.8), ("P = 80%", 0.8), ("complete (80%)", 0.8), ("约 20% 不齐全", 0.2),
    ("0.25", 0.25), ("概率：0.3", 0.3), ("probability 0.05", 0.05), ("是", None), ("", None),
    ("Flow 2", None),
])
def test_probability_in_labels(text: str, p: float | None) -> None:
    """Shares are read from 'p=0.8', '80%' or a bare number in a name or documentation."""
    assert _probability_in(text) == (pytest.approx(p) if p is not None else None)


@pytest.mark.parametrize(("iso", "flowkit"), [
    ("P3D", "3d"), ("PT2H", "2h"), ("PT90M", "90min"), ("P1DT2H", "26h"), ("P2W", "14d"),
    ("PT1H30M", "90min"), ("P1M", None), ("P1Y", None), ("nonsense", None),
])
def test_iso_durations_of_timers(iso: str, flowkit: str | None) -> None:
    """A timer's ISO 8601 duration becomes a flowkit elapsed duration; months have no length."""
    assert _iso_duration(iso) == flowkit
