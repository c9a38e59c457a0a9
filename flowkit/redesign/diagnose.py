"""``diagnose`` (which lever applies where, and its static gain) and ``search`` (the Pareto
front of lever combinations)."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ..analysis.analyze import Analysis, analyze
from ..analysis.flowcalc import FlowModel
from ..analysis.load import offered_load, staff_needed
from ..errors import FlowkitError, LeverError, ModelError
from ..model.process import Process
from ..model.seeds import (
    DEFAULT_N_CASES,
    DEFAULT_REPLICATIONS,
    DEFAULT_SEED,
    SeedLike,
    resolve_seed,
)
from ..simulation.simulate import simulate
from .build import redesign
from .levers import (
    Lever,
    accept_incomplete,
    add_staff,
    co_locate,
    commitment,
    electronic_handoff,
    go_online,
    mail_delivery,
    merge_steps,
    parallelize,
    share_data,
    single_window,
)
from .levers.parallel import _auto_run
from .levers.rework import _rework_into_counters

_log = logging.getLogger("flowkit")

__all__ = ["LEVER_ORDER", "diagnose", "search"]

#: the canonical order in which search applies levers
LEVER_ORDER = [
    "share_data", "commitment", "accept_incomplete", "single_window", "co_locate", "go_online",
    "merge_steps", "parallelize", "electronic_handoff", "mail_delivery", "remove_step",
    "flatten", "add_staff", "set_wait",
]
GAIN_KPIS = ("visits", "workdays", "handoffs", "materials")


def _figures(a: Analysis) -> dict[str, float]:
    """The static figures diagnose and search compare."""
    return {k: float(getattr(a, k)) for k in (*GAIN_KPIS, "steps", "departments")}


def _worse(before: dict[str, float], after: dict[str, float]) -> list[str]:
    """The gain figures that are higher (worse) after than before."""
    return [k for k in GAIN_KPIS if after[k] > before[k] + 1e-9]


def _candidates(p: Process) -> list[tuple[Lever, str, str]]:
    """(lever, where, why) for every lever that structurally applies."""
    return [*_applicant_candidates(p), *_rework_candidates(p), *_flow_candidates(p)]


def _applicant_candidates(p: Process) -> list[tuple[Lever, str, str]]:
    """Levers on the applicant's path: certificates, counters, intakes, deliveries."""
    out: list[tuple[Lever, str, str]] = []
    unshared = [m.id for m in p.materials if m.issued and not m.shared
                and any(m.id in s.materials for s in p.steps)]
    if unshared:
        out.append((share_data(), ", ".join(unshared),
                    "certificates issued by departments are asked of the applicant; shared "
                    "electronically (电子证照) they need no fetch and no submission"))
    counters = [s for s in p.steps if s.channel == "counter"]
    online = [s.id for s in counters if s.kind in ("intake", "payment")]
    if online:
        out.append((go_online(), ", ".join(online),
                    "applications and payments at a counter cost a trip; online they cost none"))
    locations = {p.location_of(s) for s in counters}
    if len(locations) >= 2:
        out.append((co_locate(), ", ".join(sorted(locations)),
                    "counters in several places: in one hall consecutive windows are one trip"))
    intakes = [s.id for s in p.steps if s.kind == "intake"]
    if len(intakes) >= 2:
        out.append((single_window(), ", ".join(intakes),
                    "several intakes ask the applicant again; one front desk takes everything"))
    deliveries = [s.id for s in counters if s.kind == "delivery"]
    if deliveries:
        out.append((mail_delivery(), ", ".join(deliveries),
                    "collecting the result is a trip; posting it is not"))
    return out


