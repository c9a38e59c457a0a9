"""write_catalogue: processes as a 事项清单 that read_catalogue reads back to the same figures."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import flowkit as fk

FILES = [*sorted(Path("examples").glob("*/current.yaml")), Path("tests/data/design_example.yaml")]
KPIS = ("visits", "materials", "steps", "departments", "handoffs", "cross_department",
        "cross_level", "by_applicant", "workdays", "fee", "one_visit", "fetch_trips")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_round_trip_keeps_every_figure(suffix: str, tmp_path: Path) -> None:
    """Every example written and read back has the same static and Doing Business figures."""
    # a catalogue row has no column for the applicant's own delay (warned, tested below)
    ps = [p for p in (fk.load(f) for f in FILES) if p.applicant_delay.is_zero]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fk.CatalogueWarning)
        path = fk.write_catalogue(ps, tmp_path / f"事项清单{suffix}")
    cat = fk.read_catalogue(path)
    assert list(cat) == [p.name for p in ps]
    for p in ps:
        q = cat[p.name]
        a, b = fk.analyze(p), fk.analyze(q)
        for k in KPIS:
            assert getattr(b, k) == pytest.approx(getattr(a, k)), (p.name, k)
        assert b.doing_business().days == pytest.approx(a.doing_business().days)
        assert [s.id for s in q.steps] == [s.id for s in p.steps]
        assert [s.next for s in q.steps] == [s.next for s in p.steps]


def test_issue_time_and_shared_certificates_survive(tmp_path: Path) -> None:
    """A certificate to fetch keeps its issuer's issue time; a shared one stays shared."""
    p = fk.loads("""
name: 示例
departments:
  - {id: a, name: 窗口}
  - {id: psb, name: 公安局（户籍）, issue_time: 3wd}
materials:
  - {id: nc, name: 无犯罪记录证明, issued_by: psb}
  - {id: hk, name: 户口本, issued_by: psb, shared: true}
steps:
  - {id: s, department: a, channel: counter, work: 30min, materials: [nc, hk]}
""")
    q = fk.read_catalogue(fk.write_catalogue(p, tmp_path / "c.csv"))["示例"]
    # a department that only issues has no row: its id comes from its name
    psb = next(d for d in q.departments if d.name == "公安局（户籍）")
    assert str(psb.issue_time) == "3wd"
    assert [m.shared for m in q.materials] == [False, True]
    assert fk.analyze(q).workdays == pytest.approx(fk.analyze(p).workdays)


def test_what_a_row_cannot_hold_is_named(tmp_path: Path) -> None:
    """Case types, schedules and history do not fit a row: a warning names them."""
    p = fk.load("tests/data/design_example.yaml")
    q = fk.redesign(p, fk.levers.electronic_handoff())
    with pytest.warns(fk.CatalogueWarning, match="the lever history"):
        fk.write_catalogue(q, tmp_path / "c.csv")


def test_bad_arguments(tmp_path: Path) -> None:
    """Unknown suffixes and duplicate names are refused with a reason."""
    p = fk.load("tests/data/design_example.yaml")
    with pytest.raises(fk.FlowkitError, match=r"\.xlsx or \.csv"):
        fk.write_catalogue(p, tmp_path / "c.txt")
    with pytest.raises(fk.FlowkitError, match="distinct names"):
        fk.write_catalogue([p, p], tmp_path / "c.csv")


def test_what_a_row_cannot_hold_is_warned(tmp_path: Path) -> None:
    """The applicant delay, service limits and clock exclusions are named, not lost silently."""
    p = fk.loads("""
name: 示例
applicant_delay: 2d
time_limit: 5wd
departments: [{id: a}]
steps:
  - {id: s, department: a, kind: intake, channel: counter, work: 1h, next: x}
  - {id: x, department: a, wait: 3wd, clock: excluded}
""")
    with pytest.warns(fk.CatalogueWarning, match="applicant_delay.*time_limit.*clock: excluded"):
        fk.write_catalogue(p, tmp_path / "c.csv")
