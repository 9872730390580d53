"""`nurture audiences`: the report read from the warehouse and its text, on a hand-made warehouse."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.audiences import AudiencesError, audience_report, render


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema intermediate")
        con.execute("create schema marts")
        con.execute(
            "create table intermediate.int_audiences__destinations as select * from (values "
            "('hot_leads', 'sales_alert', 1, 'sales', 'hourly'), "
            "('hot_leads', 'call_centre', 1, 'sales', 'hourly'), "
            "('birthdays', 'email_tool', 5, 'crm', 'daily')"
            ") as t(audience, destination, priority, owner, refresh)"
        )
        con.execute(
            "create table marts.fct_audience_sizes as select * from (values "
            "(date '2026-11-20', 'hot_leads', 2, 0), (date '2026-11-21', 'hot_leads', 3, 1), "
            "(date '2026-11-21', 'birthdays', 0, 0)"
            ") as t(as_of, audience, members, anonymous_members)"
        )
        con.execute(
            "create table marts.activation_policy as select * from (values "
            "('hot_leads', 'sales_alert', 'c1', null), ('hot_leads', 'sales_alert', 'c2', null), "
            "('hot_leads', 'sales_alert', 'anonymous:x', 'missing_identifier'), "
            "('hot_leads', 'call_centre', 'c1', 'pressure_cap'), "
            "('hot_leads', 'call_centre', 'c2', 'no_consent'), "
            "('hot_leads', 'call_centre', 'anonymous:x', 'missing_identifier')"
            ") as t(audience, destination, member_key, hold_reason)"
        )
    return path


def test_report_counts_members_and_reasons_per_destination(warehouse: Path) -> None:
    report = audience_report(warehouse)
    assert report.as_of == date(2026, 11, 21)
    hot, birthdays = report.audiences
    assert (hot.audience, hot.members, hot.previous_members, hot.anonymous_members) == ("hot_leads", 3, 2, 1)
    lines = {d.destination: d for d in hot.destinations}
    assert (lines["sales_alert"].members, lines["sales_alert"].allowed) == (3, 2)
    assert lines["call_centre"].held == {"missing_identifier": 1, "no_consent": 1, "pressure_cap": 1}
    assert (birthdays.members, birthdays.destinations[0].members) == (0, 0)

    text = render(report)
    assert "2 audiences as of 2026-11-21" in text
    assert "+1 since the previous as-of date" in text
    assert "missing_identifier 1, no_consent 1, pressure_cap 1" in text


def test_one_audience_and_unknown_names(warehouse: Path) -> None:
    assert [a.audience for a in audience_report(warehouse, "birthdays").audiences] == ["birthdays"]
    with pytest.raises(AudiencesError, match="no audience named 'nope'"):
        audience_report(warehouse, "nope")


def test_unbuilt_warehouse_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(AudiencesError, match="run `nurture"):
        audience_report(tmp_path / "missing.duckdb")
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(AudiencesError, match="nurture build"):
        audience_report(empty)
