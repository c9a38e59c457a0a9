"""Reading and writing process files: round trips, YAML pitfalls, located errors."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

import flowkit as fk

FILES = [*sorted(Path("examples").glob("*/current.yaml")), Path("tests/data/design_example.yaml")]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.parent.name)
@pytest.mark.parametrize("suffix", [".yaml", ".json", ".yml"])
def test_round_trip(path: Path, suffix: str, tmp_path: Path) -> None:
    """load(save(p)) == p, in YAML and JSON."""
    p = fk.load(path)
    out = fk.save(p, tmp_path / f"p{suffix}")
    assert fk.load(out) == p
    assert fk.analyze(fk.load(out)) == fk.analyze(p)


def test_one_line_mapping_durations_are_read_whole() -> None:
    """YAML splits tri(a, b, c) at commas inside {...}; flowkit joins it back."""
    p = fk.loads("""
name: t
departments: [{id: a}]
steps:
  - {id: s, department: a, work: tri(20min, 30min, 60min), wait: lognorm(mean=2h, sd=1h),
     next: u}
  - {id: u, department: a, work: "empirical([1h, 2h])"}
""")
    assert str(p.steps[0].work) == "tri(20min, 30min, 60min)"
    assert str(p.steps[0].wait) == "lognorm(mean=2h, sd=1h)"


def test_unquoted_brackets_in_a_one_line_mapping_get_a_hint() -> None:
    """empirical([..]) inside {...} is a YAML error; the message says to quote it."""
    with pytest.raises(fk.FileFormatError, match="quote a value that holds brackets"):
        fk.loads("name: t\ndepartments: [{id: a}]\nsteps: [{id: s, department: a, "
                 "work: empirical([1h, 2h])}]\n")


def test_yaml_is_data_only() -> None:
    """A YAML tag that would build a Python object is refused, never executed."""
    with pytest.raises(fk.FileFormatError, match="YAML"):
        fk.loads("name: !!python/object/apply:os.system ['echo hacked']\nsteps: []\n")


def test_duplicate_yaml_key_is_an_error_with_lines() -> None:
    """A duplicate key is reported with both lines instead of silently keeping the last."""
    with pytest.raises(fk.ModelError) as err:
        fk.loads("name: t\ndepartments: [{id: a}]\nsteps:\n  - id: s\n    department: a\n"
                 "    work: 1h\n    work: 2h\n")
    assert "steps[0].work appears twice (at line 6 and again at line 7)" in str(err.value)


@pytest.mark.parametrize("word", ["no", "on", "yes", "off", "true"])
def test_ids_yaml_reads_as_booleans_get_a_hint(word: str) -> None:
    """id: no is a YAML boolean: the message says so, with the line and the written text."""
    problems = fk.validate(_write(f"name: t\ndepartments:\n  - {{id: {word}}}\nsteps: []\n"))
    joined = "\n".join(problems)
    assert "departments[0].id" in joined
    assert "quote" in joined
    assert f"written '{word}'" in joined
    assert "(line 3" in joined


def test_next_naming_a_boolean_gets_a_hint() -> None:
    """next: {yes: 0.5, no: 0.5} reads as booleans: say so."""
    problems = fk.validate(_write(
        "name: t\ndepartments: [{id: a}]\nsteps:\n  - {id: s, department: a, "
        "next: {yes: 0.5, no: 0.5}}\n"
    ))
    assert any("steps[0].next" in p and "boolean" in p for p in problems)


def test_validate_never_raises() -> None:
    """validate() returns problems for anything, even a directory or a missing file."""
    assert fk.validate("does/not/exist.yaml")
    assert fk.validate(Path("tests"))
    assert fk.validate({"name": 3}) != []


def test_validate_a_valid_process_and_tree() -> None:
    """A valid file, tree or Process has no problems."""
    assert fk.validate("tests/data/design_example.yaml") == []
    p = fk.load("tests/data/design_example.yaml")
    assert fk.validate(p) == []
    assert fk.validate(fk.to_dict(p)) == []


def test_validate_rechecks_a_built_process() -> None:
    """A Process that skipped validation (model_construct, model_copy) gets located problems."""
    made = fk.Process.model_construct(
        name="t",
        departments=(fk.Department(id="amr"),),
        steps=(fk.Step(id="s", department="tax"),),
    )
    assert fk.validate(made) == [
        "steps[0].department 'tax' is not a declared department (declared: amr): declare it "
        "under departments or fix the id"
    ]
    p = fk.load("tests/data/design_example.yaml")
    edited = p.model_copy(update={"steps": (*p.steps, fk.Step(id="x", department="amr",
                                                               next="nowhere"))})
    problems = fk.validate(edited)
    assert any(m.startswith(f"steps[{len(p.steps)}].next 'nowhere' is not a step")
               for m in problems)


def test_errors_carry_the_source_file() -> None:
    """load() names the file in its error."""
    path = _write("name: t\ndepartments: [{id: a}]\nsteps: [{id: s, department: b}]\n")
    with pytest.raises(fk.ModelError) as err:
        fk.load(path)
    assert str(path) in str(err.value)
    assert err.value.problems == fk.validate(path)


def test_json_loads() -> None:
    """JSON is the same tree as YAML."""
    p = fk.loads('{"name": "t", "departments": [{"id": "a"}], '
                 '"steps": [{"id": "s", "department": "a", "work": "1h"}]}', format="json")
    assert str(p.steps[0].work) == "1h"


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    """Files saved by Windows editors with a BOM load."""
    f = tmp_path / "bom.yaml"
    f.write_bytes("\ufeffname: 示例\ndepartments: [{id: a}]\nsteps: [{id: s, department: a}]\n"
                  .encode())
    assert fk.load(f).name == "示例"


def test_networkx_view() -> None:
    """to_networkx gives steps as nodes and flows with probability and handoff class."""
    g = fk.to_networkx(fk.load("tests/data/design_example.yaml"))
    assert isinstance(g, nx.DiGraph)
    assert set(g.nodes) == {"register", "review", "issue", "seal", "invoice", "done"}
    assert g.edges["review", "register"]["probability"] == 0.15
    assert g.edges["review", "register"]["back"] is True
    assert g.edges["issue", "seal"]["by_applicant"] is True
    assert g.edges["seal", "done"]["handoff"] is True
    assert g.edges["seal", "done"]["delay"] == "1wd"
    assert g.nodes["register"]["location"] == "政务服务中心"
    assert g.graph["start"] == "register"


_COUNTER = [0]


def _write(text: str) -> Path:
    import tempfile

    _COUNTER[0] += 1
    path = Path(tempfile.mkdtemp()) / f"p{_COUNTER[0]}.yaml"
    path.write_text(text, encoding="utf-8")
    return path
