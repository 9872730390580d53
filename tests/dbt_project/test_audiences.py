"""Audiences, consent, marketing pressure and the activation policy, end to end on tiny data.

A handful of people written straight into the raw tables, `dbt build` of the policy and the
membership history as of one day, then again as of the next day after one anonymous visitor
identified:

- Ursula opted in to email, clicked a payroll email, then unsubscribed: held back from the email
  tool (`no_consent`) but not from on-site personalisation.
- Wanda received 3 emails in the last 7 days (the weekly email cap in `pressure_caps`): held back
  from the email tool with `pressure_cap`.
- cookie-a put a product in a cart and left, anonymously: in `anonymous_abandoners`; once the visitor
  identifies, it leaves it for `identified_abandoners` (membership changes record both).
- cookie-b abandons a cart too and stays anonymous.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt_helpers import DBT_QUIET_ENV, create_raw_tables, failures, insert_rows, run_dbt

DAY_1 = "2026-11-20"
DAY_2 = "2026-11-21"
SELECTION = ["+activation_policy", "+fct_audience_membership_changes", "path:seeds"]


def _email(event_id: str, email: str, event: str, at: str, theme: str = "payroll") -> dict[str, Any]:
    return {
        "event_id": event_id,
        "email": email,
        "event": event,
        "occurred_at": at,
        "campaign_id": "cmp-1",
        "categories": [theme],
    }


def _web(event_id: str, anonymous_id: str, at: str, **fields: Any) -> dict[str, Any]:
    return {"event_id": event_id, "anonymous_id": anonymous_id, "occurred_at": at, **fields}


RAW: dict[str, list[dict[str, Any]]] = {
    # The newsletter forms give the golden records their emails (email events are not a survivorship source).
    "form_submissions": [
        {
            "submission_id": "f-u",
            "form_type": "newsletter",
            "occurred_at": "2026-10-01T10:00:00Z",
            "email": "ursula.martin@acme-travel.fr",
            "first_name": "Ursula",
            "consent_email": True,
        },
        {
            "submission_id": "f-w",
            "form_type": "newsletter",
            "occurred_at": "2026-10-01T10:00:00Z",
            "email": "wanda.petit@acme-travel.fr",
            "first_name": "Wanda",
            "consent_email": True,
        },
    ],
    "consent_events": [
        {
            "event_id": "k-u",
            "occurred_at": "2026-10-01T10:00:00Z",
            "email": "ursula.martin@acme-travel.fr",
            "channel": "email",
            "status": "opt_in",
            "purpose": "marketing",
            "source": "form",
            "country": "FR",
        },
        {
            "event_id": "k-w",
            "occurred_at": "2026-10-01T10:00:00Z",
            "email": "wanda.petit@acme-travel.fr",
            "channel": "email",
            "status": "opt_in",
            "purpose": "marketing",
            "source": "form",
            "country": "FR",
        },
    ],
    "email_events": [
        _email("e-u1", "ursula.martin@acme-travel.fr", "processed", "2026-11-10T09:00:00Z"),
        _email("e-u2", "ursula.martin@acme-travel.fr", "click", "2026-11-10T09:30:00Z"),
        _email("e-u3", "ursula.martin@acme-travel.fr", "unsubscribe", "2026-11-12T08:00:00Z"),
        _email("e-w1", "wanda.petit@acme-travel.fr", "processed", "2026-11-15T09:00:00Z"),
        _email("e-w2", "wanda.petit@acme-travel.fr", "processed", "2026-11-16T09:00:00Z"),
        _email("e-w3", "wanda.petit@acme-travel.fr", "processed", "2026-11-17T09:00:00Z"),
        _email("e-w4", "wanda.petit@acme-travel.fr", "click", "2026-11-17T09:30:00Z"),
    ],
    "web_events": [
        _web("w-a1", "cookie-a", "2026-11-19T10:00:00Z", event_type="page", page_path="/offers/cruise"),
        _web("w-a2", "cookie-a", "2026-11-19T10:02:00Z", event_type="track", event_name="Product Added"),
        _web("w-b1", "cookie-b", "2026-11-19T11:00:00Z", event_type="track", event_name="Product Added"),
    ],
}
IDENTIFY = _web(
    "w-a3",
    "cookie-a",
    "2026-11-20T12:00:00Z",
    event_type="identify",
    user_id="u-alice",
    email="alice.durand@acme-travel.fr",
)


class Scenario:
    def __init__(self, warehouse: Path) -> None:
        self.warehouse = warehouse

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def policy(self, email: str) -> dict[tuple[str, str], tuple[bool, str | None]]:
        rows = self.query(
            """
            select p.audience, p.destination, p.is_allowed, p.hold_reason
            from marts.activation_policy as p
            inner join marts.dim_contacts as c on p.contact_id = c.contact_id
            where c.email = ?
            """,
            [email],
        )
        return {(a, d): (allowed, reason) for a, d, allowed, reason in rows}

    def members(self, audience: str, as_of: str) -> set[str]:
        rows = self.query(
            "select member_key from marts.fct_audience_membership_snapshots where audience = ? and as_of = ?",
            [audience, as_of],
        )
        return {key for (key,) in rows}


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory, module_monkeypatch: pytest.MonkeyPatch) -> Scenario:
    root = tmp_path_factory.mktemp("audiences")
    warehouse = root / "warehouse.duckdb"
    for key, value in DBT_QUIET_ENV.items():
        module_monkeypatch.setenv(key, value)
    module_monkeypatch.setenv("NURTURE_DBT_TARGET", "duckdb")
    module_monkeypatch.setenv("NURTURE_WAREHOUSE", str(warehouse))
    module_monkeypatch.delenv("NURTURE_DUCKDB_TEMP_DIR", raising=False)
    with duckdb.connect(str(warehouse)) as con:
        create_raw_tables(con)
        for table, rows in RAW.items():
            insert_rows(con, table, rows)
    first = run_dbt(["build", "--select", *SELECTION, "--vars", json.dumps({"as_of": DAY_1})], root)
    assert first.success, failures(first)
    built = Scenario(warehouse)
    built.day_1 = {  # type: ignore[attr-defined]
        audience: built.members(audience, DAY_1)
        for audience in ("anonymous_abandoners", "identified_abandoners")
    }
    with duckdb.connect(str(warehouse)) as con:
        # a second load: a later load time than the first (each load stamps its own)
        insert_rows(
            con,
            "web_events",
            [IDENTIFY],
            file="landing/web_events/part-0002.jsonl",
            loaded_at="2024-01-02T00:00:00Z",
        )
    second = run_dbt(["build", "--select", *SELECTION, "--vars", json.dumps({"as_of": DAY_2})], root)
    assert second.success, failures(second)
    return built


def test_unsubscribed_by_email_is_held_back_from_email_not_onsite(scenario: Scenario) -> None:
    policy = scenario.policy("ursula.martin@acme-travel.fr")
    assert policy[("theme_affinity", "email_tool")] == (False, "no_consent")
    assert policy[("theme_affinity", "onsite")] == (True, None)
    consent = scenario.query(
        """
        select s.consent_status, s.decision_source, s.may_market
        from marts.dim_contact_consents as s
        inner join marts.dim_contacts as c on s.contact_id = c.contact_id
        where c.email = 'ursula.martin@acme-travel.fr' and s.consent_channel = 'email'
        """
    )
    assert consent == [("opt_out", "messaging:unsubscribed", False)]


def test_contact_at_the_weekly_cap_is_held_back_with_the_reason(scenario: Scenario) -> None:
    policy = scenario.policy("wanda.petit@acme-travel.fr")
    assert policy[("theme_affinity", "email_tool")] == (False, "pressure_cap")
    assert policy[("theme_affinity", "onsite")] == (True, None)
    pressure = scenario.query(
        """
        select p.messages_received, p.max_messages, p.is_at_cap
        from marts.fct_marketing_pressure as p
        inner join marts.dim_contacts as c on p.contact_id = c.contact_id
        where c.email = 'wanda.petit@acme-travel.fr' and p.pressure_channel = 'email' and p.window_days = 7
        """
    )
    assert pressure == [(3, 3, True)]


def test_anonymous_abandoner_who_identifies_moves_to_the_identified_audience(scenario: Scenario) -> None:
    day_1 = scenario.day_1  # type: ignore[attr-defined]
    assert day_1["anonymous_abandoners"] == {"anonymous:cookie-a", "anonymous:cookie-b"}
    assert day_1["identified_abandoners"] == set()

    assert scenario.members("anonymous_abandoners", DAY_2) == {"anonymous:cookie-b"}
    (alice,) = scenario.query(
        "select contact_id from marts.dim_contacts where email = 'alice.durand@acme-travel.fr'"
    )
    assert scenario.members("identified_abandoners", DAY_2) == {alice[0]}

    changes = set(
        scenario.query(
            """
            select audience, member_key, change_type, cast(changed_on as varchar)
            from marts.fct_audience_membership_changes
            where changed_on = cast(? as date) and audience like '%abandoners'
            """,
            [DAY_2],
        )
    )
    assert changes == {
        ("anonymous_abandoners", "anonymous:cookie-a", "left", DAY_2),
        ("identified_abandoners", alice[0], "entered", DAY_2),
    }
    # The identified member goes to the email tool under its contact id, with its email.
    rows = scenario.query(
        "select member_key, email, anonymous_id from marts.activation_policy "
        "where audience = 'identified_abandoners' and destination = 'email_tool'"
    )
    assert rows == [(alice[0], "alice.durand@acme-travel.fr", None)]


def test_history_keeps_every_as_of_date_and_sizes(scenario: Scenario) -> None:
    sizes = dict(
        (str(as_of), members)
        for as_of, members in scenario.query(
            "select as_of, members from marts.fct_audience_sizes where audience = 'anonymous_abandoners'"
        )
    )
    assert sizes == {DAY_1: 2, DAY_2: 1}
    # Every audience of the graph has a size row per as-of date, empty ones included.
    audiences = {
        a for (a,) in scenario.query("select distinct audience from intermediate.int_audiences__destinations")
    }
    for day in (DAY_1, DAY_2):
        sized = {
            a
            for (a,) in scenario.query("select audience from marts.fct_audience_sizes where as_of = ?", [day])
        }
        assert sized == audiences


def test_membership_changes_compare_only_the_dates_written_since(scenario: Scenario) -> None:
    columns = "audience, member_key, contact_id, change_type, changed_on, previous_as_of"
    changes = f"select {columns} from marts.fct_audience_membership_changes order by all"
    before = scenario.query(changes)
    day_1_left = "changed_on = cast('2026-11-20' as date) and member_key = 'anonymous:cookie-a'"
    with duckdb.connect(str(scenario.warehouse)) as con:  # a mark on a day-1 row
        con.execute(
            f"update marts.fct_audience_membership_changes set contact_id = 'kept' where {day_1_left}"
        )
    # the second day built again (a frequent run): its snapshot is written again and compared again
    models = ["fct_audience_membership_snapshots", "fct_audience_sizes", "fct_audience_membership_changes"]
    again = run_dbt(
        ["build", "--select", *models, "--vars", json.dumps({"as_of": DAY_2})], scenario.warehouse.parent
    )
    assert again.success, failures(again)
    kept = f"select contact_id from marts.fct_audience_membership_changes where {day_1_left}"
    assert set(scenario.query(kept)) == {("kept",)}  # the first day was not compared again
    day_2 = [row for row in before if str(row[4]) == DAY_2]
    assert [row for row in scenario.query(changes) if str(row[4]) == DAY_2] == day_2
    compared = "select max(compared_at) from marts.fct_audience_membership_changes where changed_on = ?"
    written = "select max(snapshot_at) from marts.fct_audience_sizes where as_of = ?"
    assert scenario.query(compared, [DAY_2]) == scenario.query(written, [DAY_2])
    # a full rebuild compares every date: the same rows as the incremental runs wrote
    rebuilt = run_dbt(
        [
            "build",
            "--select",
            "fct_audience_membership_changes",
            "--full-refresh",
            "--vars",
            json.dumps({"as_of": DAY_2}),
        ],
        scenario.warehouse.parent,
    )
    assert rebuilt.success, failures(rebuilt)
    assert scenario.query(changes) == before


def test_policy_invariants(scenario: Scenario) -> None:
    bad = scenario.query(
        """
        select audience, destination, member_key, hold_reason from marts.activation_policy
        where is_allowed != (hold_reason is null)
           or (member_key like 'anonymous:%') != (contact_id is null)
           or (destination = 'email_tool' and is_allowed and email is null)
        """
    )
    assert bad == []
    for (attributes,) in scenario.query("select attributes from marts.activation_policy"):
        keys = list(json.loads(attributes))
        assert keys == sorted(keys)


def test_size_checks_warn_on_a_jump_and_fail_on_an_emptied_audience(
    scenario: Scenario, tmp_path: Path
) -> None:
    # A copy of the warehouse with a third as-of date: one audience jumps, another empties.
    copy = tmp_path / "warehouse.duckdb"
    copy.write_bytes(scenario.warehouse.read_bytes())
    with duckdb.connect(str(copy)) as con:
        con.execute(
            """
            insert into marts.fct_audience_sizes (as_of, audience, members, anonymous_members, snapshot_at)
            select date '2026-11-22', audience,
                   case audience when 'anonymous_abandoners' then 0 else members end,
                   0, current_timestamp
            from marts.fct_audience_sizes where as_of = date '2026-11-21'
            """
        )
        con.execute(
            "insert into marts.fct_audience_sizes values "
            "(date '2026-11-21', 'big', 40, 0, current_timestamp), "
            "(date '2026-11-22', 'big', 100, 0, current_timestamp)"
        )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NURTURE_WAREHOUSE", str(copy))
        result = run_dbt(["test", "--select", "fct_audience_sizes,test_type:data"], tmp_path)
    statuses = {r.node.name.split("_fct_")[0]: (str(r.status), r.failures) for r in result.result.results}
    assert statuses["audience_not_emptied"] == ("fail", 1)
    assert statuses["audience_size_jump"] == ("warn", 1)


def test_an_audience_not_built_yet_is_left_out_of_the_members(scenario: Scenario, tmp_path: Path) -> None:
    """A frequent run leaves the audiences refreshed daily or weekly to the daily run: one added
    since has no table yet, and the members of the others are still built."""
    copy = tmp_path / "warehouse.duckdb"
    copy.write_bytes(scenario.warehouse.read_bytes())
    with duckdb.connect(str(copy)) as con:
        con.execute("drop table marts.aud_anonymous_abandoners")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NURTURE_WAREHOUSE", str(copy))
        result = run_dbt(
            ["build", "--select", "int_audiences__members", "--vars", json.dumps({"as_of": DAY_2})], tmp_path
        )
    assert result.success, failures(result)
    with duckdb.connect(str(copy), read_only=True) as con:
        audiences = {
            a for (a,) in con.execute("select audience from intermediate.int_audiences__members").fetchall()
        }
    assert "identified_abandoners" in audiences and "anonymous_abandoners" not in audiences
    log = (tmp_path / "dbt_logs" / "dbt.log").read_text()
    assert "audience anonymous_abandoners: its table" in log and "is not built yet" in log


def test_not_null_columns_names_the_columns_and_counts_the_null_rows(
    scenario: Scenario, tmp_path: Path
) -> None:
    # A copy of the warehouse where two member rows lost their contact and one its key.
    copy = tmp_path / "warehouse.duckdb"
    copy.write_bytes(scenario.warehouse.read_bytes())
    members = "intermediate.int_audiences__members"
    with duckdb.connect(str(copy)) as con:
        con.execute(
            f"update {members} set resolved_contact_id = null"
            f" where rowid in (select rowid from {members} order by rowid limit 2)"
        )
        last_row = f"(select max(rowid) from {members})"
        con.execute(f"update {members} set member_key = null where rowid = {last_row}")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NURTURE_WAREHOUSE", str(copy))
        result = run_dbt(["test", "--select", "int_audiences__members,test_name:not_null_columns"], tmp_path)
    [outcome] = [r for r in result.result.results if r.node.resource_type == "test"]
    assert (str(outcome.status), outcome.failures) == ("fail", 3)
    with duckdb.connect(str(copy), read_only=True) as con:
        rows = con.execute(outcome.node.compiled_code).fetchall()
    assert sorted(rows) == [("member_key", 1), ("resolved_contact_id", 2)]
