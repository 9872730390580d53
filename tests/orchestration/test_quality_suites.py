"""Expectation suites as data, validated by great-expectations on small frames."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from orchestration.defs.quality.suites import (
    SuiteError,
    load_suites,
    parse_suite,
    resolve_value,
)
from orchestration.defs.quality.validate import batch_query, validate

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def suite_file(tmp_path, text: str):
    path = tmp_path / "demo.yml"
    path.write_text(text)
    return path


def one_check(tmp_path, check: str):
    return parse_suite(suite_file(tmp_path, f"asset: [web, web_events]\nchecks:\n{check}")).checks[0]


def test_every_shipped_suite_parses_and_error_checks_block():
    suites = load_suites()
    assert {s.asset for s in suites} >= {("web", "web_events"), ("crm", "crm_contacts"), ("fct_lead_scores",)}
    checks = [c for s in suites for c in s.checks]
    assert all(c.blocking == (c.severity == "error") for c in checks)
    assert {c.expectation for c in checks} >= {
        "expect_column_values_to_be_between",
        "expect_column_values_to_be_unique",
        "expect_column_values_to_be_in_set",
        "expect_column_mean_to_be_between",
        "expect_table_row_count_to_be_between",
    }


@pytest.mark.parametrize(
    ("check", "message"),
    [
        (
            "  - name: x\n    expectation: expect_column_values_to_be_unique\n    severity: fatal\n",
            "severity",
        ),
        ("  - name: x\n    expectation: column_unique\n", "expectation"),
        ("  - name: Bad Name\n    expectation: expect_column_values_to_be_unique\n", "name"),
        ("  - name: x\n    expectation: expect_column_values_to_be_unique\n    colour: red\n", "unknown key"),
        ("  - name: x\n    expectation: expect_column_mean_to_be_between\n    baseline: {}\n", "baseline"),
    ],
)
def test_a_bad_suite_names_its_file_and_check(tmp_path, check, message):
    with pytest.raises(SuiteError) as err:
        one_check(tmp_path, check)
    assert "demo.yml" in str(err.value) and message in str(err.value)


def test_now_placeholders_resolve_to_utc_datetimes():
    assert resolve_value("@now", NOW) == NOW
    assert resolve_value("@now+1h", NOW) == NOW + timedelta(hours=1)
    assert resolve_value({"max_value": "@now - 30d", "x": ["@now"]}, NOW) == {
        "max_value": NOW - timedelta(days=30),
        "x": [NOW],
    }
    assert resolve_value("now", NOW) == "now"


def test_batch_query_reads_only_the_needed_columns_of_the_latest_load(tmp_path):
    check = one_check(
        tmp_path,
        "  - name: x\n    expectation: expect_column_values_to_be_unique\n"
        "    kwargs: {column: event_id}\n    rows: latest_load\n",
    )
    sql = batch_query(check, "raw.web_events")
    assert sql == (
        "select event_id from raw.web_events where _dlt_load_id = "
        "(select max(_dlt_load_id) from raw.web_events)"
    )


def test_future_timestamps_fail_and_past_ones_pass(tmp_path):
    check = one_check(
        tmp_path,
        "  - name: no_future\n    expectation: expect_column_values_to_be_between\n"
        '    kwargs: {column: occurred_at, max_value: "@now+1h"}\n',
    )
    past = pd.DataFrame(
        {"occurred_at": pd.to_datetime([NOW - timedelta(days=d) for d in range(5)], utc=True)}
    )
    assert validate(check, past, now=NOW).passed
    future = pd.concat(
        [past, pd.DataFrame({"occurred_at": pd.to_datetime([NOW + timedelta(days=3)], utc=True)})]
    )
    outcome = validate(check, future, now=NOW)
    assert not outcome.passed
    assert "16.67% of 6 values unexpected" in outcome.description


def test_duplicates_pass_under_the_threshold_and_fail_past_it(tmp_path):
    check = one_check(
        tmp_path,
        "  - name: unique_id\n    expectation: expect_column_values_to_be_unique\n"
        "    kwargs: {column: event_id, mostly: 0.9}\n",
    )
    few = pd.DataFrame({"event_id": [f"e{i}" for i in range(49)] + ["e0"]})  # 2 of 50 rows duplicated
    assert validate(check, few).passed
    many = pd.DataFrame({"event_id": [f"e{i}" for i in range(40)] + ["e0"] * 10})
    outcome = validate(check, many)
    assert not outcome.passed and "unexpected" in outcome.description


def test_baseline_compares_each_group_with_the_previous_evaluation(tmp_path):
    check = one_check(
        tmp_path,
        "  - name: size\n    expectation: expect_table_row_count_to_be_between\n"
        "    group_by: [audience]\n    baseline: {max_relative_change: 0.5}\n",
    )
    frame = pd.DataFrame({"audience": ["a"] * 100 + ["b"] * 10})
    first = validate(check, frame)
    assert first.passed and first.observed == {"audience=a": 100, "audience=b": 10}
    assert "baseline recorded" in first.description
    # a grows within 50%, b jumps from 10 to 40: fails and says which group
    grown = pd.DataFrame({"audience": ["a"] * 120 + ["b"] * 40})
    outcome = validate(check, grown, previous=first.observed)
    assert not outcome.passed
    assert "audience=b" in outcome.description and "audience=a" not in outcome.description
    # an audience that disappears is a jump too
    gone = pd.DataFrame({"audience": ["a"] * 100})
    outcome = validate(check, gone, previous=first.observed)
    assert not outcome.passed and "audience=b: no rows now (was 10)" in outcome.description


def test_score_mean_drift_per_model(tmp_path):
    check = one_check(
        tmp_path,
        "  - name: drift\n    expectation: expect_column_mean_to_be_between\n    kwargs: {column: score}\n"
        "    group_by: [scoring_model]\n    baseline: {max_relative_change: 0.25}\n",
    )
    before = pd.DataFrame(
        {"scoring_model": ["fit"] * 4 + ["engagement"] * 4, "score": [40, 50, 60, 50, 10, 20, 30, 20]}
    )
    base = validate(check, before).observed
    assert base == {"scoring_model=fit": 50.0, "scoring_model=engagement": 20.0}
    after = before.assign(score=[40, 50, 60, 50, 40, 50, 60, 50])  # engagement mean 20 -> 50
    outcome = validate(check, after, previous=base)
    assert not outcome.passed and "scoring_model=engagement" in outcome.description
    assert validate(check, before, previous=base).passed


def test_a_missing_column_is_a_failed_check_not_a_crash(tmp_path):
    check = one_check(
        tmp_path,
        "  - name: size\n    expectation: expect_table_row_count_to_be_between\n"
        "    group_by: [audience]\n    baseline: {max_relative_change: 0.5}\n",
    )
    outcome = validate(check, pd.DataFrame({"audience_name": ["a"]}))
    assert not outcome.passed and "['audience']" in outcome.description
