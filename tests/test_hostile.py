"""Hostile input: every crafted file or argument gets a located FlowkitError, fast.

Each test is built from an input that hung, crashed or let a raw exception escape;
the corpus lives in ``tests/hostile/``. A test that runs past a few seconds is
itself a failure of the bound it checks, so the slow ones assert their time.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import flowkit as fk
from flowkit.interop.bounded import MAX_ALIAS_EXPANSION, MAX_DEPTH

HERE = Path(__file__).parent / "hostile"
BASE = "name: x\ndepartments: [{id: d}]\nsteps:\n  - {id: a, department: d, work: 1h}\n"


def _problem(exc: pytest.ExceptionInfo[fk.ModelError]) -> str:
    assert len(exc.value.problems) == 1
    return exc.value.problems[0]


# --------------------------------------------------------------------------- YAML / JSON
def test_alias_bomb_fails_fast_with_its_line() -> None:
    start = time.perf_counter()
    with pytest.raises(fk.FileFormatError) as exc:
        fk.load(HERE / "alias_bomb.yaml")
    assert time.perf_counter() - start < 2.0
    msg = _problem(exc)
    # sizes a = 10, b = 91, c = 820, d = 7381, e = 66430 values; the aliases of b..e
    # repeat 90 + 819 + 7380 + 66429 = 74718, and the first *e of line 6 adds 66430
    assert "line 6, column 8" in msg
    assert "*e" in msg
    assert f"{MAX_ALIAS_EXPANSION:,}" in msg
    assert "alias bomb" in msg


def test_history_params_anchors_cannot_inflate_save(tmp_path: Path) -> None:
    with pytest.raises(fk.FileFormatError) as exc:
        fk.load(HERE / "history_anchors.yaml")
    # a = 11, b = 111, c = 1111, d = 11111 values; b..d repeat 110 + 1110 + 11110, and
    # the ten *d of line 11 add 111110: past 100,000 at the ninth
    assert "line 11, column" in _problem(exc)
    assert "*d" in _problem(exc)
    small = BASE + "history:\n  - lever: merge\n    params:\n      a: &a [1, 2, 3]\n      b: *a\n"
    p = fk.loads(small)
    assert dict(p.history[0].params) == {"a": (1, 2, 3), "b": (1, 2, 3)} or (
        list(p.history[0].params["b"]) == [1, 2, 3]
    )
    out = fk.save(p, tmp_path / "p.yaml")
    assert out.stat().st_size < 400
    assert fk.load(out) == p


def test_recursive_alias_is_refused() -> None:
    with pytest.raises(fk.FileFormatError) as exc:
        fk.load(HERE / "recursive_alias.yaml")
    msg = _problem(exc)
    assert "*x" in msg
    assert "cycle" in msg
    assert "line 4" in msg


def test_deep_yaml_nesting_is_located() -> None:
    with pytest.raises(fk.FileFormatError) as exc:
        fk.load(HERE / "deep_nesting.yaml")
    msg = _problem(exc)
    # the top mapping is level 1; 'steps: ' is 7 characters, so the 100th '[' (level
    # 101) is at column 7 + 100
    assert f"more than {MAX_DEPTH} levels" in msg
    assert "line 2, column 107" in msg


def test_deep_json_nesting_is_located() -> None:
    start = time.perf_counter()
    with pytest.raises(fk.FileFormatError) as exc:
        fk.load(HERE / "deep_nesting.json")
    assert time.perf_counter() - start < 2.0
    msg = _problem(exc)
    # '{"name": "x", "steps": ' is 23 characters: the 100th '[' is depth 101
    assert "line 1, column 123" in msg
    assert "100 levels" in msg


def test_brackets_inside_json_strings_do_not_count() -> None:
    text = ('{"name": "' + "[" * 500 + '", "departments": [{"id": "d"}], '
            '"steps": [{"id": "a", "department": "d"}]}')
    assert fk.loads(text, format="json").name == "[" * 500


def test_nul_byte_and_utf16_without_bom_are_located() -> None:
    with pytest.raises(fk.FileFormatError) as exc:
        fk.load(HERE / "nul_byte.yaml")
    assert "line 4, column 15" in _problem(exc)
    assert "#x0000" in _problem(exc)
    with pytest.raises(fk.FileFormatError) as exc:
        fk.load(HERE / "utf16_no_bom.yaml")
    assert "UTF-16" in _problem(exc)
    assert "line 1, column 2" in _problem(exc)


@pytest.mark.parametrize(
    ("value", "what"),
    [("0b_", "base 2"), ("9" * 5000, "digits"), ("0x_", "base 16")],
)
def test_numbers_pyyaml_cannot_build_are_located(value: str, what: str) -> None:
    with pytest.raises(fk.FileFormatError) as exc:
        fk.loads(BASE + f"version: {value}\n")
    msg = _problem(exc)
    assert "line 5, column 10" in msg
    assert what in msg
    assert "quote it" in msg


def test_loads_takes_bytes_and_refuses_none() -> None:
    assert fk.loads(BASE.encode("utf-8")) == fk.loads(BASE)
    assert fk.loads(b"\xef\xbb\xbf" + BASE.encode()) == fk.loads(BASE)
    assert fk.loads(b'{"name": "x", "departments": [{"id": "d"}], "steps": [{"id": "a", '
                    b'"department": "d"}]}', format="json").name == "x"
    for bad in (None, 3, ["name: x"]):
        with pytest.raises(TypeError) as exc:
            fk.loads(bad)  # type: ignore[arg-type]
        assert isinstance(exc.value, fk.FileFormatError)
        assert type(bad).__name__ in str(exc.value)
    with pytest.raises(fk.FileFormatError) as err:
        fk.loads(b"name: \xff\n")
    assert "byte 6" in _problem(err)


def test_folder_paths_are_located(tmp_path: Path) -> None:
    folder = tmp_path / "p.yaml"
    folder.mkdir()
    with pytest.raises(fk.FileFormatError) as exc:
        fk.load(folder)
    assert "Is a directory" in _problem(exc) or "directory" in _problem(exc)
    assert fk.validate(folder) == exc.value.problems


def test_lone_surrogate_on_save_is_located_and_keeps_the_old_file(tmp_path: Path) -> None:
    p = fk.loads(BASE).model_copy(update={"description": "ok\udc80"})
    target = tmp_path / "p.json"
    target.write_text("previous", encoding="utf-8")
    with pytest.raises(fk.FileFormatError) as exc:
        fk.save(p, target)
    msg = _problem(exc)
    assert "description" in msg
    assert "'\\udc80'" in msg
    assert "position 2" in msg
    assert target.read_text(encoding="utf-8") == "previous"


# ------------------------------------------------------------------------------ numbers
@pytest.mark.parametrize(
    ("old", "new", "parts"),
    [
        ("{id: d}", "{id: d, staff: 1000000000000}", ["departments[0].staff", "at most 10000"]),
        ("work: 1h", "work: 1e300h", ["steps[0].work", "'1e300h'", "100 years", "line 4"]),
        ("work: 1h", "work: 1h, fee: 1e308", ["steps[0].fee", "at most"]),
    ],
)
def test_sizes_beyond_the_caps_are_located(old: str, new: str, parts: list[str]) -> None:
    with pytest.raises(fk.ModelError) as exc:
        fk.loads(BASE.replace(old, new))
    for part in parts:
        assert part in _problem(exc)


@pytest.mark.parametrize(
    ("arrivals", "parts"),
    [
        ("{every: exp(0min)}", ["arrivals.every", "mean gap of 0", "line 5"]),
        ("{every: 'normal(mean=-100h, sd=1h)'}", ["arrivals.every", "6 sd below 0", "line 5"]),
        ("{at: ['0001-01-01 09:00']}", ["arrivals.at", "year 1 ", "1900–2200"]),
        ("{at: ['9999-01-01 09:00']}", ["arrivals.at", "year 9999", "1900–2200"]),
    ],
)
def test_arrival_streams_that_cannot_advance_are_refused(arrivals: str, parts: list[str]) -> None:
    with pytest.raises(fk.ModelError) as exc:
        fk.loads(BASE + f"arrivals: {arrivals}\n")
    for part in parts:
        assert part in _problem(exc)


def test_holiday_of_year_9999_is_refused() -> None:
    with pytest.raises(fk.ModelError) as exc:
        fk.loads(BASE + "calendar: {holidays: [9999-01-01]}\n")
    assert "year 9999" in _problem(exc)


@pytest.mark.parametrize("until", ["nan", float("nan")])
def test_until_nan_is_refused(until: object) -> None:
    with pytest.raises(fk.SimulationError, match="until"):
        fk.simulate(fk.loads(BASE), n_cases=5, seed=1, until=until)  # type: ignore[arg-type]


def test_loop_that_almost_never_exits_is_refused_before_running() -> None:
    text = ("name: x\ndepartments: [{id: d}]\nsteps:\n"
            "  - {id: a, department: d, next: {a: 0.999999999999, b: 0.000000000001}}\n"
            "  - {id: b, department: d}\n")
    start = time.perf_counter()
    with pytest.raises(fk.SimulationError) as exc:
        fk.simulate(fk.loads(text), n_cases=5, seed=1)
    assert time.perf_counter() - start < 5.0
    # a runs 1 / 1e-12 = 1e12 times, b once
    assert "1e+12 steps" in str(exc.value)
    assert "steps[0] 'a'" in str(exc.value)
    assert "MAX_STEPS_PER_CASE" in str(exc.value)


def test_singular_chain_names_the_trapped_steps() -> None:
    p = fk.loads("name: x\ndepartments: [{id: d}]\nsteps:\n  - {id: a, department: d, next: b}\n"
                 "  - {id: b, department: d, next: {a: 0.5, c: 0.5}}\n  - {id: c, department: d}\n")
    b = p.steps[1].model_copy(update={"next": {"a": 1.0, "c": 0.0}})
    q = p.model_copy(update={"steps": (p.steps[0], b, p.steps[2])})
    with pytest.raises(fk.ModelError) as exc:
        fk.analyze(q)
    assert "'a', 'b' form a loop that no case leaves" in _problem(exc)


@pytest.mark.parametrize("seed", [-1, 1.5, "7", True])
def test_bad_seeds_are_located(seed: object) -> None:
    with pytest.raises(fk.FlowkitError, match="seed="):
        fk.simulate(fk.loads(BASE), n_cases=5, seed=seed)  # type: ignore[arg-type]
