"""The staging layer, end to end on DuckDB: raw tables from the catalog -> `dbt build` -> checks.

One build is shared by the module (about 15 s); the yml checks need no warehouse.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from dbt_helpers import (
    DBT_PROJECT_DIR,
    DBT_QUIET_ENV,
    create_raw_tables,
    failures,
    insert_rows,
    run_dbt,
    staging_model_name,
)

from sources.catalog import all_tables, catalog

FIRST_LOAD = datetime(2024, 3, 11, 6, 0, tzinfo=UTC)
SECOND_LOAD = datetime(2024, 3, 12, 6, 0, tzinfo=UTC)


@dataclass
class Built:
    warehouse: Path
    target: Path
    result: Any

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def manifest(self) -> dict:
        return json.loads((self.target / "manifest.json").read_text())


def load_raw(con: duckdb.DuckDBPyConnection) -> None:
    create_raw_tables(con)
    # A loader without `_dlt_load_id` on a table must not break staging.
    con.execute("alter table raw.order_lines drop column _dlt_load_id")

    insert_rows(
        con,
        "web_events",
        [
            {
                "event_id": "e1",
                "event_type": "page",
                "anonymous_id": "a1",
                "occurred_at": "2024-03-10T09:00:00Z",
                "page_url": "https://ex.com/fr/tarifs?utm_source=google",
            },
            {
                "event_id": "e2",
                "event_type": "page",
                "anonymous_id": "a1",
                "occurred_at": "2024-03-10T12:00:00+02:00",
                "page_path": "/careers/dev",
                "email": "jane@acme.com",
                "properties": {"query": None},
            },
            {
                "event_id": "e3",
                "event_type": "track",
                "event_name": "Products Searched",
                "user_id": "u9",
                "occurred_at": "2024-03-10T13:00:00+00:00",
                "properties": {"query": "villa", "size": 6},
            },
        ],
        file="landing/web_events/day1.jsonl",
        loaded_at=FIRST_LOAD,
    )
    # The same event e1 delivered again the next day, with different content: the first one wins.
    insert_rows(
        con,
        "web_events",
        [
            {
                "event_id": "e1",
                "event_type": "page",
                "anonymous_id": "a1",
                "occurred_at": "2024-03-10T09:00:00Z",
                "page_url": "https://ex.com/redelivered",
            }
        ],
        file="landing/web_events/day2.jsonl",
        loaded_at=SECOND_LOAD,
    )
    insert_rows(
        con,
        "email_events",
        [
            {
                "event_id": "m1",
                "email": "jane@acme.com",
                "event": "open",
                "occurred_at": "2024-03-10T08:00:00-05:00",
                "categories": ["spring_offer", "villas"],
            },
            {
                "event_id": "m2",
                "email": "bob@b.fr",
                "event": "click",
                "occurred_at": "2024-03-10T11:00:00+01:00",
                "categories": "newsletter",
                "url": "https://ex.com/offre",
            },
        ],
        loaded_at=FIRST_LOAD,
    )
    insert_rows(
        con,
        "crm_contacts",
        [
            {
                "crm_contact_id": "c1",
                "email": "jane@acme.com",
                "job_title": "Intern",
                "updated_at": "2024-01-01T00:00:00Z",
            },
            {
                "crm_contact_id": "c1",
                "email": "jane@acme.com",
                "job_title": "HR Director",
                "updated_at": "2024-02-01T00:00:00Z",
            },
        ],
        loaded_at=FIRST_LOAD,
    )
    insert_rows(
        con,
        "orders",
        [
            {
                "order_id": "o1",
                "email": "jane@acme.com",
                "ordered_at": "2024-03-01T10:00:00+01:00",
                "status": "paid",
                "total_amount": 45.0,
            }
        ],
        loaded_at=FIRST_LOAD,
    )
    insert_rows(
        con,
        "order_lines",
        [
            {"order_id": "o1", "line_number": 1, "quantity": 2, "unit_price": 10.0},
            {"order_id": "o1", "line_number": 2, "quantity": 1, "unit_price": 30.0, "amount": 25.0},
        ],
        loaded_at=FIRST_LOAD,
    )
    insert_rows(
        con,
        "consent_events",
        [
            {
                "event_id": "k1",
                "occurred_at": "2024-03-02T00:00:00Z",
                "email": "jane@acme.com",
                "channel": "email",
                "status": "opt_in",
                "source": "preference_centre",
            }
        ],
        loaded_at=FIRST_LOAD,
    )
    insert_rows(
        con,
        "campaign_costs",
        [{"cost_date": "2024-03-01", "channel": "ads", "campaign_id": "spring", "spend": 120.5}],
        loaded_at=FIRST_LOAD,
    )
    insert_rows(
        con,
        "quarantine",
        [
            {
                "source": "web",
                "table_name": "web_events",
                "file": "landing/web_events/day1.jsonl",
                "line": 4,
                "field": "occurred_at",
                "reason": "not a timestamp",
                "disposition": "rejected",
                "record": '{"event_id": "bad"}',
                "quarantined_at": FIRST_LOAD,
            }
        ],
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, module_monkeypatch: pytest.MonkeyPatch) -> Built:
    tmp_path = tmp_path_factory.mktemp("staging")
    warehouse = tmp_path / "warehouse.duckdb"
    for key, value in DBT_QUIET_ENV.items():
        module_monkeypatch.setenv(key, value)
    module_monkeypatch.setenv("NURTURE_DBT_TARGET", "duckdb")
    module_monkeypatch.setenv("NURTURE_WAREHOUSE", str(warehouse))
    module_monkeypatch.delenv("NURTURE_DUCKDB_TEMP_DIR", raising=False)
    with duckdb.connect(str(warehouse)) as con:
        load_raw(con)
    result = run_dbt(["build"], tmp_path)
    return Built(warehouse=warehouse, target=tmp_path / "dbt_target", result=result)


def test_build_succeeds(built: Built) -> None:
    assert built.result.success, failures(built.result) or built.result.exception
    statuses = {str(r.status) for r in built.result.result.results}
    assert statuses <= {"success", "pass"}, failures(built.result)


def test_every_catalog_table_has_a_staging_model(built: Built) -> None:
    manifest = built.manifest()
    models = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    views = {  # views and tables
        name
        for (name,) in built.query(
            "select table_name from information_schema.tables where table_schema = 'staging'"
        )
    }
    for spec in all_tables().values():
        name = staging_model_name(spec.source, spec.name)
        assert name in models, f"{spec.source}.{spec.name} has no staging model {name}"
        assert f"source.nurture.{spec.source}.{spec.name}" in models[name]["depends_on"]["nodes"]
        # events grow with every load: their staging is incremental; entities stay views
        expected = "incremental" if spec.kind == "event" else "view"
        assert models[name]["config"]["materialized"] == expected, name
        assert name in views
    assert "stg_loader__quarantine" in views


def test_source_only_in_staging(built: Built) -> None:
    models = [n for n in built.manifest()["nodes"].values() if n["resource_type"] == "model"]
    for node in models:
        if any(d.startswith("source.") for d in node["depends_on"]["nodes"]):
            assert node["name"].startswith("stg_"), f"{node['name']} reads a source outside staging"


def test_events_deduplicated_keeping_first_load(built: Built) -> None:
    rows = built.query("select page_url, source_file from staging.stg_web__events where event_id = 'e1'")
    assert rows == [("https://ex.com/fr/tarifs?utm_source=google", "landing/web_events/day1.jsonl")]
    assert built.query("select count(*) from staging.stg_web__events") == [(3,)]


def test_entities_keep_newest_version(built: Built) -> None:
    assert built.query("select job_title from staging.stg_crm__contacts") == [("HR Director",)]


def test_timestamps_are_utc_without_time_zone(built: Built) -> None:
    rows = dict(built.query("select event_id, occurred_at from staging.stg_web__events"))
    assert rows["e2"] == datetime(2024, 3, 10, 10, 0)  # 12:00+02:00
    assert rows["e1"] == datetime(2024, 3, 10, 9, 0)
    emails = dict(built.query("select event_id, occurred_at from staging.stg_messaging__email_events"))
    assert emails["m1"] == datetime(2024, 3, 10, 13, 0)  # 08:00-05:00
    assert emails["m2"] == datetime(2024, 3, 10, 10, 0)  # 11:00+01:00
    zoned = built.query(
        "select table_name, column_name from information_schema.columns "
        "where table_schema in ('staging', 'intermediate') and data_type like '%WITH TIME ZONE%'"
    )
    assert zoned == []


def test_derived_columns(built: Built) -> None:
    web = {
        r[0]: r[1:]
        for r in built.query(
            "select event_id, page_path, utm_source, is_identified, email_domain, search_query "
            "from staging.stg_web__events"
        )
    }
    assert web["e1"] == ("/fr/tarifs", "google", False, None, None)
    assert web["e2"] == ("/careers/dev", None, True, "acme.com", None)
    assert web["e3"] == (None, None, True, None, "villa")
    themes = dict(built.query("select event_id, campaign_theme from staging.stg_messaging__email_events"))
    assert themes == {"m1": "spring_offer", "m2": "newsletter"}
    lines = built.query("select line_number, amount, load_id from staging.stg_orders__order_lines order by 1")
    assert lines == [(1, 20.0, None), (2, 25.0, None)]
    assert built.query("select distinct load_id from staging.stg_web__events") == [("1700000000.0",)]


def test_pages_classified(built: Built) -> None:
    pages = dict(built.query("select event_id, page_type from intermediate.int_web_pages_classified"))
    assert pages == {"e1": "pricing", "e2": "careers"}


def test_quarantine_staged(built: Built) -> None:
    rows = built.query(
        "select table_name, field_name, is_rejected, quarantined_at from staging.stg_loader__quarantine"
    )
    assert rows == [("web_events", "occurred_at", True, datetime(2024, 3, 11, 6, 0))]


# --- the yml against the catalog (no warehouse needed) -------------------------------------------


def _yml(pattern: str) -> dict[str, dict]:
    out = {}
    for path in sorted((DBT_PROJECT_DIR / "models" / "staging").glob(pattern)):
        out[path.parent.name] = yaml.safe_load(path.read_text())
    return out


def test_sources_document_every_catalog_field() -> None:
    docs = _yml("*/_*__sources.yml")
    for source in catalog().values():
        [src] = docs[source.name]["sources"]
        assert src["name"] == source.name and src["schema"] == "raw"
        tables = {t["name"]: t for t in src["tables"]}
        assert set(tables) == {t.name for t in source.tables}
        for spec in source.tables:
            documented = [c["name"] for c in tables[spec.name]["columns"]]
            assert documented[: len(spec.fields)] == list(spec.field_names)
            assert all(c.get("description") for c in tables[spec.name]["columns"])


def test_accepted_values_follow_the_catalog() -> None:
    models = _yml("*/_*__models.yml")
    for spec in all_tables().values():
        if not any(f.values for f in spec.fields):
            continue
        name = staging_model_name(spec.source, spec.name)
        [model] = [m for m in models[spec.source]["models"] if m["name"] == name]
        tested = set()
        for column in model["columns"]:
            for test in column.get("data_tests", []):
                if isinstance(test, dict) and "accepted_values" in test:
                    tested.add(frozenset(test["accepted_values"]["arguments"]["values"]))
        assert tested == {f.values for f in spec.fields if f.values}, name


@pytest.mark.parametrize(
    ("source", "table", "model"),
    [
        ("web", "web_events", "stg_web__events"),
        ("crm", "crm_contacts", "stg_crm__contacts"),
        ("consents", "consent_events", "stg_consents__consent_events"),
        ("orders", "order_lines", "stg_orders__order_lines"),
        ("calls", "calls", "stg_calls__calls"),
    ],
)
def test_staging_model_name(source: str, table: str, model: str) -> None:
    assert staging_model_name(source, table) == model


def test_build_on_empty_raw(raw_warehouse: Path, dbt) -> None:
    """What a user gets before loading anything: every model and test passes on empty tables."""
    result = dbt("build", "--exclude", "test_type:unit")
    assert result.success, failures(result) or result.exception
    with duckdb.connect(str(raw_warehouse), read_only=True) as con:
        assert con.execute("select count(*) from staging.stg_web__events").fetchone() == (0,)