def _rework_candidates(p: Process) -> list[tuple[Lever, str, str]]:
    """Levers on the 补正 loops: supplements online, reviews replaced by a commitment."""
    out: list[tuple[Lever, str, str]] = []
    loops_to_counter = sorted({v for _, v in _rework_into_counters(p)})
    if loops_to_counter:
        out.append((accept_incomplete(), ", ".join(loops_to_counter),
                    "rework (补正) sends the applicant back to a counter; supplements can "
                    "arrive online"))
    reviews = sorted({u for u, v in p.structure.back_edges
                      if p.step(u).channel in ("backoffice", "onsite")
                      and p.step(u).kind in ("review", "inspection")})
    for r in reviews:
        out.append((commitment(steps=(r,)), r,
                    "a review whose 补正 loop costs time and trips; under 告知承诺 the "
                    "applicant signs and the check comes after the decision"))
    return out


def _flow_candidates(p: Process) -> list[tuple[Lever, str, str]]:
    """Levers on the back office's flow: parallel reviews, the platform, merged steps."""
    out: list[tuple[Lever, str, str]] = []
    try:
        branches = _auto_run(p)
        out.append((parallelize(), ", ".join(b[0] for b in branches),
                    "consecutive back-office or on-site steps that need nothing from "
                    "each other can run at the same time (并联审批)"))
    except LeverError:
        pass
    if p.handoff.mode == "paper":
        edges = FlowModel(p).edges  # across routing steps: the working steps' transfer
        internal = [f"{s.id}->{t}" for s in p.steps for t in s.targets
                    if edges[(s.id, t)].delay is not None]
        if internal:
            out.append((electronic_handoff(), ", ".join(internal[:6]),
                        "paper files take a working day to move between departments; on the "
                        "platform (一网通办) they move at once"))
    for s in p.steps:
        t = s.next
        if (isinstance(t, str) and s.channel == "backoffice" and p.step(t).channel == "backoffice"
                and not s.routing and not p.step(t).routing
                and p.step(t).department == s.department and p.step(t).join is None
                and [u.id for u in p.steps if t in u.targets] == [s.id]):
            out.append((merge_steps(a=s.id, b=t), f"{s.id}+{t}",
                        "two consecutive back-office steps of one department: one step, "
                        "one hand-over less"))
    return out


#: offered load from which diagnose proposes more staff, and the load it aims below
LOAD_ALERT, LOAD_TARGET = 0.9, 0.8


def _load_findings(process: Process) -> list[dict[str, Any]]:
    """``add_staff(dept, n)`` where the offered load ρ ≥ 0.9: n is the fewest people that
    bring it below 0.8 (ρ falls as staff / (staff + n)); its gain is the load after."""
    rows = []
    for dept, rho in offered_load(process).items():
        if not rho >= LOAD_ALERT:
            continue
        staff = process.department(str(dept)).staff
        n = staff_needed(float(rho), staff, LOAD_TARGET)
        after = float(rho) * staff / (staff + n)
        lever = add_staff(dept=str(dept), n=n)
        rows.append({
            "finding": lever.name, "label_zh": lever.label, "levers": (lever,),
            "where": str(dept),
            "why": (f"offered load ρ = {rho:.2f} ≥ {LOAD_ALERT} (staff {staff}): queues "
                    f"{'grow without bound' if rho >= 1 else 'are long'}; {n} more "
                    f"bring ρ to {after:.2f}, below {LOAD_TARGET}"),
            **dict.fromkeys(GAIN_KPIS, 0.0), "load": after,
            "score": (float(rho) - after) / float(rho),
        })
    return rows


