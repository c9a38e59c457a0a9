"""The public surface is pinned: ``flowkit.__all__`` is exactly what ``import flowkit`` offers.

Like httpx's own test: every public name bound in ``flowkit/__init__.py`` is in
``__all__`` (sorted), and nothing else is. The layer subpackages of DESIGN §3, which
Python binds as attributes of ``flowkit`` when they are imported, are not surface.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pickle
import traceback
import types
import typing

import flowkit as fk

#: DESIGN §3's layers: attributes of ``flowkit`` only because they were imported
LAYERS = ("errors", "kpis", "model", "interop", "analysis", "simulation", "redesign", "report")
#: other submodules bound as attributes once imported (the CLI, the packaged example files)
SUBMODULES = ("cli", "data")
#: private names that are surface all the same
PUBLIC_DUNDERS = ("__version__",)
DATA = "tests/data/design_example.yaml"


def _is_layer(name: str, value: object) -> bool:
    """True for a submodule bound as an attribute (``fk.redesign`` the function is not)."""
    return (
        name in LAYERS + SUBMODULES
        and isinstance(value, types.ModuleType)
        and value.__name__ == f"flowkit.{name}"
    )


def test_all_is_every_public_name_sorted() -> None:
    for name in LAYERS + SUBMODULES:  # bind them all, whatever ran before
        if importlib.util.find_spec(f"flowkit.{name}") is not None:
            importlib.import_module(f"flowkit.{name}")
    public = [
        name
        for name, value in vars(fk).items()
        if (not name.startswith("_") or name in PUBLIC_DUNDERS) and not _is_layer(name, value)
    ]
    assert fk.__all__ == sorted(public)


def test_submodule_namespaces_that_are_surface() -> None:
    """``fk.levers`` and ``fk.plot`` are public namespaces; ``__version__`` is a string."""
    for name in ("levers", "plot", "__version__"):
        assert name in fk.__all__
    assert isinstance(fk.levers, types.ModuleType)
    assert isinstance(fk.plot, types.ModuleType)
    assert isinstance(fk.__version__, str)


def test_no_annotations_leak() -> None:
    """``from __future__ import annotations`` would bind ``fk.annotations``."""
    assert not hasattr(fk, "annotations")


def test_every_public_name_resolves() -> None:
    for name in fk.__all__:
        assert getattr(fk, name) is not None, name


def test_public_classes_live_in_flowkit() -> None:
    classes = [getattr(fk, n) for n in fk.__all__ if isinstance(getattr(fk, n), type)]
    assert classes
    for cls in classes:
        assert cls.__module__ == "flowkit", cls
        assert getattr(fk, cls.__qualname__) is cls


def test_reprs_and_tracebacks_say_flowkit() -> None:
    p = fk.load(DATA)
    assert repr(type(p)) == "<class 'flowkit.Process'>"
    assert repr(type(fk.analyze(p))) == "<class 'flowkit.Analysis'>"
    try:
        raise fk.ModelError("x")
    except fk.ModelError as err:
        line = traceback.format_exception_only(type(err), err)[-1]
    assert line.startswith("flowkit.ModelError:")


def test_process_and_analysis_pickle_round_trip() -> None:
    p = fk.load(DATA)
    q = pickle.loads(pickle.dumps(p))
    assert type(q) is fk.Process
    assert q == p
    a = fk.analyze(p)
    b = pickle.loads(pickle.dumps(a))
    assert type(b) is fk.Analysis
    assert b == a
    err = pickle.loads(pickle.dumps(fk.LeverError("no such step")))
    assert type(err) is fk.LeverError


def _makes_a_lever(obj: object) -> bool:
    """``Lever``, a Lever subclass, or a function annotated to return one."""
    lever = fk.levers.Lever
    if isinstance(obj, type):
        return issubclass(obj, lever)
    if inspect.isfunction(obj):
        try:
            returns = typing.get_type_hints(obj).get("return")
        except NameError:  # an annotation that does not resolve names no lever
            return False
        return isinstance(returns, type) and issubclass(returns, lever)
    return False


def test_dir_of_levers_shows_only_levers() -> None:
    """``dir(fk.levers)`` lists the levers and ``Lever``, nothing else."""
    names = [n for n in dir(fk.levers) if not n.startswith("_")]
    assert "Lever" in names
    others = [n for n in names if not _makes_a_lever(getattr(fk.levers, n))]
    assert others == []
