"""Alerts post Slack-compatible JSON to the configured webhook, and never crash a run."""

from __future__ import annotations

from orchestration.defs.alerts.webhook import check_failure_payload, post, run_failure_payload


def test_a_check_failure_is_posted_as_json_with_text(webhook):
    payload = check_failure_payload(
        asset="web/web_events",
        check="no_future_web_events",
        severity="error",
        blocking=True,
        description="5 rows in the future",
        run_id="abcdef0123456789",
        job_name="nurture",
    )
    assert post(payload) is True
    (got,) = webhook.received
    assert got["kind"] == "check_failure" and got["asset"] == "web/web_events" and got["blocking"] is True
    assert "no_future_web_events" in got["text"] and "web/web_events" in got["text"]


def test_a_run_failure_names_the_job_run_and_steps(webhook):
    payload = run_failure_payload(
        run_id="abcdef0123456789", job_name="daily", message="boom", failed_steps=["dbt_models"], tags={}
    )
    assert post(payload)
    (got,) = webhook.received
    assert got["failed_steps"] == ["dbt_models"] and "abcdef01" in got["text"] and "daily" in got["text"]


def test_no_webhook_or_a_dead_one_only_logs(monkeypatch, caplog):
    monkeypatch.delenv("NURTURE_ALERT_WEBHOOK_URL", raising=False)
    assert post({"text": "hello"}) is False
    assert post({"text": "hello"}, url="http://127.0.0.1:9/nothing-listens-here") is False
    assert "alert webhook" in caplog.text
