"""Golden records and the 360° history, end to end on small demo data.

generate (sources.demo) -> load (sources.load) -> `dbt build` of the marts and everything upstream
-> reconciliations: every contact of `dim_contacts` has interactions, and `fct_interactions` holds
exactly the staging records identity resolution attributed to a contact, per record source.
One build is shared by the module (about a minute).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dbt_helpers import DBT_PROJECT_DIR, build_demo, query, scalar

IDENTITY_MODEL = (
    DBT_PROJECT_DIR / "models" / "intermediate" / "identity" / "int_identity__record_contacts.sql"
)

pytestmark = pytest.mark.skipif(
    not IDENTITY_MODEL.exists(),
    reason="identity resolution (int_identity__record_contacts) is not in the project yet",
)

MARTS = ["dim_contacts", "dim_companies", "fct_interactions", "int_contacts__unattributed_touchpoints"]


class Built:
    def __init__(self, warehouse: Path) -> None:
        self.warehouse = warehouse

    def query(self, sql: str) -> list[tuple]:
        return query(self.warehouse, sql)

    def scalar(self, sql: str) -> Any:
        return scalar(self.warehouse, sql)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, module_monkeypatch: pytest.MonkeyPatch) -> Built:
    root = tmp_path_factory.mktemp("golden")
    return Built(build_demo(root, module_monkeypatch, contacts=120, seed=11, models=MARTS))


def test_marts_are_not_empty(built: Built) -> None:
    for model in MARTS[:3]:
        assert built.scalar(f"select count(*) from marts.{model}") > 0, model


def test_every_contact_has_an_interaction(built: Built) -> None:
    missing = built.scalar(
        """
        select count(*) from marts.dim_contacts as c
        where not exists (select 1 from marts.fct_interactions as f where f.contact_id = c.contact_id)
        """
    )
    assert missing == 0


def test_dim_contacts_has_one_row_per_identity_contact(built: Built) -> None:
    assert built.scalar("select count(*) from marts.dim_contacts") == built.scalar(
        "select count(*) from intermediate.int_identity__contacts"
    )


def test_interactions_reconcile_with_attributed_records_per_source(built: Built) -> None:
    interactions = dict(built.query("select record_source, count(*) from marts.fct_interactions group by 1"))
    attributed = dict(
        built.query(
            "select record_source, count(*) from intermediate.int_identity__record_contacts group by 1"
        )
    )
    # Every attributed record of a touchpoint source is one interaction, and nothing else is.
    touchpoint_sources = {
        r for (r,) in built.query("select distinct record_source from intermediate.int_contacts__touchpoints")
    }
    expected = {source: n for source, n in attributed.items() if source in touchpoint_sources}
    assert interactions == expected


def test_touchpoints_are_attributed_or_listed_as_unattributed(built: Built) -> None:
    touchpoints = built.scalar("select count(*) from intermediate.int_contacts__touchpoints")
    interactions = built.scalar("select count(*) from marts.fct_interactions")
    unattributed = built.scalar("select count(*) from intermediate.int_contacts__unattributed_touchpoints")
    assert touchpoints == interactions + unattributed


def test_staging_rows_reconcile_with_touchpoints(built: Built) -> None:
    for staging in [
        "stg_web__events",
        "stg_messaging__email_events",
        "stg_messaging__sms_events",
        "stg_forms__form_submissions",
        "stg_crm__contacts",
        "stg_crm__deals",
        "stg_crm__activities",
        "stg_calls__calls",
        "stg_offline__events",
        "stg_orders__orders",
        "stg_consents__consent_events",
        "stg_feedback__events",
    ]:
        staged = built.scalar(f"select count(*) from staging.{staging}")
        touchpoints = built.scalar(
            f"select count(*) from intermediate.int_contacts__touchpoints where record_source = '{staging}'"
        )
        assert staged == touchpoints, staging


def test_no_contact_is_linked_through_a_free_mail_domain(built: Built) -> None:
    linked = built.query(
        """
        select c.email_domain
        from marts.dim_contacts as c
        inner join seeds.free_email_domains as f on c.email_domain like f.domain_pattern
        where c.company_link_method = 'email_domain'
        """
    )
    assert linked == []


def test_customers_have_a_kept_order(built: Built) -> None:
    bad = built.scalar("select count(*) from marts.dim_contacts where is_customer and order_count = 0")
    assert bad == 0


def test_every_interaction_type_is_mapped(built: Built) -> None:
    assert (
        built.query("select record_source, source_type from marts.fct_interactions where channel = 'other'")
        == []
    )


def test_pii_only_in_restricted_marts(built: Built) -> None:
    pii = {"email", "phone", "first_name", "last_name"}
    rows = built.query(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_schema = 'marts' and table_name in ('dim_companies', 'fct_interactions')"
    )
    assert [r for r in rows if r[2] in pii] == []
