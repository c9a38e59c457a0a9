"""One service of an export as a Process: its steps (or the standard chain) and materials.

With rows in the steps table, the steps follow them in 环节序号 order; without, the
standard chain 受理 → 审查 → 决定 → 送达 carries the declared visits: 0 — an online
intake and a mail delivery; 1 — a counter intake and a mail delivery; 2 or more —
counter intake and counter delivery, the commitment in between (the chain holds
at most 2). Materials are handed in at the first 受理 step; a 政府部门核发 material
not marked 共享 is ``issued_by`` its 出具单位, added as a department, so analysis
counts its fetch trip.

The service's 承诺办结时限 and 法定办结时限 are the process's ``time_limit`` and
``legal_limit`` (the statutory clock's limits); a step the export does not count in
the statutory clock (是否计入法定时限 = 否) is ``clock: excluded``.
"""

from __future__ import annotations

from typing import Any

from ...model.process import Department, Material, Process, Step
from ..catalogue.cells import slug
from . import values as V

__all__ = ["service_process"]


def _wd(x: float | None) -> str | None:
    return None if x is None else f"{x:g}wd"


def _standard_chain(code: str, svc: dict[str, Any], did: str,
                    notes: list[str]) -> list[dict[str, Any]]:
    """受理 → 审查 → 决定 → 送达 with the declared visits and limits (assumptions noted)."""
    visits = svc.get("visits")
    if visits is None:
        visits = 1
        notes.append(f"{code}: 到办事现场次数 not declared: 1 visit assumed")
    limit = svc.get("time_limit")
    limit = svc.get("legal_limit") if limit is None else limit
    notes.append(f"{code}: no 办理环节 rows: the standard chain 受理 → 审查 → 决定 → 送达 is "
                 f"assumed (intake {'online' if visits == 0 else 'counter'}, delivery "
                 f"{'counter' if visits >= 2 else 'mail'})")
    if visits > 2:
        notes.append(f"{code}: {visits} visits declared: the standard chain holds at most 2")
    wait = limit or 0.0
    if limit:
        notes.append(f"{code}: 审查 waits the whole time limit ({limit:g} working days): the "
                     "export holds no durations")
    return [
        {"name": "受理", "kind": "intake", "channel": "online" if visits == 0 else "counter",
         "department": did},
        {"name": "审查", "kind": "review", "channel": "backoffice", "department": did,
         "wait": _wd(wait)},
        {"name": "决定", "kind": "approval", "channel": "backoffice", "department": did},
        {"name": "送达", "kind": "delivery", "channel": "counter" if visits >= 2 else "mail",
         "department": did},
    ]


def _listed_steps(code: str, rows: list[dict[str, Any]], did: str, depts: dict[str, Any],
                  level: str | None, notes: list[str]) -> list[dict[str, Any]]:
    """The steps table's rows of a service as steps (办理时限 -> time_limit and wait)."""
    out: list[dict[str, Any]] = []
    for r in rows:
        sid = did
        if r["department"]:
            sid = slug(r["department"], "d")
            depts.setdefault(sid, {"id": sid, "name": r["department"], "level": level})
        channel = r["channel"]
        if channel is None:
            channel = "counter" if not out else "backoffice"
            notes.append(f"{code}: 环节「{r['name']}」 has no 办理方式: {channel} assumed")
        step = {"name": r["name"], "kind": V.step_kind(r["name"]), "channel": channel,
                "department": sid}
        if r["limit"] is not None:
            step["time_limit"] = step["wait"] = _wd(r["limit"])
        if not r["counted"]:
            step["clock"] = "excluded"
        if r["limit"]:
            notes.append(f"{code}: 环节「{r['name']}」 waits its 办理时限 ({r['limit']:g} "
                         "working days): the export holds no durations")
        out.append(step)
    return out


def service_process(code: str, svc: dict[str, Any], mats: list[dict[str, Any]],
                    steps: list[dict[str, Any]], notes: list[str]) -> Process:
    """The Process of one service (raises the model's errors, for the caller to locate)."""
    authority = svc.get("authority") or svc.get("name") or code
    did = slug(authority, "d")
    depts: dict[str, Any] = {did: {"id": did, "name": authority, "level": svc.get("level")}}
    if steps:
        chain = _listed_steps(code, steps, did, depts, svc.get("level"), notes)
    else:
        chain = _standard_chain(code, svc, did, notes)
    materials: dict[str, Material] = {}
    for m in mats:
        if m["source"] == "issued" and m["issuer_id"]:
            depts.setdefault(m["issuer_id"], {"id": m["issuer_id"], "name": m["issuer"]})
            materials.setdefault(m["material"], Material(
                id=m["material"], name=m["name"], issued_by=m["issuer_id"], shared=m["shared"]))
        else:
            materials.setdefault(m["material"], Material(id=m["material"], name=m["name"],
                                                         source="applicant"))
    intake = next((i for i, s in enumerate(chain) if s["kind"] == "intake"), None)
    if intake is None:
        intake = 0
        if materials:
            notes.append(f"{code}: no 受理 step: the materials are handed in at the first step")
    chain[intake]["materials"] = tuple(materials)
    limits: dict[str, str | None] = {k: _wd(svc.get(k)) for k in ("time_limit", "legal_limit")}
    committed, legal = svc.get("time_limit"), svc.get("legal_limit")
    if committed is not None and legal is not None and committed > legal:
        limits["legal_limit"] = None  # the model refuses it; the audit reports it
        notes.append(f"{code}: 承诺办结时限 exceeds 法定办结时限: the legal limit is left "
                     "off the process (see the audit)")
    last = chain[-1]
    if svc.get("fee"):
        last["fee"] = svc["fee"]
        notes.append(f"{code}: the fee ({svc['fee']:g} 元) is paid at the last step")
    built = []
    for i, s in enumerate(chain):
        s = {k: v for k, v in s.items() if v is not None}
        built.append(Step(id=f"s{i + 1}", next=f"s{i + 2}" if i + 1 < len(chain) else None, **s))
    return Process(name=svc.get("name") or code,
                   **{k: v for k, v in limits.items() if v is not None},
                   departments=[Department(**{k: v for k, v in d.items() if v is not None})
                                for d in depts.values()],
                   materials=list(materials.values()), steps=built)
