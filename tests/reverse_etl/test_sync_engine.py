"""Diffing, modes, held-back members, dry runs, logs and failed-record retries, through a webhook."""

from __future__ import annotations

import orjson
import pytest
from retl_policy import member, query, write_policy, write_sync
from retl_servers import VendorServer, WebhookApp

from reverse_etl.engine import run_sync
from reverse_etl.spec import load_spec

SECRET = "whsec-test"


def webhook_spec(syncs_dir, url, mode="upsert", name="hot_webhook", **extra):
    path = write_sync(
        syncs_dir,
        name,
        audience="hot_leads",
        destination="webhook",
        mode=mode,
        identifier="member_key",
        fields={"email": "email", "score": "attributes.score", "band": "attributes.band"},
        config={"url": url, "secret": SECRET, "batch_size": 10, "rate_limit": {"requests": 1000}, **extra},
    )
    return load_spec(path)


@pytest.fixture
def hook():
    app = WebhookApp(SECRET)
    with VendorServer(app) as server:
        yield app, server


def test_first_run_sends_all_then_a_rerun_sends_nothing(warehouse, syncs_dir, hook):
    app, server = hook
    write_policy(warehouse, [member(i) for i in range(25)])
    spec = webhook_spec(syncs_dir, server.url)
    first = run_sync(spec, warehouse=warehouse)
    assert (first.status, first.adds, first.delivered) == ("succeeded", 25, 25)
    assert len(server.log) == 3  # batches of 10
    assert all(len(v) == 1 for v in app.applied.values()) and len(app.applied) == 25
    assert app.applied["c000003"][0] == (
        "upsert",
        {"email": "person3@example.com", "score": 83, "band": "hot"},
    )

    second = run_sync(spec, warehouse=warehouse)
    assert (second.status, second.adds, second.changes, second.delivered) == ("succeeded", 0, 0, 0)
    assert len(server.log) == 3  # not one request more

    runs = query(warehouse, "select status, adds, delivered from reverse_etl.sync_runs order by started_at")
    assert runs == [("succeeded", 25, 25), ("succeeded", 0, 0)]
    logged = query(warehouse, "select count(*), count(distinct member_key) from reverse_etl.sync_records")
    assert logged == [(25, 25)]


def test_only_changes_are_sent_with_old_and_new_values_logged(warehouse, syncs_dir, hook):
    app, server = hook
    rows = [member(i) for i in range(5)]
    write_policy(warehouse, rows)
    spec = webhook_spec(syncs_dir, server.url)
    run_sync(spec, warehouse=warehouse)
    rows[2]["attributes"] = {"band": "hot", "score": 99}
    rows.append(member(7))
    write_policy(warehouse, rows)
    report = run_sync(spec, warehouse=warehouse)
    assert (report.adds, report.changes, report.removes, report.delivered) == (1, 1, 0, 2)
    assert app.applied["c000002"][-1][1]["score"] == 99
    old, new = query(
        warehouse,
        "select old_payload, new_payload from reverse_etl.sync_records "
        "where run_id = ? and member_key = 'c000002'",
        [report.run_id],
    )[0]
    assert orjson.loads(old)["score"] == 82 and orjson.loads(new)["score"] == 99


def test_upsert_never_removes_but_mirror_removes_leavers_and_held_back_members(warehouse, syncs_dir, hook):
    app, server = hook
    rows = [member(i) for i in range(6)]
    write_policy(warehouse, rows)
    upsert = webhook_spec(syncs_dir, server.url, name="upsert_sync")
    mirror = webhook_spec(syncs_dir, server.url, mode="mirror", name="mirror_sync")
    run_sync(upsert, warehouse=warehouse)
    run_sync(mirror, warehouse=warehouse)
    # c000001 leaves the audience; c000002 is now held back (do not contact)
    rows = [r for r in rows if r["member_key"] != "c000001"]
    rows[1].update(is_allowed=False, hold_reason="do_not_contact")
    write_policy(warehouse, rows)
    assert run_sync(upsert, warehouse=warehouse).removes == 0
    report = run_sync(mirror, warehouse=warehouse)
    assert (report.adds, report.changes, report.removes) == (0, 0, 2)
    assert report.held_back == {"do_not_contact": 1}
    removed = sorted(k for k, ops in app.applied.items() if ops[-1][0] == "remove")
    assert removed == ["c000001", "c000002"]
    state = query(
        warehouse, "select member_key from reverse_etl.sync_state where sync_name = 'mirror_sync' order by 1"
    )
    assert [m for (m,) in state] == ["c000000", "c000003", "c000004", "c000005"]


