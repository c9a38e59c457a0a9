"""``redesign``, ``bundle`` and ``diff``: from a current process to a redesigned one."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..errors import LeverError, ModelError
from ..model.process import Change, Department, HistoryEntry, Material, Process, Step
from .edit import plain
from .levers import Lever

__all__ = ["bundle", "diff", "redesign"]


def redesign(process: Process, *levers: Lever, name: str | None = None) -> Process:
    """Apply levers in order, each to the result of the one before.

    Parameters
    ----------
    process : Process
        The current process; it is not changed.
    *levers : Lever
        Objects from :mod:`flowkit.levers`, e.g. ``fk.levers.single_window()``.
    name : str, optional
        Name of the redesigned process (default: the current name + ``（改革后）``).

    Returns
    -------
    Process
        A new, valid process whose ``history`` ends with one entry per lever.

    Raises
    ------
    LeverError
        When a lever does not apply, saying why.

    Examples
    --------
    >>> import flowkit as fk
    >>> p = fk.load("tests/data/design_example.yaml")
    >>> q = fk.redesign(p, fk.levers.mail_delivery(), fk.levers.electronic_handoff(),
    ...                 name="开办企业（改革后）")
    >>> q.name, [h.label for h in q.history]
    ('开办企业（改革后）', ['邮寄送达', '一网通办'])
    >>> q.step("issue").channel, p.step("issue").channel
    ('mail', 'counter')
    """
    if not isinstance(process, Process):
        raise LeverError("redesign takes a Process first: load files with flowkit.load")
    current = process
    for lever in levers:
        if not isinstance(lever, Lever):
            raise LeverError(
                f"{lever!r} is not a lever: use the objects of flowkit.levers, e.g. "
                "fk.levers.share_data()"
            )
        current = lever.apply(current)
    new_name = name if name is not None else f"{process.name}（改革后）"
    if new_name != current.name:
        last = current.history[-1] if len(current.history) > len(process.history) else None
        change = Change(target="process", id=process.name, action="set", field="name",
                        before=current.name, after=new_name)
        if last is not None:
            entries = (*current.history[:-1],
                       last.replace(changes=(*last.changes, change)))
        else:
            entries = current.history
        current = current.replace(name=new_name, history=entries)
    return current


def _prefixed(p: Process, k: int) -> str:
    """The step-id prefix of the ``k``-th service of a bundle."""
    return f"s{k + 1}_"


def bundle(*processes: Process, name: str) -> Process:
    """一件事一次办: several services become one process.

    One intake (the services' first intakes merged: one window, one form, the
    materials united without duplicates), the services' back offices as parallel
    branches, one delivery (their deliveries merged). Step ids get a prefix per
    service (``s1_``, ``s2_`` …); departments and materials with the same id are the
    same. A rework loop back to a service's intake goes to a supplement counter step
    inside its branch.

    Parameters
    ----------
    *processes : Process
        Two or more services.
    name : str
        The name of the bundled service (e.g. ``开便利店一件事``).

    Returns
    -------
    Process

    Examples
    --------
    >>> import flowkit as fk
    >>> def svc(n):
    ...     return fk.loads(f'''
    ... name: 许可{n}
    ... departments: [{{id: d{n}, location: hall{n}}}]
    ... materials: [{{id: id_card}}, {{id: form{n}}}]
    ... steps:
    ...   - {{id: apply, department: d{n}, kind: intake, channel: counter,
    ...      materials: [id_card, form{n}], next: review}}
    ...   - {{id: review, department: d{n}, kind: review, wait: {n}wd, next: issue}}
    ...   - {{id: issue, department: d{n}, kind: delivery, channel: counter}}
    ... ''')
    >>> b = fk.bundle(svc(1), svc(2), name="一件事")
    >>> a1, a2, ab = fk.analyze(svc(1)), fk.analyze(svc(2)), fk.analyze(b)
    >>> a1.visits + a2.visits, ab.visits, a1.materials + a2.materials, ab.materials
    (4.0, 2.0, 4.0, 3.0)
    """
    _check_services(processes)
    departments, materials = _shared_definitions(processes)
    intake_ids = [_first_intake(p) for p in processes]
    front = next((p.step(i) for p, i in zip(processes, intake_ids, strict=True) if i), None)
    if front is None:
        raise LeverError("bundle: no service starts with an intake (受理) step to merge")
    heads: list[str] = []
    deliveries: list[Step] = []
    body: list[dict[str, Any]] = []
    for k, (p, i) in enumerate(zip(processes, intake_ids, strict=True)):
        part, head, ends = _service_part(p, k, i)
        deliveries.extend(ends)
        if head is not None and head != _DELIVERY:
            heads.append(head)
        body.extend(part)
    steps = [
        _intake_step(name, front, _intake_materials(processes, intake_ids), heads),
        *body,
        _delivery_step(deliveries, front, join_needed=len(heads) >= 2),
    ]
    first = processes[0]
    tree = {
        "name": name,
        "calendar": first.calendar,
        "arrivals": first.arrivals,
        "handoff": first.handoff,
        "departments": list(departments.values()),
        "materials": list(materials.values()),
        "steps": steps,
        "history": [_bundle_entry(processes, intake_ids, deliveries, name)],
    }
    try:
        return Process.model_validate(tree)
    except ModelError as err:
        raise LeverError("bundle: the bundled process would not be valid: "
                         + "; ".join(err.problems)) from err


_INTAKE, _DELIVERY = "intake", "delivery"


def _check_services(processes: tuple[Process, ...]) -> None:
    """At least two processes, all of them :class:`Process` objects."""
    if len(processes) < 2:
        raise LeverError("bundle needs at least two processes")
    for p in processes:
        if not isinstance(p, Process):
            raise LeverError("bundle takes Process objects: load files with flowkit.load")


def _shared_definitions(
    processes: tuple[Process, ...],
) -> tuple[dict[str, Department], dict[str, Material]]:
    """The departments and materials of all services by id; one id, one definition."""
    departments: dict[str, Department] = {}
    materials: dict[str, Material] = {}
    for p in processes:
        for d in p.departments:
            if d.id in departments and departments[d.id] != d:
                raise LeverError(
                    f"bundle: department '{d.id}' differs between services; give shared "
                    "departments the same definition or different ids"
                )
            departments.setdefault(d.id, d)
        for m in p.materials:
            if m.id in materials and materials[m.id] != m:
                raise LeverError(f"bundle: material '{m.id}' differs between services")
            materials.setdefault(m.id, m)
    return departments, materials


def _first_intake(p: Process) -> str | None:
    """The service's start step when it is an intake (受理), else None."""
    s = p.step(p.start_step)
    return s.id if s.kind == "intake" else None


