"""The flowkit command line, through typer's runner and as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import flowkit as fk

typer_testing = pytest.importorskip("typer.testing")
from flowkit.cli import app  # noqa: E402

EXAMPLE = "examples/jiaxing_swimming_pool/current.yaml"
BROKEN = "tests/malformed/unknown_department.yaml"


def run(*args: str) -> typer_testing.Result:
    return typer_testing.CliRunner().invoke(app(), list(args))


def test_validate_ok_and_invalid() -> None:
    """validate: exit 0 for a valid file; 1 with the located problem on stderr."""
    ok = run("validate", EXAMPLE)
    assert ok.exit_code == 0
    assert "ok" in ok.stdout
    bad = run("validate", BROKEN)
    assert bad.exit_code == 1
    assert "steps[2].department 'tax2'" in bad.stderr


def test_validate_json() -> None:
    """validate --json lists problems per file."""
    out = run("validate", EXAMPLE, BROKEN, "--json")
    assert out.exit_code == 1
    data = json.loads(out.stdout)
    assert data["valid"] is False
    assert data["problems"][EXAMPLE] == []
    assert data["problems"][BROKEN]


def test_analyze_json_equals_the_library() -> None:
    """analyze --json prints the figures of fk.analyze."""
    out = run("analyze", EXAMPLE, "--json", "--db")
    assert out.exit_code == 0
    data = json.loads(out.stdout)
    a = fk.analyze(fk.load(EXAMPLE))
    assert data["visits"] == pytest.approx(a.visits)
    assert data["one_visit"] == 0.0
    assert data["db_procedures"] == pytest.approx(a.doing_business().procedures)


def test_analyze_table_in_chinese() -> None:
    """analyze prints the KPI table with Chinese labels."""
    out = run("analyze", EXAMPLE)
    assert out.exit_code == 0
    assert "跑动次数" in out.stdout
    assert "最多跑一次" in out.stdout


def test_simulate(tmp_path: Path) -> None:
    """simulate --cases --seed prints a summary; --events writes the log."""
    log = tmp_path / "log.csv"
    out = run("simulate", EXAMPLE, "--cases", "40", "--seed", "3", "--events", str(log),
              "--json")
    assert out.exit_code == 0
    data = json.loads(out.stdout)
    assert data["steps"]["mean"] > 0
    assert log.read_text(encoding="utf-8").startswith("case:concept:name")


def test_compare_with_report(tmp_path: Path) -> None:
    """compare A B --report writes the HTML report and prints the table."""
    p = fk.load(EXAMPLE)
    q = fk.redesign(p, fk.levers.go_online())
    b = fk.save(q, tmp_path / "after.yaml")
    html = tmp_path / "report.html"
    out = run("compare", EXAMPLE, str(b), "--cases", "30", "--replications", "2",
              "--report", str(html))
    assert out.exit_code == 0, out.output
    assert "跑动次数" in out.stdout
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_convert_yaml_json(tmp_path: Path) -> None:
    """convert between YAML and JSON keeps the process."""
    out = run("convert", EXAMPLE, str(tmp_path / "p.json"))
    assert out.exit_code == 0
    assert fk.load(tmp_path / "p.json") == fk.load(EXAMPLE)


def test_usage_errors_exit_2() -> None:
    """A missing argument or unknown option is a usage error: exit 2."""
    assert run("analyze").exit_code == 2
    assert run("simulate", EXAMPLE, "--cases", "zero").exit_code == 2
    assert run("frobnicate").exit_code == 2


def test_missing_file_exits_1() -> None:
    """A file that does not exist is invalid input: exit 1 with a message."""
    out = run("analyze", "nope.yaml")
    assert out.exit_code == 1
    assert "no such file" in out.stderr


def test_demo_and_packaged_example_agree() -> None:
    """The demo's packaged example equals examples/jiaxing_swimming_pool/current.yaml."""
    from importlib import resources

    text = resources.files("flowkit.data").joinpath("jiaxing_swimming_pool.yaml").read_text(
        encoding="utf-8")
    assert fk.loads(text) == fk.load(EXAMPLE)
    out = run("demo", "--cases", "30")
    assert out.exit_code == 0
    assert "跑动减少率" in out.stdout


def test_real_subprocess() -> None:
    """The installed entry point runs, with the same exit codes."""
    exe = [sys.executable, "-m", "flowkit.cli"]
    ok = subprocess.run([*exe, "validate", EXAMPLE], capture_output=True, text=True, check=False)
    assert ok.returncode == 0
    bad = subprocess.run([*exe, "validate", BROKEN], capture_output=True, text=True,
                         check=False)
    assert bad.returncode == 1
    assert "tax2" in bad.stderr
    usage = subprocess.run([*exe, "analyze"], capture_output=True, text=True, check=False)
    assert usage.returncode == 2


def test_convert_to_bpmn_and_catalogue(tmp_path: Path) -> None:
    """convert writes BPMN and a catalogue spreadsheet that read back to the same figures."""
    a = fk.analyze(fk.load(EXAMPLE))
    assert run("convert", EXAMPLE, str(tmp_path / "p.bpmn")).exit_code == 0
    assert fk.read_bpmn(tmp_path / "p.bpmn") == fk.load(EXAMPLE)
    with pytest.warns(fk.CatalogueWarning, match="region"):  # a row has no region column
        assert run("convert", EXAMPLE, str(tmp_path / "c.csv")).exit_code == 0
    out = run("convert", str(tmp_path / "c.csv"), str(tmp_path / "back.yaml"))
    assert out.exit_code == 0, out.output
    assert fk.analyze(fk.load(tmp_path / "back.yaml")).visits == pytest.approx(a.visits)
