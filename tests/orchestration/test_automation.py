"""Schedules, the landing sensor and the frequent/daily selections."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from dagster import (
    AssetKey,
    DagsterInstance,
    Definitions,
    asset,
    build_schedule_context,
    build_sensor_context,
    validate_run_config,
)

from orchestration.defs.automation import (
    DAILY_JOB,
    FREQUENT_JOB,
    LANDING_SENSOR,
    downstream_keys,
    frequent_skip_reason,
    left_to_daily,
    load_automation,
)
from orchestration.defs.automation.landing import cursor_of, new_files, parse_cursor, run_key
from orchestration.defs.dbt import REFRESH_TAG

WEB = AssetKey(["web", "web_events"])


def persistent_instance(data_dir) -> DagsterInstance:
    """A Dagster instance on disk (schedule contexts need one they can open again by reference)."""
    (data_dir / "dagster").mkdir(exist_ok=True)
    return DagsterInstance.local_temp(str(data_dir / "dagster"))


def write_events(path, ids):
    path.parent.mkdir(parents=True, exist_ok=True)
    when = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    rows = [{"messageId": i, "type": "page", "anonymousId": "c1", "timestamp": when} for i in ids]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_new_files_are_those_neither_loaded_nor_seen():
    listing = {"web_events/a.jsonl": ("web_events", "10:t1"), "web_events/b.jsonl": ("web_events", "20:t2")}
    assert new_files(listing, {}, {}) == ["web_events/a.jsonl", "web_events/b.jsonl"]
    assert new_files(listing, {}, {"web_events/a.jsonl": "10:t1"}) == ["web_events/b.jsonl"]
    assert new_files(listing, parse_cursor(cursor_of(listing)), {}) == []
    changed = {**listing, "web_events/a.jsonl": ("web_events", "11:t3")}  # rewritten: new again
    assert new_files(changed, parse_cursor(cursor_of(listing)), {}) == ["web_events/a.jsonl"]
    assert parse_cursor("not json") == {} and parse_cursor(None) == {}
    assert run_key(listing, ["web_events/a.jsonl"]) == run_key(dict(listing), ["web_events/a.jsonl"])
    assert run_key(listing, ["web_events/a.jsonl"]) != run_key(changed, ["web_events/a.jsonl"])


def test_the_landing_sensor_fires_once_for_new_files_and_never_for_loaded_ones(data_dir):
    from orchestration.definitions import build_definitions
    from sources.load import load

    landing = data_dir / "landing"
    write_events(landing / "web_events" / "a.jsonl", ["m1", "m2"])
    load()  # a.jsonl is loaded before the sensor ever runs
    defs = build_definitions()
    sensor = defs.resolve_sensor_def(LANDING_SENSOR)
    instance = DagsterInstance.ephemeral()

    first = sensor.evaluate_tick(build_sensor_context(instance=instance, cursor=None))
    assert not first.run_requests and "no new file" in (first.skip_message or "")

    write_events(landing / "web_events" / "b.jsonl", ["m3"])
    second = sensor.evaluate_tick(build_sensor_context(instance=instance, cursor=first.cursor))
    assert len(second.run_requests) == 1
    request = second.run_requests[0]
    assert request.tags["nurture/new_files"] == "1" and request.tags["dagster/max_retries"] == "2"
    selected = set(request.asset_selection)
    assert WEB in selected
    assert AssetKey(["staging", "stg_web__events"]) in selected  # what the file feeds is rebuilt
    assert AssetKey(["crm", "crm_contacts"]) not in selected  # other sources are not reloaded
    # the selection is a valid subset of the frequent job (non-subsettable loads are whole)
    subset = defs.resolve_job_def(FREQUENT_JOB).get_subset(asset_selection=selected)
    # with the frequent job's config: its event models' tests read the rows it loads
    assert validate_run_config(subset)["ops"]["dbt_models"]["config"]["test_scope"] == "new_rows"

    third = sensor.evaluate_tick(build_sensor_context(instance=instance, cursor=second.cursor))
    assert not third.run_requests  # b.jsonl is already on its way: no second run

    load()  # once b.jsonl is loaded, even a sensor that lost its cursor stays quiet
    fourth = sensor.evaluate_tick(build_sensor_context(instance=instance, cursor=None))
    assert not fourth.run_requests


def test_the_daily_schedule_builds_as_of_its_day(data_dir):
    from orchestration.definitions import build_definitions

    defs = build_definitions()
    schedule = defs.resolve_schedule_def("daily_schedule")
    tick = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)
    data = schedule.evaluate_tick(build_schedule_context(scheduled_execution_time=tick))
    (request,) = data.run_requests
    assert request.run_key == "2026-11-24" and request.tags["nurture/as_of"] == "2026-11-24"
    assert request.run_config == {"ops": {"dbt_models": {"config": {"as_of": "2026-11-24"}}}}
    job = defs.resolve_job_def(DAILY_JOB)
    assert job.name == schedule.job_name
    # every row of every model tested (the frequent runs' tests read the rows they loaded)
    assert validate_run_config(job, request.run_config)["ops"]["dbt_models"]["config"]["test_scope"] == "all"
    assert job.tags["dagster/max_retries"] == "2" and job.tags["dagster/retry_strategy"] == "FROM_FAILURE"


def test_the_frequent_job_loads_and_rebuilds_but_leaves_daily_models(data_dir):
    from orchestration.definitions import build_definitions

    cfg = load_automation()
    defs = build_definitions()
    frequent = defs.resolve_job_def(FREQUENT_JOB)
    keys = set(frequent.asset_layer.selected_asset_keys)
    assert WEB in keys and AssetKey(["staging", "stg_web__events"]) in keys
    assert AssetKey(["marts", "fct_interactions"]) in keys
    schedule = defs.resolve_schedule_def("frequent_schedule")
    assert schedule.cron_schedule == cfg.frequent_cron and schedule.job_name == FREQUENT_JOB
    # incremental: the frequent run never asks dbt for a full refresh
    tick = datetime(2026, 11, 24, 10, 15, tzinfo=UTC)
    # the context opens the instance again by reference: closing it restores Dagster's current state
    with build_schedule_context(
        instance=persistent_instance(data_dir), scheduled_execution_time=tick
    ) as context:
        data = schedule.evaluate_tick(context)
    assert data.run_requests  # no frequent run yet: the first tick runs
    assert all("full_refresh" not in str(request.run_config) for request in data.run_requests)


def test_the_frequent_schedule_skips_a_tick_with_nothing_to_load_after_a_run_that_did_not_fail(data_dir):
    from dagster import DagsterRunStatus
    from dagster._core.test_utils import create_run_for_test

    from orchestration.definitions import build_definitions
    from sources.load import load

    landing = data_dir / "landing"
    write_events(landing / "web_events" / "a.jsonl", ["m1"])
    load()
    schedule = build_definitions().resolve_schedule_def("frequent_schedule")
    instance = persistent_instance(data_dir)

    def tick():
        with build_schedule_context(instance=instance, scheduled_execution_time=datetime.now(UTC)) as context:
            return schedule.evaluate_tick(context)

    assert tick().run_requests  # every file loaded, but no frequent run has built them yet
    create_run_for_test(instance, job_name=FREQUENT_JOB, status=DagsterRunStatus.SUCCESS)
    skipped = tick()
    assert not skipped.run_requests and "no landing file to load" in skipped.skip_message
    # the first tick of a new day runs (models take that day as today: recency, as-of rules)
    last = instance.get_run_records(limit=1)[0]
    assert frequent_skip_reason([], last, datetime.now(UTC)) is not None
    assert frequent_skip_reason([], last, datetime.now(UTC) + timedelta(days=1)) is None
    create_run_for_test(instance, job_name=FREQUENT_JOB, status=DagsterRunStatus.STARTED)
    assert not tick().run_requests  # a run under way builds what was loaded
    write_events(landing / "web_events" / "b.jsonl", ["m2"])  # a file lands: the next tick runs
    (request,) = tick().run_requests
    assert request.tags["nurture/trigger"] == "schedule" and request.tags["nurture/new_files"] == "1"
    load()
    create_run_for_test(instance, job_name=FREQUENT_JOB, status=DagsterRunStatus.FAILURE)
    assert tick().run_requests  # the last run failed: models are behind the loads, run again


def test_daily_tagged_models_and_what_they_feed_stay_out_of_the_frequent_run():
    @asset(key=["src", "raw"])
    def raw():
        return 1

    @asset(deps=[raw], tags={"daily": ""})
    def history():
        return 1

    @asset(deps=[history])
    def tiers():
        return 1

    @asset(deps=[raw])
    def staging():
        return 1

    graph = Definitions(assets=[raw, history, tiers, staging]).resolve_asset_graph()
    keys = downstream_keys(graph, [AssetKey(["src", "raw"])], ["daily"])
    assert keys == [AssetKey(["src", "raw"]), AssetKey(["staging"])]
    assert len(downstream_keys(graph, [AssetKey(["src", "raw"])], [])) == 4


def test_current_models_reading_daily_ones_stay_in_the_frequent_run_with_what_they_feed():
    children = {
        "raw": ["ledger", "history"],
        "ledger": ["scores"],
        "history": ["scores", "crossings"],
        "crossings": ["alerts"],
        "scores": ["audience"],
        "audience": [],
        "alerts": [],
    }
    tags = {node: [] for node in children} | {"history": ["daily"], "scores": ["current"]}
    assert left_to_daily(children, tags, ["daily"], ["current"]) == {"history", "crossings", "alerts"}
    # without the current tag, what the history feeds goes to the daily run too
    everything_fed = {"history", "crossings", "alerts", "scores", "audience"}
    assert left_to_daily(children, tags, ["daily"]) == everything_fed
    # a node tagged both daily and current is daily
    both = tags | {"scores": ["daily", "current"]}
    assert "scores" in left_to_daily(children, both, ["daily"], ["current"])
    assert left_to_daily(children, tags, []) == set()


def test_audiences_refreshed_daily_or_weekly_are_left_to_the_daily_run():
    children = {
        "scores": ["hot_leads", "buyers"],
        "hot_leads": ["members"],
        "buyers": ["members"],
        "lookalikes": ["members"],
        "members": ["policy"],
        "policy": [],
    }
    tags = {node: [] for node in children} | {"members": ["current"]}
    refresh = {"hot_leads": "hourly", "buyers": "daily", "lookalikes": "Weekly"}  # in any case
    left = left_to_daily(children, tags, ["daily"], ["current"], refresh, ["daily", "weekly"])
    assert left == {"buyers", "lookalikes"}  # the members read them as the daily run left them
    # without the current tag, the members and what they feed wait for the daily run too
    untagged = {node: [] for node in children}
    assert left_to_daily(children, untagged, [], [], refresh, ["daily", "weekly"]) == {
        "buyers",
        "lookalikes",
        "members",
        "policy",
    }
    assert left_to_daily(children, tags, ["daily"], ["current"], refresh) == set()


def test_the_frequent_run_leaves_histories_to_the_daily_run_but_refreshes_current_state(data_dir):
    from orchestration.definitions import build_definitions

    defs = build_definitions()
    keys = set(defs.resolve_job_def(FREQUENT_JOB).asset_layer.selected_asset_keys)
    daily = set(defs.resolve_job_def(DAILY_JOB).asset_layer.selected_asset_keys)

    def mart(name: str) -> AssetKey:
        return AssetKey(["marts", name])

    histories = [
        "fct_lead_score_history",
        "fct_score_threshold_crossings",
        "fct_contact_stage_history",
        "fct_customer_value_tier_history",
        "fct_kpi_stage_durations",  # reads the stage history
    ]
    for name in histories:
        assert mart(name) in daily and mart(name) not in keys, name
    current = [
        "fct_score_ledger",
        "fct_lead_scores",
        "dim_contact_stages",
        "dim_customer_value",
        "dim_contacts",
        "aud_hot_leads",  # refresh: hourly
        "aud_anonymous_abandoners",
        "activation_policy",
    ]
    for name in current:
        assert mart(name) in keys, name
    # audiences refreshed daily or weekly wait for the daily run; every audience's members do not
    for name, refresh in [("aud_high_potential_prospects", "daily"), ("aud_value_tiers", "weekly")]:
        assert defs.resolve_asset_graph().get(mart(name)).tags.get(REFRESH_TAG) == refresh
        assert mart(name) in daily and mart(name) not in keys, name
    assert AssetKey(["intermediate", "int_audiences__members"]) in keys
    assert mart("fct_audience_membership_changes") in keys
    assert AssetKey(["intermediate", "int_lifecycle__stage_evaluations"]) in keys
    syncs = {k for k in daily if k.path[0] == "reverse_etl"}
    assert syncs and syncs <= keys  # every audience sync runs after a frequent build


def test_a_bad_automation_file_is_a_clear_error(tmp_path):
    path = tmp_path / "automation.yml"
    path.write_text("frequent: {cron: '*/5 * * * *'}\ndaily: {}\n")
    with pytest.raises(ValueError, match="daily.cron"):
        load_automation(path)
