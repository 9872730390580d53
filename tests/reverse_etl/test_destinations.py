"""Each destination against a local server that follows its vendor's contract (or a real PostgreSQL)."""

from __future__ import annotations

import csv

import pyarrow.parquet as pq
import pytest
from retl_policy import member, query, write_policy, write_sync
from retl_servers import HubSpotApp, MailchimpApp, MetaAudienceApp, SlackApp, SmsListApp, VendorServer

from reverse_etl.destinations.base import REMOVE, UPSERT, Record
from reverse_etl.engine import run_sync
from reverse_etl.hashing import hash_email, hash_phone
from reverse_etl.spec import load_spec

FAST = {"backoff_base": 0.01}


def spec_for(syncs_dir, name, destination, mode, identifier, fields, config, audience="hot_leads"):
    path = write_sync(
        syncs_dir,
        name,
        audience=audience,
        destination=destination,
        mode=mode,
        identifier=identifier,
        fields=fields,
        config={**FAST, **config},
    )
    return load_spec(path)


# --- CRM (HubSpot-style) -------------------------------------------------------------------------


def crm_spec(syncs_dir, url, mode="upsert", **config):
    return spec_for(
        syncs_dir,
        f"crm_{mode.replace('-', '_')}",
        "crm",
        mode,
        "email",
        {"email": "email", "firstname": "first_name", "nurture_score": "attributes.score"},
        {"base_url": url, "token": "pat-test", **config},
    )


def test_crm_batches_of_100_and_honours_429_retry_after(warehouse, syncs_dir):
    app = HubSpotApp()
    write_policy(warehouse, [member(i, destination="crm") for i in range(250)])
    with VendorServer(app, rate_limit=(2, 1.0)) as server:
        report = run_sync(crm_spec(syncs_dir, server.url), warehouse=warehouse)
    assert (report.status, report.delivered) == ("succeeded", 250)
    assert app.batch_sizes == [100, 100, 50]
    assert 429 in server.statuses() and report.throttled >= 1
    # the retry waited for Retry-After (1 s): the third batch went out a second after the first
    ok = [t for t, _, _, status in server.log if status == 200]
    assert ok[2] - ok[0] >= 0.9
    assert app.contacts["person7@example.com"] == {
        "email": "person7@example.com",
        "firstname": "First7",
        "nurture_score": "87",
    }


def test_crm_client_side_limit_keeps_under_the_vendor_limit(warehouse, syncs_dir):
    app = HubSpotApp()
    write_policy(warehouse, [member(i, destination="crm") for i in range(400)])
    with VendorServer(app, rate_limit=(2, 1.0)) as server:
        spec = crm_spec(syncs_dir, server.url, rate_limit={"requests": 2, "per_seconds": 1.0})
        report = run_sync(spec, warehouse=warehouse)
    assert report.delivered == 400 and report.throttled == 0 and 429 not in server.statuses()


def test_crm_failing_batch_is_split_to_isolate_the_bad_record(warehouse, syncs_dir):
    app = HubSpotApp()
    rows = [member(i, destination="crm") for i in range(100)]
    rows[37]["email"] = "not-an-email"
    write_policy(warehouse, rows)
    with VendorServer(app) as server:
        report = run_sync(crm_spec(syncs_dir, server.url), warehouse=warehouse)
    assert (report.status, report.delivered, report.rejected) == ("partial", 99, 1)
    assert len(app.contacts) == 99 and "not-an-email" not in app.contacts
    assert len(app.batch_sizes) <= 1 + 2 * 7  # a binary search, not one request per record
    failed = query(warehouse, "select member_key, terminal, reason from reverse_etl.failed_records")
    assert failed[0][:2] == ("c000037", True) and "not a valid email" in failed[0][2]
    keys = query(warehouse, "select batch_key from reverse_etl.sync_records where member_key = 'c000037'")
    assert keys[0][0].count(".") in (6, 7)  # split down to one record: 100 -> 50 -> ... -> 1


