"""A corpus of malformed process files and the located messages they must produce.

Each file in ``tests/malformed/`` has one main defect (``several_defects.yaml`` has
several on purpose). For every file, ``validate`` reports problems without raising,
``load`` raises a ``ModelError`` carrying the same problems, and one problem names
the path, the offending value and (YAML) the line: DESIGN.md §3, "Errors".

Cases where flowkit does not yet give the message a demanding user needs are
marked ``xfail(strict=True)``: fixing flowkit makes them pass, and then the mark
must go.
"""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest
import yaml

import flowkit

HERE = Path(__file__).parent / "malformed"

#: file -> substrings that must all appear in one problem (path, value, line).
EXPECTED: dict[str, list[str]] = {
    # references to undeclared ids
    "unknown_department.yaml": ["steps[2].department", "'tax2'", "'tax'", "(line 19"],
    "unknown_material.yaml": ["steps[0].materials[1]", "'lease'", "id_card", "(line 12"],
    "unknown_produces.yaml": ["steps[1].produces[0]", "'licence'", "(line 15"],
    "unknown_next.yaml": ["steps[1].next", "'isue'", "'issue'", "(line 12"],
    "unknown_issuer.yaml": ["materials[1].issued_by", "'psb'", "(line 7"],
    "unknown_start.yaml": ["start", "'begin'", "apply", "(line 3"],
    "json_unknown_department.json": ["steps[1].department", "'tax2'", "amr"],
    # duplicate ids and keys
    "duplicate_department_id.yaml": ["departments[2].id", "'amr'", "departments[0]", "(line 6"],
    "duplicate_material_id.yaml": ["materials[1].id", "'id_card'", "materials[0]", "(line 7"],
    "duplicate_step_id.yaml": ["steps[2].id", "'review'", "steps[1]", "(line 13"],
    "duplicate_yaml_key.yaml": ["steps[0].work", "'work'", "line 11", "line 9"],
    "json_duplicate_key.json": ["steps[0]", "'work'", "twice"],
    # choices (XOR)
    "probability_out_of_range.yaml": ["steps[1].next.issue", "1.2", "[0, 1]", "(line 12"],
    "probabilities_not_one.yaml": ["steps[1].next", "0.9", "not 1", "(line 12"],
    "probability_not_number.yaml": ["steps[1].next.issue", "'high'", "not a number", "(line 12"],
    "next_single_branch.yaml": ["steps[0].next", "['review']", "(line 9"],
    # flow structure
    "unreachable_step.yaml": ["steps[2]", "'archive'", "cannot be reached", "(line 13"],
    "loop_without_exit.yaml": ["steps[1]", "'review'", "never reach an end", "(line 10"],
    "no_end_step.yaml": ["no step ends the process"],
    "and_split_no_join.yaml": [
        "steps[0]", "'issue'", "['seal', 'invoice']", "join: all", "(line 8",
    ],
    "join_without_split.yaml": ["steps[2]", "'done'", "join: all", "(line 13"],
    "end_inside_parallel.yaml": ["steps[2]", "'stop'", "'issue'", "join: all", "(line 15"],
    "loop_back_to_split.yaml": ["steps[1]", "'seal'", "'issue'", "AND block", "(line 12"],
    "loop_leaves_and_block.yaml": ["steps[2]", "'seal'", "'apply'", "AND block", "(line 15"],
    "join_value.yaml": ["steps[1].join", "'any'", "join: all", "(line 12"],
    # durations
    "negative_duration.yaml": ["steps[1].work", "'-1h'", "negative", "(line 12"],
    "duration_free_text.yaml": ["steps[1].wait", "'3 days please'", "unit", "(line 12"],
    "duration_tri_two_args.yaml": ["steps[1].work", "'tri(1h, 2h)'", "missing high", "(line 12"],
    "duration_exp_empty.yaml": ["steps[1].work", "'exp()'", "mean", "(line 12"],
    "duration_unknown_dist.yaml": ["steps[1].work", "'gamma(1h)'", "'gamma'", "(line 12"],
    "duration_no_unit.yaml": ["steps[1].work", "30", "no unit", "(line 12"],
    "duration_mixed_wd_h.yaml": ["steps[1].work", "'uniform(2h, 1wd)'", "'wd'", "(line 12"],
    "work_in_days.yaml": ["steps[1].work", "'2d'", "wait", "(line 12"],
    "structured_duration_missing.yaml": ["steps[1].work", "missing mode", "low: 10min", "(line 12"],
    # numbers and enumerations
    "staff_zero.yaml": ["departments[1].staff", "0", "(line 5"],
    "negative_fee.yaml": ["steps[1].fee", "-50", "(line 12"],
    "unknown_channel.yaml": ["steps[1].channel", "'window_3'", "counter", "(line 12"],
    "unknown_kind.yaml": ["steps[1].kind", "'stamping'", "intake", "(line 12"],
    "unknown_level.yaml": ["departments[0].level", "'federal'", "county", "(line 4"],
    "handoff_unknown_mode.yaml": ["handoff.mode", "'fax'", "paper", "(line 3"],
    # unknown fields and file shape
    "typo_step_field.yaml": ["steps[1].wrok", "'work'", "(line 12"],
    "typo_top_level.yaml": ["stpes", "'steps'", "(line 5"],
    "empty.yaml": ["empty"],
    "only_comments.yaml": ["empty"],
    "only_list.yaml": ["list", "not a process"],
    "json_top_level_list.json": ["list", "not a process"],
    "steps_not_list.yaml": ["steps", "not a list", "(line 6"],
    "step_not_mapping.yaml": ["steps[0]", "'apply'", "not a mapping", "(line 6"],
    "name_empty.yaml": ["name", "empty", "(line 2"],
    # syntax and encoding
    "yaml_syntax_error.yaml": ["YAML syntax error", "line 7"],
    "yaml_bad_indent.yaml": ["YAML syntax error", "line 8"],
    "yaml_tab_indent.yaml": ["YAML syntax error", "line 5", "tab"],
    "json_syntax_error.json": ["JSON syntax error", "line 5", "comma"],
    "not_utf8.yaml": ["not UTF-8", "save it as UTF-8"],
    "unknown_suffix.txt": ["'unknown_suffix.txt'", "'.txt'", ".yaml"],
    # YAML scalars that are not text
    "id_no_boolean.yaml": ["steps[2].id", "'no'", "boolean", "quote", "(line 12"],
    "id_on_boolean.yaml": ["departments[1].id", "'on'", "boolean", "quote", "(line 5"],
    "next_yes_boolean.yaml": ["steps[1].next", "'yes'", "boolean", "quote", "(line 12"],
    "id_number.yaml": ["steps[2].id", "1", "number", "quote", "(line 12"],
    "json_id_number.json": ["steps[0].id", "7", "number", "quote"],
    "schedule_unquoted_time.yaml": ["steps[1].schedule.at[0]", "'14:00'", "quote", "(line 12"],
    "schedule_bad_time.yaml": ["steps[1].schedule.at[0]", "'25:00'", "(line 12"],
    # calendar and arrivals
    "calendar_hours_overlap.yaml": [
        "calendar.hours", "'09:00-12:00'", "'11:00-17:30'", "overlap", "(line 4",
    ],
    "calendar_hours_malformed.yaml": ["calendar.hours", "'9-12h'", "(line 4"],
    "calendar_weekday_8.yaml": ["calendar.weekdays", "8", "7 (Sunday)", "(line 4"],
    "arrivals_both.yaml": ["arrivals", "per_day", "every", "exactly one", "(line 4"],
    "arrivals_negative.yaml": ["arrivals.per_day", "-5", "(line 4"],
    "arrivals_unsorted.yaml": ["arrivals.at", "time order", "(line 4"],
    # materials, limits, case types
    "material_source_and_issuer.yaml": ["materials[1]", "'no_crime'", "issued_by", "(line 8"],
    "shared_applicant_material.yaml": ["materials[1]", "'lease'", "shared", "(line 7"],
    "time_limit_over_legal.yaml": ["steps[1].time_limit", "'20wd'", "'15wd'", "(line 12"],
    "by_type_unknown_case_type.yaml": ["steps[1].by_type.highrisk", "low_risk", "(line 17"],
    "case_type_shares.yaml": ["case_types", "0.9", "not 1", "(line 4"],
    # several defects at once (each is also checked in test_all_defects_reported_together)
    "several_defects.yaml": ["steps[1].department", "'tax2'", "(line 14"],
}

