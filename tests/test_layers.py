"""DESIGN §3's house rules, read from the source: imports point down the layers, modules stay small.

The layers, and the only direction an import may point (a module imports from its own
layer or from layers before it)::

    errors.py, kpis.py < model/ < interop/ < analysis/ < simulation/ < redesign/
        < report/ (with report/plot/) < cli.py and flowkit/__init__.py

Every import counts, lazy ones inside functions included; only imports under
``if TYPE_CHECKING:`` are exempt. ``cli.py`` uses only the public ``flowkit`` names.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import flowkit as fk

PACKAGE = Path(__file__).resolve().parents[1] / "flowkit"
MAX_LINES = 600

#: the layer of each subpackage (or bottom module) of flowkit, lowest first
RANK = {
    "errors": 0,
    "kpis": 0,
    "_version": 0,
    "data": 0,  # package data (example files), no code
    "model": 1,
    "interop": 2,
    "analysis": 3,
    "simulation": 4,
    "redesign": 5,
    "report": 6,
}
#: ``flowkit`` itself, ``cli.py`` and any name imported from the top package
TOP = 7
#: modules that import nothing of flowkit (DESIGN §3 says so of errors and kpis)
SELF_CONTAINED = ("flowkit.errors", "flowkit.kpis", "flowkit._version", "flowkit.data")


def layer_of(module: str) -> int | None:
    """The layer of a dotted name inside flowkit; None for a name outside flowkit."""
    parts = module.split(".")
    if parts[0] != "flowkit":
        return None
    if len(parts) == 1:
        return TOP
    return RANK.get(parts[1], TOP)


def module_name(path: Path) -> str:
    """``flowkit/analysis/analyze.py`` -> ``flowkit.analysis.analyze`` (a package: its name)."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    name = ".".join(parts)
    return name.removesuffix(".__init__")


def _is_type_checking(test: ast.expr) -> bool:
    """``if TYPE_CHECKING:`` or ``if typing.TYPE_CHECKING:``, and nothing looser."""
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _typing_only(tree: ast.AST) -> set[int]:
    """Ids of the nodes inside the body of an ``if TYPE_CHECKING:`` (not its ``else``)."""
    exempt: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for stmt in node.body:
                exempt.update(id(sub) for sub in ast.walk(stmt))
    return exempt


def _targets(node: ast.AST, module: str, is_package: bool) -> list[str]:
    """The dotted names an import statement (or ``import_module("...")`` call) reaches."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level:
            base = module.split(".") if is_package else module.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            source = ".".join(base + ([node.module] if node.module else []))
        else:
            source = node.module or ""
        if source != "flowkit":
            return [source]
        # `from .. import analysis` reaches the layer named, `from flowkit import x` the top
        return [f"{source}.{alias.name}" for alias in node.names]
    if (
        isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
            or (isinstance(node.func, ast.Name) and node.func.id in {"import_module", "__import__"})
        )
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return [node.args[0].value]
    return []


def imports_of(source: str, module: str, is_package: bool = False) -> Iterator[tuple[str, int]]:
    """Each flowkit name imported by a module's source, with its line (TYPE_CHECKING exempt)."""
    tree = ast.parse(source)
    exempt = _typing_only(tree)
    found = [
        (target, getattr(node, "lineno", 0))
        for node in ast.walk(tree)
        if id(node) not in exempt
        for target in _targets(node, module, is_package)
        if layer_of(target) is not None
    ]
    yield from sorted(found, key=lambda hit: hit[1])


def back_imports(source: str, module: str, is_package: bool = False) -> list[str]:
    """``module -> target (line n)`` for each import that points up the layers."""
    mine = layer_of(module)
    assert mine is not None, module
    return [
        f"{module} -> {target} (line {line})"
        for target, line in imports_of(source, module, is_package)
        if (layer_of(target) or 0) > mine
    ]