def test_crm_update_only_rejects_unknown_contacts_as_terminal(warehouse, syncs_dir):
    app = HubSpotApp()
    app.contacts["person1@example.com"] = {"email": "person1@example.com"}
    write_policy(warehouse, [member(i, destination="crm") for i in range(3)])
    with VendorServer(app) as server:
        report = run_sync(crm_spec(syncs_dir, server.url, mode="update-only"), warehouse=warehouse)
    assert (report.delivered, report.rejected) == (1, 2)
    assert set(app.contacts) == {"person1@example.com"}
    reasons = query(
        warehouse, "select distinct terminal, split_part(reason, ':', 1) from reverse_etl.failed_records"
    )
    assert reasons == [(True, "OBJECT_NOT_FOUND")]


def test_crm_bad_token_fails_the_run_and_keeps_the_outbox(warehouse, syncs_dir):
    from reverse_etl.http import TerminalError

    write_policy(warehouse, [member(i, destination="crm") for i in range(3)])
    with VendorServer(HubSpotApp(token="another")) as server, pytest.raises(TerminalError):
        run_sync(crm_spec(syncs_dir, server.url), warehouse=warehouse)
    assert query(warehouse, "select status from reverse_etl.sync_runs") == [("failed",)]
    assert query(warehouse, "select count(*) from reverse_etl.outbox") == [(3,)]


# --- Email tool (Mailchimp-style) ----------------------------------------------------------------


def email_spec(syncs_dir, url, mode="mirror"):
    return spec_for(
        syncs_dir,
        "winback_email",
        "email_tool",
        mode,
        "email",
        {"FNAME": "first_name", "SCORE": "attributes.score"},
        {"base_url": url, "api_key": "key-us1", "list_id": "L1", "segment_id": "S1"},
    )


def test_a_contact_without_email_consent_never_reaches_the_email_tool(warehouse, syncs_dir):
    app = MailchimpApp()
    rows = [member(i, destination="email_tool") for i in range(6)]
    rows[1].update(is_allowed=False, hold_reason="no_consent")
    rows[4].update(is_allowed=False, hold_reason="do_not_contact")
    write_policy(warehouse, rows)
    with VendorServer(app) as server:
        spec = email_spec(syncs_dir, server.url)
        preview = run_sync(spec, dry_run=True, warehouse=warehouse)
        report = run_sync(spec, warehouse=warehouse)
        # consent is withdrawn later: the member leaves the segment, nothing else is sent to them
        rows[2].update(is_allowed=False, hold_reason="no_consent")
        write_policy(warehouse, rows)
        later = run_sync(spec, warehouse=warehouse)
    assert preview.held_back == {"no_consent": 1, "do_not_contact": 1}
    assert report.delivered == 4
    assert "person1@example.com" not in app.members and "person4@example.com" not in app.members
    assert app.segment == {"person0@example.com", "person3@example.com", "person5@example.com"}
    assert (later.removes, later.adds, later.changes) == (1, 0, 0)
    sent = query(
        warehouse, "select distinct member_key from reverse_etl.sync_records where action <> 'remove'"
    )
    assert {m for (m,) in sent} == {"c000000", "c000002", "c000003", "c000005"}


def test_email_tool_batches_of_500_partial_errors_and_segment_membership(warehouse, syncs_dir):
    app = MailchimpApp()
    rows = [member(i, destination="email_tool") for i in range(620)]
    rows[10]["email"] = "fake@bad.invalid"
    write_policy(warehouse, rows)
    with VendorServer(app) as server:
        report = run_sync(email_spec(syncs_dir, server.url, mode="upsert"), warehouse=warehouse)
        paths = [p for _, _, p, _ in server.log]
    assert (report.delivered, report.rejected) == (619, 1)
    assert paths == ["/lists/L1", "/lists/L1/segments/S1"] * 2
    assert len(app.segment) == 619 and app.members["person3@example.com"] == {"FNAME": "First3", "SCORE": 83}
    failed = query(warehouse, "select member_key, terminal from reverse_etl.failed_records")
    assert failed == [("c000010", True)]


