"""Static figures of a whole catalogue of services (事项清单).

:func:`analyze_catalogue` gives every KPI of :func:`flowkit.analyze` for each
service of a catalogue, one row per service; :func:`summarize_catalogue` gives
the figures a government report quotes about the catalogue as a whole (shares
of services, means over services).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import pandas as pd

from ..errors import FlowkitError
from ..interop.catalogue import read_catalogue
from ..interop.catalogue.read import gc_paused
from ..kpis import ANALYSIS_ROWS, CATALOGUE_ROWS, label_en, label_zh
from ..model.process import Process
from .analyze import analyze

__all__ = [
    "CATALOGUE_KPIS",
    "analyze_catalogue",
    "summarize_catalogue",
]

PathLike = str | os.PathLike[str]
Catalogue = Mapping[str, Process]


def _catalogue(catalogue: Catalogue | PathLike | Iterable[Process],
               sheet: str | int | None) -> Mapping[str, Process]:
    """The services to analyse: read from a path, or taken as given (checked)."""
    if isinstance(catalogue, str | os.PathLike):
        return read_catalogue(catalogue, sheet=sheet)
    if isinstance(catalogue, Mapping):
        return catalogue
    if isinstance(catalogue, Process):
        return {catalogue.name: catalogue}
    out: dict[str, Process] = {}
    for p in catalogue:
        if not isinstance(p, Process):
            raise FlowkitError(f"{p!r} is not a Process: pass a catalogue (dict of processes) "
                               "or the path of a 事项清单")
        out[p.name] = p
    return out


#: columns of :func:`analyze_catalogue` (every KPI of :meth:`flowkit.Analysis.table`)
CATALOGUE_KPIS = ANALYSIS_ROWS


def analyze_catalogue(
    catalogue: Catalogue | PathLike | Iterable[Process],
    *,
    sheet: str | int | None = None,
    labels: Literal["id", "zh", "en"] = "id",
) -> pd.DataFrame:
    """Static KPIs of every service of a catalogue: one row per service.

    Parameters
    ----------
    catalogue : dict of str to Process, iterable of Process, or path
        What :func:`read_catalogue` returns, or the path of a 事项清单 to read.
    sheet : str or int, optional
        Passed to :func:`read_catalogue` when ``catalogue`` is a path.
    labels : {'id', 'zh', 'en'}
        Column names: KPI ids (``visits``, …; default), Chinese labels (跑动次数, …)
        or English labels.

    Returns
    -------
    pandas.DataFrame
        Indexed by 事项名称 (index name ``service``); a column per KPI of
        :func:`flowkit.analyze`: ``visits, one_visit, zero_visit, max_visits,
        fetch_trips, materials, steps, departments, handoffs, cross_department,
        cross_level, cross_region, by_applicant, workdays, fee, time_limit,
        legal_limit, compression``. ``one_visit`` (最多跑一次) and ``zero_visit``
        (零跑动) are booleans, the rest floats (NaN where a service states no limit).
        :func:`summarize_catalogue` gives the figures a report quotes.

    Examples
    --------
    >>> from flowkit.analysis.catalogue import analyze_catalogue
    >>> t = analyze_catalogue("examples/catalogue/事项清单.csv")
    >>> row = t.loc["社会保障卡补领"]
    >>> float(row["visits"]), bool(row["one_visit"]), bool(row["zero_visit"])
    (0.0, True, True)
    """
    cat = _catalogue(catalogue, sheet)
    rows = []
    with gc_paused():  # as in read_catalogue: many small objects, no cycles
        for name, p in cat.items():
            a = analyze(p)
            rows.append([name, *(getattr(a, k) for k in CATALOGUE_KPIS)])
    df = pd.DataFrame(rows, columns=["service", *CATALOGUE_KPIS]).set_index("service")
    for k in CATALOGUE_KPIS:
        kind: Any = bool if k in ("one_visit", "zero_visit") else float
        if k == "meets_time_limit":
            kind = "boolean"  # None (no service-level limit) stays missing: pd.NA
        df[k] = df[k].astype(kind)
    if labels == "zh":
        df = df.rename(columns={k: label_zh(k) for k in CATALOGUE_KPIS})
    elif labels == "en":
        df = df.rename(columns={k: label_en(k) for k in CATALOGUE_KPIS})
    elif labels != "id":
        raise FlowkitError(f"labels='{labels}' is not one of 'id', 'zh', 'en'")
    return df


def summarize_catalogue(
    catalogue_or_table: pd.DataFrame | Catalogue | PathLike | Iterable[Process],
) -> pd.DataFrame:
    """The figures a government report quotes about a catalogue.

    Shares are fractions (0.8 = 80 %) of the services; means are over services,
    each service weighing one (the time-limit figures over the services that state
    the limit; compression, 1 − 承诺时限 / 法定时限, over those that state both).

    Parameters
    ----------
    catalogue_or_table : DataFrame, dict of str to Process, iterable of Process, or path
        The table :func:`analyze_catalogue` returns (with KPI ids as columns), or what
        it takes.

    Returns
    -------
    pandas.DataFrame
        Indexed by figure id: ``services, one_visit_service_share,
        zero_visit_service_share, mean_visits, mean_materials, mean_steps,
        mean_departments, cross_level_service_share,
        mean_workdays, mean_time_limit, mean_legal_limit, mean_compression,
        mean_fee``; columns ``value``, ``label_zh``, ``label_en``.

    Examples
    --------
    >>> from flowkit.analysis.catalogue import summarize_catalogue
    >>> s = summarize_catalogue("examples/catalogue/事项清单.csv")
    >>> row = s.loc["one_visit_service_share"]
    >>> row["label_zh"], float(row["value"])
    ('最多跑一次事项占比', 0.375)
    """
    t = _kpi_table(catalogue_or_table)
    values = _figures(t)
    rows = [{"figure": k, "value": values[k], "label_zh": label_zh(k), "label_en": label_en(k)}
            for k in CATALOGUE_ROWS]
    return pd.DataFrame(rows).set_index("figure")


def _kpi_table(
    catalogue_or_table: pd.DataFrame | Catalogue | PathLike | Iterable[Process],
) -> pd.DataFrame:
    """The table of :func:`analyze_catalogue` (checked for KPI-id columns when given)."""
    if not isinstance(catalogue_or_table, pd.DataFrame):
        return analyze_catalogue(catalogue_or_table)
    missing = [k for k in CATALOGUE_KPIS if k not in catalogue_or_table.columns]
    if missing:
        raise FlowkitError(
            f"the table has no column {missing[0]}: pass analyze_catalogue(...) with "
            "labels='id' (the default)"
        )
    return catalogue_or_table


def _figures(t: pd.DataFrame) -> dict[str, float]:
    """The value of each figure of :data:`flowkit.kpis.CATALOGUE_ROWS` over ``t``'s services."""

    def mean(col: str) -> float:
        v = t[col].astype(float)
        v = v[~v.isna()]
        return float(v.mean()) if len(v) else math.nan

    n = len(t)
    return {
        "services": float(n),
        "one_visit_service_share": float(t["one_visit"].mean()) if n else math.nan,
        "zero_visit_service_share": float(t["zero_visit"].mean()) if n else math.nan,
        "mean_visits": mean("visits"),
        "mean_materials": mean("materials"),
        "mean_steps": mean("steps"),
        "mean_departments": mean("departments"),
        "cross_level_service_share": float((t["cross_level"] > 0).mean()) if n else math.nan,
        "mean_workdays": mean("workdays"),
        "mean_time_limit": mean("time_limit"),
        "mean_legal_limit": mean("legal_limit"),
        "mean_compression": mean("compression"),
        "mean_fee": mean("fee"),
    }
