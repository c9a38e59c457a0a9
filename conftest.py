"""Doctest collection for the public classes, which report ``__module__ == "flowkit"``.

``flowkit/__init__.py`` sets ``__module__`` of each public class to ``"flowkit"``
(DESIGN §3). The standard doctest finder decides where a class's examples belong by
that attribute, so it would run them in ``flowkit/__init__.py`` (with its globals)
and drop the examples of their methods, whose globals are those of the module that
defines them. Here a class with ``__module__ == "flowkit"`` belongs to the module whose
source defines it, as every other class does.

Property tests draw new examples on every run, so that a developer's runs keep
looking for counterexamples; in CI (``CI`` set, or ``HYPOTHESIS_PROFILE=ci``) they
draw the same examples every time, so that CI's verdict depends on the commit alone.
"""

from __future__ import annotations

import ast
import doctest
import functools
import os
from pathlib import Path
from types import ModuleType

_standard_from_module = doctest.DocTestFinder._from_module  # type: ignore[attr-defined]


@functools.cache
def _classes_defined_in(path: str) -> frozenset[str]:
    """Qualified names of the classes a source file defines (nested ones included)."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    names: set[str] = set()

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef):
                names.add(prefix + node.name)
                visit(node.body, f"{prefix}{node.name}.")

    visit(tree.body, "")
    return frozenset(names)


def _from_module(self: doctest.DocTestFinder, module: ModuleType | None, obj: object) -> bool:
    """doctest's rule, except that a public flowkit class belongs where it is defined."""
    if isinstance(obj, type) and obj.__module__ == "flowkit" and module is not None:
        path = getattr(module, "__file__", None)
        if path is None or obj.__qualname__ not in _classes_defined_in(path):
            return False
        found: object = module
        for part in obj.__qualname__.split("."):
            found = getattr(found, part, None)
        return found is obj
    return bool(_standard_from_module(self, module, obj))


doctest.DocTestFinder._from_module = _from_module  # type: ignore[attr-defined]


# Notebooks (nbmake) run in Jupyter kernels, which pytest's filterwarnings do not reach:
# the kernels inherit this environment, in which matplotlib's "Glyph … missing from
# font(s)" warning is an error. An inline figure that draws tofu (empty boxes) then
# fails its cell (nbmake fails a cell with an error output).
GLYPH_ERROR = "error:Glyph:UserWarning"
_warnoptions = [w for w in os.environ.get("PYTHONWARNINGS", "").split(",") if w]
if GLYPH_ERROR not in _warnoptions:
    os.environ["PYTHONWARNINGS"] = ",".join([*_warnoptions, GLYPH_ERROR])


try:
    from hypothesis import settings as _hypothesis_settings
except ImportError:  # the doctests run without the test extras too
    pass
else:
    _hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
    _profile = os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "")
    if _profile:
        _hypothesis_settings.load_profile(_profile)