# --- Ad audience (Meta-style) --------------------------------------------------------------------


def test_ad_audience_hashes_identifiers_sends_10000_per_request_and_removes(warehouse, syncs_dir):
    app = MetaAudienceApp()
    rows = [member(i, "buyers_to_exclude", "ad_audience") for i in range(21_000)]
    rows[5]["phone"] = None
    write_policy(warehouse, rows)
    with VendorServer(app) as server:
        spec = spec_for(
            syncs_dir,
            "exclusions",
            "ad_audience",
            "mirror",
            "member_key",
            {"email": "email", "phone": "phone"},
            {"base_url": server.url, "access_token": "EAAB-test", "audience_id": "6000001"},
            audience="buyers_to_exclude",
        )
        report = run_sync(spec, warehouse=warehouse)
        assert app.batch_sizes == [10_000, 10_000, 1_000]
        assert app.schemas[0] == ["EMAIL_SHA256", "PHONE_SHA256"]
        assert (hash_email("person0@example.com"), hash_phone("+33600000000", "meta")) in app.rows
        assert (hash_email("person5@example.com"), "") in app.rows
        assert not any("@" in v for row in app.rows for v in row)
        write_policy(warehouse, rows[2:])
        removal = run_sync(spec, warehouse=warehouse)
        methods = [m for _, m, _, _ in server.log]
    assert report.delivered == 21_000 and removal.removes == 2
    assert methods[-1] == "DELETE" and len(app.rows) == 20_998


# --- SMS tool ------------------------------------------------------------------------------------


def test_sms_list_rejects_invalid_numbers_one_by_one_and_removes(warehouse, syncs_dir):
    app = SmsListApp()
    rows = [member(i, destination="sms_tool") for i in range(5)]
    rows[3]["phone"] = "0600"
    write_policy(warehouse, rows)
    with VendorServer(app) as server:
        spec = spec_for(
            syncs_dir,
            "sms_list",
            "sms_tool",
            "mirror",
            "phone",
            {"first_name": "first_name"},
            {"base_url": server.url, "api_key": "sms-key", "list_id": "42"},
        )
        report = run_sync(spec, warehouse=warehouse)
        write_policy(warehouse, rows[1:])
        removal = run_sync(spec, warehouse=warehouse)
    assert (report.delivered, report.rejected) == (4, 1)
    assert removal.removes == 1 and set(app.contacts) == {"+33600000001", "+33600000002", "+33600000004"}
    assert query(warehouse, "select reason from reverse_etl.failed_records")[0][0].startswith("invalid_phone")


# --- Sales alert (Slack-style) -------------------------------------------------------------------


def test_sales_alert_announces_each_new_hot_lead_once(warehouse, syncs_dir):
    app = SlackApp()
    write_policy(warehouse, [member(i, destination="sales_alert") for i in range(21)])
    with VendorServer(app) as server:
        server.force_429 = 1
        spec = spec_for(
            syncs_dir,
            "hot_alert",
            "sales_alert",
            "add-only",
            "member_key",
            {"first_name": "first_name", "last_name": "last_name", "score": "attributes.score"},
            {"url": server.url, "rate_limit": {"requests": 100}},
        )
        first = run_sync(spec, warehouse=warehouse)
        write_policy(warehouse, [member(i, destination="sales_alert") for i in range(22)])
        second = run_sync(spec, warehouse=warehouse)
    assert first.delivered == 21 and first.throttled == 1 and second.delivered == 1
    assert [len(m["blocks"]) - 1 for m in app.messages] == [20, 1, 1]
    assert "*First21 Last21* - score: 81" in app.messages[-1]["text"]


