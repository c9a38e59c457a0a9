"""Models, durations, calendars: parsing, immutability, aliases, the pinned JSON schema."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

import flowkit as fk
from flowkit.model.calendar import uncovered_years
from flowkit.model.durations import format_duration, parse_duration

SCHEMA = Path(__file__).parent / "data" / "process.schema.json"


@pytest.mark.parametrize(
    ("text", "dist", "unit", "mean"),
    [
        ("30min", "constant", "min", 30.0),
        ("1.5h", "constant", "h", 1.5),
        ("3wd", "constant", "wd", 3.0),
        ("2 workdays", "constant", "wd", 2.0),
        ("3工作日", "constant", "wd", 3.0),
        ("2d", "constant", "d", 2.0),
        ("1w", "constant", "w", 1.0),
        ("exp(30min)", "exponential", "min", 30.0),
        ("exp(mean=2h)", "exponential", "h", 2.0),
        ("tri(10min, 20min, 1h)", "triangular", "min", 30.0),
        ("tri(low=1h, mode=2h, high=3h)", "triangular", "h", 2.0),
        ("uniform(1h, 2h)", "uniform", "h", 1.5),
        ("lognorm(mean=2h, sd=1h)", "lognormal", "h", 2.0),
        ("empirical([1h, 2h, 6h])", "empirical", "h", 3.0),
        ("empirical(30min, 1h)", "empirical", "min", 45.0),
    ],
)
def test_duration_text_forms(text: str, dist: str, unit: str, mean: float) -> None:
    """Each text form parses to its distribution, unit and mean, and prints back."""
    d = parse_duration(text)
    assert (d.dist, d.unit) == (dist, unit)  # type: ignore[attr-defined]
    assert d.mean() == pytest.approx(mean)
    assert parse_duration(format_duration(d)) == d


def test_structured_duration() -> None:
    """The structured form equals the text form."""
    d = parse_duration({"dist": "triangular", "low": "10min", "mode": "20min", "high": "40min"})
    assert d == parse_duration("tri(10min, 20min, 40min)")
    structured = parse_duration({"dist": "exp", "mean": 25, "unit": "min"})
    assert structured == parse_duration("exp(25min)")


def test_truncated_normal_mean() -> None:
    """normal() is truncated at 0: its mean is the truncated mean, and draws agree."""
    d = parse_duration("normal(mean=1h, sd=1h)")
    phi = math.exp(-0.5) / math.sqrt(2 * math.pi)
    tail = 0.5 * math.erfc(-1 / math.sqrt(2))
    assert d.mean() == pytest.approx(1 + phi / tail)
    x = d.sample(np.random.default_rng(3), 200_000)
    assert (x >= 0).all()
    se = x.std() / math.sqrt(len(x))
    assert abs(x.mean() - d.mean()) < 4 * se


def test_lognormal_draws_have_the_given_mean() -> None:
    """lognorm(mean, sd) takes the moments of the variable itself."""
    d = parse_duration("lognorm(mean=2h, sd=1h)")
    x = d.sample(np.random.default_rng(5), 400_000)
    assert abs(x.mean() - 2) < 4 * 1 / math.sqrt(len(x))
    assert x.std() == pytest.approx(1.0, rel=0.02)


def test_mixed_elapsed_units_convert_to_the_finest() -> None:
    """tri(30min, 1h, 2h) is stored in minutes."""
    d = parse_duration("tri(30min, 1h, 2h)")
    assert (d.unit, d.low, d.mode, d.high) == ("min", 30, 60, 120)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("30", "has no unit"),
        ("-1h", "negative"),
        ("3 days please", "is not a duration"),
        ("3 fortnights", "unknown unit"),
        ("tri(1h, 2h)", "missing high"),
        ("tri(3h, 2h, 1h)", "low <= mode <= high"),
        ("gamma(1h)", "unknown distribution"),
        ("tri(4h, 1wd, 2wd)", "mixes 'wd'"),
        ("exp()", "missing mean"),
        ("uniform(2h, 1h)", "low <= high"),
    ],
)
def test_bad_durations_say_why(text: str, needle: str) -> None:
    """A malformed duration raises a ValueError that quotes it and says what to write."""
    with pytest.raises(ValueError, match=re.escape(needle)):
        parse_duration(text)


def test_levels_kinds_channels_accept_chinese() -> None:
    """Chinese names map to the English ids."""
    d = fk.Department(id="x", level="乡镇")
    s = fk.Step(id="s", department="x", kind="受理", channel="窗口")
    assert (d.level, s.kind, s.channel) == ("town", "intake", "counter")
    assert fk.Step(id="t", department="x", channel="网办").channel == "online"


def test_models_are_frozen() -> None:
    """A model cannot be changed in place; replace() makes a new one."""
    s = fk.Step(id="s", department="x", next={"a": 0.5, "b": 0.5})
    with pytest.raises(Exception, match="frozen"):
        s.work = parse_duration("1h")  # type: ignore[misc]
    with pytest.raises(TypeError):
        s.next["a"] = 1.0  # type: ignore[index]
    t = s.replace(work="2h")
    assert str(t.work) == "2h"
    assert s.work.is_zero


def test_building_a_bad_process_raises_flowkit_errors() -> None:
    """Building models in Python raises ModelError with located problems, never pydantic's."""
    with pytest.raises(fk.ModelError) as err:
        fk.Process(
            name="p",
            departments=[fk.Department(id="a")],
            steps=[fk.Step(id="s", department="b", next="t")],
        )
    text = str(err.value)
    assert "steps[0].department 'b' is not a declared department" in text
    assert "steps[0].next 't' is not a step" in text
    with pytest.raises(fk.FlowkitError):
        fk.Department(id="a", staff=0)
    with pytest.raises(ValueError, match="staff"):
        fk.Department(id="a", staff=0)


