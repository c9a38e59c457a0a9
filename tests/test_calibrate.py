"""Calibration from an event log: known parameters are recovered within their sampling error.

Each statistical check allows ``z`` standard errors, where ``z`` is set by a
Bonferroni correction so that each test's checks together fail with probability
at most ``ALPHA`` when the estimator is right; standard errors come from the true
parameters and the number of observations, never from a previous run.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import flowkit as fk
from flowkit.simulation.calibrate import calibrate

ALPHA = 0.001  # family-wise error of each test's statistical checks

TRUE = """
name: 校准测试
calendar: always
arrivals: {every: exp(20min)}
handoff: {mode: electronic}
departments: [{id: a, staff: 50}, {id: b, staff: 50}]
steps:
  - {id: apply, name: 受理, department: a, channel: counter, work: exp(30min), next: review}
  - {id: review, name: 审查, department: a, work: lognorm(mean=2h, sd=1h), wait: 1d,
     next: {decide: 0.8, apply: 0.2}}
  - {id: decide, name: 决定, department: b, work: tri(20min, 40min, 90min), wait: exp(6h),
     next: [x, y]}
  - {id: x, name: 核查, department: a, work: 1h, next: done}
  - {id: y, name: 评估, department: b, work: 2h, wait: 3h, next: done}
  - {id: done, name: 办结, department: b, work: 10min, join: all}
"""


def _z(k: int) -> float:
    """Two-sided normal quantile for k checks at family-wise error ALPHA (Bonferroni)."""
    return float(stats.norm.isf(ALPHA / (2 * k)))


def _wrong(p: fk.Process) -> fk.Process:
    """The true process with wrong work, waits, probabilities and arrivals."""
    steps = {
        "apply": p.step("apply").replace(work="1h"),
        "review": p.step("review").replace(work="lognorm(mean=1h, sd=1h)",
                                           next={"decide": 0.5, "apply": 0.5}),
        "decide": p.step("decide").replace(work="tri(10min, 20min, 30min)", wait="exp(1h)"),
    }
    return p.replace(steps=[steps.get(s.id, s) for s in p.steps], arrivals={"every": "exp(1h)"})


@pytest.fixture(scope="module")
def own_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """flowkit's own event log of 3,000 cases of the true process."""
    path = tmp_path_factory.mktemp("log") / "log.csv"
    fk.simulate(fk.loads(TRUE), n_cases=3000, seed=1, replications=1).to_eventlog(path)
    return path


def _row(report: pd.DataFrame, parameter: str, step: str = "", target: str = "") -> pd.Series:
    sel = report[(report.parameter == parameter) & (report.step == step)
                 & (report.target == target)]
    assert len(sel) == 1, (parameter, step, target)
    return sel.iloc[0]


def test_recovers_means_probabilities_and_rate(own_log: Path) -> None:
    """Work and wait means, the choice and the arrival rate lie within z standard errors."""
    p = fk.loads(TRUE)
    q, report = calibrate(_wrong(p), own_log)
    z = _z(6)
    # work: the true mean and sd in minutes of each random work
    tri_sd = math.sqrt((20**2 + 40**2 + 90**2 - 20 * 40 - 20 * 90 - 40 * 90) / 18)
    for sid, mean, sd in (("apply", 30.0, 30.0), ("review", 120.0, 60.0),
                          ("decide", 50.0, tri_sd)):
        n = int(_row(report, "work", sid)["n"])
        fitted = q.step(sid).work.minutes().mean()
        assert abs(fitted - mean) <= z * sd / math.sqrt(n), (sid, fitted, n)
    # the wait after the AND split (exponential, mean 6 h)
    n = int(_row(report, "wait", "decide")["n"])
    assert abs(q.step("decide").wait.minutes().mean() - 360) <= z * 360 / math.sqrt(n)
    # the 补正 loop: review -> decide with probability 0.8, counted over every review
    r = _row(report, "probability", "review", "decide")
    assert r["n"] == _row(report, "work", "review")["n"]
    assert abs(q.step("review").next["decide"] - 0.8) <= z * math.sqrt(0.8 * 0.2 / r["n"])
    assert sum(q.step("review").next.values()) == pytest.approx(1.0)
    # arrivals: every exp(mean gap), mean gap 20 min
    n = int(_row(report, "arrivals")["n"])
    assert n == 2999
    assert abs(q.arrivals.every.minutes().mean() - 20) <= z * 20 / math.sqrt(n)
    # constants are recovered exactly and left as written
    assert (str(q.step("x").work), str(q.step("y").work), str(q.step("done").work)) == \
        ("1h", "2h", "10min")
    assert str(q.step("review").wait) == "1d"
    assert not _row(report, "wait", "review")["changed"]


