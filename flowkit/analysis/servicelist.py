"""The audit of a 政务服务事项 list: what its processes imply against what it declares.

:func:`service_metrics` analyses every service once (:func:`flowkit.analyze`,
linear in the number of services, optionally across an executor);
:func:`audit` compares the figures with the list's declarations column-wise,
one vectorised rule per check (DESIGN §7):

======================  ========  =====================================================
check                   severity  rule
======================  ========  =====================================================
``visits``              high/low  declared 到现场次数 ≠ computed visits (fetch trips
                                  included); high when the process needs more
``limit_over_legal``    high      承诺办结时限 > 法定办结时限
``limit_unmet``         high      the steps' clock (their 办理时限, steps not counted in
                                  the statutory clock left out) > 承诺办结时限
``immediate_with_wait`` medium    办件类型 即办件 but a limit or a step wait above 0
``issued_not_shared``   low       a 政府部门核发 material not shared: a 免证办 candidate
``material_twice``      low       the same 材料名称 listed more than once for a service
======================  ========  =====================================================
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..interop.servicelist import ServiceList
from ..model.process import Process
from .analyze import analyze

__all__ = ["AUDIT_COLUMNS", "METRIC_COLUMNS", "audit", "service_metrics"]

#: columns of :func:`audit`
AUDIT_COLUMNS = ("事项编码", "check", "declared", "computed", "severity", "advice")
#: columns of :func:`service_metrics`
METRIC_COLUMNS = ("visits", "fetch_trips", "workdays", "materials", "clock_workdays")
_CHUNK = 2000
_TOL = 1e-9


def _chunk_metrics(items: Sequence[tuple[str, Process]]) -> list[tuple[Any, ...]]:
    """(code, visits, fetch trips, workdays, submissions, clock) of each service of a chunk."""
    out = []
    for code, p in items:
        a = analyze(p)
        out.append((code, a.visits, float(a.fetch_trips), a.workdays, a.materials,
                    a.clock_workdays))
    return out


def _run(chunks: list[list[tuple[str, Process]]], executor: Any) -> Iterable[list[Any]]:
    """The chunks analysed here, or through an executor (``.map``, else ``.submit``)."""
    if executor is None:
        return map(_chunk_metrics, chunks)
    if hasattr(executor, "map"):
        done = executor.map(_chunk_metrics, chunks)
        return executor.gather(done) if hasattr(executor, "gather") else list(done)
    return [f.result() for f in [executor.submit(_chunk_metrics, c) for c in chunks]]


def service_metrics(sl: ServiceList, *, executor: Any = None) -> pd.DataFrame:
    """The computed figures of every service, indexed by 事项编码.

    Columns: ``visits``, ``fetch_trips``, ``workdays`` (static critical path),
    ``materials`` (submissions) and ``clock_workdays`` (the statutory clock of
    :attr:`flowkit.Analysis.clock_workdays`: 受理 to 决定, without the steps not counted
    in it, 是否计入法定时限 = 否, which read as ``clock: excluded``).

    Parameters
    ----------
    sl : ServiceList
    executor : optional
        A ``concurrent.futures`` executor or a Dask ``Client``: the services are
        analysed in chunks through its ``map`` (or ``submit``); same result.

    Examples
    --------
    >>> import flowkit as fk
    >>> from flowkit.analysis.servicelist import service_metrics
    >>> m = service_metrics(fk.read_service_list("examples/service_list"))
    >>> m.loc["003", ["visits", "fetch_trips", "workdays", "clock_workdays"]].tolist()
    [4.0, 2.0, 11.0, 8.0]
    """
    items = list(sl.processes.items())
    chunks = [items[i:i + _CHUNK] for i in range(0, len(items), _CHUNK)]
    rows = [r for part in _run(chunks, executor) for r in part]
    return pd.DataFrame(rows, columns=["事项编码", *METRIC_COLUMNS]).set_index("事项编码")


def _g(x: float) -> str:
    return f"{x:g}"


def _rows(code: pd.Index | pd.Series, check: str, declared: Any, computed: Any,
          severity: Any, advice: Any) -> pd.DataFrame:
    n = len(code)
    return pd.DataFrame({
        "事项编码": np.asarray(code), "check": check, "declared": _arr(declared, n),
        "computed": _arr(computed, n), "severity": _arr(severity, n),
        "advice": _arr(advice, n)})


def _arr(x: Any, n: int) -> Any:
    return np.asarray(x, dtype=object) if not isinstance(x, str) else [x] * n


def _declared_checks(d: pd.DataFrame) -> list[pd.DataFrame]:
    """visits, limit_over_legal, limit_unmet, immediate_with_wait (d: declared + metrics)."""
    out = []
    v = d[d["visits"].notna() & d["computed_visits"].notna()
          & ((d["visits"] - d["computed_visits"]).abs() > _TOL)]
    more = v["computed_visits"] > v["visits"]
    out.append(_rows(v.index, "visits", v["visits"], v["computed_visits"],
                     np.where(more, "high", "low"),
                     "到办事现场次数 " + v["visits"].map(_g).astype(str)
                     + " declared, the steps and fetch trips need "
                     + v["computed_visits"].map(_g).astype(str)
                     + np.where(more, ": share the issued materials or correct the list",
                                ": the list overstates the visits")))
    x = d[d["time_limit"] > d["legal_limit"] + _TOL]
    out.append(_rows(x.index, "limit_over_legal", x["time_limit"], x["legal_limit"], "high",
                     "承诺办结时限 exceeds 法定办结时限: commit at most the legal limit"))
    u = d[d["time_limit"].notna() & (d["clock_workdays"] > d["time_limit"] + _TOL)]
    out.append(_rows(u.index, "limit_unmet", u["time_limit"], u["clock_workdays"], "high",
                     "the steps' 办理时限 add up to "
                     + u["clock_workdays"].map(_g).astype(str)
                     + " working days: shorten them or the commitment cannot be met"))
    waits = d["clock_workdays"].fillna(0.0).where(lambda s: s > _TOL, d["time_limit"])
    i = d[(d["case_type"] == "即办件") & (waits.fillna(0.0) > _TOL)]
    out.append(_rows(i.index, "immediate_with_wait", "即办件", waits[i.index], "medium",
                     "a 即办件 has a limit or a wait: make it 承诺件 or remove the wait"))
    return out


def _material_checks(mats: pd.DataFrame) -> list[pd.DataFrame]:
    """issued_not_shared and material_twice, from the materials table."""
    issued = mats[(mats["source"] == "issued") & ~mats["shared"].astype(bool)]
    issued = issued.drop_duplicates(["code", "name"])
    a = _rows(issued["code"], "issued_not_shared", issued["name"], issued["issuer"], "low",
              "免证办 candidate: share 「" + issued["name"] + "」 from " + issued["issuer"]
              + " (电子证照) to save its submission and fetch trip")
    n = mats.groupby(["code", "name"], sort=False).size()
    twice = n[n > 1].reset_index(name="n")
    b = _rows(twice["code"], "material_twice", twice["name"], twice["n"], "low",
              "「" + twice["name"] + "」 is listed " + twice["n"].astype(str).astype(object)
              + " times: list it once")
    return [a, b]


def audit(service_list: ServiceList, *, executor: Any = None) -> pd.DataFrame:
    """Check a service list's own claims: one row per finding.

    The checks and their rules are in this module's docstring (and in
    ``docs/servicelists.md``). Linear in the number of services: one analysis per
    service, then one vectorised rule per check.

    Parameters
    ----------
    service_list : ServiceList
        From :func:`flowkit.read_service_list`.
    executor : optional
        A ``concurrent.futures`` executor or a Dask ``Client`` for the analyses.

    Returns
    -------
    DataFrame
        Columns 事项编码, check, declared, computed, severity (high, medium, low),
        advice (what to change); sorted by 事项编码 in list order, then check.

    Examples
    --------
    >>> import flowkit as fk
    >>> a = fk.audit(fk.read_service_list("examples/service_list"))
    >>> a[a["事项编码"] == "003"][["check", "declared", "computed"]].values.tolist()
    [['visits', 1.0, 4.0], ['immediate_with_wait', '即办件', 8.0], \
['issued_not_shared', '营业执照', '区市场监督管理局'], \
['issued_not_shared', '运输车辆行驶证', '市公安局交通管理局'], \
['material_twice', '处置场所证明', 2]]
    """
    m = service_metrics(service_list, executor=executor)
    d = service_list.declared.join(m.rename(columns={"visits": "computed_visits"}))
    parts = [p for p in (*_declared_checks(d), *_material_checks(service_list.materials))
             if len(p)]
    if not parts:
        return pd.DataFrame(columns=list(AUDIT_COLUMNS))
    out = pd.concat(parts, ignore_index=True)
    order = {c: i for i, c in enumerate(service_list.declared.index)}
    checks = ("visits", "limit_over_legal", "limit_unmet", "immediate_with_wait",
              "issued_not_shared", "material_twice")
    out["_o"] = out["事项编码"].map(order)
    out["_c"] = out["check"].map({c: i for i, c in enumerate(checks)})
    return out.sort_values(["_o", "_c"], kind="stable").drop(columns=["_o", "_c"]).reset_index(
        drop=True)
