"""Calendars beyond the holiday data: mixed holidays, 调休 workdays, one warning per call."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import pytest

import flowkit as fk
from flowkit.model.worktime import Clock

MON = dt.datetime(2026, 3, 9)  # a Monday, 00:00; 2026-03-10 is an ordinary Tuesday


def _end_of_one_wd_wait(cal: fk.Calendar, start: dt.datetime) -> dt.datetime:
    """When a 1-wd wait begun at 17:30 on ``start``'s day ends (7 working hours later)."""
    c = Clock(cal, start)
    return c.timestamp(c.add(17.5 * 60, 7 * 60))


def test_holidays_mix_china_with_a_date_that_closes() -> None:
    """[china, 2026-03-10]: the Tuesday closes, so Monday 17:30 + 1 wd ends Wednesday 17:30."""
    plain = fk.Calendar(holidays="china")
    mixed = fk.Calendar(holidays=["china", "2026-03-10"])
    assert mixed.holidays == ("china", dt.date(2026, 3, 10))
    assert mixed.uses_china
    assert _end_of_one_wd_wait(plain, MON) == dt.datetime(2026, 3, 10, 17, 30)
    assert _end_of_one_wd_wait(mixed, MON) == dt.datetime(2026, 3, 11, 17, 30)
    # the official days still apply: 2026-01-01 is 元旦
    assert not mixed.is_workday(dt.date(2026, 1, 1))


def test_holidays_mixed_read_from_a_file_and_saved_back(tmp_path: Path) -> None:
    """YAML reads `[china, 2027-02-08]` (an unquoted date) and saves it the same way."""
    p = fk.loads("""
name: t
calendar: {holidays: [2027-02-09, china, 2027-02-08], workdays: [2027-02-20]}
departments: [{id: d}]
steps: [{id: a, department: d}]
""")
    assert p.calendar.holidays == ("china", dt.date(2027, 2, 8), dt.date(2027, 2, 9))
    out = fk.save(p, tmp_path / "p.yaml").read_text(encoding="utf-8")
    assert "- china\n" in out
    assert "2027-02-08" in out
    assert fk.load(tmp_path / "p.yaml") == p
    assert fk.Calendar(holidays=["china"]).holidays == "china"
    with pytest.raises(ValueError, match="is not a date"):
        fk.Calendar(holidays=["china", 20270208])


def test_workdays_open_a_saturday() -> None:
    """workdays: [2026-03-14] (a Saturday): Friday 17:30 + 1 wd ends Saturday 17:30."""
    fri = dt.datetime(2026, 3, 13)
    plain = fk.Calendar()
    shifted = fk.Calendar(workdays=["2026-03-14"])
    assert _end_of_one_wd_wait(plain, fri) == dt.datetime(2026, 3, 16, 17, 30)
    assert _end_of_one_wd_wait(shifted, fri) == dt.datetime(2026, 3, 14, 17, 30)


def _reaching_2027(name: str = "t") -> fk.Process:
    return fk.loads(f"""
name: {name}
calendar: {{holidays: [china, 2027-02-08]}}
arrivals: {{per_day: 2}}
departments: [{{id: d, staff: 5}}]
steps: [{{id: a, department: d, work: 1h, wait: 30wd}}]
""")


def _calendar_warnings(run) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run()
    return [str(w.message) for w in caught if issubclass(w.category, fk.CalendarWarning)]


def test_a_year_without_data_warns_once_per_call_and_again_next_call() -> None:
    """December 2026 + 30 wd reaches 2027: one warning naming 2027 and the fix, each call."""
    p = _reaching_2027()
    for _ in range(2):  # no process-global memory: the second call warns again
        msgs = _calendar_warnings(
            lambda: fk.simulate(p, n_cases=50, seed=1, replications=3, start="2026-12-01"))
        assert len(msgs) == 1
        assert "2027" in msgs[0]
        assert "2026" not in msgs[0].split("(")[0]
        assert "holidays" in msgs[0]
        assert "workdays" in msgs[0]


def test_several_uncovered_years_are_named_in_one_warning() -> None:
    """Starting mid-2027 with a 200 wd wait runs into 2028: one warning, both years."""
    p = _reaching_2027().replace(steps=(fk.Step(id="a", department="d", wait="200wd"),))
    msgs = _calendar_warnings(
        lambda: fk.simulate(p, n_cases=5, seed=1, replications=1, start="2027-06-01"))
    assert len(msgs) == 1
    assert "2027, 2028" in msgs[0]


def test_a_run_inside_the_data_is_silent() -> None:
    """Within 2026 nothing warns; neither does a calendar without holidays: china."""
    p = _reaching_2027()
    assert _calendar_warnings(
        lambda: fk.simulate(p, n_cases=20, seed=1, replications=1, start="2026-01-05")) == []
    q = p.replace(calendar=fk.Calendar())
    assert _calendar_warnings(
        lambda: fk.simulate(q, n_cases=20, seed=1, replications=1, start="2026-12-01")) == []


def test_compare_warns_once_for_all_its_scenarios() -> None:
    """Two scenarios both reaching 2027: one CalendarWarning for the whole comparison."""
    msgs = _calendar_warnings(lambda: fk.compare(
        {"a": _reaching_2027("a"), "b": _reaching_2027("b")}, n_cases=30, seed=1,
        replications=2, start="2026-12-01"))
    assert len(msgs) == 1
    assert "2027" in msgs[0]


def test_the_command_line_prints_the_warning_once(tmp_path: Path) -> None:
    """simulate --start across a long run: one CalendarWarning line, whatever the bar."""
    from typer import testing as typer_testing

    from flowkit.cli import app

    path = fk.save(_reaching_2027(), tmp_path / "p.yaml")
    result = typer_testing.CliRunner().invoke(app(), [
        "simulate", str(path), "--cases", "200", "--replications", "3",
        "--start", "2026-12-01", "--n-jobs", "1"])
    assert result.exit_code == 0, result.output
    text = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert text.count("CalendarWarning") in (1, 2)  # once (output may echo stderr)
    lines = [ln for ln in text.splitlines() if "CalendarWarning" in ln]
    assert len(set(lines)) == 1
    assert "2027" in lines[0]
    bad = typer_testing.CliRunner().invoke(app(), ["simulate", str(path), "--start", "soon"])
    assert bad.exit_code == 1