def test_fitted_means_are_the_observed_means(own_log: Path) -> None:
    """Method of moments: a fitted distribution's mean is the mean of its observations, up to
    the 4 significant digits it is written with (families are checked on exact data below)."""
    q, report = calibrate(_wrong(fk.loads(TRUE)), own_log)
    for parameter, sid in (("work", "apply"), ("work", "review"), ("wait", "decide")):
        r = _row(report, parameter, sid)
        assert r["family"] in ("exponential", "lognormal", "triangular", "empirical")
        fitted = getattr(q.step(sid), parameter).minutes().mean()
        tol = 1e-3 if r["family"] != "empirical" else 0.05
        assert fitted == pytest.approx(r["new_mean"], rel=tol), (parameter, sid)


def test_history_report_and_the_original(own_log: Path, tmp_path: Path) -> None:
    """A new process with a 'calibrate' history entry; the input is unchanged; it saves."""
    wrong = _wrong(fk.loads(TRUE))
    before = fk.to_dict(wrong)
    q, report = calibrate(wrong, own_log)
    assert fk.to_dict(wrong) == before
    assert q is not wrong
    entry = q.history[-1]
    assert entry.lever == "calibrate"
    changed = {(c.id, c.field) for c in entry.changes}
    assert changed == {("apply", "work"), ("review", "work"), ("decide", "work"),
                       ("decide", "wait"), ("review", "next"), ("校准测试", "arrivals")}
    assert set(report.loc[report.changed, "parameter"]) == {"work", "wait", "probability",
                                                             "arrivals"}
    assert list(report.columns) == ["parameter", "step", "target", "old", "new", "n", "unit",
                                    "old_mean", "new_mean", "se", "family", "ks", "changed",
                                    "note"]
    # waits no log can show are kept and say why
    assert "final step" in _row(report, "wait", "done")["note"]
    assert "join 'done'" in _row(report, "wait", "y")["note"]
    assert fk.load(fk.save(q, tmp_path / "q.yaml")) == q


def test_fit_selects_parts(own_log: Path) -> None:
    """fit=('branches',) fits the choices only."""
    wrong = _wrong(fk.loads(TRUE))
    q, report = calibrate(wrong, own_log, fit=["branches"])
    assert set(report.parameter) == {"probability"}
    assert q.step("apply").work == wrong.step("apply").work
    assert q.step("review").next != wrong.step("review").next
    with pytest.raises(fk.FlowkitError, match="not among work, wait, branches, arrivals"):
        calibrate(wrong, own_log, fit=["speed"])


def _log(durations: dict[str, list[float]]) -> pd.DataFrame:
    """A hand-made log: case i runs the steps in order, back to back, with these works."""
    rows = []
    t0 = pd.Timestamp("2026-01-05 00:00")
    n = len(next(iter(durations.values())))
    for i in range(n):
        t = t0 + pd.Timedelta(hours=6 * i)
        for step, xs in durations.items():
            end = t + pd.Timedelta(minutes=xs[i])
            rows.append({"case:concept:name": f"c{i}", "step": step, "start_timestamp": t,
                         "time:timestamp": end})
            t = end
    return pd.DataFrame(rows)


def test_family_by_smallest_ks_distance() -> None:
    """Quantiles of a family are fitted by that family; a two-humped sample falls back to
    empirical; equal values give a constant; fewer than 5 give the mean."""
    n = 400
    u = (np.arange(n) + 0.5) / n
    rng = np.random.default_rng(0)
    order = rng.permutation(n)  # cases need not come in sorted order
    two = np.concatenate([stats.norm.ppf(u[::2], 10, 1), stats.norm.ppf(u[::2], 100, 1)])
    durations = {
        "e": (-30 * np.log1p(-u))[order],
        "l": stats.lognorm.ppf(u, s=0.5, scale=60)[order],
        "t": stats.triang.ppf(u, c=0.2, loc=10, scale=80)[order],
        "m": two[order],
        "c": np.full(n, 45.0),
    }
    steps = ", ".join(f"{{id: {s}, department: d, work: 1h{', next: ' + t if t else ''}}}"
                      for s, t in zip("eltmc", ["l", "t", "m", "c", ""], strict=True))
    p = fk.loads(f"name: t\ncalendar: always\ndepartments: [{{id: d}}]\nsteps: [{steps}]\n")
    q, report = calibrate(p, _log({k: list(v) for k, v in durations.items()}))
    work = report[report.parameter == "work"].set_index("step")
    assert work["family"].to_dict() == {"e": "exponential", "l": "lognormal",
                                        "t": "triangular", "m": "empirical", "c": "constant"}
    assert str(q.step("c").work) == "45min"
    assert str(q.step("m").work).startswith("empirical([")
    assert "rejected" in work.loc["m", "note"]
    few = {k: list(v[:3]) for k, v in durations.items()}
    q, report = calibrate(p, _log(few), fit=["work"])
    assert set(report["family"]) == {"constant"}
    assert "fewer than 5" in report.loc[report.step == "e", "note"].iloc[0]