def test_calendar_defaults_and_always() -> None:
    """Default calendar: 7 h a day, Mon-Fri; always: 24/7."""
    c = fk.Calendar()
    assert (c.hours_per_day, c.workdays_per_week) == (7.0, 5)
    p = fk.loads(
        "name: x\ncalendar: always\ndepartments: [{id: a}]\nsteps: [{id: s, department: a}]"
    )
    assert p.calendar.is_always
    assert p.calendar.hours_per_day == 24


def test_china_holidays() -> None:
    """holidays: china knows 2025's National Day week and the Sunday made a working day."""
    c = fk.Calendar(holidays="china")
    for day in range(1, 9):
        assert not c.is_workday(dt.date(2025, 10, day))
    assert c.is_workday(dt.date(2025, 9, 28))  # a Sunday, 调休
    assert c.is_workday(dt.date(2025, 10, 9))


def test_china_holidays_outside_the_data_fall_back_to_weekdays() -> None:
    """A year the holiday data does not cover uses Mon-Fri; simulate warns, not each day."""
    c = fk.Calendar(holidays="china")
    assert c.is_workday(dt.date(2099, 1, 1))  # a Thursday
    assert not c.is_workday(dt.date(2099, 1, 3))  # a Saturday
    assert uncovered_years([c], dt.date(2098, 12, 1), dt.date(2099, 1, 5)) == [2098, 2099]


def test_handoff_default_delays() -> None:
    """Paper transfers default to 1wd, electronic to 0; an explicit delay wins."""
    assert str(fk.Handoff().delay_or_default) == "1wd"
    assert fk.Handoff(mode="electronic").delay_or_default.is_zero
    assert str(fk.Handoff(mode="electronic", delay="2h").delay_or_default) == "2h"


def test_fetched_materials() -> None:
    """fetched lists issued, unshared, listed, unproduced materials in listed order."""
    p = fk.load("tests/data/design_example.yaml")
    assert p.fetched == ()
    assert p.produced == frozenset({"license"})


def test_json_schema_is_pinned() -> None:
    """The file format cannot drift silently: the JSON schema equals the pinned copy.

    After a deliberate change to the format, regenerate the copy with
    ``python -c "import json, flowkit as fk; print(json.dumps(
    fk.Process.model_json_schema(), indent=1, ensure_ascii=False, sort_keys=True))"
    > tests/data/process.schema.json``.
    """
    schema = fk.Process.model_json_schema()
    pinned = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert json.loads(json.dumps(schema, sort_keys=True)) == pinned
