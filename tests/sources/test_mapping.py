"""Import mappings: validation errors, variables, line numbers, quarantine and load-once (small files)."""

from __future__ import annotations

import json
import textwrap
from datetime import UTC, datetime

import duckdb
import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from sources.mapping import MappingError, import_mapping, load_mapping, read_mapped

CONTACTS_CSV = (
    "id,name,email,score\n"  # 1
    "c1,Ann,ANN@Example.com,5\n"  # 2
    'c2,"Bob\n'  # 3  a value over two lines
    'Smith",bob@example.com,7\n'  # 4
    "\n"  # 5  blank
    "c3,Cid,not-an-email,x\n"  # 6  invalid optional email: dropped with a warning
    "c4,Dee\n"  # 7  too few columns
    "c5,Eve,eve@example.com,9,extra\n"  # 8  too many columns
    ",Nobody,no@example.com,1\n"  # 9  required id missing
    'c6,"Fay ""F""",fay@example.com,1\n'  # 10
)


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def mapping(tmp_path, body, name="m.yml"):
    return write(tmp_path / name, body)


def query(data_dir, sql):
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def rows_of(tm, url=None):
    """Run one entry's file through read_mapped: {table: [rows]}."""
    out: dict[str, list[dict]] = {}
    for name, batch in read_mapped(tm, url or tm.files[0], loaded_at=datetime.now(UTC)):
        out.setdefault(name, []).extend(batch.to_pylist())
    return out


CONTACTS_MAPPING = """\
    source: crm
    tables:
      - table: crm_contacts
        file: {file}
        columns:
          crm_contact_id: id
          first_name: name
          email: email
          lifecycle_stage: "'score ' || score"
"""


# -- validation ----------------------------------------------------------------------------------
@pytest.fixture
def contacts(tmp_path):
    return write(tmp_path / "in" / "contacts.csv", CONTACTS_CSV)


OK_COLUMNS = {"crm_contact_id": "id"}


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"table": "crm_contactz"}, "tables[0]: no table 'crm_contactz' in source 'crm'"),
        ({"table": "orders"}, "it belongs to source 'orders'"),
        (
            {"columns": {**OK_COLUMNS, "shoe_size": "score"}},
            "tables[0] (crm_contacts): columns: field 'shoe_size' is not a field of crm_contacts",
        ),
        (
            {"columns": {"first_name": "name"}},
            "tables[0] (crm_contacts): required field 'crm_contact_id' of crm_contacts is not mapped",
        ),
        (
            {"columns": {**OK_COLUMNS, "city": "upper(town)"}},
            "tables[0] (crm_contacts): field 'city': expression 'upper(town)' does not work on this file",
        ),
        (
            {"columns": {"crm_contact_id": "Contact Id"}},
            "field 'crm_contact_id': expression 'Contact Id' does not work on this file",
        ),
        (
            {"columns": {**OK_COLUMNS, "country": 42}},
            "field 'country': 42 is not a column name or a SQL expression",
        ),
        (
            {"where": "nonsense = 1"},
            "tables[0] (crm_contacts): where: expression 'nonsense = 1' does not work on this file",
        ),
        ({"colums": {"city": "name"}}, "tables[0]: unknown key(s) ['colums']"),
        (
            {"attributes": ["score"]},
            "attributes: crm_contacts has no `attributes` field (its json fields: [])",
        ),
        ({"defaults": {"colour": "red"}}, "defaults: field 'colour' is not a field of crm_contacts"),
        ({"format": "xlsx"}, "format 'xlsx'"),
    ],
)
def test_invalid_mappings_name_the_file_the_entry_and_the_field(tmp_path, contacts, entry, expected):
    doc = {
        "source": "crm",
        "tables": [{"table": "crm_contacts", "file": str(contacts), "columns": OK_COLUMNS, **entry}],
    }
    path = mapping(tmp_path, yaml.safe_dump(doc))
    with pytest.raises(MappingError) as err:
        load_mapping(path)
    assert str(err.value).startswith("m.yml: "), err.value
    assert expected in str(err.value), err.value