def _sources() -> Iterator[tuple[Path, str, str]]:
    """(path, module name, source) of every Python file of the package."""
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, module_name(path), path.read_text(encoding="utf-8")


# ------------------------------------------------------------------------------- the checker
def test_checker_sees_lazy_imports_and_exempts_type_checking() -> None:
    source = '''
from typing import TYPE_CHECKING
from ..model.process import Process
from . import flowcalc
if TYPE_CHECKING:
    from ..report.display import analysis_html
else:
    from ..simulation import engine
def f():
    from ..redesign.levers import co_locate
    import flowkit.report.files
    import importlib
    importlib.import_module("flowkit.simulation.results")
    from .. import interop, report
    import flowkit as fk
'''
    found = back_imports(source, "flowkit.analysis.analyze")
    assert found == [
        "flowkit.analysis.analyze -> flowkit.simulation (line 8)",
        "flowkit.analysis.analyze -> flowkit.redesign.levers (line 10)",
        "flowkit.analysis.analyze -> flowkit.report.files (line 11)",
        "flowkit.analysis.analyze -> flowkit.simulation.results (line 13)",
        "flowkit.analysis.analyze -> flowkit.report (line 14)",
        "flowkit.analysis.analyze -> flowkit (line 15)",
    ]


def test_checker_resolves_relative_imports_of_a_package() -> None:
    assert back_imports("from .plot import figures", "flowkit.report", is_package=True) == []
    assert back_imports("from ..report import plot", "flowkit.model", is_package=True) == [
        "flowkit.model -> flowkit.report (line 1)"
    ]


# ------------------------------------------------------------------------------- the rules
def test_every_module_belongs_to_a_layer() -> None:
    """A new top-level module of flowkit must take its place in DESIGN §3's list."""
    known = {*RANK, "cli"}
    strays = [
        module
        for _, module, _ in _sources()
        if module != "flowkit" and module.split(".")[1] not in known
    ]
    assert strays == []


def test_imports_point_down_the_layers() -> None:
    found = []
    for path, module, source in _sources():
        found += back_imports(source, module, path.name == "__init__.py")
    assert found == [], "imports that run back up DESIGN §3's layers:\n" + "\n".join(found)


def test_errors_and_kpis_import_nothing_of_flowkit() -> None:
    found = [
        f"{module} -> {target} (line {line})"
        for path, module, source in _sources()
        if module in SELF_CONTAINED
        for target, line in imports_of(source, module, path.name == "__init__.py")
    ]
    assert found == []


def test_modules_stay_under_600_lines() -> None:
    big = [
        f"{path.relative_to(PACKAGE.parent)} ({n} lines)"
        for path, _, source in _sources()
        if (n := source.count("\n")) > MAX_LINES
    ]
    assert big == [], f"modules over {MAX_LINES} lines: " + ", ".join(big)


def test_cli_uses_only_public_names() -> None:
    """cli.py imports ``flowkit as fk`` (nothing deeper) and uses only names of ``fk.__all__``."""
    tree = ast.parse((PACKAGE / "cli.py").read_text(encoding="utf-8"))
    deep, private = [], []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (
            node.level or (node.module or "").split(".")[0] == "flowkit"
        ):
            names = [alias.name for alias in node.names]
            if node.level or node.module != "flowkit":
                deep.append(f"line {node.lineno}: from {'.' * node.level}{node.module or ''}")
            else:
                private += [f"line {node.lineno}: {n}" for n in names if n not in fk.__all__]
        elif isinstance(node, ast.Import):
            deep += [
                f"line {node.lineno}: import {alias.name}"
                for alias in node.names
                if alias.name.startswith("flowkit.")
            ]
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "fk"
            and node.attr not in fk.__all__
        ):
            private.append(f"line {node.lineno}: fk.{node.attr}")
    assert deep == [], "cli.py reaches inside flowkit: " + ", ".join(deep)
    assert private == [], "cli.py uses names outside fk.__all__: " + ", ".join(private)