def test_add_only_sends_each_member_once(warehouse, syncs_dir, hook):
    app, server = hook
    rows = [member(i) for i in range(3)]
    write_policy(warehouse, rows)
    spec = webhook_spec(syncs_dir, server.url, mode="add-only")
    run_sync(spec, warehouse=warehouse)
    rows[0]["attributes"] = {"band": "hot", "score": 1}
    write_policy(warehouse, [*rows, member(3)])
    report = run_sync(spec, warehouse=warehouse)
    assert (report.adds, report.changes, report.delivered) == (1, 0, 1)
    assert len(app.applied["c000000"]) == 1


def test_dry_run_counts_samples_and_held_back_and_sends_nothing(warehouse, syncs_dir, hook):
    app, server = hook
    rows = [member(i) for i in range(8)]
    rows[0].update(is_allowed=False, hold_reason="no_consent")
    rows[1].update(is_allowed=False, hold_reason="no_consent")
    rows[2].update(is_allowed=False, hold_reason="pressure_cap")
    write_policy(warehouse, rows)
    spec = webhook_spec(syncs_dir, server.url)
    report = run_sync(spec, dry_run=True, warehouse=warehouse, sample_size=2)
    assert report.status == "dry_run" and report.adds == 5
    assert report.held_back == {"no_consent": 2, "pressure_cap": 1}
    assert [s["member_key"] for s in report.samples["add"]] == ["c000003", "c000004"]
    assert server.log == [] and not app.applied
    text = report.render()
    assert "5 adds" in text and "no_consent 2" in text and "c000003" in text
    runs = query(warehouse, "select dry_run, status, adds, held_back from reverse_etl.sync_runs")
    assert runs == [(True, "dry_run", 5, '{"no_consent":2,"pressure_cap":1}')]


def test_rejected_records_are_retried_next_sync_unless_terminal(warehouse, syncs_dir, hook):
    app, server = hook
    write_policy(warehouse, [member(i) for i in range(4)])
    app.reject = {"c000001": ("temporarily locked", False), "c000002": ("invalid address", True)}
    spec = webhook_spec(syncs_dir, server.url)
    first = run_sync(spec, warehouse=warehouse)
    assert (first.status, first.delivered, first.rejected) == ("partial", 2, 2)
    failed = query(
        warehouse, "select member_key, reason, terminal from reverse_etl.failed_records order by 1"
    )
    assert failed == [("c000001", "temporarily locked", False), ("c000002", "invalid address", True)]

    app.reject = {}
    second = run_sync(spec, warehouse=warehouse)
    assert (second.adds, second.delivered) == (1, 1)  # c000001 retried; c000002 is terminal
    assert "c000002" not in app.applied and len(app.applied["c000001"]) == 1
    assert query(warehouse, "select member_key from reverse_etl.failed_records") == [("c000002",)]

    rows = [member(i) for i in range(4)]
    rows[2]["email"] = "fixed@example.com"  # a terminal failure is retried once the record changes
    write_policy(warehouse, rows)
    third = run_sync(spec, warehouse=warehouse)
    assert (third.adds, third.delivered) == (1, 1)
    assert query(warehouse, "select count(*) from reverse_etl.failed_records") == [(0,)]


def test_destination_down_leaves_batches_pending_and_they_are_resent_with_the_same_key(
    warehouse, syncs_dir, hook
):
    app, server = hook
    write_policy(warehouse, [member(i) for i in range(15)])
    spec = webhook_spec(syncs_dir, server.url, max_retries=1, backoff_base=0.01)
    server.force_429 = 100
    server.retry_after = "0"
    down = run_sync(spec, warehouse=warehouse)
    assert down.status == "partial" and down.pending == 15 and down.error
    keys = query(warehouse, "select distinct batch_key from reverse_etl.outbox order by 1")
    assert len(keys) == 2
    reasons = query(warehouse, "select distinct terminal, left(reason, 12) from reverse_etl.failed_records")
    assert reasons == [(False, "undelivered:")]
    server.force_429 = 0
    up = run_sync(spec, warehouse=warehouse)
    assert (up.resent, up.delivered, up.adds, up.pending) == (15, 15, 0, 0)
    assert [k for k in app.keys_seen] == [k for (k,) in keys]
    assert query(warehouse, "select count(*) from reverse_etl.failed_records") == [(0,)]


def test_a_missing_policy_table_is_a_clear_error(data_dir, syncs_dir, hook):
    import duckdb

    from reverse_etl.engine import SyncError

    path = data_dir / "warehouse.duckdb"
    duckdb.connect(str(path)).close()
    spec = webhook_spec(syncs_dir, hook[1].url)
    with pytest.raises(SyncError, match="marts.activation_policy does not exist"):
        run_sync(spec, warehouse=path)


def test_a_duplicate_member_key_is_a_clear_error(warehouse, syncs_dir, hook):
    from reverse_etl.engine import SyncError

    write_policy(warehouse, [member(1), member(1)])
    with pytest.raises(SyncError, match="c000001.*appears 2 times"):
        run_sync(webhook_spec(syncs_dir, hook[1].url), warehouse=warehouse)