def diagnose(process: Process) -> pd.DataFrame:
    """Which lever applies where, why, and what it gains (static), best first.

    A lever is proposed only where it gains something and does not make worse the
    figures it is for (``Lever.primary``: visits for a single window, working days for
    parallel review …); other figures it costs are named in ``why`` as a trade-off.
    Where a lever is worse alone because paper transfers cut a visit in two (a single
    window whose back office gets the file on paper), it is proposed together with
    ``electronic_handoff`` when the pair is no worse than the platform alone.

    Returns
    -------
    pandas.DataFrame
        One row per finding: ``finding``, ``label_zh``, ``levers`` (the lever objects,
        ready for :func:`flowkit.redesign`), ``where``, ``why``, the gains (reductions)
        ``visits``, ``workdays``, ``handoffs``, ``materials``, and ``score`` (the sum of
        the relative reductions), sorted by score. Where a department's offered
        load ρ (:attr:`Analysis.load`) is at least 0.9, an ``add_staff(dept, n)``
        finding gives the fewest ``n`` that bring it below 0.8, its ``load`` column
        the ρ after (NaN on the other rows) and its score the relative fall of ρ.

    Examples
    --------
    >>> import flowkit as fk
    >>> d = fk.diagnose(fk.load("examples/jiaxing_swimming_pool/current.yaml"))
    >>> d.iloc[0]["finding"], round(float(d.iloc[0]["visits"]), 3)
    ('share_data', 1.0)
    >>> q = fk.redesign(fk.load("examples/jiaxing_swimming_pool/current.yaml"),
    ...                 *d.iloc[0]["levers"])
    """
    if not isinstance(process, Process):
        raise FlowkitError("diagnose takes a Process: load files with flowkit.load")
    base = _figures(analyze(process))
    platform: dict[str, dict[str, float]] = {}  # the platform's figures, once needed
    rows = [row for lever, where, why in _candidates(process)
            if (row := _finding(process, base, lever, where, why, platform)) is not None]
    rows += _load_findings(process)
    cols = ["finding", "label_zh", "levers", "where", "why", *GAIN_KPIS, "load", "score"]
    df = pd.DataFrame(rows, columns=cols)
    return df.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)


def _log_if_broken(err: LeverError) -> None:
    """A lever that does not apply is skipped quietly; one that applies but built an
    invalid process is a defect of the lever: skipped too, but never silently (a warning
    on the ``flowkit`` logger names the lever and the problems)."""
    if isinstance(err.__cause__, ModelError):
        _log.warning("diagnose: a candidate lever was skipped because it built an invalid "
                     "process (a defect of the lever): %s", err)


def _finding(process: Process, base: dict[str, float], lever: Lever, where: str, why: str,
             platform: dict[str, dict[str, float]]) -> dict[str, Any] | None:
    """The row of one candidate, or None where it does not apply, gains nothing or makes
    worse a figure it is for (alone, or with ``electronic_handoff`` on paper)."""
    try:
        after = _figures(analyze(lever.apply(process)))
    except LeverError as err:
        _log_if_broken(err)
        return None
    levers: tuple[Lever, ...] = (lever,)
    worse = [k for k in _worse(base, after) if k in lever.primary]
    if worse and lever.name != "electronic_handoff" and process.handoff.mode == "paper":
        # paper transfers to a new back office can split a visit: try on the platform
        both = _on_the_platform(process, lever, platform)
        if both is None:
            return None
        after, levers = both, (lever, electronic_handoff())
        why += (f" (with electronic_handoff: alone, paper transfers make "
                f"{', '.join(worse)} worse)")
    elif worse:
        return None
    gain = {k: base[k] - after[k] for k in GAIN_KPIS}
    if all(v <= 1e-9 for v in gain.values()):
        return None
    costs = [f"{k} +{-v:.3g}" for k, v in gain.items() if v < -1e-9]
    if costs:
        why += f"; trade-off: {', '.join(costs)}"
    score = sum(gain[k] / base[k] for k in GAIN_KPIS if base[k] > 0)
    return {
        "finding": "+".join(lv.name for lv in levers),
        "label_zh": "+".join(lv.label for lv in levers),
        "levers": levers, "where": where, "why": why, **gain, "score": score,
    }


