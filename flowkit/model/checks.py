"""Whole-process checks: references, duplicate ids, flows and AND blocks.

:func:`check_parts` works on whatever parts of a file could be read, so that a
file with a broken step still gets every other problem reported; the
:class:`~flowkit.Process` validator calls it through :func:`check_process`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from .structure import Structure, analyse_structure

if TYPE_CHECKING:
    from .process import CaseType, Department, Material, Process, Step

__all__ = ["check_parts", "check_process"]


#: declared ids in file order (a dict's keys: constant-time membership)
Ids = dict[str, None]


def _hint(value: str, known: Iterable[str]) -> str:
    known = [k for k in known if not k.startswith("__")]
    close = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{close[0]}'?"
    if known and len(known) <= 12:
        return f" (declared: {', '.join(known)})"
    return ""


def _duplicates(kind: str, items: Sequence[tuple[int, str]]) -> list[str]:
    first: dict[str, int] = {}
    out = []
    for i, ident in items:
        if ident in first:
            out.append(
                f"{kind}[{i}].id '{ident}' is used twice (also {kind}[{first[ident]}]): ids "
                f"must be unique among {kind}"
            )
        else:
            first[ident] = i
    return out


def check_parts(
    *,
    start: str | None,
    departments: Sequence[tuple[int, Department]],
    materials: Sequence[tuple[int, Material]],
    steps: Sequence[tuple[int, Step]],
    case_types: Sequence[tuple[int, CaseType]] = (),
    known_departments: Iterable[str] | None = None,
    known_materials: Iterable[str] | None = None,
    known_steps: Iterable[str] | None = None,
    known_types: Iterable[str] | None = None,
    complete: bool = True,
    structure: Structure | None = None,
) -> list[str]:
    """Check references and flows among the parts that could be read.

    Parameters
    ----------
    start, departments, materials, steps, case_types
        The parts, each item with its index in the file.
    known_departments, known_materials, known_steps, known_types
        Ids declared in the file, including those of items that failed to read,
        so that one broken item does not make every reference to it an error.
    complete : bool
        False when some step could not be read: flow-structure checks are skipped.

    Returns
    -------
    list of str
        Located problems; empty when everything is consistent.
    """
    problems: list[str] = []
    problems += _duplicates("departments", [(i, d.id) for i, d in departments])
    problems += _duplicates("materials", [(i, m.id) for i, m in materials])
    problems += _duplicates("steps", [(i, s.id) for i, s in steps])
    problems += _duplicates("case_types", [(i, t.id) for i, t in case_types])

    # ids in file order with constant-time membership (a dict's keys)
    dept_ids = dict.fromkeys(known_departments or [d.id for _, d in departments])
    mat_ids = dict.fromkeys(known_materials or [m.id for _, m in materials])
    step_ids = dict.fromkeys(known_steps or [s.id for _, s in steps])
    type_ids = dict.fromkeys(known_types or [t.id for _, t in case_types])

    for i, m in materials:
        if m.issued_by is not None and m.issued_by not in dept_ids:
            problems.append(
                f"materials[{i}].issued_by '{m.issued_by}' is not a declared department"
                f"{_hint(m.issued_by, dept_ids)}: declare it under departments or fix the id"
            )

    refs_ok = True
    for i, s in steps:
        problems += _step_references(i, s, dept_ids, mat_ids)
        flows = _flow_references(i, s, step_ids)
        refs_ok = refs_ok and not flows
        problems += flows
        problems += _type_references(i, s, type_ids)
        problems += _limit_order(i, s)

    problems += _case_type_shares(case_types)
    if start is not None and start not in step_ids:
        refs_ok = False
        problems.append(
            f"start '{start}' is not a step{_hint(start, step_ids)}: name the first step's id"
        )

    if complete and refs_ok and steps and len({s.id for _, s in steps}) == len(steps):
        if structure is None:
            index = {s.id: i for i, s in steps}
            structure = analyse_structure([s for _, s in steps], start, index=index)
        problems += structure.problems
    return problems


def _step_references(i: int, s: Step, dept_ids: Ids, mat_ids: Ids) -> list[str]:
    """Problems with the department and materials that step ``steps[i]`` names."""
    problems: list[str] = []
    if s.department not in dept_ids:
        problems.append(
            f"steps[{i}].department '{s.department}' is not a declared department"
            f"{_hint(s.department, dept_ids)}: declare it under departments or fix the id"
        )
    for field in ("materials", "produces"):
        for j, mid in enumerate(getattr(s, field)):
            if mid not in mat_ids:
                problems.append(
                    f"steps[{i}].{field}[{j}] '{mid}' is not a declared material"
                    f"{_hint(mid, mat_ids)}: declare it under materials or fix the id"
                )
        seen: set[str] = set()
        for mid in getattr(s, field):
            if mid in seen:
                problems.append(f"steps[{i}].{field} lists '{mid}' twice: list it once")
            seen.add(mid)
    return problems


def _flow_references(i: int, s: Step, step_ids: Ids) -> list[str]:
    """Problems with the targets of step ``steps[i]`` that are not steps."""
    return [
        f"steps[{i}].next '{target}' is not a step{_hint(target, step_ids)}: "
        "name an existing step id"
        for target in s.targets
        if target not in step_ids
    ]


def _type_references(i: int, s: Step, type_ids: Ids) -> list[str]:
    """Problems with the case types that ``by_type`` of step ``steps[i]`` names."""
    return [
        f"steps[{i}].by_type.{type_id} is not a declared case type"
        f"{_hint(type_id, type_ids)}: declare it under case_types"
        for type_id in s.by_type
        if type_id not in type_ids
    ]


def _case_type_shares(case_types: Sequence[tuple[int, CaseType]]) -> list[str]:
    """A problem when the shares of the case types do not sum to 1."""
    if not case_types:
        return []
    total = sum(t.share for _, t in case_types)
    if abs(total - 1.0) > 1e-6:
        return [
            f"case_types shares sum to {total:g}, not 1: "
            + ", ".join(f"{t.id}: {t.share:g}" for _, t in case_types)
        ]
    return []


def _limit_order(i: int, s: Step) -> list[str]:
    """A problem when the committed time limit of ``steps[i]`` exceeds its legal limit."""
    tl, ll = s.time_limit, s.legal_limit
    if tl is None or ll is None:
        return []
    same_family = (tl.unit == "wd") == (ll.unit == "wd")
    if not same_family:
        return []
    scale = {"min": 1 / 1440, "h": 1 / 24, "d": 1.0, "w": 7.0, "wd": 1.0}
    if tl.mean() * scale[tl.unit] > ll.mean() * scale[ll.unit] + 1e-9:
        return [
            f"steps[{i}].time_limit '{tl}' is longer than its legal_limit '{ll}': the "
            "committed limit (承诺时限) cannot exceed the legal one (法定时限)"
        ]
    return []


def check_process(p: Process) -> list[str]:
    """Check a fully built process; returns located problems (empty when valid)."""
    return check_parts(
        start=p.start,
        departments=list(enumerate(p.departments)),
        materials=list(enumerate(p.materials)),
        steps=list(enumerate(p.steps)),
        case_types=list(enumerate(p.case_types)),
        structure=p.structure,
    )