def test_expression_error_lists_the_columns(tmp_path, contacts):
    path = mapping(
        tmp_path, CONTACTS_MAPPING.format(file=contacts).replace("first_name: name", "first_name: nom")
    )
    with pytest.raises(
        MappingError, match=r"field 'first_name'.*'nom'.*columns: \['id', 'name', 'email', 'score'\]"
    ):
        load_mapping(path)


def test_missing_file_and_unknown_source(tmp_path):
    path = mapping(tmp_path, CONTACTS_MAPPING.format(file="in/nowhere.csv"))
    with pytest.raises(
        MappingError, match=r"tables\[0\] \(crm_contacts\): file 'in/nowhere.csv' does not exist"
    ):
        load_mapping(path)
    path = mapping(tmp_path, "source: erp\ntables: []\n")
    with pytest.raises(MappingError, match="source 'erp' is not in the catalog"):
        load_mapping(path)


def test_an_aggregate_that_needs_group_by_is_caught_when_checking(tmp_path, contacts):
    path = mapping(tmp_path, CONTACTS_MAPPING.format(file=contacts).replace("name\n", "max(name)\n", 1))
    with pytest.raises(MappingError, match="the mapping's SQL does not work"):
        load_mapping(path)


# -- variables -----------------------------------------------------------------------------------
def test_variables_expand_from_env_defaults_and_overrides(tmp_path, contacts, monkeypatch):
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "contacts.csv").write_text("id\nz1\n")
    body = """\
        source: crm
        variables:
          base: ${TEST_NURTURE_BASE:-in}
          file: ${base}/contacts.csv
        tables:
          - table: crm_contacts
            file: ${file}
            columns:
              crm_contact_id: id
              lifecycle_stage: "'$$' || id"
    """
    path = mapping(tmp_path, body)
    monkeypatch.chdir(tmp_path)  # relative paths start at the current directory
    monkeypatch.delenv("TEST_NURTURE_BASE", raising=False)
    m = load_mapping(path)
    assert m.variables == {"base": "in", "file": "in/contacts.csv"}
    assert m.tables[0].files == (str(contacts.resolve()),)
    assert m.tables[0].columns["lifecycle_stage"] == "'$' || id"

    monkeypatch.setenv("TEST_NURTURE_BASE", str(tmp_path / "other"))
    assert load_mapping(path).tables[0].files == (str(tmp_path / "other" / "contacts.csv"),)
    m = load_mapping(path, variables={"base": "in"})  # an explicit value wins over the environment
    assert m.tables[0].files == (str(contacts.resolve()),)

    path.write_text(path.read_text().replace("${base}/contacts.csv", "${nope}/contacts.csv"))
    with pytest.raises(MappingError, match=r"variables.file: variable \$\{nope\} is not set"):
        load_mapping(path)


# -- reading: line numbers, quarantine -----------------------------------------------------------
def test_malformed_csv_lines_are_quarantined_with_their_line_numbers(tmp_path, contacts):
    tm = load_mapping(mapping(tmp_path, CONTACTS_MAPPING.format(file=contacts))).tables[0]
    out = rows_of(tm)
    good = [(r["crm_contact_id"], r["_line"], r["first_name"], r["email"]) for r in out["crm_contacts"]]
    assert good == [
        ("c1", 2, "Ann", "ann@example.com"),
        ("c2", 3, "Bob\nSmith", "bob@example.com"),
        ("c3", 6, "Cid", None),
        ("c6", 10, 'Fay "F"', "fay@example.com"),
    ]
    q = {(r["line"], r["disposition"]): r for r in out["quarantine"]}
    assert sorted(q) == [(6, "warning"), (7, "rejected"), (8, "rejected"), (9, "rejected")]
    assert q[7, "rejected"]["reason"].startswith("malformed CSV line: MISSING COLUMNS")
    assert q[7, "rejected"]["record"] == "c4,Dee"
    assert "TOO MANY COLUMNS" in q[8, "rejected"]["reason"]
    assert q[9, "rejected"]["field"] == "crm_contact_id"
    assert json.loads(q[9, "rejected"]["record"])["first_name"] == "Nobody"
    assert {r["file"] for r in out["quarantine"]} == {contacts.resolve().as_uri()}
    assert {r["table_name"] for r in out["quarantine"]} == {"crm_contacts"}


