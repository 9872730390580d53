"""The loader's filesystem destination: the same rows as Parquet, one folder per raw table, quarantine too."""

from __future__ import annotations

import json

import duckdb

from sources.load import load

GOOD_EVENT = {
    "messageId": "m1",
    "type": "page",
    "anonymousId": "cookie-1",
    "timestamp": "2026-01-01T10:00:00+02:00",
    "context": {"page": {"path": "/pricing", "url": "https://brand.test/pricing"}},
}


def write_jsonl(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_filesystem_destination_writes_parquet_per_table_with_quarantine(data_dir, monkeypatch):
    landing = data_dir / "landing"
    write_jsonl(
        landing / "web_events" / "batch-1.jsonl",
        [
            GOOD_EVENT,
            {**GOOD_EVENT, "messageId": "m2", "type": "identify", "userId": "u1"},
            {**GOOD_EVENT, "messageId": "m3", "timestamp": "the day before yesterday"},
        ],
    )
    lake = data_dir / "lake"
    monkeypatch.setenv("NURTURE_DESTINATION", "filesystem")
    monkeypatch.setenv("NURTURE_LAKE", str(lake))

    summary = load(sources=["web"])

    assert summary.rows["web_events"] == 2
    assert summary.rejected == {"web_events": 1}  # counted from the Parquet quarantine
    assert not (data_dir / "warehouse.duckdb").exists()
    events = lake / "raw" / "web_events"
    assert sorted(p.suffix for p in events.iterdir()) == [".parquet"]
    with duckdb.connect() as con:
        rows = con.sql(
            f"select event_id, occurred_at from read_parquet('{events}/*.parquet') order by event_id"
        ).fetchall()
        quarantined = con.sql(
            f"select table_name, line, field from read_parquet('{lake}/raw/quarantine/*.parquet') "
            "where disposition = 'rejected'"
        ).fetchall()
    assert [r[0] for r in rows] == ["m1", "m2"]
    assert str(rows[0][1].utcoffset()) == "0:00:00"  # times are UTC instants
    assert quarantined == [("web_events", 3, "occurred_at")]

    # a second run loads nothing new, as on DuckDB
    again = load(sources=["web"])
    assert again.total_rows == 0


def test_unknown_destination_is_named(data_dir, monkeypatch):
    monkeypatch.setenv("NURTURE_DESTINATION", "parquet-please")
    try:
        load(sources=["web"])
    except ValueError as exc:
        assert "NURTURE_DESTINATION='parquet-please'" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("an unknown destination must fail")
