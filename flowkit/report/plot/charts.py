"""Charts of results: ``compare``, ``distribution``, ``utilization``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ...errors import FlowkitError
from ...kpis import KPIS, SUMMARY_ROWS
from .common import SCENARIO_COLORS, axes, finish, wrap
from .fonts import family, rc_params

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from ...simulation.compare import Comparison
    from ...simulation.results import Result

__all__ = ["DEFAULT_KPIS", "compare", "distribution", "utilization"]

#: KPIs :func:`compare` draws by default (those present in the comparison's table)
DEFAULT_KPIS = ("visits", "materials", "steps", "departments", "handoffs", "workdays_static",
                "days")


def _despine(ax: Axes) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _scenario_cis(c: Comparison, name: str) -> pd.DataFrame:
    """Per-scenario confidence intervals of the simulated means (Result.summary)."""
    return c.results[name].summary(level=c.level)


def _summary_row(kpi: str) -> str:
    """The row of ``Result.summary()`` holding the mean a simulated compare row shows."""
    of = KPIS[kpi].of
    return next((s for s in SUMMARY_ROWS if KPIS[s].of == of), of)


def _marked(t: Any, k: str, col_sig: str, name: str, n: int) -> bool:
    """A * on a bar: a significant simulated change, or any change of an exact (static)
    row, whose ``significant`` is NA."""
    import pandas as pd

    v = t.at[k, col_sig]
    if v is pd.NA:
        d = t.at[k, "delta" if n == 2 else f"delta:{name}"]
        return bool(not pd.isna(d) and abs(float(d)) > 1e-12)
    return bool(v)


def compare(c: Comparison, ax: Axes | None = None, *, kpis: Sequence[str] | None = None,
            **kwargs: Any) -> Axes:
    """Bars of KPIs, one per scenario (改革前后对比), with confidence intervals.

    A group of bars per KPI, a bar per scenario, each labelled with its value (the
    value in ``c.table``). Simulated KPIs (days, …) carry error bars: the
    confidence interval of that scenario's mean (level ``c.level``, over
    replications). Static KPIs are exact and have none. A * after a value marks a
    difference from the first scenario that is significant (static: any change).

    Parameters
    ----------
    c : Comparison
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure of its own (each call makes one).
    kpis : sequence of str, optional
        KPI ids of ``c.table`` (default: visits, materials, steps, departments,
        handoffs, workdays_static, days — those present).
    **kwargs
        ``figsize=`` for the new figure made when ``ax`` is None; any other keyword is an
        Axes property set after drawing (``title=``, ``xlabel=``, ``xlim=`` … as
        :meth:`matplotlib.axes.Axes.set` takes them).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import flowkit as fk
    >>> p = fk.load("examples/jiaxing_swimming_pool/current.yaml")
    >>> q = fk.redesign(p, fk.levers.share_data(), fk.levers.mail_delivery(), name="改革后")
    >>> c = fk.compare({"现状": p, "改革后": q}, n_cases=30, seed=1, replications=2)
    >>> fig, ax = plt.subplots()
    >>> ax = fk.plot.compare(c, ax=ax, kpis=["visits", "materials"])
    >>> [[round(float(b.get_height()), 3) for b in bars] for bars in ax.containers[:2]]
    [[4.176, 22.0], [2.176, 19.0]]
    >>> plt.close(fig)
    """
    import matplotlib

    t = c.table
    if kpis is None:
        chosen = [k for k in DEFAULT_KPIS if k in t.index]
    else:
        chosen = list(kpis)
        unknown = [k for k in chosen if k not in t.index]
        if unknown:
            raise FlowkitError(
                f"kpis {unknown} are not in the comparison's table; choose from "
                f"{', '.join(map(str, t.index))}"
            )
    if not chosen:
        raise FlowkitError("compare: no KPI to draw")
    names = c.names
    n = len(names)
    fam = family()
    x = np.arange(len(chosen), dtype=float)
    w = 0.8 / n
    with matplotlib.rc_context(rc_params()):
        ax = axes(ax, (max(6.0, 1.1 * len(chosen) * max(n, 2) / 2 + 1.5), 4.2), kwargs)
        top = 0.0
        for i, name in enumerate(names):
            values = [float(v) for v in t.loc[chosen, name].to_numpy(dtype=float)]
            pos = x + (i - (n - 1) / 2) * w
            color = SCENARIO_COLORS[i % len(SCENARIO_COLORS)]
            ax.bar(pos, values, w * 0.92, label=name, color=color, zorder=2)
            ci = None
            lo_err, hi_err, ex, ey = [], [], [], []
            for j, k in enumerate(chosen):
                v = values[j]
                err_hi = 0.0
                if t.at[k, "source"] == "simulated" and KPIS[k].stat == "mean":
                    if ci is None:
                        ci = _scenario_cis(c, name)
                    col = _summary_row(k)
                    if col in ci.index:
                        lo, hi = (float(v) for v in
                                  ci.loc[col, ["ci_low", "ci_high"]].to_numpy(dtype=float))
                        if np.isfinite(lo) and np.isfinite(hi):
                            ex.append(pos[j])
                            ey.append(v)
                            lo_err.append(max(v - lo, 0.0))
                            hi_err.append(max(hi - v, 0.0))
                            err_hi = hi - v
                sig = ""
                if i > 0:
                    col_sig = "significant" if n == 2 else f"significant:{name}"
                    if col_sig in t.columns and _marked(t, k, col_sig, name, n):
                        sig = "*"
                top = max(top, v + max(err_hi, 0.0))
                ax.annotate(f"{v:.3g}{sig}", (pos[j], v + max(err_hi, 0.0)),
                            xytext=(0, 2), textcoords="offset points", ha="center",
                            va="bottom", fontsize=7, fontfamily=fam)
            if ex:
                ax.errorbar(ex, ey, yerr=[lo_err, hi_err], fmt="none", ecolor="#222222",
                            elinewidth=1.0, capsize=3, zorder=3)
        labels = []
        for k in chosen:
            zh = str(t.at[k, "label_zh"])
            src = "（仿真）" if t.at[k, "source"] == "simulated" and "仿真" not in zh else ""
            labels.append(wrap(zh + src, 12))
        ax.set_xticks(x, labels, fontfamily=fam, fontsize=8)
        ax.set_ylim(0, top * 1.15 if top > 0 else 1.0)
        ax.legend(prop={"family": fam, "size": 8}, frameon=False)
        ax.set_title(" vs ".join(names), fontfamily=fam, fontsize=10, loc="left")
        ax.grid(axis="y", color="#e5e8e8", lw=0.6)
        ax.set_axisbelow(True)
        _despine(ax)
    return finish(ax, kwargs)


def _series(obj: Result | Comparison, column: str) -> dict[str, np.ndarray]:
    from ...simulation.compare import Comparison

    out: dict[str, np.ndarray] = {}
    if isinstance(obj, Comparison):
        for name in obj.names:
            out[name] = _column(obj.results[name].cases, column)
        return out
    cases = obj.cases
    if "process" in cases:
        for name in obj.meta.process_names:
            out[name] = _column(cases[(cases["process"].astype(str) == name).to_numpy()], column)
    else:
        out[obj.meta.process_names[0]] = _column(cases, column)
    return out


def _column(cases: pd.DataFrame, column: str) -> np.ndarray:
    if column not in cases:
        raise FlowkitError(
            f"'{column}' is not a column of the cases; choose from {', '.join(cases.columns)}"
        )
    import pandas as pd

    v = pd.to_numeric(cases[column], errors="coerce").astype(float).to_numpy()
    return v[np.isfinite(v)]


def distribution(
    result_or_comparison: Result | Comparison,
    ax: Axes | None = None,
    *,
    kind: str = "hist",
    column: str = "days",
    **kwargs: Any,
) -> Axes:
    """The distribution of days per case (办理时间分布), one curve per scenario.

    Parameters
    ----------
    result_or_comparison : Result or Comparison
        A Result draws each process it simulated; a Comparison each scenario.
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure of its own (each call makes one).
    kind : {"hist", "ecdf"}
        Histograms on common bins, or empirical cumulative distributions.
    column : str
        The column of ``cases`` to draw (``days`` by default; ``workdays``, ``visits`` …).
    **kwargs
        ``figsize=`` for the new figure made when ``ax`` is None; any other keyword is an
        Axes property set after drawing (``title=``, ``xlabel=``, ``xlim=`` … as
        :meth:`matplotlib.axes.Axes.set` takes them).

    Returns
    -------
    matplotlib.axes.Axes
        Dashed vertical lines mark each mean.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import flowkit as fk
    >>> p = fk.load("examples/jiaxing_swimming_pool/current.yaml")
    >>> r = fk.simulate(p, n_cases=40, seed=1, replications=1)
    >>> fig, ax = plt.subplots()
    >>> ax = fk.plot.distribution(r, ax=ax, kind="ecdf")
    >>> line = ax.get_lines()[0]
    >>> float(line.get_ydata()[-1])
    1.0
    >>> plt.close(fig)
    """
    import matplotlib

    if kind not in ("hist", "ecdf"):
        raise FlowkitError(f"kind={kind!r}: choose 'hist' or 'ecdf'")
    series = _series(result_or_comparison, column)
    zh, en = (KPIS[column].label_zh, KPIS[column].label_en) if column in KPIS else (column, column)
    fam = family()
    with matplotlib.rc_context(rc_params()):
        ax = axes(ax, (7.0, 4.0), kwargs)
        values = [v for v in series.values() if len(v)]
        allv = np.concatenate(values) if values else np.zeros(0)
        bins: Any = 10
        if len(allv):
            bins = np.histogram_bin_edges(allv, bins="auto")
            if len(bins) > 61:
                bins = np.histogram_bin_edges(allv, bins=60)
        for i, (name, v) in enumerate(series.items()):
            color = SCENARIO_COLORS[i % len(SCENARIO_COLORS)]
            mean = float(v.mean()) if len(v) else float("nan")
            label = f"{name}（均值 {mean:.1f}）"
            if kind == "ecdf":
                xs = np.sort(v)
                ys = np.arange(1, len(xs) + 1) / max(len(xs), 1)
                ax.step(xs, ys, where="post", color=color, lw=1.6, label=label)
            else:
                ax.hist(v, bins=bins, histtype="stepfilled", alpha=0.35, color=color,
                        label=label)
                ax.hist(v, bins=bins, histtype="step", color=color, lw=1.2)
            if np.isfinite(mean):
                ax.axvline(mean, color=color, ls="--", lw=1.0)
        ax.set_xlabel(f"{zh} {en}", fontfamily=fam)
        ax.set_ylabel("累计占比 share of cases" if kind == "ecdf" else "案件数 cases",
                      fontfamily=fam)
        if kind == "ecdf":
            ax.set_ylim(0, 1.02)
        ax.legend(prop={"family": fam, "size": 8}, frameon=False)
        ax.set_title(f"{zh}分布", fontfamily=fam, fontsize=10, loc="left")
        ax.grid(color="#e5e8e8", lw=0.6)
        ax.set_axisbelow(True)
        _despine(ax)
    return finish(ax, kwargs)


def utilization(result: Result, ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Staff utilisation per department (部门利用率), as horizontal bars.

    The bar lengths are ``result.utilization()["utilization"]`` (busy hours over
    available hours, mean over replications; a department with no available
    hours draws 0). Bars above 85 % are red: queues grow fast there.

    Parameters
    ----------
    result : Result
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure of its own (each call makes one).

    **kwargs
        ``figsize=`` for the new figure made when ``ax`` is None; any other keyword is an
        Axes property set after drawing (``title=``, ``xlabel=``, ``xlim=`` … as
        :meth:`matplotlib.axes.Axes.set` takes them).
    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import flowkit as fk
    >>> p = fk.load("examples/shanghai_business_startup/current.yaml")
    >>> r = fk.simulate(p, n_cases=40, seed=1, replications=1)
    >>> fig, ax = plt.subplots()
    >>> ax = fk.plot.utilization(r, ax=ax)
    >>> len(ax.containers[0]) == len(p.departments)
    True
    >>> plt.close(fig)
    """
    import matplotlib

    u = result.utilization()
    values = np.nan_to_num(u["utilization"].to_numpy(dtype=float), nan=0.0)
    fam = family()
    labels = [wrap(f"{name}（{staff}人）", 20)
              for name, staff in zip(u["name"], u["staff"], strict=True)]
    with matplotlib.rc_context(rc_params()):
        ax = axes(ax, (7.0, 1.2 + 0.45 * len(u)), kwargs)
        y = np.arange(len(u))
        colors = ["#c0392b" if v > 0.85 else "#2e86c1" for v in values]
        ax.barh(y, values, color=colors, height=0.6, label="utilization", zorder=2)
        for k, v in enumerate(values):
            ax.text(v, k, f" {v:.0%}", va="center", ha="left", fontsize=7.5, fontfamily=fam)
        ax.set_yticks(y, labels, fontfamily=fam, fontsize=8)
        ax.invert_yaxis()
        ax.axvline(1.0, color="#566573", lw=0.8, ls=":")
        ax.set_xlim(0, max(1.05, float(values.max(initial=0.0)) * 1.15))
        ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.set_xlabel("利用率 utilization (busy / available staff hours)", fontfamily=fam)
        names = ", ".join(result.meta.process_names)
        ax.set_title(f"{names}：部门利用率", fontfamily=fam, fontsize=10, loc="left")
        ax.grid(axis="x", color="#e5e8e8", lw=0.6)
        ax.set_axisbelow(True)
        _despine(ax)
    return finish(ax, kwargs)
