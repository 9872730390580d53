"""The lead-scoring backtest: its pure metrics, then a run on a small synthetic warehouse."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from orchestration.backtest import (
    BacktestError,
    conversion_by,
    deciles,
    regression_weights,
    roc_auc,
    run_backtest,
    suggest_thresholds,
    threshold_curve,
)


def test_roc_auc_of_a_perfect_and_an_inverted_ranking() -> None:
    outcomes = np.array([0, 0, 1, 1])
    assert roc_auc(np.array([1, 2, 3, 4]), outcomes) == 1.0
    assert roc_auc(np.array([4, 3, 2, 1]), outcomes) == 0.0
    assert roc_auc(np.array([1, 1, 1, 1]), outcomes) == 0.5  # ties count half
    with pytest.raises(BacktestError, match="only one outcome"):
        roc_auc(np.array([1, 2]), np.array([1, 1]))


def test_threshold_curve_precision_recall() -> None:
    scores = np.array([10, 20, 30, 40])
    outcomes = np.array([0, 1, 0, 1])
    curve = threshold_curve(scores, outcomes).set_index("threshold")
    assert curve.loc[10.0, ["leads", "precision", "recall"]].tolist() == [4, 0.5, 1.0]
    assert curve.loc[30.0, ["leads", "precision", "recall"]].tolist() == [2, 0.5, 0.5]
    assert curve.loc[40.0, ["leads", "precision", "recall"]].tolist() == [1, 1.0, 0.5]


def test_suggested_thresholds_best_f1_and_warm_recall() -> None:
    curve = pd.DataFrame(
        {
            "threshold": [0.0, 10.0, 20.0, 30.0],
            "recall": [1.0, 0.95, 0.8, 0.5],
            "f1": [0.5, 0.6, 0.7, 0.55],
        }
    )
    suggested = suggest_thresholds(curve)
    assert (suggested.hot, suggested.warm) == (20.0, 10.0)


def test_conversion_by_band_and_deciles() -> None:
    frame = pd.DataFrame(
        {
            "score": list(range(20)),
            "band": ["cold"] * 10 + ["warm"] * 5 + ["hot"] * 5,
            "converted": [0] * 10 + [0, 1, 0, 1, 0] + [1] * 5,
        }
    )
    bands = conversion_by(frame, "band", order=["hot", "warm", "cold"]).set_index("band")
    assert bands.loc["hot", "conversion_rate"] == 1.0
    assert bands.loc["warm", "conversion_rate"] == 0.4
    assert bands.loc["hot", "lift"] == pytest.approx(1.0 / 0.35)
    by_decile = deciles(frame)
    assert by_decile["leads"].tolist() == [2] * 10
    assert by_decile.iloc[0]["min_score"] == 18 and by_decile.iloc[0]["conversion_rate"] == 1.0


def test_regression_weights_follow_what_converts() -> None:
    rng = np.random.default_rng(0)
    n = 400
    strong = rng.integers(0, 2, n)
    noise = rng.integers(0, 2, n)
    outcomes = (rng.random(n) < np.where(strong == 1, 0.8, 0.1)).astype(int)
    features = pd.DataFrame({"strong": strong, "noise": noise})
    weights, auc = regression_weights(features, outcomes, pd.Series({"strong": 10.0, "noise": 10.0}))
    table = weights.set_index("rule_id")
    assert table.loc["strong", "proposed_points"] > abs(table.loc["noise", "proposed_points"])
    assert table.loc["strong", "hand_points"] == 10.0
    assert auc > 0.75


def make_warehouse(path: Path, n: int = 200) -> None:
    """The tables the backtest reads, with a score that predicts conversion and one lead per contact."""
    rng = np.random.default_rng(1)
    scores = rng.integers(0, 100, n)
    converted = rng.random(n) < scores / 100
    with duckdb.connect(str(path)) as con:
        for schema in ("marts", "staging", "intermediate", "seeds"):
            con.execute(f"create schema {schema}")
        con.execute(
            "create table seeds.scoring_models as "
            "select 'm' as scoring_model, 70.0 as hot_threshold, 40.0 as warm_threshold"
        )
        for table, rule, points, model in (
            ("scoring_profile_rules", "big", 30.0, "m"),
            ("scoring_behaviour_rules", "demo", 20.0, "m"),
            ("scoring_negative_rules", "x", -5.0, "other"),
        ):
            con.execute(
                f"create table seeds.{table} as select ? as rule_id, ? as points, ? as scoring_model",
                [rule, points, model],
            )
        con.execute(
            "create table marts.fct_lead_scores "
            "(contact_id varchar, scoring_model varchar, score double, band varchar)"
        )
        con.execute(
            "create table marts.fct_score_ledger (contact_id varchar, scoring_model varchar, "
            "rule_id varchar, rule_kind varchar, raw_points double)"
        )
        con.execute("create table staging.stg_crm__leads (lead_id varchar, is_converted boolean)")
        con.execute(
            "create table intermediate.int_identity__record_contacts "
            "(record_source varchar, record_id varchar, contact_id varchar)"
        )
        for i, (score, conv) in enumerate(zip(scores, converted, strict=True)):
            band = "hot" if score >= 70 else "warm" if score >= 40 else "cold"
            con.execute(
                "insert into marts.fct_lead_scores values (?, 'm', ?, ?)", [f"c{i}", float(score), band]
            )
            if score >= 50:
                con.execute(
                    "insert into marts.fct_score_ledger values (?, 'm', 'big', 'profile', 30)", [f"c{i}"]
                )
            if i % 3 == 0:
                con.execute(
                    "insert into marts.fct_score_ledger values (?, 'm', 'demo', 'behaviour', 20)", [f"c{i}"]
                )
            if i < n - 10:  # the last ten contacts have no lead: no known outcome
                con.execute("insert into staging.stg_crm__leads values (?, ?)", [f"l{i}", bool(conv)])
                con.execute(
                    "insert into intermediate.int_identity__record_contacts values ('stg_crm__leads', ?, ?)",
                    [f"l{i}", f"c{i}"],
                )


def test_run_backtest_writes_report_chart_and_summary(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    make_warehouse(warehouse)
    result = run_backtest(warehouse, "m", tmp_path / "out")
    assert (result.cohort, result.excluded) == (190, 10)
    assert 0.7 < result.auc <= 1.0
    rates = result.bands.set_index("band")["conversion_rate"]
    assert rates["hot"] > rates["warm"] > rates["cold"]
    assert set(result.weights["rule_id"]) == {"big", "demo"}
    report, chart, summary = result.files
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = report.read_text()
    assert "ROC AUC" in text and "data:image/png;base64," in text and "Conversion by score decile" in text
    assert json.loads(summary.read_text())["auc"] == round(result.auc, 4)


def test_run_backtest_names_an_unknown_model(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    make_warehouse(warehouse, n=20)
    with pytest.raises(BacktestError, match="no scoring model 'nope'; models: m"):
        run_backtest(warehouse, "nope", tmp_path / "out")
