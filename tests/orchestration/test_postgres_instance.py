"""dagster.postgres.yaml against a real PostgreSQL server: a run and its events are stored and read back."""

from __future__ import annotations

import shutil
from urllib.parse import urlparse

import psycopg2
import pytest
from dagster import (
    AssetCheckResult,
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    DagsterRunStatus,
    Definitions,
    asset,
    asset_check,
    define_asset_job,
)

from sources import settings


@asset
def tiny_table():
    return 3


@asset_check(asset=tiny_table, blocking=True)
def tiny_table_is_small():
    return AssetCheckResult(passed=True, metadata={"rows": 3})


@pytest.fixture
def postgres_home(postgres_dsn, tmp_path, monkeypatch):
    """A DAGSTER_HOME holding the project's PostgreSQL instance file, on a fresh database."""
    url = urlparse(postgres_dsn)
    con = psycopg2.connect(postgres_dsn)
    try:
        con.autocommit = True  # CREATE DATABASE runs outside a transaction
        with con.cursor() as cur:
            cur.execute("drop database if exists nurture_dagster_test")
            cur.execute("create database nurture_dagster_test")
    finally:
        con.close()
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(settings.PROJECT_ROOT / "dagster.postgres.yaml", home / "dagster.yaml")
    monkeypatch.chdir(home)  # the instance file's local paths (compute logs) are relative
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("NURTURE_DAGSTER_PG_HOST", url.hostname)
    monkeypatch.setenv("NURTURE_DAGSTER_PG_PORT", str(url.port or 5432))
    monkeypatch.setenv("NURTURE_DAGSTER_PG_DB", "nurture_dagster_test")
    monkeypatch.setenv("NURTURE_DAGSTER_PG_USER", url.username or "postgres")
    monkeypatch.setenv("NURTURE_DAGSTER_PG_PASSWORD", url.password or "unused-with-trust-auth")
    return home


def test_a_run_is_stored_in_postgres_and_read_back_by_another_instance(postgres_home, postgres_dsn):
    defs = Definitions(
        assets=[tiny_table], asset_checks=[tiny_table_is_small], jobs=[define_asset_job("tiny")]
    )
    with DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert instance.run_retries_enabled and instance.run_retries_max_retries == 2
        result = defs.resolve_job_def("tiny").execute_in_process(instance=instance)
        assert result.success
        run_id = result.run_id

    # a second instance (as the UI or the daemon would open it) sees the run, its events and checks
    with DagsterInstance.from_config(str(postgres_home)) as other:
        run = other.get_run_by_id(run_id)
        assert run is not None and run.status == DagsterRunStatus.SUCCESS and run.job_name == "tiny"
        kinds = {e.dagster_event.event_type for e in other.all_logs(run_id) if e.dagster_event}
        assert {
            DagsterEventType.RUN_SUCCESS,
            DagsterEventType.ASSET_MATERIALIZATION,
            DagsterEventType.ASSET_CHECK_EVALUATION,
        } <= kinds
        latest = other.get_latest_materialization_event(AssetKey("tiny_table"))
        assert latest is not None and latest.run_id == run_id
    # and the rows are in PostgreSQL itself
    url = urlparse(postgres_dsn)
    con = psycopg2.connect(url._replace(path="/nurture_dagster_test").geturl())
    try:
        cur = con.cursor()
        cur.execute("select count(*) from runs where run_id = %s", (run_id,))
        assert cur.fetchone()[0] == 1
    finally:
        con.close()
