"""Identity resolution end to end: raw rows -> staging -> the identity models, built by dbt in-process.

One module-scoped build covers the graph cases (a chain across sources, anonymous to known, the
guards); one test runs three builds on its own warehouse for stability, merges and a blocklist split.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt_helpers import DBT_QUIET_ENV, create_raw_tables, failures, insert_rows, run_dbt

SELECT = [
    "--select",
    "+path:models/intermediate/identity",
    "--resource-type",
    "seed",
    "--resource-type",
    "model",
]
ANN, BOB = "ann@acme.com", "bob@acme.com"


def web(event_id: str, at: str, anonymous_id: str, **ids: str) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "event_type": "track",
        "occurred_at": at,
        "anonymous_id": anonymous_id,
        **ids,
    }


def form(submission_id: str, at: str, **ids: str) -> dict[str, Any]:
    return {"submission_id": submission_id, "form_type": "contact", "occurred_at": at, **ids}


def crm(crm_contact_id: str, at: str, **ids: str) -> dict[str, Any]:
    return {"crm_contact_id": crm_contact_id, "created_at": at, "updated_at": at, **ids}


def build(tmp_path: Path, *extra: str) -> None:
    result = run_dbt(["build", *SELECT, *extra], tmp_path)
    assert result.success, failures(result) or result.exception


def query(warehouse: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def contact_of(warehouse: Path, identifier_type: str, value: str) -> str | None:
    rows = query(
        warehouse,
        "select contact_id from intermediate.int_identity__identifiers "
        "where identifier_type = ? and identifier_value = ?",
        [identifier_type, value],
    )
    assert rows, f"{identifier_type} {value} not found"
    return rows[0][0]


def record_contact(warehouse: Path, source: str, record_id: str) -> str | None:
    rows = query(
        warehouse,
        "select contact_id from intermediate.int_identity__record_contacts "
        "where record_source = ? and record_id = ?",
        [source, record_id],
    )
    assert len(rows) <= 1
    return rows[0][0] if rows else None


@pytest.fixture(scope="module")
def graph_warehouse(
    tmp_path_factory: pytest.TempPathFactory, module_monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    tmp_path = tmp_path_factory.mktemp("identity_graph")
    warehouse = tmp_path / "warehouse.duckdb"
    for key, value in DBT_QUIET_ENV.items():
        module_monkeypatch.setenv(key, value)
    module_monkeypatch.setenv("NURTURE_DBT_TARGET", "duckdb")
    module_monkeypatch.setenv("NURTURE_WAREHOUSE", str(warehouse))
    with duckdb.connect(str(warehouse)) as con:
        create_raw_tables(con)
        insert_rows(
            con,
            "web_events",
            [
                # ann browses anonymously, then identifies on the same cookie
                web("w1", "2024-01-01T10:00:00Z", "k1"),
                web("w2", "2024-01-02T10:00:00Z", "k1", user_id="u1", email=ANN),
                # a kiosk cookie typed with three people's addresses
                web("w3", "2024-01-03T10:00:00Z", "kiosk", email="bob@x.com"),
                web("w4", "2024-01-03T11:00:00Z", "kiosk", email="carl@x.com"),
                web("w5", "2024-01-03T12:00:00Z", "kiosk", email="dan@x.com"),
                # a visitor who never identifies
                web("w6", "2024-01-04T10:00:00Z", "k5"),
                web("w7", "2024-01-05T10:00:00Z", "k5"),
            ],
        )
        insert_rows(
            con,
            "form_submissions",
            [
                # chain, second source: ann's email with her phone
                form("f1", "2024-01-06T10:00:00Z", email=ANN, phone="+33612345678"),
                # a test address and nothing else
                form("f2", "2024-01-07T10:00:00Z", email="test@example.com"),
            ],
        )
        insert_rows(
            con,
            "crm_contacts",
            [
                # chain, third source: the CRM knows ann by her phone only
                crm("c1", "2024-01-08T10:00:00Z", phone="+33612345678"),
                # two colleagues sharing the company mailbox, each with their own phone
                crm("c2", "2024-01-09T10:00:00Z", email="info@corp.com", phone="+33611111111"),
                crm("c3", "2024-01-10T10:00:00Z", email="info@corp.com", phone="+33622222222"),
            ],
        )
    build(tmp_path)
    yield warehouse


def test_chain_across_three_sources_is_one_contact(graph_warehouse: Path) -> None:
    ann = record_contact(graph_warehouse, "stg_web__events", "w2")
    assert ann is not None and ann.startswith("c_")
    assert record_contact(graph_warehouse, "stg_forms__form_submissions", "f1") == ann
    assert record_contact(graph_warehouse, "stg_crm__contacts", "c1") == ann
    assert contact_of(graph_warehouse, "user_id", "u1") == ann


def test_anonymous_events_join_the_contact_once_identified(graph_warehouse: Path) -> None:
    ann = record_contact(graph_warehouse, "stg_web__events", "w2")
    assert record_contact(graph_warehouse, "stg_web__events", "w1") == ann
    flags = dict(
        query(graph_warehouse, "select contact_id, is_anonymous from intermediate.int_identity__contacts")
    )
    assert flags[ann] is False
    visitor = record_contact(graph_warehouse, "stg_web__events", "w6")
    assert visitor is not None and visitor != ann
    assert record_contact(graph_warehouse, "stg_web__events", "w7") == visitor
    assert flags[visitor] is True


def test_shared_mailbox_does_not_merge_two_people(graph_warehouse: Path) -> None:
    c2 = record_contact(graph_warehouse, "stg_crm__contacts", "c2")
    c3 = record_contact(graph_warehouse, "stg_crm__contacts", "c3")
    assert c2 and c3 and c2 != c3
    assert contact_of(graph_warehouse, "email", "info@corp.com") is None
    reasons = dict(
        query(
            graph_warehouse,
            "select identifier_value, block_reason from intermediate.int_identity__blocked_identifiers",
        )
    )
    assert "crm_contact_id" in reasons["info@corp.com"]
    assert reasons["test@example.com"].startswith("blocklist")


def test_kiosk_device_held_back_by_the_guard(graph_warehouse: Path) -> None:
    people = {record_contact(graph_warehouse, "stg_web__events", e) for e in ("w3", "w4", "w5")}
    assert len(people) == 3 and None not in people
    assert contact_of(graph_warehouse, "anonymous_id", "kiosk") is None


def test_record_with_only_blocked_identifiers_has_no_contact(graph_warehouse: Path) -> None:
    assert record_contact(graph_warehouse, "stg_forms__form_submissions", "f2") is None


def test_observations_count_the_identifiers_of_their_record(graph_warehouse: Path) -> None:
    """The graph steps read only records with more than one identifier: the count on each row is
    the number of rows its record has (an empty value is no identifier)."""
    counts = dict(
        query(
            graph_warehouse,
            "select record_id, max(record_identifiers) from intermediate.int_identity__observations"
            " group by record_source, record_id having max(record_identifiers) = min(record_identifiers)"
            " and max(record_identifiers) = count(*)",
        )
    )
    records = query(
        graph_warehouse,
        "select count(distinct (record_source, record_id)) from intermediate.int_identity__observations",
    )
    assert len(counts) == records[0][0] == 12
    assert counts["w1"] == 1 and counts["w2"] == 3 and counts["f1"] == 2 and counts["c2"] == 3


def test_ids_stable_across_runs_merge_oldest_survives_and_blocklist_splits(
    raw_warehouse: Path, tmp_path: Path
) -> None:
    wh = raw_warehouse
    with duckdb.connect(str(wh)) as con:
        insert_rows(con, "crm_contacts", [crm("c1", "2024-01-01T10:00:00Z", email=ANN)])
        insert_rows(
            con, "form_submissions", [form("f1", "2024-02-01T10:00:00Z", email=BOB, phone="+33633333333")]
        )
    build(tmp_path)
    ann, bob = contact_of(wh, "email", ANN), contact_of(wh, "email", BOB)
    assert ann and bob and ann != bob

    # run 2: a new cookie joins ann; a call on bob's phone logged against ann's CRM record merges them
    with duckdb.connect(str(wh)) as con:
        insert_rows(con, "web_events", [web("w1", "2024-03-01T10:00:00Z", "k2", email=ANN)])
        insert_rows(
            con,
            "calls",
            [
                {
                    "call_id": "call1",
                    "occurred_at": "2024-03-02T10:00:00Z",
                    "outcome": "reached",
                    "phone": "+33633333333",
                    "crm_contact_id": "c1",
                }
            ],
        )
    build(tmp_path)
    assert contact_of(wh, "email", ANN) == ann  # kept
    assert contact_of(wh, "anonymous_id", "k2") == ann  # a new identifier joins the existing id
    assert contact_of(wh, "email", BOB) == ann  # merged: the oldest id survives
    merges = query(
        wh,
        "select event_type, contact_id, previous_contact_id, via_record_source, via_record_id "
        "from intermediate.int_identity__merges",
    )
    assert merges == [("merge", ann, bob, "stg_calls__calls", "call1")]
    merged_from = query(
        wh, "select merged_from_count from intermediate.int_identity__contacts where contact_id = ?", [ann]
    )
    assert merged_from == [(1,)]

    # run 3: the phone that bridged them is blocklisted (as if the seed had been edited) -> split
    with duckdb.connect(str(wh)) as con:
        con.execute("insert into seeds.identity_blocklist values ('phone', '+33633333333', 'wrong merge')")
    result = run_dbt(["run", "--select", "path:models/intermediate/identity"], tmp_path)
    assert result.success, failures(result)
    assert contact_of(wh, "email", ANN) == ann  # the side holding the earliest identifier keeps the id
    assert contact_of(wh, "email", BOB) == bob  # the other side gets the id of its founder: bob's old one
    events = query(
        wh,
        "select event_type, contact_id, previous_contact_id from intermediate.int_identity__merges "
        "order by resolved_at, event_type",
    )
    assert ("split", bob, ann) in events
