"""The one KPI registry: every table flowkit shows takes its ids and labels from it."""

from __future__ import annotations

import pandas as pd
import pytest

import flowkit as fk
from flowkit.kpis import ANALYSIS_ROWS, COMPARE_ROWS, DB_ROWS, KPIS, RATIO_ROWS, SUMMARY_ROWS

COLUMNS = ["label_zh", "label_en", "unit", "better", "source", "definition"]


@pytest.fixture(scope="module")
def pool() -> tuple[fk.Process, fk.Process]:
    p = fk.load("examples/jiaxing_swimming_pool/current.yaml")
    q = fk.redesign(p, fk.levers.share_data(), fk.levers.mail_delivery(), name="改革后")
    return p, q


@pytest.fixture(scope="module")
def comparison(pool: tuple[fk.Process, fk.Process]) -> fk.Comparison:
    return fk.compare(list(pool), n_cases=40, seed=1, replications=2)


def _same_labels(table: pd.DataFrame) -> None:
    """Every row of ``table`` is a registry KPI shown with the registry's labels."""
    k = fk.kpis()
    unknown = [i for i in table.index if i not in k.index]
    assert not unknown
    for col in ("label_zh", "label_en"):
        assert table[col].tolist() == k.loc[table.index, col].tolist()


def test_frame_index_columns_and_dtypes() -> None:
    """fk.kpis() is indexed by KPI id with the six documented columns, all of dtype object."""
    k = fk.kpis()
    assert k.index.name == "kpi"
    assert k.index.is_unique
    assert list(k.index) == list(KPIS)
    assert list(k.columns) == COLUMNS
    assert all(d == "object" for d in k.dtypes)
    assert k.index.dtype == "object"
    for col in ("label_zh", "label_en", "unit", "source", "definition"):
        assert all(isinstance(v, str) and v for v in k[col])


def test_fk_kpis_is_public() -> None:
    """kpis is in the public surface."""
    assert "kpis" in fk.__all__
    assert callable(fk.kpis)


def test_labels_are_unique() -> None:
    """No two KPIs share a Chinese or an English label."""
    k = fk.kpis()
    for col in ("label_zh", "label_en"):
        dup = k[col][k[col].duplicated(keep=False)]
        assert dup.empty, dup.to_dict()


def test_better_and_source_values() -> None:
    """better is lower, higher or None; source is static or simulated."""
    k = fk.kpis()
    assert set(k["better"].map(repr)) <= {"'lower'", "'higher'", "None"}
    assert k.loc["departments", "better"] is None
    assert set(k["source"]) == {"static", "simulated"}


def test_definitions_are_one_sentence() -> None:
    """Each definition is one sentence, ending with a full stop."""
    for d in fk.kpis()["definition"]:
        assert d.endswith(".")
        assert ". " not in d[:-1].replace("i.e. ", "")


def test_the_two_rates_have_one_meaning_each() -> None:
    """compression (时限压缩率) and workdays_reduction (办理时间缩短率) are distinct."""
    k = fk.kpis()
    assert k.loc["compression", "label_zh"] == "时限压缩率"
    assert k.loc["workdays_reduction", "label_zh"] == "办理时间缩短率"
    assert (k["label_zh"] == "时限压缩率").sum() == 1


def test_row_lists_name_registry_kpis() -> None:
    """The ordered row lists of each table name registry KPIs, once each."""
    for rows in (ANALYSIS_ROWS, SUMMARY_ROWS, COMPARE_ROWS, DB_ROWS, RATIO_ROWS):
        assert len(set(rows)) == len(rows)
        assert set(rows) <= set(KPIS)
    for rid in RATIO_ROWS:
        assert KPIS[rid].of in COMPARE_ROWS
    assert set(DB_ROWS) <= set(COMPARE_ROWS)
    assert all(KPIS[k].of == "db." + k.removeprefix("db_") for k in DB_ROWS)


def test_analysis_table_reads_the_registry(pool: tuple[fk.Process, fk.Process]) -> None:
    """a.table() shows registry ids with the registry's labels, in the registry's order."""
    t = fk.analyze(pool[0]).table()
    assert list(t.index) == list(ANALYSIS_ROWS)
    _same_labels(t)


def test_summary_reads_the_registry(comparison: fk.Comparison) -> None:
    """r.summary() shows registry ids with the registry's labels."""
    s = comparison.results[comparison.names[0]].summary()
    assert list(s.index) == [k for k in SUMMARY_ROWS if k in s.index]
    _same_labels(s)
    assert "one_visit_share" in s.index


def test_compare_table_and_ratios_read_the_registry(comparison: fk.Comparison) -> None:
    """c.table and c.ratios show registry ids with the registry's labels and sources."""
    t = comparison.table
    assert list(t.index) == [k for k in COMPARE_ROWS if k in t.index]
    _same_labels(t)
    assert t["source"].tolist() == fk.kpis().loc[t.index, "source"].tolist()
    r = comparison.ratios
    assert list(r.index) == [k for k in RATIO_ROWS if k in r.index]
    _same_labels(r)
    assert r.loc["workdays_reduction", "kpi"] == "workdays_static"
