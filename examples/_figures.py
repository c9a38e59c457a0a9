"""The figures the examples compare, defined once, and the script every example runs.

Each ``examples/<service>/redesign.py`` names its levers and calls :func:`main`; the
tests (``tests/test_examples.py``, ``tests/test_redesigned_examples.py``) measure
with :func:`measure` and check documented figures with :func:`holds`, so a figure
means the same thing in every README, script and test.

Counting rules (ours; the sources do not define them):

* ``licences`` — certificate handovers to the applicant: applicant-facing steps
  (counter, mail, online) that produce a certificate. "5 licences → 1" (一业一证) is
  five handovers becoming one, even if the one certificate carries several permits.
* ``permits`` — the distinct certificates the process issues (``Process.produced``),
  however many times they are handed over.
* ``windows`` — departments with a counter step; ``material_sets`` — intake steps
  that take materials; ``inspections`` — on-site steps.
* every other figure is the :func:`flowkit.analyze` attribute of that name, or a
  Doing Business figure (``procedures``, ``days``, ``cost``).

A documented figure carries the relation its source states: ``"="`` (counts exactly;
days and working days equal at the source's precision, whole days unless the entry
gives ``precision``), ``"<="`` ("at most", 最长, 最多), ``">="`` ("at least", 以上) or
``"range"`` (``value`` is ``[low, high]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

import flowkit as fk

#: figures measured in days, compared at the source's precision under "="
DAY_FIGURES = ("days", "workdays", "clock_workdays")


def measure(p: fk.Process, figure: str) -> Any:
    """One figure of a process, by the rules of this module's docstring."""
    if figure == "licences":
        return sum(1 for s in p.steps if s.produces and s.channel in ("counter", "mail", "online"))
    if figure == "permits":
        return len(p.produced)
    if figure == "windows":
        return len({s.department for s in p.steps if s.channel == "counter"})
    if figure == "material_sets":
        return sum(1 for s in p.steps if s.kind == "intake" and s.materials)
    if figure == "inspections":
        return sum(1 for s in p.steps if s.channel == "onsite")
    a = fk.analyze(p)
    if figure in ("procedures", "days", "cost"):
        return getattr(a.doing_business(), figure)
    return getattr(a, figure)


def holds(got: Any, entry: dict[str, Any]) -> bool:
    """Whether a measured figure satisfies a documented one, by the entry's relation."""
    value, relation = entry["value"], entry.get("relation", "=")
    if isinstance(value, bool):
        return bool(got is value)
    if relation == "<=":
        return bool(got <= value)
    if relation == ">=":
        return bool(got >= value)
    if relation == "range":
        low, high = value
        return bool(low <= got <= high)
    if relation != "=":
        raise ValueError(f"relation {relation!r} of {entry['figure']!r}: use =, <=, >= or range")
    if entry["figure"] in DAY_FIGURES:
        return bool(abs(got - value) <= entry.get("precision", 1) / 2)
    return bool(got == value)


def committed(q: fk.Process) -> list[dict[str, str]]:
    """The times a redesign committed to, as inputs: each time lever with its source."""
    rows = []
    for h in q.history:
        if h.lever not in ("set_wait", "set_time_limit"):
            continue
        params = dict(h.params)
        target = params.get("step") or "the service"
        time = params.get("wait") or params.get("limit")
        rows.append({"lever": h.lever, "target": str(target), "time": str(time),
                     "source": str(params.get("source"))})
    return rows


FIGURES = ("procedures", "days", "workdays", "visits", "materials", "steps", "departments",
           "handoffs", "licences", "permits")


def figures(p: fk.Process, names: Sequence[str] = FIGURES) -> dict[str, Any]:
    """The figures a README compares, before or after."""
    return {name: measure(p, name) for name in names}


def build(here: Path, levers: Sequence[Any], name: str) -> tuple[fk.Process, fk.Process]:
    """The current process (``current.yaml`` in ``here``) and the redesigned one."""
    p = fk.load(here / "current.yaml")
    return p, fk.redesign(p, *levers, name=name)


def main(here: Path, levers: Sequence[Any], name: str,
         names: Sequence[str] = FIGURES) -> None:
    """Print what the redesign changes and the figures; write ``redesigned.yaml``."""
    p, q = build(here, levers, name)
    diff = fk.diff(p, q)
    print(f"{p.name} -> {q.name}: {len(diff)} differences")
    print(diff.groupby(["kind", "change"]).size().to_string())
    table = pd.DataFrame({"before": figures(p, names), "after": figures(q, names)})
    print(table.round(2).to_string())
    times = committed(q)
    if times:
        print("committed times (inputs):")
        for row in times:
            print(f"  {row['target']}: {row['time']} ({row['source']})")
    fk.save(q, here / "redesigned.yaml")
    print(f"wrote {here / 'redesigned.yaml'}")