WORKING = """
name: 工作日历
arrivals: {per_day: 6}
departments: [{id: a, staff: 30}, {id: b, staff: 30}]
steps:
  - {id: apply, name: 受理, department: a, channel: counter, work: 2h, next: review}
  - {id: review, name: 审查, department: b, work: 3h, wait: 3wd, next: {decide: 0.7, apply: 0.3}}
  - {id: decide, name: 决定, department: b, work: exp(1h)}
"""


@pytest.fixture(scope="module")
def working_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """flowkit's event log of 1,500 cases of a process on the default working calendar."""
    path = tmp_path_factory.mktemp("log") / "log.csv"
    fk.simulate(fk.loads(WORKING), n_cases=1500, seed=2, replications=1).to_eventlog(path)
    return path


def _wrong_working(p: fk.Process) -> fk.Process:
    return p.replace(arrivals={"per_day": 1}, steps=[
        p.step("apply").replace(work="1h"),
        p.step("review").replace(wait="1wd", next={"decide": 0.5, "apply": 0.5}),
        p.step("decide"),
    ])


def test_working_calendar_measures_working_time(working_log: Path) -> None:
    """On a working calendar, work is working time and a wd wait counts working days: the
    constants come back exactly though events span lunch and nights; per_day is in range."""
    log = pd.read_csv(working_log)
    elapsed = (pd.to_datetime(log["time:timestamp"], format="ISO8601")
               - pd.to_datetime(log["start_timestamp"], format="ISO8601"))
    assert (elapsed[log["step"] == "apply"] > pd.Timedelta(hours=2)).any()
    q, report = calibrate(_wrong_working(fk.loads(WORKING)), working_log)
    assert str(q.step("apply").work) == "2h"
    assert str(q.step("review").work) == "3h"
    assert str(q.step("review").wait) == "3wd"
    # apply -> review is an internal paper transfer (1wd): subtracted, so apply waits 0
    assert _row(report, "wait", "apply")["new_mean"] == pytest.approx(0.0, abs=1e-9)
    z = _z(2)
    r = _row(report, "arrivals")
    assert r["unit"] == "per_day"
    assert abs(q.arrivals.per_day - 6) <= z * 6 / math.sqrt(r["n"])
    r = _row(report, "probability", "review", "decide")
    assert abs(r["new_mean"] - 0.7) <= z * math.sqrt(0.7 * 0.3 / r["n"])


def test_government_columns_gb18030_and_unmapped(working_log: Path, tmp_path: Path) -> None:
    """A GB18030 export with its own column names and local times; unknown activities are
    reported and left out."""
    log = pd.read_csv(working_log).drop(columns=["step", "order"])
    for col in ("start_timestamp", "time:timestamp"):
        log[col] = (pd.to_datetime(log[col], format="ISO8601").dt.tz_localize(None)
                    .dt.strftime("%Y-%m-%d %H:%M:%S.%f"))
    log = log.rename(columns={"case:concept:name": "办件编号", "concept:name": "环节名称",
                              "start_timestamp": "开始时间", "time:timestamp": "结束时间"})
    extra = log.iloc[[0]].assign(环节名称="归档")
    path = tmp_path / "导出.csv"
    pd.concat([log, extra]).to_csv(path, index=False, encoding="gb18030")
    q, report = calibrate(_wrong_working(fk.loads(WORKING)), path, case="办件编号",
                          activity="环节名称", start="开始时间", end="结束时间")
    r = _row(report, "unmapped")
    assert (r["old"], r["n"]) == ("归档", 1)
    assert str(q.step("apply").work) == "2h"
    assert str(q.step("review").wait) == "3wd"
    with pytest.raises(fk.FlowkitError, match=r"no column '开始时刻'.*did you mean '开始时间'"):
        calibrate(q, path, case="办件编号", activity="环节名称", start="开始时刻", end="结束时间")


def test_replications_pool_arrivals(tmp_path: Path) -> None:
    """A log of several replications (case ids R-N) estimates arrivals per replication, pooled."""
    p = fk.loads(TRUE)
    path = tmp_path / "log.csv"
    fk.simulate(p, n_cases=400, seed=3, replications=3).to_eventlog(path)
    q, report = calibrate(p, path, fit=["arrivals"])
    r = _row(report, "arrivals")
    assert r["n"] == 3 * 399
    assert abs(q.arrivals.every.minutes().mean() - 20) <= _z(1) * 20 / math.sqrt(r["n"])
