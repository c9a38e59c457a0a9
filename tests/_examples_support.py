"""Shared by the example tests: the examples, their expected.json and their figures module."""

from __future__ import annotations

import importlib.util
import json
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p.parent for p in (ROOT / "examples").glob("*/current.yaml"))


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: examples/_figures.py, the one definition of every figure the examples compare
F = _load(ROOT / "examples" / "_figures.py", "examples_figures")


@cache
def script(folder: Path) -> ModuleType:
    """An example's redesign.py, imported."""
    return _load(folder / "redesign.py", f"redesign_{folder.name}")


def expected(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "expected.json").read_text(encoding="utf-8"))


def snapshot(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "snapshot.json").read_text(encoding="utf-8"))


def documented(side: str) -> list[Any]:
    """A test parameter per documented figure (``before``/``after``); xfail if not reproduced."""
    params = []
    for folder in EXAMPLES:
        for entry in expected(folder)["documented"][side]:
            marks = []
            if "not_reproduced" in entry:
                marks.append(pytest.mark.xfail(strict=True, reason=entry["not_reproduced"]))
            ident = f"{folder.name}-{entry['figure']}{entry['relation']}{entry['value']}"
            params.append(pytest.param(folder, entry, marks=marks, id=ident))
    return params