#: file -> substrings that no problem may contain (noise, Python reprs, internal text).
ABSENT: dict[str, list[str]] = {
    "arrivals_both.yaml": ["arrivals arrivals"],
    "arrivals_unsorted.yaml": ["arrivals arrivals"],
    "probability_not_number.yaml": ["is not text", "is not a list"],
    "schedule_unquoted_time.yaml": ["is empty"],
    "schedule_bad_time.yaml": ["25:00-24:00", "is empty"],
    "calendar_hours_overlap.yaml": ["and '11:00':"],
    "name_empty.yaml": ["None"],
}

#: file -> why its message is not yet what a user needs (the located test is xfail).
GAPS: dict[str, str] = {}

#: files that cannot be read as YAML/JSON at all: load raises FileFormatError.
UNREADABLE = [
    "empty.yaml",
    "only_comments.yaml",
    "not_utf8.yaml",
    "yaml_syntax_error.yaml",
    "yaml_bad_indent.yaml",
    "yaml_tab_indent.yaml",
    "json_syntax_error.json",
    "unknown_suffix.txt",
]
UNREADABLE_GAPS: dict[str, str] = {}

#: several_defects.yaml: each defect, as substrings of one problem.
SEVERAL = [
    ["departments[0].staff", "(line 4"],
    ["steps[0].materials[1]", "'lease'", "(line 11"],
    ["steps[1].department", "'tax2'", "(line 14"],
    ["steps[1].work", "'3 days please'", "(line 15"],
    ["0.9", "not 1"],
    ["steps[2].chanel", "'channel'", "(line 19"],
]

