"""The landing loader: good rows load, bad rows are quarantined with their reasons, files load once."""

from __future__ import annotations

import gzip
import json

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sources.load import load

GOOD_EVENT = {
    "messageId": "m1",
    "type": "page",
    "anonymousId": "cookie-1",
    "timestamp": "2026-01-01T10:00:00+02:00",
    "context": {"page": {"path": "/pricing", "url": "https://brand.test/pricing"}},
    "properties": {"title": "Pricing"},
}


def write_jsonl(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))


def query(data_dir, sql):
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture
def landing(data_dir):
    return data_dir / "landing"


def test_bad_lines_go_to_quarantine_and_good_lines_load(landing, data_dir):
    write_jsonl(
        landing / "web_events" / "batch-1.jsonl",
        [
            GOOD_EVENT,
            {
                **GOOD_EVENT,
                "messageId": "m2",
                "type": "identify",
                "userId": "u1",
                "traits": {"email": " Jane.Doe@Brand.COM ", "phone": "06 12 34 56 78"},
            },
            {**GOOD_EVENT, "messageId": "m3", "timestamp": "the day before yesterday"},
            '{"messageId": "m4", "type": "track"',  # truncated line
            {**GOOD_EVENT, "messageId": "m5", "type": "teleport"},
            {**GOOD_EVENT, "messageId": "m6", "anonymousId": None},
            {**GOOD_EVENT, "messageId": "m7", "traits": {"email": "not-an-email"}, "receivedAt": "x"},
        ],
    )
    summary = load(sources=["web"])
    assert summary.rows["web_events"] == 3
    assert summary.rejected["web_events"] == 4
    warned = query(
        data_dir, "select line, field from raw.quarantine where disposition = 'warning' order by 1"
    )
    assert warned == [(7, "email"), (7, "receivedAt")], warned

    rows = query(
        data_dir, "select event_id, occurred_at, email, phone, _line, _extra from raw.web_events order by 1"
    )
    assert [r[0] for r in rows] == ["m1", "m2", "m7"]
    assert rows[0][1].isoformat() == "2026-01-01T08:00:00+00:00"  # +02:00 stored in UTC
    assert rows[1][2:4] == ("jane.doe@brand.com", "+33612345678")
    assert rows[2][2] is None and json.loads(rows[2][5]) == {
        "receivedAt": "x"
    }  # invalid email dropped, row kept

    rejected = query(
        data_dir,
        "select line, field, reason, record from raw.quarantine where disposition = 'rejected' order by line",
    )
    assert [(line, field) for line, field, _, _ in rejected] == [
        (3, "occurred_at"),
        (4, None),
        (5, "event_type"),
        (6, None),
    ]
    reasons = [r[2] for r in rejected]
    assert "not a timestamp" in reasons[0]
    assert reasons[1].startswith("malformed JSON")
    assert "'teleport' is not one of" in reasons[2]
    assert "needs at least one of ['anonymous_id', 'user_id']" in reasons[3]
    assert json.loads(rejected[0][3])["messageId"] == "m3"  # the original record is kept
    files = query(data_dir, "select distinct file from raw.quarantine")
    assert files[0][0].endswith("landing/web_events/batch-1.jsonl")


def test_loading_the_same_folder_twice_adds_nothing(landing, data_dir):
    write_jsonl(landing / "web_events" / "a.jsonl", [GOOD_EVENT, {**GOOD_EVENT, "messageId": "m2"}])
    assert load().rows["web_events"] == 2
    again = load()
    assert again.total_rows == 0 and again.total_rejected == 0
    assert query(data_dir, "select count(*) from raw.web_events") == [(2,)]

    write_jsonl(landing / "web_events" / "b.jsonl", [{**GOOD_EVENT, "messageId": "m3"}])
    assert load().rows["web_events"] == 1  # only the new file
    assert query(data_dir, "select count(*) from raw.web_events") == [(3,)]