def _intake_materials(processes: tuple[Process, ...], intake_ids: list[str | None]) -> list[str]:
    """The first intakes' materials united without duplicates, minus what a service produces."""
    merged: list[str] = []
    for p, i in zip(processes, intake_ids, strict=True):
        if i is not None:
            for mid in p.step(i).materials:
                if mid not in merged:
                    merged.append(mid)
    produced = {m for p in processes for m in p.produced}
    return [m for m in merged if m not in produced]


class _Retarget:
    """Where a flow of one service goes in the bundle.

    Back to the service's intake: to its supplement step (and it is then needed); to
    one of its deliveries: to the common delivery; elsewhere: to the prefixed step.
    """

    def __init__(self, pre: str, intake: str | None, ends: list[Step]) -> None:
        self.pre = pre
        self.intake = intake
        self.end_ids = {e.id for e in ends}
        self.supplement = f"{pre}supplement" if intake else None
        self.needs_supplement = False

    def __call__(self, t: str) -> str:
        if self.intake is not None and t == self.intake:
            self.needs_supplement = True
            return self.supplement  # type: ignore[return-value]
        if t in self.end_ids:
            return _DELIVERY
        return self.pre + t

    def next_of(self, nxt: Any) -> Any:
        """A step's ``next`` with every target moved (a choice's merged targets summed)."""
        if isinstance(nxt, str):
            return self(nxt)
        if isinstance(nxt, dict):
            out: dict[str, float] = {}
            for t, q in nxt.items():
                out[self(t)] = out.get(self(t), 0.0) + q
            return next(iter(out)) if len(out) == 1 else out
        if isinstance(nxt, tuple):
            return [self(t) for t in nxt]
        return nxt


def _service_part(
    p: Process, k: int, i: str | None
) -> tuple[list[dict[str, Any]], str | None, list[Step]]:
    """One service's back office in the bundle: its steps, the head of its branch, and
    the deliveries the common delivery replaces."""
    pre = _prefixed(p, k)
    ends = [s for s in p.steps if s.flow == "end" and s.kind == "delivery"
            and s.channel in ("counter", "mail", "online")]
    dropped = {i} | {s.id for s in ends} if i else {s.id for s in ends}
    target = _Retarget(pre, i, ends)
    part: list[dict[str, Any]] = []
    for s in p.steps:
        if s.id in dropped:
            continue
        data = {n: getattr(s, n) for n in type(s).model_fields}
        data["id"] = pre + s.id
        data["next"] = target.next_of(s.next)
        data["by_type"] = {}
        part.append(data)
    if i is not None:
        after = p.step(i).next
        head = target(after) if isinstance(after, str) else None
        if head is None and after is not None:
            raise LeverError(f"bundle: service '{p.name}' continues its intake by a "
                             "choice or a split; give it a plain next step")
    else:
        head = pre + p.start_step
    if target.needs_supplement and i is not None:
        s = p.step(i)
        part.append({"id": target.supplement, "name": f"{s.label}（补正）",
                     "department": s.department, "kind": "intake", "channel": "counter",
                     "work": s.work, "materials": s.materials, "next": head})
    return part, head, ends


