"""City-wide priorities from a 政务服务事项 list: what to share first, what to bundle.

Both weigh each service by its 年办件量 (``ServiceList.declared.volume``); a service
without one counts 1 case a year, and the tables say how many such services each
row rests on (``volume_assumed``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import combinations
from typing import Any

import pandas as pd

from ..interop.servicelist import ServiceList
from .servicelist import service_metrics

__all__ = ["BUNDLE_COLUMNS", "SHARING_COLUMNS", "bundle_candidates", "sharing_priority"]

#: columns of :func:`sharing_priority`
SHARING_COLUMNS = ("material", "issuer", "services", "submissions_per_year",
                   "fetch_visits_per_year", "volume_assumed")
#: columns of :func:`bundle_candidates`
BUNDLE_COLUMNS = ("service_a", "service_b", "name_a", "name_b", "shared_materials",
                  "shared_departments", "materials_saved", "visits_saved", "volume",
                  "materials_saved_per_year", "visits_saved_per_year", "volume_assumed")


def _volume(sl: ServiceList) -> tuple[pd.Series, pd.Series]:
    """年办件量 by 事项编码 (1 where absent) and whether it was absent."""
    vol = sl.declared["volume"]
    return vol.fillna(1.0), vol.isna()


def sharing_priority(service_list: ServiceList) -> pd.DataFrame:
    """Rank the issued certificates (电子证照) by what sharing each saves per year.

    A 政府部门核发 material not shared is, in each service that lists it, one
    submission and one fetch trip per case (DESIGN §1): sharing it saves both, for
    every case of every such service. Summed over the list, weighted by 年办件量.

    Returns
    -------
    DataFrame
        Columns ``material`` (材料名称), ``issuer`` (出具单位), ``services`` (how many
        list it unshared), ``submissions_per_year``, ``fetch_visits_per_year``,
        ``volume_assumed`` (services counted with volume 1 for want of 年办件量);
        sorted by submissions, then fetch visits saved, most first.

    Examples
    --------
    >>> import flowkit as fk
    >>> sp = fk.sharing_priority(fk.read_service_list("examples/service_list"))
    >>> sp[["material", "services", "submissions_per_year"]].values.tolist()
    [['场所产权证明', 1, 1200.0], ['营业执照', 2, 380.0], ['运输车辆行驶证', 1, 80.0]]
    """
    vol, assumed = _volume(service_list)
    m = service_list.materials
    m = m[(m["source"] == "issued") & ~m["shared"].astype(bool)].drop_duplicates(["code", "name"])
    m = m.assign(v=m["code"].map(vol), a=m["code"].map(assumed).astype(int))
    g = m.groupby(["name", "issuer"], sort=False).agg(
        services=("code", "size"), submissions_per_year=("v", "sum"), volume_assumed=("a", "sum"))
    g["fetch_visits_per_year"] = g["submissions_per_year"]
    g = g.reset_index().rename(columns={"name": "material"})
    g = g.sort_values(["submissions_per_year", "fetch_visits_per_year", "services", "material"],
                      ascending=[False, False, False, True], kind="stable")
    return g[list(SHARING_COLUMNS)].reset_index(drop=True)


def _departments(sl: ServiceList) -> dict[str, set[str]]:
    """The names of the departments each service's steps or materials involve."""
    return {c: {d.name or d.id for d in p.departments} for c, p in sl.processes.items()}


def _pairs(by_material: dict[str, set[str]], min_shared: int,
           max_services: int) -> Counter[tuple[str, str]]:
    """Pairs of services and how many distinct materials they share (common ones skipped)."""
    pairs: Counter[tuple[str, str]] = Counter()
    for codes in by_material.values():
        if 2 <= len(codes) <= max_services:
            pairs.update(combinations(sorted(codes), 2))
    return Counter({k: n for k, n in pairs.items() if n >= min_shared})


def bundle_candidates(service_list: ServiceList, *, min_shared: int = 2,
                      max_services: int = 50) -> pd.DataFrame:
    """Propose 一件事 bundles: pairs of services sharing applicants' materials.

    Two services are a candidate when they list at least ``min_shared`` materials
    of the same name among those held by at most ``max_services`` services (a
    material every service asks for, such as 身份证, says nothing about which
    services go together; it still counts in the savings). A bundle (one
    window, one form, as :func:`flowkit.bundle` builds it) saves, per case:
    ``materials_saved`` = the materials both list (handed in once, not twice);
    ``visits_saved`` = v_a + v_b − (max(v_a − f_a, v_b − f_b) + fetch trips of the
    union of their fetched materials), v the visits and f the fetch trips of each
    service. Per year, the savings count ``volume`` = min(年办件量) cases: at most
    the smaller service's applicants need both.

    Returns
    -------
    DataFrame
        Columns :data:`BUNDLE_COLUMNS`, sorted by materials then visits saved per year.

    Examples
    --------
    >>> import flowkit as fk
    >>> b = fk.bundle_candidates(fk.read_service_list("examples/service_list"), min_shared=1)
    >>> b[["service_a", "service_b", "materials_saved", "visits_saved", "volume"]].values.tolist()
    [['001', '002', 2, 0.0, 300.0], ['001', '003', 1, 1.0, 80.0], ['002', '003', 1, 1.0, 80.0]]
    """
    sl = service_list
    mats = sl.materials[sl.materials["code"].isin(sl.processes)]
    names: dict[str, set[str]] = {
        str(c): set(g) for c, g in mats.groupby("code")["name"]}
    fetched = (mats[(mats["source"] == "issued") & ~mats["shared"].astype(bool)]
               .groupby("code")["name"].agg(set).to_dict())
    by_material: dict[str, set[str]] = defaultdict(set)
    for code, ns in names.items():
        for n in ns:
            by_material[n].add(code)
    pairs = _pairs(by_material, min_shared, max_services)
    if not pairs:
        return pd.DataFrame(columns=list(BUNDLE_COLUMNS))
    sub = ServiceList({c: sl.processes[c] for c in {c for p in pairs for c in p}},
                      sl.declared, sl.materials, sl.steps)
    m = service_metrics(sub)
    depts = _departments(sub)
    visits = m["visits"].astype(float).to_dict()
    vol, assumed = _volume(sl)
    rows: list[dict[str, Any]] = []
    for a, b in pairs:
        common = names[a] & names[b]
        fa, fb = fetched.get(a, set()), fetched.get(b, set())
        va, vb = float(visits[a]), float(visits[b])
        together = max(va - len(fa), vb - len(fb)) + len(fa | fb)
        v = min(float(vol[a]), float(vol[b]))
        rows.append({
            "service_a": a, "service_b": b, "name_a": sl.declared.at[a, "name"],
            "name_b": sl.declared.at[b, "name"], "shared_materials": tuple(sorted(common)),
            "shared_departments": tuple(sorted(depts[a] & depts[b])),
            "materials_saved": len(common), "visits_saved": va + vb - together,
            "volume": v, "volume_assumed": int(assumed[a]) + int(assumed[b])})
    out = pd.DataFrame(rows, columns=list(BUNDLE_COLUMNS))
    out["materials_saved_per_year"] = out["materials_saved"] * out["volume"]
    out["visits_saved_per_year"] = out["visits_saved"] * out["volume"]
    return out.sort_values(["materials_saved_per_year", "visits_saved_per_year"],
                           ascending=False, kind="stable").reset_index(drop=True)
