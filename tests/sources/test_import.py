"""The bundled mappings over the real public data sets: every data row is loaded or rejected, and the
known dirt is visible. Counts are computed independently from the files with the csv module."""

from __future__ import annotations

import csv
import gzip
import json
import os
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from sources.mapping import ImportSummary, import_mapping

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATASETS = (PROJECT_ROOT / os.environ.get("NURTURE_DATASETS", "../shared/datasets")).resolve()

# Locally the shared data sets may be absent; CI always has them beside the clone, so there a
# missing folder is a failure, never a silent skip.
if os.environ.get("CI") == "true" and not DATASETS.is_dir():
    raise RuntimeError(f"CI runs without the real data sets at {DATASETS}")
pytestmark = pytest.mark.skipif(
    not DATASETS.is_dir(), reason=f"the real data sets are not there ({DATASETS}): nothing to import"
)


def read_csv(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (line number, values) of every data row, the file's own line numbers (header = 1)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows, start = [], reader.line_num
        for row in reader:
            rows.append((start + 1, row))
            start = reader.line_num
    return header, rows


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("import") / "warehouse.duckdb"


@pytest.fixture(scope="module")
def imported(warehouse) -> dict[str, ImportSummary]:
    """The three bundled mappings imported into one warehouse, as a user runs them from the project root."""
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(PROJECT_ROOT)
        mp.setenv("NURTURE_DATA_DIR", str(warehouse.parent))
        mp.setenv("NURTURE_WAREHOUSE", str(warehouse))
        return {name: import_mapping(name) for name in ("x_education", "maven_crm", "online_retail")}


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def check_accounting(summary: ImportSummary, expected_read: dict[str, int]) -> None:
    """read = data rows of the file, and every row read is loaded, rejected or excluded."""
    assert summary.read == expected_read
    for table_name, read in summary.read.items():
        accounted = (
            summary.rows.get(table_name, 0)
            + summary.rejected.get(table_name, 0)
            + summary.excluded.get(table_name, 0)
        )
        assert accounted == read, (table_name, summary.render())


# -- X Education ---------------------------------------------------------------------------------
def test_x_education(imported, warehouse):
    header, rows = read_csv(DATASETS / "lead_scoring_x_education" / "Leads.csv")
    col = {name: i for i, name in enumerate(header)}
    n = len(rows)
    assert n == 9240
    summary = imported["x_education"]
    check_accounting(summary, {"crm_contacts": n, "crm_leads": n, "crm_activities": n})

    no_activity = sum(1 for _, r in rows if r[col["Last Activity"]] == "")
    assert no_activity == 103
    assert summary.excluded["crm_activities"] == no_activity  # the mapping's `where`, reported
    assert summary.rows == {"crm_contacts": n, "crm_leads": n, "crm_activities": n - no_activity}
    assert summary.total_rejected == 0

    converted = sum(1 for _, r in rows if r[col["Converted"]] == "1")
    assert converted == 3561
    assert query(warehouse, "select count(*) filter (where converted), count(*) from raw.crm_leads") == [
        (converted, n)
    ]
    do_not_email = sum(1 for _, r in rows if r[col["Do Not Email"]] == "Yes")
    assert query(warehouse, "select count(*) from raw.crm_leads where do_not_email") == [(do_not_email,)]

    # `Select` means "not chosen": null everywhere, attributes included
    no_city = sum(1 for _, r in rows if r[col["City"]] in ("", "Select"))
    assert query(warehouse, "select count(*) from raw.crm_contacts where city is null") == [(no_city,)]
    assert query(
        warehouse, "select count(*) from raw.crm_leads where attributes::varchar like '%\"Select\"%'"
    ) == [(0,)]

    # rows keep their line: line 100 of the file is the lead loaded with _line 100
    line, values = rows[98]
    assert line == 100
    got = query(warehouse, f"select lead_id, lead_number, attributes from raw.crm_leads where _line = {line}")
    assert got[0][:2] == (values[col["Prospect ID"]], values[col["Lead Number"]])
    attributes = json.loads(got[0][2])
    visits = values[col["TotalVisits"]]
    assert attributes["total_visits"] == (float(visits) if visits else None)
    assert attributes["last_activity"] == (values[col["Last Activity"]] or None)
    assert (
        query(
            warehouse,
            "select activity_type, count(*) from raw.crm_activities group by 1 order by 2 desc limit 1",
        )[0]
        == Counter(r[col["Last Activity"]] for _, r in rows if r[col["Last Activity"]]).most_common(1)[0]
    )


def test_importing_again_loads_nothing(imported, warehouse):
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(PROJECT_ROOT)
        again = import_mapping("x_education", warehouse=warehouse)
    assert again.total_rows == 0
    assert len(again.skipped_files) == 3
    assert query(warehouse, "select count(*) from raw.crm_leads") == [(9240,)]


# -- Online Retail -------------------------------------------------------------------------------
def test_online_retail(imported, warehouse):
    header, rows = read_csv(DATASETS / "online_retail_uci" / "online_retail_2010_2011.csv.gz")
    columns = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID"]
    assert header == [*columns, "Country"]
    n = len(rows)
    assert n == 541_909
    summary = imported["online_retail"]
    check_accounting(summary, {"orders": n, "order_lines": n})
    rejected = summary.rejected.get("order_lines", 0)
    assert query(warehouse, "select count(*) from raw.order_lines") == [(n - rejected,)]

    # exact duplicate lines are distinct lines of the file: all loaded, each with its own line_number
    duplicates = n - len({tuple(r) for _, r in rows})
    assert duplicates == 5268
    assert rejected == 0
    assert query(warehouse, "select count(distinct line_number), min(line_number), max(line_number) "
                            "from raw.order_lines") == [(n, 2, n + 1)]  # fmt: skip

    # orders: one row per line in, one per invoice after the merge
    invoices = {r[0] for _, r in rows}
    cancelled = {i for i in invoices if i.startswith("C")}
    assert query(
        warehouse, "select count(*), count(*) filter (where status = 'cancelled') from raw.orders"
    ) == [(len(invoices), len(cancelled))]
    # anonymous orders are loaded, without a customer number
    anonymous_lines = sum(1 for _, r in rows if r[6] == "")
    assert anonymous_lines == 135_080
    assert query(
        warehouse,
        "select count(*) from raw.order_lines l join raw.orders o using (order_id) "
        "where o.customer_number is null",
    ) == [(anonymous_lines,)]
    assert query(warehouse, "select count(*) from raw.orders where customer_number like '%.%'") == [(0,)]

    # a line keeps its line number; summer times are shop time (BST) converted to UTC
    line, values = next((ln, r) for ln, r in rows if r[4].startswith("2011-07-") and r[6])
    got = query(
        warehouse,
        "select l.product_id, l.quantity, l.unit_price, o.customer_number, o.ordered_at "
        f"from raw.order_lines l join raw.orders o using (order_id) where l.line_number = {line}",
    )
    assert got[0][:4] == (values[1], float(values[3]), float(values[5]), values[6].removesuffix(".0"))
    local = datetime.fromisoformat(values[4])
    assert got[0][4].astimezone(UTC).replace(tzinfo=None) == local.replace(hour=local.hour - 1)


# -- Maven CRM -----------------------------------------------------------------------------------
def test_maven_crm(imported, warehouse):
    folder = DATASETS / "crm_sales_opportunities_maven"
    _, accounts = read_csv(folder / "accounts.csv")
    _, teams = read_csv(folder / "sales_teams.csv")
    header, deals = read_csv(folder / "sales_pipeline.csv")
    assert (len(accounts), len(deals)) == (85, 8800)
    summary = imported["maven_crm"]
    check_accounting(summary, {"crm_companies": 85, "crm_owners": len(teams), "crm_deals": 8800})
    assert summary.total_rejected == 0
    assert query(warehouse, "select count(*) from raw.crm_deals") == [(8800,)]
    assert query(warehouse, "select count(*) from raw.crm_companies") == [(85,)]

    col = {name: i for i, name in enumerate(header)}
    no_account = sum(1 for _, r in deals if r[col["account"]] == "")
    assert no_account > 0
    assert query(warehouse, "select count(*) from raw.crm_deals where crm_company_id is null") == [
        (no_account,)
    ]
    by_stage = Counter(r[col["deal_stage"]] for _, r in deals)
    assert dict(query(warehouse, "select stage, count(*) from raw.crm_deals group by 1")) == by_stage
    # the dirt is kept as it is
    assert query(warehouse, "select count(*) > 0 from raw.crm_deals where product = 'GTXPro'") == [(True,)]
    assert query(warehouse, "select count(*) > 0 from raw.crm_companies where industry = 'technolgy'") == [
        (True,)
    ]
    # revenue in millions of USD -> USD
    name, *rest = accounts[0][1]
    got = query(
        warehouse, f"select annual_revenue, employees from raw.crm_companies where crm_company_id = '{name}'"
    )
    assert got == [(pytest.approx(float(rest[2]) * 1_000_000), int(rest[3]))]


def test_render_shows_the_accounting(imported):
    text = imported["x_education"].render()
    assert "read" in text and "excluded" in text
    assert "crm_activities" in text and "103" in text