def _on_the_platform(process: Process, lever: Lever,
                     platform: dict[str, dict[str, float]]) -> dict[str, float] | None:
    """The figures of ``lever`` with ``electronic_handoff``, or None where the pair does not
    apply or is worse than the platform alone on a figure the lever is for.

    ``platform`` caches the figures of the platform alone under ``"figures"``.
    """
    try:
        if "figures" not in platform:
            platform["figures"] = _figures(analyze(electronic_handoff().apply(process)))
        both = _figures(analyze(redesign(process, lever, electronic_handoff())))
    except LeverError as err:
        _log_if_broken(err)
        return None
    if [k for k in _worse(platform["figures"], both) if k in lever.primary]:
        return None
    return both


def _order(lv: Lever) -> int:
    """A lever's place in :data:`LEVER_ORDER` (unknown levers last)."""
    return LEVER_ORDER.index(lv.name) if lv.name in LEVER_ORDER else len(LEVER_ORDER)


def search(
    process: Process,
    *,
    levers: Sequence[Lever] | None = None,
    objective: str | Sequence[str] = ("n_levers", "visits", "workdays"),
    constraints: Mapping[str, float | bool] | None = None,
    simulate_front: bool = True,
    n_cases: int = DEFAULT_N_CASES,
    seed: SeedLike = DEFAULT_SEED,
    replications: int = DEFAULT_REPLICATIONS,
    max_levers: int = 12,
) -> pd.DataFrame:
    """The Pareto front of lever combinations that meet the constraints.

    Every subset of the lever instances ``diagnose`` proposes (or of ``levers``) is
    applied in one canonical order and analysed statically; combinations that do not
    apply are skipped. Those meeting ``constraints`` and not dominated on
    ``objective`` (all minimised) form the front, which is then simulated.

    Parameters
    ----------
    process : Process
    levers : sequence of Lever, optional
        The instances to combine (default: those of :func:`diagnose`).
    objective : str or sequence of str
        KPIs to minimise: ``n_levers`` and any static figure (``visits``, ``workdays``,
        ``materials``, ``handoffs``, ``steps``, ``departments``).
    constraints : mapping
        Upper bounds (``{"workdays": 10}``), or ``{"one_visit": True}`` / ``{"visits": 1}``
        for 最多跑一次.
    simulate_front : bool
        Simulate each combination on the front (``days``, ``days_p90``).
    n_cases, replications : int
        For that simulation (defaults: ``DEFAULT_N_CASES``, ``DEFAULT_REPLICATIONS`` of
        :mod:`flowkit.model.seeds`).
    seed : int, numpy.random.Generator, numpy.random.SeedSequence or None
        Resolved once by :func:`~flowkit.model.seeds.resolve_seed`; every combination on
        the front is simulated with that seed (the same cases). ``None`` (the default)
        draws one.
    max_levers : int
        At most this many instances are combined (2^n subsets).

    Returns
    -------
    pandas.DataFrame
        The front, one row per combination: ``levers``, ``names``, ``n_levers``, the
        static figures, and with ``simulate_front`` the simulated ``days``/``days_p90``.

    Examples
    --------
    >>> import flowkit as fk
    >>> p = fk.load("examples/jiaxing_swimming_pool/current.yaml")
    >>> front = fk.search(p, constraints={"one_visit": True}, objective="n_levers",
    ...                   simulate_front=False)
    >>> int(front.iloc[0]["n_levers"]), bool(front.iloc[0]["one_visit"])
    (3, True)
    """
    objectives = [objective] if isinstance(objective, str) else list(objective)
    pool = _pool(process, levers, max_levers)
    bounds = dict(constraints or {})
    _check_figures(bounds, objectives)
    sim_seed = resolve_seed(seed) if simulate_front else None
    pool.sort(key=_order)
    df = _combinations(process, pool)
    front = _pareto(df[_meets(df, bounds)], objectives)
    front = front.sort_values(objectives, kind="stable").reset_index(drop=True)
    if sim_seed is not None:
        front = _simulated(front, n_cases=n_cases, seed=sim_seed, replications=replications)
    return front.drop(columns="process")


_FIGURES = {"n_levers", "visits", "workdays", "materials", "handoffs", "steps", "departments",
            "one_visit", "fee", "max_visits"}