def test_simple_csv_lines_and_rejects_without_the_slow_path(tmp_path):
    f = write(tmp_path / "c.csv", "id;city\nx1;Paris\nx2;Lyon;extra\nx3;Nice\n")
    path = mapping(
        tmp_path,
        f"""\
        source: crm
        tables:
          - table: crm_contacts
            file: {f}
            csv: {{delimiter: ';'}}
            columns: {{crm_contact_id: id, city: city}}
    """,
    )
    out = rows_of(load_mapping(path).tables[0])
    assert [(r["crm_contact_id"], r["_line"], r["city"]) for r in out["crm_contacts"]] == [
        ("x1", 2, "Paris"),
        ("x3", 4, "Nice"),
    ]
    assert [r["line"] for r in out["quarantine"]] == [3]


def test_jsonl_and_parquet_line_numbers(tmp_path):
    write(
        tmp_path / "owners.jsonl",
        '{"id": "o1", "who": "Ann", "team": {"name": "North"}}\n'
        "\n"
        '{"id": "o2", "who": \n'
        "[1, 2]\n"
        '{"id": "o3", "who": "N/A"}\n'
        '{"id": "o4", "who": "Dee", "team": {"name": "South"}}\n',
    )
    pq.write_table(
        pa.table(
            {
                "oid": ["p1", "p2", "p3"],
                "at": ["2026-01-01T10:00:00+01:00", None, "2026-01-02"],
                "st": ["paid", "paid", "teleported"],
            }
        ),
        tmp_path / "orders.parquet",
    )
    owners = mapping(
        tmp_path,
        f"""\
        source: crm
        tables:
          - table: crm_owners
            file: {tmp_path}/owners.jsonl
            null_values: [N/A]
            columns:
              owner_id: id
              name: who
              team: json_extract_string(team, '$.name')
    """,
        "owners.yml",
    )
    out = rows_of(load_mapping(owners).tables[0])
    assert [(r["owner_id"], r["_line"], r["team"]) for r in out["crm_owners"]] == [
        ("o1", 1, "North"),
        ("o4", 6, "South"),
    ]
    q = sorted((r["line"], r["reason"]) for r in out["quarantine"])
    assert q == [(3, "malformed JSON"), (4, "not a JSON object"), (5, "required field 'name' is missing")]

    orders = mapping(
        tmp_path,
        f"""\
        source: orders
        tables:
          - table: orders
            file: {tmp_path}/orders.parquet
            columns: {{order_id: oid, ordered_at: at, status: st}}
    """,
        "orders.yml",
    )
    out = rows_of(load_mapping(orders).tables[0])
    assert [(r["order_id"], r["_line"], r["ordered_at"].isoformat()) for r in out["orders"]] == [
        ("p1", 1, "2026-01-01T09:00:00+00:00")
    ]
    assert sorted((r["line"], r["field"]) for r in out["quarantine"]) == [(2, "ordered_at"), (3, "status")]


def test_fsspec_urls_are_read(tmp_path):
    fs = fsspec.filesystem("memory")
    fs.pipe("memory://nurture-test/exports/deals-1.csv", b"deal,stage\nd1,won\nd2,\n")
    fs.pipe("memory://nurture-test/exports/deals-2.csv", b"deal,stage\nd3,lost\n")
    path = mapping(
        tmp_path,
        """\
        source: crm
        tables:
          - table: crm_deals
            file: memory://nurture-test/exports/deals-*.csv
            columns: {deal_id: deal, stage: stage}
    """,
    )
    tm = load_mapping(path).tables[0]
    assert tm.files == (
        "memory:///nurture-test/exports/deals-1.csv",
        "memory:///nurture-test/exports/deals-2.csv",
    )
    first = rows_of(tm, tm.files[0])
    assert [r["deal_id"] for r in first["crm_deals"]] == ["d1"]
    assert first["quarantine"][0]["line"] == 3 and first["quarantine"][0]["file"] == tm.files[0]
    assert [r["deal_id"] for r in rows_of(tm, tm.files[1])["crm_deals"]] == ["d3"]


