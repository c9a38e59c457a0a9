"""pm4py reads flowkit's event logs and discovers a model (optional: pm4py is AGPL, never a
dependency; the test runs where it happens to be installed)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import flowkit as fk

pm4py = pytest.importorskip("pm4py", reason="pm4py is not installed (optional, AGPL)")


@pytest.fixture(scope="module")
def result() -> fk.Result:
    p = fk.load("tests/data/design_example.yaml")
    return fk.simulate(p, n_cases=60, seed=2, replications=1)


def _activities(r: fk.Result) -> set[str]:
    return set(r.events["step_name"].astype(str))


def test_csv_log_discovers_a_model(result: fk.Result, tmp_path: Path) -> None:
    """pm4py reads the CSV (pm4py column names, ISO times with +08:00) and mines a net."""
    path = result.to_eventlog(tmp_path / "log.csv")
    df = pd.read_csv(path)
    df["time:timestamp"] = pd.to_datetime(df["time:timestamp"], format="ISO8601")
    df = pm4py.format_dataframe(df, case_id="case:concept:name", activity_key="concept:name",
                                timestamp_key="time:timestamp")
    net, _, _ = pm4py.discover_petri_net_inductive(df)
    labels = {t.label for t in net.transitions if t.label}
    assert labels == _activities(result)
    assert df["case:concept:name"].nunique() == 60


def test_xes_log_discovers_a_model(result: fk.Result, tmp_path: Path) -> None:
    """pm4py reads the XES 1849-2016 log and mines a net with every step."""
    log = pm4py.read_xes(str(result.to_eventlog(tmp_path / "log.xes")))
    net, _, _ = pm4py.discover_petri_net_inductive(log)
    labels = {t.label for t in net.transitions if t.label}
    assert labels == _activities(result)