def _intake_step(name: str, front: Step, materials: list[str], heads: list[str]) -> dict[str, Any]:
    """The one intake: the first front desk's window, every service's materials, and on
    to the services' branches (in parallel when there are several)."""
    nxt: str | list[str] = heads if len(heads) >= 2 else heads[0] if heads else _DELIVERY
    return {"id": _INTAKE, "name": f"{name}受理", "department": front.department,
            "kind": "intake", "channel": front.channel, "work": front.work,
            "materials": tuple(materials), "next": nxt}


def _delivery_step(deliveries: list[Step], front: Step, join_needed: bool) -> dict[str, Any]:
    """The one delivery (统一出件): the first delivery's department, channel and work,
    the fees summed, the products united; it joins the branches when there are several."""
    ref = deliveries[0] if deliveries else front
    fee = sum(d.fee for d in deliveries)
    return {"id": _DELIVERY, "name": "统一出件", "department": ref.department,
            "kind": "delivery", "channel": ref.channel if deliveries else "counter",
            "work": ref.work if deliveries else front.work, "fee": fee,
            "produces": tuple(dict.fromkeys(m for d in deliveries for m in d.produces)),
            "join": "all" if join_needed else None}


def _bundle_entry(processes: tuple[Process, ...], intake_ids: list[str | None],
                  deliveries: list[Step], name: str) -> HistoryEntry:
    """The bundle's history entry: the services' prefixes and what the two new steps merge."""
    return HistoryEntry(
        lever="bundle", label="一件事一次办",
        params={"processes": [p.name for p in processes], "name": name},
        changes=tuple(
            [Change(target="process", id=p.name, action="add", after=_prefixed(p, k))
             for k, p in enumerate(processes)]
            + [Change(target="step", id=_INTAKE, action="add",
                      after={"merges": [i for i in intake_ids if i]}),
               Change(target="step", id=_DELIVERY, action="add",
                      after={"merges": [d.id for d in deliveries]})]
        ),
        note="one intake, back offices in parallel, one delivery",
    )


def diff(p: Process, q: Process) -> pd.DataFrame:
    """What differs between two processes, by id.

    Returns
    -------
    pandas.DataFrame
        One row per difference: ``kind`` (process, department, material, step, flow),
        ``id``, ``change`` (added, removed, changed), ``field``, ``before``, ``after``.

    Examples
    --------
    >>> import flowkit as fk
    >>> p = fk.load("tests/data/design_example.yaml")
    >>> q = fk.redesign(p, fk.levers.go_online(steps=["register"]))
    >>> d = fk.diff(p, q)
    >>> print(d[["kind", "id", "change", "field"]].to_string(index=False))
       kind       id  change   field
    process     name changed    name
       step register changed channel
    >>> d.loc[1, "before"], d.loc[1, "after"]
    ('counter', 'online')
    """
    rows: list[dict[str, Any]] = []

    def compare(kind: str, a: dict[str, Any], b: dict[str, Any]) -> None:
        for ident in a:
            if ident not in b:
                rows.append({"kind": kind, "id": ident, "change": "removed", "field": None,
                             "before": plain(a[ident]), "after": None})
        for ident in b:
            if ident not in a:
                rows.append({"kind": kind, "id": ident, "change": "added", "field": None,
                             "before": None, "after": plain(b[ident])})
        for ident in a:
            if ident in b and a[ident] != b[ident]:
                for f in type(a[ident]).model_fields:
                    x, y = getattr(a[ident], f), getattr(b[ident], f)
                    if x != y:
                        k = "flow" if kind == "step" and f in ("next", "join") else kind
                        rows.append({"kind": k, "id": ident, "change": "changed", "field": f,
                                     "before": plain(x), "after": plain(y)})

    for f in ("name", "start", "calendar", "arrivals", "handoff", "travel", "case_types"):
        x, y = getattr(p, f), getattr(q, f)
        if x != y:
            rows.append({"kind": "process", "id": f, "change": "changed", "field": f,
                         "before": plain(x), "after": plain(y)})
    compare("department", {d.id: d for d in p.departments}, {d.id: d for d in q.departments})
    compare("material", {m.id: m for m in p.materials}, {m.id: m for m in q.materials})
    compare("step", {s.id: s for s in p.steps}, {s.id: s for s in q.steps})
    return pd.DataFrame(rows, columns=["kind", "id", "change", "field", "before", "after"])