# -- importing -----------------------------------------------------------------------------------
def test_import_counts_add_up_and_a_second_import_loads_nothing(tmp_path, data_dir, contacts):
    leads = write(
        tmp_path / "in" / "leads.csv",
        "Id,Origin,Converted,Visits,Profile\n"
        "L1,API,1,3,Select\n"
        "L2,Form,0,x,Student\n"
        "L3,Select,maybe,1,Student\n"
        "L4,Test,0,1,Student\n",
    )
    leads_entry = f"""\
      - table: crm_leads
        file: {leads}
        null_values: [Select]
        where: "Origin is distinct from 'Test'"   # `<>` would exclude L3 too: its Origin is null
        columns:
          lead_id: Id
          lead_origin: Origin
          converted: Converted
        attributes:
          field: attributes
          columns:
            visits: try_cast(Visits as integer)
            profile: Profile
        defaults:
          lead_source: import
    """
    path = mapping(tmp_path, CONTACTS_MAPPING.format(file=contacts) + leads_entry)

    summary = import_mapping(path)
    assert summary.read == {"crm_contacts": 7, "crm_leads": 4}
    assert summary.rows == {"crm_contacts": 4, "crm_leads": 2}
    assert summary.rejected == {"crm_contacts": 3, "crm_leads": 1}
    assert summary.excluded == {"crm_contacts": 0, "crm_leads": 1}
    assert summary.warnings == {"crm_contacts": 1}
    for t, read in summary.read.items():
        assert read == summary.rows[t] + summary.rejected[t] + summary.excluded[t]
    text = summary.render()
    assert "excluded" in text and "malformed CSV line" in text and "converted: not a boolean" in text

    leads_rows = query(
        data_dir,
        "select lead_id, lead_origin, converted, lead_source, attributes from raw.crm_leads order by 1",
    )
    assert [r[:4] for r in leads_rows] == [("L1", "API", True, "import"), ("L2", "Form", False, "import")]
    assert json.loads(leads_rows[0][4]) == {"visits": 3, "profile": None}
    assert json.loads(leads_rows[1][4]) == {"visits": None, "profile": "Student"}

    again = import_mapping(path)
    assert again.total_rows == 0 and again.total_rejected == 0
    assert len(again.skipped_files) == 2 and "already imported" in again.render()
    assert query(data_dir, "select count(*) from raw.crm_contacts") == [(4,)]
    assert query(data_dir, "select count(*) from raw.quarantine") == [(5,)]

    forced = import_mapping(path, force=True)
    assert forced.rows == {"crm_contacts": 4, "crm_leads": 2}
    assert query(data_dir, "select count(*) from raw.crm_contacts") == [(4,)]  # merged on the key

    with leads.open("a") as f:  # a changed file is imported again
        f.write("L5,API,1,2,Student\n")
    changed = import_mapping(path)
    assert changed.rows == {"crm_leads": 3} or changed.rows.get("crm_leads") == 3
    assert [f.table for f in changed.skipped_files] == ["crm_contacts"]
    assert query(data_dir, "select count(*) from raw.crm_leads") == [(3,)]


def test_an_expression_failing_on_the_data_stops_the_import_with_a_clear_error(tmp_path, data_dir, contacts):
    path = mapping(
        tmp_path,
        CONTACTS_MAPPING.format(file=contacts).replace(
            "'score ' || score", "cast(score as integer)::varchar"
        ),
    )
    with pytest.raises(MappingError, match=r"tables\[0\] \(crm_contacts\): an expression failed on the data"):
        import_mapping(path)