#: text that betrays a crash or an untranslated library message.
LEAKS = ["cannot read the process", "__unreadable__", "errors.pydantic.dev", "[type=", "Traceback"]


def _params(names: list[str], gaps: dict[str, str]) -> list[object]:
    return [
        pytest.param(
            name,
            id=name,
            marks=[pytest.mark.xfail(strict=True, reason=gaps[name])] if name in gaps else [],
        )
        for name in names
    ]


def _load_error(path: Path) -> flowkit.ModelError:
    with pytest.raises(flowkit.ModelError) as info:
        flowkit.load(path)
    return info.value


def test_corpus_is_large_and_fully_tabled() -> None:
    """The corpus holds at least 30 files, and every file has a row in EXPECTED."""
    files = sorted(p.name for p in HERE.iterdir() if p.is_file())
    assert len(files) >= 30
    assert sorted(EXPECTED) == files
    assert set(ABSENT) <= set(EXPECTED)
    assert set(GAPS) <= set(EXPECTED)
    assert set(UNREADABLE) <= set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_validate_reports_without_raising(name: str) -> None:
    """validate(path) returns a non-empty list of distinct sentences and never raises."""
    problems = flowkit.validate(HERE / name)
    assert isinstance(problems, list)
    assert problems
    assert all(isinstance(p, str) and p.strip() for p in problems)
    assert len(problems) == len(set(problems))
    for leak in LEAKS:
        assert not any(leak in p for p in problems), (leak, problems)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_load_raises_model_error_with_the_same_problems(name: str) -> None:
    """load(path) raises a ModelError naming the file, whose problems equal validate(path)."""
    path = HERE / name
    exc = _load_error(path)
    assert isinstance(exc, flowkit.FlowkitError)
    assert isinstance(exc, ValueError)
    assert not isinstance(exc, pydantic.ValidationError | yaml.YAMLError)
    assert not isinstance(exc.__cause__, pydantic.ValidationError | yaml.YAMLError)
    assert exc.problems == flowkit.validate(path)
    assert str(path) in str(exc)
    if name not in UNREADABLE:
        assert not isinstance(exc, flowkit.FileFormatError)


@pytest.mark.parametrize("name", _params(sorted(EXPECTED), GAPS))
def test_problem_is_located(name: str) -> None:
    """One problem names the path, the offending value and the line; no noise problems."""
    problems = flowkit.validate(HERE / name)
    wanted = EXPECTED[name]
    assert any(all(w in p for w in wanted) for p in problems), (wanted, problems)
    for unwanted in ABSENT.get(name, []):
        assert not any(unwanted in p for p in problems), (unwanted, problems)


@pytest.mark.parametrize("name", _params(UNREADABLE, UNREADABLE_GAPS))
def test_unreadable_file_raises_file_format_error(name: str) -> None:
    """A file that is empty, not UTF-8, not YAML/JSON, or has another suffix: FileFormatError."""
    exc = _load_error(HERE / name)
    assert isinstance(exc, flowkit.FileFormatError)


def test_all_defects_reported_together() -> None:
    """One validate() call reports every defect of several_defects.yaml, each located."""
    problems = flowkit.validate(HERE / "several_defects.yaml")
    for wanted in SEVERAL:
        assert any(all(w in p for w in wanted) for p in problems), (wanted, problems)
    assert len(problems) >= len(SEVERAL)
    assert _load_error(HERE / "several_defects.yaml").problems == problems
