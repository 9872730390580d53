"""A bad file stops at the door: the blocking check fails, nothing downstream is built, alerts go out."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance, build_run_status_sensor_context

WEB = AssetKey(["web", "web_events"])


def web_event(i: int, when: datetime, event_id: str | None = None) -> dict:
    return {
        "messageId": event_id or f"m{i}",
        "type": "page",
        "anonymousId": f"cookie-{i % 7}",
        "timestamp": when.isoformat(),
        "context": {"page": {"path": "/pricing", "url": "https://brand.test/pricing"}},
    }


def write_jsonl(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def bad_file(kind: str) -> list[dict]:
    past = datetime.now(UTC) - timedelta(days=2)
    good = [web_event(i, past + timedelta(minutes=i)) for i in range(40)]
    if kind == "future":  # a clock set a year ahead on some tracker: 5 of 45 events in the future
        return good + [web_event(100 + i, datetime.now(UTC) + timedelta(days=365)) for i in range(5)]
    # an export that repeated itself: 10 of 50 rows repeat an event id (the threshold is 2%)
    return good + [web_event(200 + i, past, event_id=f"m{i}") for i in range(10)]


@pytest.mark.parametrize(
    ("kind", "check"), [("future", "no_future_web_events"), ("duplicates", "unique_event_id")]
)
def test_a_bad_file_fails_its_blocking_check_and_nothing_downstream_is_built(data_dir, webhook, kind, check):
    write_jsonl(data_dir / "landing" / "web_events" / "tracker.jsonl", bad_file(kind))
    from orchestration.definitions import NURTURE_JOB, build_definitions
    from orchestration.defs.alerts import SENSOR_NAME, alert_on_run_failure

    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    instance = DagsterInstance.ephemeral()
    result = defs.resolve_job_def(NURTURE_JOB).execute_in_process(instance=instance, raise_on_error=False)

    assert not result.success
    # the raw rows are loaded (kept for inspection) ...
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert WEB in materialized
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from raw.web_events").fetchone()[0] == (
            45 if kind == "future" else 50
        )
    # ... the check on them failed with ERROR severity and is blocking ...
    failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
    ours = [e for e in failed if e.asset_key == WEB and e.check_name == check]
    assert ours and ours[0].blocking and ours[0].severity.value == "ERROR", failed
    # ... so nothing downstream of the raw tables was built: no staging model, no mart
    downstream = graph.get(WEB).child_keys
    assert downstream and not (materialized & downstream)
    assert all(graph.get(k).group_name == "sources" for k in materialized), materialized
    assert "dbt_models" not in [e.step_key for e in result.all_events if e.event_type_value == "STEP_SUCCESS"]
    assert not [k for k in materialized if k.path[0] in ("staging", "intermediate", "marts")]

    # the check posted its alert to the webhook while the run was going ...
    alerts = webhook.of_kind("check_failure")
    assert [(a["asset"], a["check"], a["blocking"]) for a in alerts] == [("web/web_events", check, True)]
    assert check in alerts[0]["text"] and "not built" in alerts[0]["text"]
    # ... and the run-failure sensor posts the failed run with its failed steps
    context = build_run_status_sensor_context(
        sensor_name=SENSOR_NAME,
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    ).for_run_failure()
    alert_on_run_failure(context)
    runs = webhook.of_kind("run_failure")
    assert len(runs) == 1 and runs[0]["run_id"] == result.run_id and runs[0]["job_name"] == NURTURE_JOB
    assert any(check in step or "web_events" in step for step in runs[0]["failed_steps"]), runs[0]
    assert "text" in runs[0] and result.run_id[:8] in runs[0]["text"]


def test_nurture_run_reports_the_failed_check_and_alerts_without_a_daemon(data_dir, webhook):
    write_jsonl(data_dir / "landing" / "web_events" / "tracker.jsonl", bad_file("future"))
    from orchestration.cli import run_job

    summary = run_job(instance=DagsterInstance.ephemeral(), log_file=data_dir / "logs" / "run.log")
    assert not summary.success and summary.checks_failed >= 1
    assert any("web/web_events: no_future_web_events" in line for line in summary.failed_checks)
    assert summary.models_built == 0
    text = summary.render()
    assert "failed: web/web_events: no_future_web_events" in text and "run FAILED" in text
    assert "waiting for their table" in text or not summary.pending_checks
    (run_alert,) = webhook.of_kind("run_failure")
    assert run_alert["job_name"] == "nurture" and run_alert["failed_steps"]
    assert [a["check"] for a in webhook.of_kind("check_failure")] == ["no_future_web_events"]