def test_every_table_exists_after_a_load_even_without_files(landing, data_dir):
    landing.mkdir()
    load()
    tables = {
        t
        for (t,) in query(
            data_dir, "select table_name from information_schema.tables where table_schema='raw'"
        )
    }
    from sources.catalog import all_tables

    assert set(all_tables()) | {"quarantine"} <= tables


def test_csv_parquet_and_gzip_and_entities_merge(landing, data_dir):
    contacts = landing / "crm_contacts"
    contacts.mkdir(parents=True)
    (contacts / "export.csv").write_text(
        "crm_contact_id,email,phone,updated_at\n"
        "k1,A@B.COM,+44 20 7946 0958,2026-01-01\n"
        "k2,b@b.com\n"  # too few columns
        ",c@b.com,,2026-01-01\n"  # no id
        "k1,a@b.com,,2026-02-01\n"  # newer version of k1
    )
    with gzip.open(landing / "crm_contacts" / "more.csv.gz", "wt") as f:
        f.write("crm_contact_id,email\nk3,c@c.com\n")
    costs = pa.table(
        {
            "date": ["2026-01-01", "2026-01-01"],
            "channel": ["SEA", "social"],
            "campaign_id": ["c1", "c2"],
            "spend": [10.5, 3.0],
        }
    )
    (landing / "campaign_costs").mkdir()
    pq.write_table(costs, landing / "campaign_costs" / "costs.parquet")

    summary = load(sources=["crm", "campaign_costs"])
    assert summary.rejected["crm_contacts"] == 2
    assert query(data_dir, "select crm_contact_id, email, phone from raw.crm_contacts order by 1") == [
        ("k1", "a@b.com", None),  # merged on the key: the last version wins
        ("k3", "c@c.com", None),
    ]
    assert query(data_dir, "select line, reason from raw.quarantine order by line") == [
        (3, "expected 4 columns, found 2"),
        (4, "required field 'crm_contact_id' is missing"),
    ]
    assert query(data_dir, "select channel, spend from raw.campaign_costs order by 1") == [
        ("sea", 10.5),
        ("social", 3.0),
    ]


def test_orders_with_nested_lines_and_a_bad_line_rejects_the_whole_order(landing, data_dir):
    write_jsonl(
        landing / "orders" / "orders.jsonl",
        [
            {
                "order_id": "o1",
                "ordered_at": "2026-01-01",
                "status": "completed",
                "lines": [
                    {"product_id": "p1", "quantity": 2, "unit_price": 3.5},
                    {"product_id": "p2", "quantity": 1},
                ],
            },
            {
                "order_id": "o2",
                "ordered_at": "2026-01-01",
                "status": "completed",
                "lines": [{"product_id": "p1", "quantity": "lots"}],
            },
        ],
    )
    load(sources=["orders"])
    assert query(data_dir, "select order_id, line_number, quantity from raw.order_lines order by 2") == [
        ("o1", 1, 2.0),
        ("o1", 2, 1.0),
    ]
    assert query(data_dir, "select order_id from raw.orders") == [("o1",)]
    assert query(data_dir, "select line, field from raw.quarantine") == [(2, "lines[1].quantity")]


def test_a_changed_file_is_loaded_again_and_unknown_files_are_reported(landing, data_dir):
    path = landing / "web_events" / "a.jsonl"
    write_jsonl(path, [GOOD_EVENT])
    (landing / "web_events" / "notes.txt").write_text("hello")
    first = load()
    assert first.rows["web_events"] == 1 and first.rejected["web_events"] == 1
    write_jsonl(path, [GOOD_EVENT, {**GOOD_EVENT, "messageId": "m2"}])
    second = load()
    assert second.rows["web_events"] == 2 and second.total_rejected == 0  # the whole file again
    reasons = query(data_dir, "select file, reason from raw.quarantine")
    assert reasons[0][0].endswith("notes.txt") and "not a supported file type" in reasons[0][1]


def test_an_fsspec_url_works_like_a_folder(landing, data_dir):
    write_jsonl(landing / "web_events" / "a.jsonl", [GOOD_EVENT])
    summary = load(landing=landing.as_uri())
    assert summary.rows["web_events"] == 1