# --- File drop (call centre) ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_file_drop_writes_one_file_per_batch_and_a_resend_overwrites_it(warehouse, syncs_dir, tmp_path, fmt):
    drop = tmp_path / "drop"
    rows = [member(i, destination="call_centre") for i in range(7)]
    write_policy(warehouse, rows)
    spec = spec_for(
        syncs_dir,
        "call_list",
        "call_centre",
        "mirror",
        "phone",
        {"phone": "phone", "first_name": "first_name", "score": "attributes.score"},
        {"path": str(drop), "format": fmt, "batch_size": 5},
    )
    run_sync(spec, warehouse=warehouse)
    write_policy(warehouse, rows[1:])
    run_sync(spec, warehouse=warehouse)
    files = sorted((drop / "call_list").glob(f"*.{fmt}"))
    assert len(files) == 3
    if fmt == "csv":
        with files[0].open() as fh:
            first = list(csv.DictReader(fh))
        assert first[0] == {
            "action": "upsert",
            "member_key": "c000000",
            "phone": "+33600000000",
            "first_name": "First0",
            "score": "80",
        }
    else:
        first = pq.read_table(files[0]).to_pylist()
    assert len(first) == 5
    last = pq.read_table(files[2]).to_pylist() if fmt == "parquet" else list(csv.DictReader(files[2].open()))
    assert [(r["action"], r["member_key"]) for r in last] == [("remove", "c000000")]
    dest = spec.destination_instance()
    record = Record("c000009", "+33600000009", {"phone": "+33600000009"})
    dest.send(UPSERT, [record], "again")
    dest.send(UPSERT, [record], "again")
    assert len(list((drop / "call_list").glob(f"*.{fmt}"))) == 4


# --- On-site personalisation (PostgreSQL) --------------------------------------------------------


def test_onsite_upserts_audiences_per_contact_and_anonymous_id_exactly_once(
    warehouse, syncs_dir, postgres_dsn
):
    import psycopg2

    rows = [member(i, destination="onsite") for i in range(3)]
    rows.append(
        member(9, destination="onsite", member_key="anonymous:a-123", contact_id=None, anonymous_id="a-123")
    )
    write_policy(warehouse, rows)
    spec = spec_for(
        syncs_dir,
        "hot_onsite",
        "onsite",
        "mirror",
        "member_key",
        {"score": "attributes.score", "band": "attributes.band"},
        {"dsn": postgres_dsn, "schema": "personalisation_test"},
    )
    report = run_sync(spec, warehouse=warehouse)
    rows[0]["attributes"] = {"band": "hot", "score": 99}
    write_policy(warehouse, rows[:1] + rows[2:])
    again = run_sync(spec, warehouse=warehouse)
    assert report.delivered == 4 and (again.changes, again.removes) == (1, 1)

    dest = spec.destination_instance()
    payload = {"score": 1, "band": "cold"}
    dest.send(UPSERT, [Record("c000005", "c000005", payload)], "k-1")
    dest.send(UPSERT, [Record("c000005", "c000005", {"score": 2})], "k-1")  # a resend: skipped
    dest.send(REMOVE, [Record("c000005", "c000005", payload)], "k-2")
    dest.close()
    with psycopg2.connect(postgres_dsn) as conn, conn.cursor() as cur:
        cur.execute(
            "select member_key, contact_id, anonymous_id, audiences, attributes "
            "from personalisation_test.profiles order by member_key"
        )
        profiles = cur.fetchall()
    conn.close()
    assert profiles == [
        ("anonymous:a-123", None, "a-123", ["hot_leads"], {"hot_leads": {"band": "hot", "score": 89}}),
        ("c000000", "c000000", None, ["hot_leads"], {"hot_leads": {"band": "hot", "score": 99}}),
        ("c000002", "c000002", None, ["hot_leads"], {"hot_leads": {"band": "hot", "score": 82}}),
    ]
