"""The whole pipeline on small generated data: generate -> load -> dbt build, through Dagster."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb
import pytest
from dagster import DagsterInstance

END_DATE = "2026-10-31"


def nurture(*args, env):
    return subprocess.run(
        [sys.executable, "-m", "orchestration.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_help_lists_every_command():
    out = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "--help"], capture_output=True, text=True
    )
    assert out.returncode == 0
    for command in ("demo", "generate", "load", "build", "run", "import", "query", "bench"):
        assert command in out.stdout


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """`nurture demo` on a small population, as a user runs it (own process, own data folder)."""
    root = tmp_path_factory.mktemp("demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NURTURE_", "DAGSTER_HOME"))}
    env |= {"NURTURE_DATA_DIR": str(root / "data"), "DAGSTER_HOME": str(root)}
    (root / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    out = nurture("demo", "--contacts", "150", "--end-date", END_DATE, env=env)
    return root / "data", out, env


def test_demo_ends_with_a_summary(demo_run):
    data, out, _ = demo_run
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    text = out.stdout
    assert "run succeeded" in text
    assert "web.web_events" in text and "checks:" in text
    total = next(line for line in text.splitlines() if line.startswith("total"))
    loaded, rejected = (int(x.replace(",", "")) for x in total.split()[1:3])
    assert loaded > 1000 and rejected > 0  # the generator's deliberately bad lines are quarantined
    assert " 0 failed" in text


def test_demo_warehouse_has_every_staging_model_and_the_rejects(demo_run):
    data, out, _ = demo_run
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        views = {
            v
            for (v,) in con.execute(
                "select table_name from information_schema.tables where table_schema='staging'"
            ).fetchall()
        }
        assert len(views) >= 19
        assert con.execute("select count(*) from staging.stg_web__events").fetchone()[0] > 500
        rejected = con.execute(
            "select count(*) from raw.quarantine where disposition = 'rejected'"
        ).fetchone()[0]
        assert rejected > 0
        # every quarantined row names its file and, except for whole-file problems, its line
        assert (
            con.execute(
                "select count(*) from raw.quarantine where file is null or reason is null"
            ).fetchone()[0]
            == 0
        )


def test_running_the_job_again_loads_nothing_new(demo_run, monkeypatch):
    data, out, env = demo_run
    for key in ("NURTURE_DATA_DIR", "DAGSTER_HOME"):
        monkeypatch.setenv(key, env[key])
    monkeypatch.setenv("NURTURE_WAREHOUSE", str(data / "warehouse.duckdb"))
    from orchestration.cli import run_job

    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        before = con.execute("select count(*) from raw.web_events").fetchone()[0]
    summary = run_job(instance=DagsterInstance.ephemeral(), log_file=data / "logs" / "again.log")
    assert summary.success, summary.render()
    assert summary.rows_loaded == 0 and summary.rows_rejected == 0
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from raw.web_events").fetchone()[0] == before


def test_the_demo_run_ran_the_quality_checks_in_its_instance(demo_run):
    """The great-expectations suites and source freshness ran on the whole graph, and passed."""
    from dagster import AssetCheckKey, AssetKey

    data, out, env = demo_run
    web = AssetKey(["web", "web_events"])
    keys = [
        AssetCheckKey(web, "no_future_web_events"),
        AssetCheckKey(web, "unique_event_id"),
        AssetCheckKey(web, "freshness_check"),
        AssetCheckKey(AssetKey(["crm", "crm_contacts"]), "valid_email_rate"),
    ]
    with DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        for key in keys:
            history = instance.event_log_storage.get_asset_check_execution_history(key, limit=1)
            assert history and history[0].status.value == "SUCCEEDED", (key, history)