def _pool(process: Process, levers: Sequence[Lever] | None, max_levers: int) -> list[Lever]:
    """The lever instances to combine: those given, else those :func:`diagnose` proposes."""
    if levers is None:
        pool: list[Lever] = []
        for combo in diagnose(process)["levers"]:
            for lv in combo:
                if lv not in pool:
                    pool.append(lv)
    else:
        pool = list(levers)
    if len(pool) > max_levers:
        raise FlowkitError(
            f"search: {len(pool)} lever instances make 2^{len(pool)} combinations; give "
            f"levers= with at most {max_levers}, or raise max_levers"
        )
    return pool


def _check_figures(constraints: Mapping[str, float | bool], objective: list[str]) -> None:
    """Every constrained or minimised figure is one search knows."""
    for k in [*constraints, *objective]:
        if k not in _FIGURES:
            raise FlowkitError(f"search: unknown figure '{k}': use one of {sorted(_FIGURES)}")


def _combinations(process: Process, pool: list[Lever]) -> pd.DataFrame:
    """Every subset of ``pool`` that applies, in pool order, with its static figures.

    Each combination extends the one without its last lever (kept in a cache), so a
    subset whose prefix does not apply is skipped without applying anything.
    """
    rows: list[dict[str, Any]] = []
    cache: dict[tuple[int, ...], Process | None] = {(): process}
    for r in range(len(pool) + 1):
        for combo in itertools.combinations(range(len(pool)), r):
            q = cache.get(combo[:-1]) if combo else process
            if q is None:
                cache[combo] = None
                continue
            try:
                q = pool[combo[-1]].apply(q) if combo else q
            except LeverError:
                cache[combo] = None
                continue
            cache[combo] = q
            a = analyze(q)
            rows.append({"levers": tuple(pool[i] for i in combo),
                         "names": " + ".join(repr(pool[i]) for i in combo) or "(none)",
                         "n_levers": len(combo), **_figures(a), "one_visit": a.one_visit,
                         "max_visits": a.max_visits, "fee": a.fee, "process": q})
    return pd.DataFrame(rows)


def _meets(df: pd.DataFrame, constraints: Mapping[str, float | bool]) -> pd.Series:
    """Which rows meet every constraint (upper bounds; ``one_visit`` exactly)."""
    ok = pd.Series(True, index=df.index)
    for k, bound in constraints.items():
        if k == "one_visit":
            ok &= df["one_visit"] == bool(bound)
        else:
            ok &= df[k] <= float(bound) + 1e-9
    return ok


def _simulated(front: pd.DataFrame, *, n_cases: int, seed: int,
               replications: int) -> pd.DataFrame:
    """The front with the simulated mean and 90th percentile of ``days`` of each row."""
    if front.empty:
        return front.assign(days=pd.Series(dtype=float), days_p90=pd.Series(dtype=float))
    days, p90 = [], []
    for q in front["process"]:
        res = simulate(q, n_cases=n_cases, seed=seed, replications=replications,
                       keep_events=False, progress=False)
        days.append(float(res.cases["days"].mean()))
        p90.append(float(res.cases["days"].quantile(0.9)))
    front["days"] = days
    front["days_p90"] = p90
    return front


def _pareto(df: pd.DataFrame, objective: list[str]) -> pd.DataFrame:
    """The rows no other row dominates on ``objective`` (all minimised)."""
    if df.empty:
        return df
    vals = df[objective].to_numpy(dtype=float)
    keep = []
    for i in range(len(vals)):
        dominated = False
        for j in range(len(vals)):
            if i != j and (vals[j] <= vals[i] + 1e-12).all() and (vals[j] < vals[i] - 1e-12).any():
                dominated = True
                break
        keep.append(not dominated)
    front = df[keep]
    # among equal objective vectors keep the first (fewest levers in canonical order)
    return front.loc[~front[objective].round(9).duplicated()]

