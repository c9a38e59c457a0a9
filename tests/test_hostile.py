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
