"""Incremental runs give the same rows as a full rebuild.

A first build, then a second load with a new event, a late event (old ``occurred_at``), a duplicate
of an event already staged (its first delivery must win), a newer version of a CRM record, and a
call that merges two contacts; an incremental build; then ``--full-refresh`` on the same data. The
event-sized models and the marts that read them must hold the same rows after both.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
from dbt_helpers import failures, insert_rows, run_dbt

from orchestration.dbt_args import with_test_scope

SELECT = [
    "--select",
    "+fct_interactions",
    "+fct_lead_scores",
    "+dim_contacts",
    "+dim_contact_consents",
    "+dim_contact_stages",
    "+int_lifecycle__signals",
    "+int_lifecycle__purchases",
    "+activation_policy",
    "int_identity__identifiers",
    "--resource-type",
    "seed",
    "--resource-type",
    "model",
]
EARLIER_LOAD = "2023-12-31T00:00:00Z"
FIRST_LOAD = "2024-01-01T00:00:00Z"
SECOND_LOAD = "2024-06-01T00:00:00Z"
ANN, BOB, CAROL = "ann@acme.com", "bob@acme.com", "carol@globex.com"
BOB_PHONE = "+33633333333"
# bob's phone logged against ann's CRM record: it merges the two contacts
BRIDGING_CALL = {
    "call_id": "call1",
    "occurred_at": "2024-05-20T10:00:00Z",
    "outcome": "reached",
    "phone": BOB_PHONE,
    "crm_contact_id": "c1",
}

# Every incremental model, and models downstream of them (int_lifecycle__signal_matches keeps rows of
# interactions that left fct_interactions, which int_lifecycle__signals drops: it is compared
# through int_lifecycle__signals).
COMPARED = [
    "staging.stg_web__events",
    "staging.stg_forms__form_submissions",
    "staging.stg_calls__calls",
    "intermediate.int_web_pages_classified",
    "intermediate.int_identity__observations",
    # the nodes with their contact (node ids are numbered per run, not compared)
    "intermediate.int_identity__identifiers",
    "intermediate.int_identity__contacts",
    "intermediate.int_identity__record_contacts",
    "intermediate.int_contacts__golden_attributes",
    "marts.fct_interactions",
    "intermediate.int_scoring__interactions",
    "intermediate.int_scoring__contact_models",
    "intermediate.int_scoring__behaviour_points",
    "marts.fct_score_ledger",
    "marts.fct_lead_scores",
    "intermediate.int_lifecycle__signals",
    "intermediate.int_lifecycle__purchases",
    "marts.dim_contact_stages",
    "marts.dim_contacts",
    "marts.dim_contact_consents",
    "marts.fct_marketing_pressure",
    "intermediate.int_audiences__members",
    "marts.activation_policy",
]


def page(event_id: str, at: str, anonymous_id: str, path: str, **ids: str) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "event_type": "page",
        "occurred_at": at,
        "anonymous_id": anonymous_id,
        "page_path": path,
        **ids,
    }


def form(submission_id: str, at: str, **ids: str) -> dict[str, Any]:
    return {"submission_id": submission_id, "form_type": "contact", "occurred_at": at, **ids}


def order(order_id: str, email: str, day: str) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "email": email,
        "ordered_at": f"{day}T10:00:00Z",
        "status": "completed",
        "total_amount": 100.0,
        "currency": "EUR",
    }


def laptop_pages() -> list[dict[str, Any]]:
    """A laptop's cookie seen with its owner's address and with a team mailbox: two addresses, so
    the fan-out rules block the cookie, until the mailbox is made a role identifier."""
    return [
        page("w1", "2023-12-10T10:00:00Z", "laptop", "/pricing", email="dan@acme.com"),
        page("w2", "2023-12-11T10:00:00Z", "laptop", "/pricing", email="squad@acme.com"),
    ]


def build(tmp_path: Path, *extra: str) -> Any:
    result = run_dbt(["build", *SELECT, *extra], tmp_path)
    assert result.success, failures(result) or result.exception
    return result


def compiled_test(result: Any, test_name: str) -> str:
    """The SQL a data test of the build ran."""
    (sql,) = [res.node.compiled_code for res in result.result.results if res.node.name == test_name]
    return sql


def snapshot(warehouse: Path, tables: list[str] = COMPARED) -> dict[str, Counter]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            table: Counter(tuple(map(str, row)) for row in con.execute(f"select * from {table}").fetchall())
            for table in tables
        }


def assert_same_rows(incremental: dict[str, Counter], full: dict[str, Counter]) -> None:
    """Each table of an incremental run's snapshot holds the rows of a full refresh's."""
    for table in incremental:
        assert incremental[table] == full[table], (
            f"{table}: only incremental {incremental[table] - full[table]}, "
            f"only full refresh {full[table] - incremental[table]}"
        )


def query(warehouse: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_incremental_run_equals_full_refresh(raw_warehouse: Path, tmp_path: Path) -> None:
    wh = raw_warehouse
    with duckdb.connect(str(wh)) as con:
        insert_rows(
            con,
            "crm_contacts",
            [{"crm_contact_id": "c1", "created_at": "2023-12-01T10:00:00Z", "email": ANN}],
            loaded_at=FIRST_LOAD,
        )
        insert_rows(
            con,
            "form_submissions",
            [form("f1", "2023-12-05T10:00:00Z", email=BOB, phone=BOB_PHONE)],
            # loaded before the newest rows of the first build: an incremental run does not read
            # it again, so only the re-attribution can move it to the merged contact
            loaded_at=EARLIER_LOAD,
        )
        insert_rows(
            con,
            "web_events",
            [
                page("w1", "2023-12-10T10:00:00Z", "k1", "/pricing", email=ANN),
                page("w2", "2023-12-11T10:00:00Z", "k9", "/blog/payroll"),
                page("w5", "2023-12-12T10:00:00Z", "k5", "/pricing", email=CAROL),  # no new data
            ],
            loaded_at=FIRST_LOAD,
        )
        insert_rows(con, "orders", [order("o1", BOB, "2023-12-15")], loaded_at=FIRST_LOAD)
    build(tmp_path)
    ann, bob = (
        query(wh, f"select contact_id from marts.fct_interactions where record_id = '{rid}'")[0][0]
        for rid in ("w1", "f1")
    )
    assert ann != bob
    node_of = "select identifier_value, node_id from intermediate.int_identity__nodes"
    first_nodes = dict(query(wh, node_of))

    with duckdb.connect(str(wh)) as con:
        insert_rows(
            con,
            "web_events",
            [
                page("w3", "2024-05-30T10:00:00Z", "k1", "/demo"),  # new
                page("w4", "2023-01-15T10:00:00Z", "k9", "/careers"),  # late: a year old
                page("w1", "2024-05-31T10:00:00Z", "k1", "/other"),  # duplicate: the first one stays
            ],
            file="web-2.jsonl",
            loaded_at=SECOND_LOAD,
        )
        insert_rows(  # a newer version of the CRM record, with a phone
            con,
            "crm_contacts",
            [
                {
                    "crm_contact_id": "c1",
                    "created_at": "2023-12-01T10:00:00Z",
                    "updated_at": "2024-05-01T10:00:00Z",
                    "email": ANN,
                    "phone": "+33644444444",
                    "job_title": "HR director",
                }
            ],
            file="crm-2.csv",
            loaded_at=SECOND_LOAD,
        )
        # ann's first order: after the merge, bob's order before it is the previous purchase
        insert_rows(
            con, "orders", [order("o2", ANN, "2024-05-28")], file="orders-2.jsonl", loaded_at=SECOND_LOAD
        )
        insert_rows(  # bob's phone logged against ann's CRM record: the two contacts merge
            con,
            "calls",
            [BRIDGING_CALL],
            file="calls-2.csv",
            loaded_at=SECOND_LOAD,
        )
        insert_rows(  # ann opts in to email: her consent row changes, carol's is kept
            con,
            "consent_events",
            [
                {
                    "event_id": "k1",
                    "occurred_at": "2024-05-25T10:00:00Z",
                    "email": ANN,
                    "channel": "email",
                    "status": "opt_in",
                    "source": "preference_centre",
                }
            ],
            file="consents-2.jsonl",
            loaded_at=SECOND_LOAD,
        )
    # with the data tests of the models built (as the frequent job runs them)
    result = build(tmp_path, "--resource-type", "test", "--indirect-selection", "cautious")
    # the record contacts of the records that changed were written again, not every record
    assert "nurture_scope__record_contacts" in compiled_test(result, "int_identity__record_contacts")
    incremental = snapshot(wh)
    # the identity graph recomputed the identifiers of the contacts the new records touch (ann's and
    # bob's, merged by the call; k9's late page view) and kept carol's: her nodes kept their ids
    scope = "select identifier_value from main.nurture_identity_graph_scope"
    recomputed = {row[0] for row in query(wh, scope)}
    assert {ANN, BOB, BOB_PHONE, "k1", "k9"} <= recomputed and CAROL not in recomputed, recomputed
    nodes = dict(query(wh, node_of))
    assert nodes[CAROL] == first_nodes[CAROL] and nodes["k5"] == first_nodes["k5"]
    assert nodes[ANN] > max(first_nodes.values())  # numbered after the ids the table held
    build(tmp_path)  # a second incremental run (as after a crash) adds nothing twice
    assert snapshot(wh) == incremental
    assert query(wh, scope) == [(None,)]  # nothing touched: no identifier recomputed
    assert dict(query(wh, node_of)) == nodes

    # what the incremental run did
    web = query(wh, "select event_id, page_path from staging.stg_web__events order by event_id")
    assert web == [
        ("w1", "/pricing"),
        ("w2", "/blog/payroll"),
        ("w3", "/demo"),
        ("w4", "/careers"),
        ("w5", "/pricing"),
    ]
    contacts = dict(query(wh, "select record_id, contact_id from marts.fct_interactions"))
    assert contacts["f1"] == contacts["call1"] == contacts["w1"] == ann  # bob's form follows the merge
    assert "w4" in contacts
    email_consent = (
        "select consent_status from marts.dim_contact_consents"
        " where contact_id = '{}' and consent_channel = 'email'"
    )
    assert query(wh, email_consent.format(ann)) == [("opt_in",)]
    assert query(wh, "select count(*) from marts.fct_interactions where record_id = 'c1'") == [(1,)]
    # the per-contact models recomputed the contacts that changed (ann, and bob, merged into her),
    # not carol, who has nothing new (fct_lead_scores recomputes every contact: this selection
    # rebuilds the score history, as the daily run does)
    carol = contacts["w5"]
    purchases = query(
        wh,
        "select contact_id, purchased_on, previous_purchased_on from intermediate.int_lifecycle__purchases",
    )
    assert sorted([str(value) for value in row] for row in purchases) == [
        [ann, "2023-12-15", "None"],
        [ann, "2024-05-28", "2023-12-15"],  # bob's order, merged into ann's history
    ]
    per_contact = (
        "int_scoring__behaviour_points",
        "fct_score_ledger",
        "int_lifecycle__purchases",
        "fct_marketing_pressure",
        "int_audiences__members",  # rebuilt in full, logs the members whose memberships changed
        "activation_policy",  # follows them
    )
    for model in per_contact:
        recomputed = {
            row[0]
            for row in query(
                wh,
                "select contact_id from main.nurture_contact_changes "
                f"where source_model = '{model}' and contact_id is not null",
            )
        }
        assert ann in recomputed and bob in recomputed and carol not in recomputed, (model, recomputed)
    # their data tests read the recomputed contacts' rows; the first build's tests read every row
    assert "nurture_contact_changes" in compiled_test(result, "unique_fct_score_ledger_ledger_id")

    build(tmp_path, "--full-refresh")
    assert_same_rows(incremental, snapshot(wh))


def test_signals_are_matched_again_when_the_rules_change(raw_warehouse: Path, tmp_path: Path) -> None:
    wh = raw_warehouse
    with duckdb.connect(str(wh)) as con:
        insert_rows(
            con,
            "web_events",
            [page("w1", "2023-12-10T10:00:00Z", "k1", "/blog/payroll", email=ANN)],
            loaded_at=FIRST_LOAD,
        )
    build(tmp_path)
    signals = "select signal from intermediate.int_lifecycle__signals where interaction_id = '{}'"
    (interaction,) = query(wh, "select interaction_id from marts.fct_interactions where record_id = 'w1'")[0]
    assert ("known",) not in query(wh, signals.format(interaction))  # a page view is not "known"

    (schema,) = query(
        wh, "select table_schema from information_schema.tables where table_name = 'lifecycle_signals'"
    )[0]
    with duckdb.connect(str(wh)) as con:  # a new rule; no new data
        con.execute(
            f"insert into {schema}.lifecycle_signals (channel, interaction_type, source_type,"
            " content_theme, signal) values ('web', '*', '*', '*', 'known')"
        )
    # keep the edited rules (no seed reload); a frequent run's tests, which read new rows only
    result = build(
        tmp_path,
        "--exclude",
        "lifecycle_signals",
        "--resource-type",
        "test",
        "--indirect-selection",
        "cautious",
        "--vars",
        "{test_scope: new_rows}",
    )
    assert query(wh, signals.format(interaction)) == [("known",)]  # the old interaction is matched again
    # every match was written again: the run's tests read every row, not the rows loaded since
    matches = "unique_combination_of_columns_int_lifecycle__signal_matches_interaction_id__signal"
    assert "loaded_at >" not in compiled_test(result, matches)


def test_a_frequent_run_tests_the_rows_it_loaded(raw_warehouse: Path, tmp_path: Path) -> None:
    """With ``test_scope: new_rows`` (the frequent job sets it in the environment), the row tests of
    event models read the rows loaded after what the run's event models held when it started;
    without it (the daily job), every row. A fault in a row an earlier run wrote and tested is left
    to the daily run."""
    wh = raw_warehouse
    with duckdb.connect(str(wh)) as con:
        insert_rows(
            con,
            "web_events",
            [page("w1", "2023-12-10T10:00:00Z", "k1", "/pricing", email=ANN)],
            loaded_at=FIRST_LOAD,
        )
        insert_rows(  # forms loaded an hour later: each event model's tests follow its own loads
            con,
            "form_submissions",
            [form("f1", "2023-12-05T10:00:00Z", email=BOB)],
            loaded_at="2024-01-01T01:00:00Z",
        )
    build(tmp_path)
    with duckdb.connect(str(wh)) as con:
        # an old row written twice (a fault the frequent run's tests do not read)
        con.execute(
            "insert into intermediate.int_web_pages_classified"
            " select * from intermediate.int_web_pages_classified where event_id = 'w1'"
        )
        insert_rows(
            con,
            "web_events",
            [page("w2", "2024-05-30T10:00:00Z", "k1", "/demo")],
            file="web-2.jsonl",
            loaded_at=SECOND_LOAD,
        )
    frequent = ["--resource-type", "test", "--indirect-selection", "cautious"]
    with with_test_scope("nonsense"):
        result = run_dbt(["build", *SELECT, *frequent], tmp_path)
    assert not result.success and "expected all or new_rows, got 'nonsense'" in str(result.exception)
    with with_test_scope("new_rows"):
        result = build(tmp_path, *frequent)
    sql = compiled_test(result, "unique_int_web_pages_classified_event_id")
    assert "loaded_at > cast('2024-01-01 00:00:00" in sql  # after the first load, the newest held
    forms = compiled_test(result, "unique_stg_forms__form_submissions_submission_id")
    assert "loaded_at > cast('2024-01-01 01:00:00" in forms  # its own newest load
    assert "loaded_at > cast('2024-01-01 00:00:00" in compiled_test(
        result, "unique_combination_of_columns_int_contacts__touchpoints_record_source__record_id"
    )  # a view: after the oldest of the event models it reads
    assert query(wh, "select count(*) from staging.stg_web__events where event_id = 'w2'") == [(1,)]
    # per-contact models keep their own scope (the contacts recomputed)
    assert "loaded_at >" not in compiled_test(result, "unique_fct_score_ledger_ledger_id")
    # record contacts' tests read the records the run wrote from its first incremental run on (the
    # table of records written exists from the on-run-start hook of the first build)
    record_keys = "unique_combination_of_columns_int_identity__record_contacts_record_source__record_id"
    assert "nurture_record_contacts_written" in compiled_test(result, record_keys)

    # a frequent run that builds: record contacts' tests read the records it wrote (w3 and the
    # entity records, observed again on every run), not w1 and w2
    with duckdb.connect(str(wh)) as con:
        insert_rows(
            con,
            "web_events",
            [page("w3", "2024-06-02T10:00:00Z", "k1", "/")],
            file="web-3.jsonl",
            loaded_at="2024-06-02T00:00:00Z",
        )
    with with_test_scope("new_rows"):
        result = build(tmp_path, *frequent)  # models and seeds (SELECT) and their tests
    assert "nurture_record_contacts_written" in compiled_test(result, record_keys)
    written = (
        "select record_id from main.nurture_record_contacts_written where record_source = 'stg_web__events'"
    )
    assert query(wh, written) == [("w3",)]

    # a frequent run with nothing new writes no record: its record contacts' tests read none, not
    # every row
    with with_test_scope("new_rows"):
        result = build(tmp_path, *frequent)
    assert "nurture_record_contacts_written" in compiled_test(result, record_keys)
    assert query(wh, "select count(record_id) from main.nurture_record_contacts_written") == [(0,)]

    result = run_dbt(["build", *SELECT, *frequent], tmp_path)  # the daily job: every row
    failed = {res.node.name for res in result.result.results if res.status == "fail"}
    assert failed == {"unique_int_web_pages_classified_event_id"}
    assert "nurture_record_contacts_written" not in compiled_test(result, record_keys)


def test_a_company_change_rescores_its_contacts(raw_warehouse: Path, tmp_path: Path) -> None:
    """A contact's profile points change with its company's record: no interaction of its own is
    new, yet the incremental run rescores it as a full rebuild does."""
    wh = raw_warehouse
    company = {
        "crm_company_id": "co1",
        "name": "Acme",
        "domain": "acme.com",
        "created_at": "2023-11-01T10:00:00Z",
    }
    with duckdb.connect(str(wh)) as con:
        insert_rows(con, "crm_companies", [{**company, "employees": 10}], loaded_at=FIRST_LOAD)
        insert_rows(
            con,
            "crm_contacts",
            [
                {
                    "crm_contact_id": "c1",
                    "crm_company_id": "co1",
                    "created_at": "2023-12-01T10:00:00Z",
                    "email": ANN,
                    "job_title": "HR director",
                },
                {  # another company's contact: nothing of hers changes
                    "crm_contact_id": "c2",
                    "created_at": "2023-12-01T10:00:00Z",
                    "email": CAROL,
                    "job_title": "CFO",
                },
            ],
            file="landing/crm_contacts/b2b-0001.jsonl",
            loaded_at=FIRST_LOAD,
        )
        insert_rows(
            con,
            "web_events",
            [
                page("w1", "2023-12-10T10:00:00Z", "k1", "/pricing", email=ANN),
                page("w2", "2023-12-10T11:00:00Z", "k2", "/pricing", email=CAROL),
            ],
            file="landing/web_events/b2b-0001.jsonl",
            loaded_at=FIRST_LOAD,
        )
    build(tmp_path)
    size_rule = "select count(*) from marts.fct_score_ledger where rule_id = 'size_target'"
    assert query(wh, size_rule) == [(0,)]

    with duckdb.connect(str(wh)) as con:  # the company grows (100 staff, in the target size), renamed
        insert_rows(
            con,
            "crm_companies",
            [{**company, "name": "Acme Group", "employees": 100, "updated_at": "2024-05-01T10:00:00Z"}],
            file="landing/crm_companies/part-0002.jsonl",
            loaded_at=SECOND_LOAD,
        )
    # as in a frequent run: the score history is left to the daily run, so the current scores
    # recompute only ann; their data tests that compare them with the ledger still read every row
    build(
        tmp_path,
        "--exclude",
        "fct_lead_score_history",
        "--resource-type",
        "test",
        "--indirect-selection",
        "cautious",
    )
    assert query(wh, size_rule) == [(1,)]
    recomputed = (
        "select distinct contact_id from main.nurture_contact_changes where source_model = 'fct_lead_scores'"
    )
    assert len(query(wh, recomputed)) == 2  # the first build's "every contact" (null), then ann
    # the golden record follows the company's new name; carol's row is kept, not recomputed
    assert query(wh, "select company_name from marts.dim_contacts where email = 'ann@acme.com'") == [
        ("Acme Group",)
    ]
    recomputed = "select contact_id from main.nurture_contact_changes where source_model = 'dim_contacts'"
    assert len(query(wh, recomputed)) == 2  # the first build's "every contact" (null), then ann
    compared = {
        "contacts": "select * from marts.dim_contacts",
        "ledger": "select * from marts.fct_score_ledger",
        "scores": "select contact_id, scoring_model, score, band from marts.fct_lead_scores",
    }
    incremental = {name: Counter(map(str, query(wh, sql))) for name, sql in compared.items()}
    assert len(incremental["scores"]) == 2
    build(tmp_path, "--full-refresh")
    for name, sql in compared.items():
        assert incremental[name] == Counter(map(str, query(wh, sql))), name

    # the company shrinks, nothing else changes (not its name: the golden record stays the same):
    # the company attributes alone tell the profile points to follow
    with duckdb.connect(str(wh)) as con:
        insert_rows(
            con,
            "crm_companies",
            [{**company, "name": "Acme Group", "employees": 5, "updated_at": "2024-06-01T10:00:00Z"}],
            file="landing/crm_companies/part-0003.jsonl",
            loaded_at="2024-06-02T00:00:00Z",
        )
    build(tmp_path, "--exclude", "fct_lead_score_history")
    assert query(wh, size_rule) == [(0,)]
    changed = (
        "select contact_id from main.nurture_contact_changes where source_model = '{}' and changed_at > '{}'"
    )
    rebuilt = "select max(changed_at) from main.nurture_contact_changes where contact_id is null"
    since = query(wh, rebuilt)[0][0]
    ann = query(wh, "select contact_id from marts.dim_contacts where email = 'ann@acme.com'")[0][0]
    assert query(wh, changed.format("dim_contacts", since)) == []  # her golden record is the same
    assert query(wh, changed.format("int_scoring__contact_attributes", since)) == [(ann,)]
    compared["attributes"] = "select * from intermediate.int_scoring__contact_attributes"
    compared["profile"] = "select * from intermediate.int_scoring__profile_points"
    incremental = {name: Counter(map(str, query(wh, sql))) for name, sql in compared.items()}
    build(tmp_path, "--full-refresh")
    for name, sql in compared.items():
        assert incremental[name] == Counter(map(str, query(wh, sql))), name


def test_a_load_is_staged_once_it_completes(raw_warehouse: Path, tmp_path: Path) -> None:
    """Staging reads the rows of the loads dlt recorded as complete: a load that stopped half-way
    stays out until its retry writes the rest, with the same ``loaded_at``, and records it; the
    incremental run then stages all of it, though it reads nothing older than the newest load it
    already processed."""
    wh = raw_warehouse
    select = [
        "build",
        "--select",
        "+int_web_pages_classified",
        "--resource-type",
        "seed",
        "--resource-type",
        "model",
    ]
    staged = "select event_id from {} order by event_id"

    def load(
        event: dict[str, Any], loaded_at: str, load_id: str, *, file: str, completed: bool = True
    ) -> None:
        """Write one event as part of dlt load ``load_id``; record the load when it completes."""
        with duckdb.connect(str(wh)) as con:
            con.execute(
                "create table if not exists raw._dlt_loads (load_id varchar not null, schema_name varchar, "
                "status bigint not null, inserted_at timestamp with time zone not null, "
                "schema_version_hash varchar)"
            )
            insert_rows(con, "web_events", [event], file=file, loaded_at=loaded_at, load_id=load_id)
            if completed:
                con.execute("insert into raw._dlt_loads values (?, 'nurture', 0, now(), 'hash')", [load_id])

    load(page("w1", "2023-12-10T10:00:00Z", "k1", "/pricing"), FIRST_LOAD, "1", file="web-1.jsonl")
    # the second load stopped after its first file: not recorded
    load(
        page("w2", "2024-05-30T10:00:00Z", "k1", "/demo"),
        SECOND_LOAD,
        "2",
        file="web-2.jsonl",
        completed=False,
    )
    assert run_dbt(select, tmp_path).success
    assert query(wh, staged.format("staging.stg_web__events")) == [("w1",)]

    # its retry writes the rest and records the load; a third load completes after it
    load(page("w3", "2024-05-31T10:00:00Z", "k2", "/demo"), SECOND_LOAD, "2", file="web-3.jsonl")
    load(
        page("w4", "2024-06-02T10:00:00Z", "k2", "/pricing"), "2024-06-02T00:00:00Z", "3", file="web-4.jsonl"
    )
    assert run_dbt(select, tmp_path).success
    for model in ("staging.stg_web__events", "intermediate.int_web_pages_classified"):
        assert query(wh, staged.format(model)) == [("w1",), ("w2",), ("w3",), ("w4",)], model

    load(
        page("w5", "2024-06-03T10:00:00Z", "k2", "/pricing"), "2024-06-03T00:00:00Z", "4", file="web-5.jsonl"
    )
    result = run_dbt(select, tmp_path)
    assert result.success
    (compiled,) = [r.node.compiled_code for r in result.result.results if r.node.name == "stg_web__events"]
    # the watermark is the third load's time, strictly after it: the third load is not read again
    assert "> cast('2024-06-02 00:00:00.000000' as timestamp)" in compiled, compiled
    assert query(wh, staged.format("staging.stg_web__events"))[-1] == ("w5",)


def test_a_split_moves_interactions_back_and_drops_unattributed_records(
    raw_warehouse: Path, tmp_path: Path
) -> None:
    """The re-attribution follows the identifiers whose contact changed since the table was last
    attributed: a merge moves the rows to the surviving contact, a split (the identifier that
    bridged two people blocklisted) moves them back, and a record whose only identifier is now
    blocked leaves ``fct_interactions``; the result equals a full refresh."""
    wh = raw_warehouse
    select = ["run", "--select", "+fct_interactions"]

    def form(submission_id: str, at: str, **ids: str) -> dict[str, Any]:
        return {"submission_id": submission_id, "form_type": "contact", "occurred_at": at, **ids}

    def contacts() -> dict[str, str]:
        return dict(query(wh, "select record_id, contact_id from marts.fct_interactions"))

    with duckdb.connect(str(wh)) as con:
        insert_rows(
            con,
            "crm_contacts",
            [{"crm_contact_id": "c1", "created_at": "2023-12-01T10:00:00Z", "email": ANN}],
        )
        insert_rows(
            con,
            "form_submissions",
            [
                form("f1", "2023-12-05T10:00:00Z", email=BOB, phone=BOB_PHONE),
                form("f2", "2023-12-06T10:00:00Z", phone=BOB_PHONE),  # the phone only
            ],
        )
    seeds_and_models = [
        "build",
        "--select",
        "+fct_interactions",
        "--resource-type",
        "seed",
        "--resource-type",
        "model",
    ]
    assert run_dbt(seeds_and_models, tmp_path).success
    first = contacts()
    ann, bob = first["c1"], first["f1"]
    assert ann != bob and first["f2"] == bob

    with duckdb.connect(str(wh)) as con:  # bob's phone logged against ann's CRM record: a merge
        insert_rows(
            con,
            "calls",
            [BRIDGING_CALL],
            file="calls-2.csv",
            loaded_at=SECOND_LOAD,
        )
    assert run_dbt(select, tmp_path).success
    merged = contacts()
    assert merged["f1"] == merged["f2"] == merged["call1"] == ann

    with duckdb.connect(str(wh)) as con:  # the bridging phone blocklisted (the seed edited): a split
        con.execute(f"insert into seeds.identity_blocklist values ('phone', '{BOB_PHONE}', 'wrong merge')")
    assert run_dbt(select, tmp_path).success
    split = contacts()
    assert split["f1"] == bob and split["call1"] == split["c1"] == ann
    assert "f2" not in split  # its only identifier is blocked: no contact
    kept = f"select contact_id from main.nurture_attributed where identifier_value = '{BOB_PHONE}'"
    assert query(wh, kept) == [(None,)]  # the assignment it now follows: the phone, blocked, has none

    assert run_dbt([*select, "--full-refresh"], tmp_path).success
    assert contacts() == split


def test_a_newer_entity_version_replaces_its_identifiers(raw_warehouse: Path, tmp_path: Path) -> None:
    """Entity records are observed when a version of them is loaded, not on every run: a CRM
    contact's newer version with another address, a deal's with no contact left and an order's
    with another buyer replace the identifiers their older versions carried (the deal belongs to no
    one any more; the order's first buyer, who changed in nothing else, is recomputed: no order
    left); the result equals a full refresh."""
    wh = raw_warehouse
    tables = [
        "intermediate.int_identity__observations",
        "intermediate.int_identity__identifiers",
        "intermediate.int_identity__contacts",
        "intermediate.int_identity__record_contacts",
        "marts.fct_interactions",
        "marts.dim_contacts",
    ]

    def deal(contact: str | None, updated: str) -> dict[str, Any]:
        return {
            "deal_id": "d1",
            "crm_contact_id": contact,
            "stage": "qualified",
            "created_at": "2023-12-02T10:00:00Z",
            "updated_at": updated,
        }

    def contact(email: str, updated: str) -> dict[str, Any]:
        return {
            "crm_contact_id": "c1",
            "created_at": "2023-12-01T10:00:00Z",
            "updated_at": updated,
            "email": email,
        }

    with duckdb.connect(str(wh)) as con:
        insert_rows(con, "crm_contacts", [contact(ANN, "2023-12-01T10:00:00Z")])
        insert_rows(con, "crm_deals", [deal("c1", "2023-12-02T10:00:00Z")])
        insert_rows(con, "web_events", [page("w1", "2023-12-10T10:00:00Z", "k1", "/pricing", email=ANN)])
        insert_rows(con, "orders", [{**order("o1", BOB, "2023-12-15"), "updated_at": "2023-12-15T10:00:00Z"}])
    assert run_dbt(["build", *SELECT], tmp_path).success
    records = "select record_id from intermediate.int_identity__record_contacts order by record_id"
    assert query(wh, records) == [("c1",), ("d1",), ("o1",), ("w1",)]
    orders = "select email, order_count from marts.dim_contacts where order_count > 0"
    assert query(wh, orders) == [(BOB, 1)]

    with duckdb.connect(str(wh)) as con:
        newer = {"loaded_at": SECOND_LOAD}
        insert_rows(con, "crm_contacts", [contact(CAROL, "2024-05-01T10:00:00Z")], file="crm-2.csv", **newer)
        insert_rows(con, "crm_deals", [deal(None, "2024-05-02T10:00:00Z")], file="deals-2.csv", **newer)
        carol_order = {**order("o1", CAROL, "2023-12-15"), "updated_at": "2024-05-03T10:00:00Z"}
        insert_rows(con, "orders", [carol_order], file="orders-2.jsonl", **newer)
    assert run_dbt(["build", *SELECT], tmp_path).success
    observed = (
        "select record_id, identifier_type, identifier_value from intermediate.int_identity__observations"
        " where record_id in ('c1', 'd1') order by all"
    )
    assert query(wh, observed) == [("c1", "crm_contact_id", "c1"), ("c1", "email", CAROL)]
    assert query(wh, records) == [("c1",), ("o1",), ("w1",)]  # the deal has no identifier left
    deals = "select record_id from marts.fct_interactions where record_source = 'stg_crm__deals'"
    assert query(wh, deals) == []  # nor an interaction
    # ann's page view and the CRM record no longer share an address: two contacts
    contacts = dict(query(wh, "select record_id, contact_id from intermediate.int_identity__record_contacts"))
    assert contacts["c1"] != contacts["w1"]
    assert query(wh, orders) == [(CAROL, 1)]  # bob, whose order it was, has none left
    # the identifiers' activity was recomputed for the identifiers the new versions touched only
    # (ann's page view is as the first run left it; bob is no longer seen anywhere)
    activity = "intermediate.int_identity__identifier_activity"
    newest = f"(select max(computed_at) from {activity})"
    kept = f"select identifier_value from {activity} where computed_at < {newest}"
    assert query(wh, kept) == [("k1",)]
    assert query(wh, f"select count(*) from {activity} where identifier_value = '{BOB}'") == [(0,)]
    incremental = snapshot(wh, tables)

    assert run_dbt(["build", *SELECT, "--full-refresh"], tmp_path).success
    assert snapshot(wh, tables) == incremental


def test_a_blocked_identifier_splits_a_contact_in_an_incremental_run(
    raw_warehouse: Path, tmp_path: Path
) -> None:
    """The identity graph recomputes the contacts of the identifiers a run touches: a phone that a
    new CRM record shares with ann's becomes a switchboard (a fan-out rule), leaves ann's contact and
    links no one; bob, on the new record, gets his own contact. Carol, untouched, keeps her node. The
    graph equals a full refresh."""
    wh = raw_warehouse
    phone = "+33655555555"
    tables = [
        "intermediate.int_identity__identifiers",
        "intermediate.int_identity__contacts",
        "intermediate.int_identity__record_contacts",
        "marts.fct_interactions",
    ]

    def crm(contact_id: str, email: str) -> dict[str, Any]:
        return {
            "crm_contact_id": contact_id,
            "created_at": "2023-12-01T10:00:00Z",
            "email": email,
            "phone": phone,
        }

    with duckdb.connect(str(wh)) as con:
        insert_rows(con, "crm_contacts", [crm("c1", ANN)])
        insert_rows(con, "calls", [{**BRIDGING_CALL, "phone": phone}])
        insert_rows(con, "web_events", [page("w5", "2023-12-12T10:00:00Z", "k5", "/pricing", email=CAROL)])
    assert run_dbt(["build", *SELECT], tmp_path).success
    contact_of = "select identifier_value, contact_id from intermediate.int_identity__identifiers"
    first = dict(query(wh, contact_of))
    assert first[phone] == first[ANN] == first["c1"]
    node_of = "select identifier_value, node_id from intermediate.int_identity__nodes"
    first_nodes = dict(query(wh, node_of))

    with duckdb.connect(str(wh)) as con:
        insert_rows(con, "crm_contacts", [crm("c2", BOB)], file="crm-2.csv", loaded_at=SECOND_LOAD)
    assert run_dbt(["build", *SELECT], tmp_path).success
    scope = (
        "select identifier_value from main.nurture_identity_graph_scope where identifier_value is not null"
    )
    assert {row[0] for row in query(wh, scope)} == {phone, ANN, "c1", BOB, "c2"}  # not carol's
    assert dict(query(wh, node_of))[CAROL] == first_nodes[CAROL]
    split = dict(query(wh, contact_of))
    assert split[phone] is None  # blocked: on two CRM contacts
    assert split[ANN] == split["c1"] == first[ANN]
    assert split[BOB] == split["c2"] != first[ANN]
    calls = "select contact_id from marts.fct_interactions where record_id = 'call1'"
    assert query(wh, calls) == [(first[ANN],)]  # the call follows its CRM contact, not the phone
    incremental = snapshot(wh, tables)

    assert run_dbt(["build", *SELECT, "--full-refresh"], tmp_path).success
    assert snapshot(wh, tables) == incremental


def test_fan_out_is_recomputed_when_the_role_identifiers_change(raw_warehouse: Path, tmp_path: Path) -> None:
    """The fan-out counts are kept per identifier from run to run; a new role identifier pattern
    (edited in the seed) recomputes every identifier's counts: a laptop seen with its owner's
    address and a team mailbox stops counting the mailbox, as a full refresh does."""
    wh = raw_warehouse
    select = [
        "build",
        "--select",
        "+int_identity__resolution",
        "--resource-type",
        "seed",
        "--resource-type",
        "model",
    ]
    with duckdb.connect(str(wh)) as con:
        insert_rows(
            con,
            "web_events",
            laptop_pages(),
        )
    assert run_dbt(select, tmp_path).success
    fan_out = (
        "select linked_count from intermediate.int_identity__fan_out"
        " where identifier_value = 'laptop' and linked_identifier_type = 'email'"
    )
    assert query(wh, fan_out) == [(2,)]

    with duckdb.connect(str(wh)) as con:  # the team mailbox becomes a role identifier
        con.execute("insert into seeds.identity_role_identifiers values ('email', 'squad@%', 'team mailbox')")
    assert run_dbt(["run", "--select", "+int_identity__resolution"], tmp_path).success
    assert query(wh, fan_out) == [(1,)]
    counts = "select * exclude (computed_at) from intermediate.int_identity__fan_out order by all"
    # the laptop, blocked with two addresses, is free again: the graph recomputes every identifier
    # (an untouched identifier's block may change), as a full refresh does
    blocks = "select identifier_value, is_blocked from intermediate.int_identity__nodes order by all"
    assert ("laptop", False) in query(wh, blocks)
    incremental = query(wh, counts), query(wh, blocks)
    assert run_dbt(["run", "--select", "+int_identity__resolution", "--full-refresh"], tmp_path).success
    assert (query(wh, counts), query(wh, blocks)) == incremental


def test_a_record_of_an_identifier_blocked_no_more_is_attributed(raw_warehouse: Path, tmp_path: Path) -> None:
    """A page view whose only identifier is a cookie blocked by the fan-out rules belongs to no one;
    when the cookie is free again (a team mailbox becomes a role identifier), the incremental run
    attributes the page view, as a full refresh does, though nothing about it was loaded again."""
    wh = raw_warehouse
    with duckdb.connect(str(wh)) as con:
        insert_rows(
            con,
            "web_events",
            [*laptop_pages(), page("w3", "2023-12-12T10:00:00Z", "laptop", "/demo")],  # w3: the cookie alone
        )
    build(tmp_path)
    attributed = "select record_id, contact_id from intermediate.int_identity__record_contacts order by all"
    assert "w3" not in {row[0] for row in query(wh, attributed)}
    with duckdb.connect(str(wh)) as con:  # the team mailbox becomes a role identifier
        con.execute("insert into seeds.identity_role_identifiers values ('email', 'squad@%', 'team mailbox')")
    models = [*SELECT[: SELECT.index("--resource-type")], "--resource-type", "model"]
    assert run_dbt(["build", *models], tmp_path).success  # the seeds as edited in the warehouse
    tables = ["intermediate.int_identity__record_contacts", "marts.fct_interactions", "marts.dim_contacts"]
    incremental = snapshot(wh, tables)
    assert "w3" in {row[0] for row in query(wh, attributed)}
    assert run_dbt(["build", *models, "--full-refresh"], tmp_path).success
    assert_same_rows(incremental, snapshot(wh, tables))


def test_rows_written_before_the_contact_key_get_one(raw_warehouse: Path, tmp_path: Path) -> None:
    """A warehouse built before `contact_key` existed: the next incremental run adds the column and
    gives the rows already there their key, so the per-contact models' scoped reads (which filter on
    the key) still find them; its value is the first 60 bits of the contact id's md5."""
    wh = raw_warehouse
    with duckdb.connect(str(wh)) as con:
        insert_rows(con, "web_events", [page("w1", "2023-12-10T10:00:00Z", "k1", "/pricing", email=ANN)])
    build(tmp_path)
    keyed = ["marts.fct_interactions", "intermediate.int_identity__record_contacts"]
    with duckdb.connect(str(wh)) as con:  # as an older version left them
        for table in keyed:
            con.execute(f"alter table {table} drop column contact_key")
        insert_rows(
            con,
            "web_events",
            [page("w2", "2024-05-30T10:00:00Z", "k2", "/demo", email=BOB)],
            file="web-2.jsonl",
            loaded_at=SECOND_LOAD,
        )
    build(tmp_path)
    for table in keyed:
        rows = query(
            wh,
            f"select contact_id, contact_key, cast(('0x' || substring(md5(contact_id), 1, 15)) as bigint)"
            f" from {table}",
        )
        assert len(rows) == 2, table
        assert all(key is not None and key == expected for _, key, expected in rows), (table, rows)
