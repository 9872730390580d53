"""The columnar fast path loads exactly what the row path loads, and quarantines exactly the same rows."""

from __future__ import annotations

import gzip
import io
import json
import sys
from datetime import UTC, datetime

import duckdb
import pyarrow as pa
import pytest

from sources import columnar, parallel
from sources.catalog import FieldSpec, TableSpec
from sources.columnar import PY_SPACE, process_file
from sources.demo import sim
from sources.demo.generator import generate
from sources.demo.writers import MessRates
from sources.load import load
from sources.readers import read
from sources.rows import process_records

LOADED_AT = datetime(2026, 11, 24, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fast_path_for_small_files(monkeypatch):
    """Small files normally take the row path (a query costs more than it saves): not in these tests."""
    monkeypatch.setattr(columnar, "SMALL_CHUNK_ROWS", 0)


# Lines and rows the demo generator does not write: odd but legal values, and JSON two parsers may read
# differently. Each must end the same way on both paths.
ODD_WEB_LINES = [
    b"",
    b"   ",
    b'{"messageId":"x1","type":" Page ","anonymousId":"a1","timestamp":"2026-01-01T10:00:00+02:00"}',
    b'{"messageId":"x2","type":"PAGE","anonymousId":"a1","timestamp":1767261600}',
    b'{"messageId":"x3","type":"page","anonymousId":"a1","timestamp":1767261600123}',
    b'{"messageId":"x4","type":"page","anonymousId":"a1","timestamp":"1767261600"}',
    b'{"messageId":"x5","type":"page","anonymousId":"a1","timestamp":"2026-01-01"}',
    b'{"messageId":"x6","type":"page","anonymousId":"a1","timestamp":"2026-01-01T10:00:00.1234567Z"}',
    b'{"messageId":"x7","type":"page","anonymousId":"a1","timestamp":"2026-02-30T10:00:00Z"}',
    b'{"messageId":"x8","type":"page","anonymousId":"a1","timestamp":"2026-01-01T10:00Z",}',
    b'{"messageId":"x9","type":"page","anonymousId":"a1","timestamp":"2026-01-01T10:00:00Z","x":NaN}',
    b'{"messageId":"x10","type":"page","anonymousId":"a1","timestamp":"2026-01-01T10:00:00Z","x":123456789012345678901234}',
    b'{"messageId":"x11","type":"page","anonymousId":"a1","timestamp":"2026-01-01T10:00:00Z","type":"track"}',
    b'{"messageId":"x12","type":"page","anonymousId":"a1\\u00e9\\ud83d\\ude00","timestamp":"2026-01-01T10:00:00Z"}',
    b'{"messageId":"x13","type":"page","anonymousId":"\\u00a0a1","timestamp":"2026-01-01T10:00:00Z"}',
    b'{"messageId":"x14","type":"page","anonymousId":"a1","timestamp":"2026-01-01T10:00:00Z","receivedAt":null}',
    b'{"messageId":"x15","type":"page","anonymousId":"a1","timestamp":"2026-01-01T10:00:00Z","receivedAt":"x"}',
    b'{"messageId":"x16","type":"page","anonymousId":"a1","timestamp":"2026-01-01T10:00:00Z","receivedAt":"y"}',
    b'{"messageId":"x17","type":"identify","userId":42,"timestamp":"2026-01-01T10:00:00Z",'
    b'"traits":{"email":" A@B.COM","phone":"06 12 34 56 78","n":1.5,"big":1e300,"s":"a\\"b\\\\c\\n"}}',
    b'{"messageId":"x18","type":"identify","userId":"u","timestamp":"2026-01-01T10:00:00Z",'
    b'"traits":{"email":"nope","phone":"12"},"properties":[1,true,null,"\xc3\xa9"]}',
    b'{"messageId":"x19","type":"identify","userId":"u","timestamp":"2026-01-01T10:00:00Z",'
    b'"properties":"{\\"a\\": 1}"}',
    b'{"messageId":"x20","type":"identify","userId":"u","timestamp":"2026-01-01T10:00:00Z","properties":"plain"}',
    b'{"messageId":"x21","type":"page","anonymousId":"a1","timestamp":"2026-01-01T10:00:00Z",'
    b'"context":{"page":{"url":"","title":"  "}},"properties":{"url":"https://b.test/p","title":"T"}}',
    b'{"messageId":"x22","type":"page","anonymousId":"a1","timestamp":"2026-01-01T10:00:00Z","context.page.url":"flat"}',
    b'{"messageId":"x23","type":"page","anonymousId":"a1","timestamp":"2026-01-01T10:00:00Z","context":"str"}',
    b'{"messageId":"x24","type":"page","anonymousId":"a1","timestamp":true}',
    b'{"messageId":"x25","type":"page","anonymousId":"a1","timestamp":"2026-01-01T10:00:00Z"} trailing',
    b'[{"messageId":"x26"}]',
    b"42",
    b'{"messageId":"x27","type":"page","anonymousId":"a1","timestamp":"2026-01-01T10:00:00Z"}\r',
    b'{"messageId":"x28","type":"page","anonymousId":"a1","timestamp":"2026-01-01 10:00:00.5-05:30"}',
    b'{"messageId":"x29","type":"page","anonymousId":"a1","timestamp":"0000-01-01T10:00:00Z"}',
    b'{"messageId":"x30","type":"page","anonymousId":"a1","timestamp":-5}',
    b'{"messageId":"x31","type":"page","anonymousId":"a1","timestamp":1.5e9}',
    b'{"messageId":"x32","type":"page","anonymousId":"a1","timestamp":"2026-01-01T10:00:00Z","traits":{"a":{"a":1,"a":2}}}',
]
ODD_CSV = (
    "id,email,phone,employees,birth_date,do_not_contact,updated_at,unknown_col,\n"
    "k1, A@B.COM ,+44 20 7946 0958,,1990-01-01T00:00,TRUE,2026-01-01T10:00:00Z,,\n"
    "k2,x@y.com,,,1990-02-30,yes,2026-01-01,,\n"
    'k3,"multi\nline@x.com",,,19900101,no,1767261600,,\n'
    "k4,z@y.com,,,1990-01-01,maybe,2026-01-01,,\n"
    "k5,z@y.com,,,1990-01-01,N,2026-01-01,kept,\n"
    "k6,z@y.com,,,1990-01-01,oui,2026-01-01,,surplus\n"
    "k7,z@y.com\n"
    "\n"
    " k8 ,z@y.com,,,1990-01-01 ,Y,2026-01-01,,\n"
    "k9,z@y.com,0033612345678,,, 1 ,2026-01-01,,\n"
)
ODD_COMPANIES = (
    "id,name,employees,annual_revenue,year_established,domain\n"
    "c1,A,12,1e3,1999,EXAMPLE.COM\n"
    "c2,B, 12 ,1_000,+1999,Ex\u00e4mple.com\n"
    "c3,C,1.0,inf,1999,x\n"
    "c4,C,99999999999999999999,1.5,1999,x\n"
    "c5,C,-0,-.5,007,x\n"
    "c6,C,12,12.,19 99,x\n"
    "c7,,1,1,1,x\n"
)


def _frames(warehouse):
    """Every raw table's rows (without load ids and load times), sorted, by table name."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw' "
                "and table_name not like '_dlt%' order by 1"
            ).fetchall()
        ]
        out = {}
        for name in names:
            cols = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns where table_schema = 'raw' "
                    "and table_name = ? order by ordinal_position",
                    [name],
                ).fetchall()
                if c not in ("_dlt_load_id", "_dlt_id", "loaded_at", "quarantined_at")
            ]
            rows = con.execute(f"select {', '.join(cols)} from raw.{name}").fetchall()
            out[name] = (cols, sorted(rows, key=repr))
        return out


@pytest.fixture
def messy_landing(tmp_path, monkeypatch):
    """The demo generator's messy output, ten times as messy as usual, plus odd lines of our own."""
    monkeypatch.setattr(sim, "EVENT_RATES", MessRates(bad=0.03, duplicate=0.02))
    monkeypatch.setattr(sim, "ENTITY_RATES", MessRates(bad=0.03, duplicate=0.02))
    landing = tmp_path / "landing"
    result = generate(landing, tmp_path / "truth", contacts=60, seed=3, rows_per_file=700)
    web = landing / "web_events" / "odd.jsonl.gz"
    web.write_bytes(gzip.compress(b"\n".join(ODD_WEB_LINES) + b"\n"))
    # a file that is not UTF-8 goes through the row path whole: apart, so the odd lines above don't
    (landing / "web_events" / "odd-bytes.jsonl").write_bytes(ODD_WEB_LINES[2] + b"\n\xff\xfe not utf-8\n")
    (landing / "crm_contacts" / "odd.csv").write_text(ODD_CSV)
    (landing / "crm_companies" / "odd.csv").write_text(ODD_COMPANIES)
    return landing, result


@pytest.fixture(autouse=True)
def _columnar_on(monkeypatch):
    """The columnar path is opt-in: these tests are about it."""
    monkeypatch.setenv("NURTURE_LOAD_PATH", "columnar")


def test_both_paths_load_the_same_tables_and_quarantine(messy_landing, tmp_path, monkeypatch):
    landing, generated = messy_landing
    assert sum(generated.bad_lines.values()) >= 100  # every kind of bad row, many times over
    assert sum(generated.rows.values()) >= 2_000

    monkeypatch.setenv("NURTURE_LOAD_PATH", "rows")
    rows_wh = tmp_path / "rows" / "warehouse.duckdb"
    by_rows = load(landing=str(landing), warehouse=rows_wh)

    monkeypatch.setenv("NURTURE_LOAD_PATH", "columnar")
    before = dict(columnar.PATH_ROWS)
    fast_wh = tmp_path / "fast" / "warehouse.duckdb"
    by_fast = load(landing=str(landing), warehouse=fast_wh)
    fast_rows = columnar.PATH_ROWS["fast"] - before["fast"]

    assert by_fast.rows == by_rows.rows
    assert by_fast.rejected == by_rows.rejected and by_fast.warnings == by_rows.warnings
    assert by_rows.total_rejected >= 100 and sum(by_rows.warnings.values()) >= 10

    expected, got = _frames(rows_wh), _frames(fast_wh)
    assert set(got) == set(expected)
    for name in expected:
        assert got[name][0] == expected[name][0], name
        assert got[name][1] == expected[name][1], name
    # most rows went the fast way; the quarantine lists every kind of defect
    row_path_tables = ("campaign_costs", "orders", "order_lines")  # Parquet; nested child tables
    eligible = sum(n for t, n in by_fast.rows.items() if t not in row_path_tables)
    assert fast_rows > 0.8 * eligible, (fast_rows, eligible)
    reasons = [r[5] for r in got["quarantine"][1]]
    for kind in (
        "malformed JSON",
        "required field ",
        "not a timestamp",
        "is not one of",
        "columns, found",
        "needs at least one of",
        "invalid email",
        "invalid phone",
        "unexpected column",
        "not a JSON object",
    ):
        assert any(kind in r for r in reasons), kind


def test_worker_processes_load_what_one_process_loads(messy_landing, data_dir, tmp_path, monkeypatch):
    """Files validated in worker processes (both paths) give the same tables and quarantine as the row
    path in this process; the manifest then says every file is loaded."""
    landing, _ = messy_landing
    monkeypatch.setenv("NURTURE_LOAD_PATH", "rows")
    monkeypatch.setenv("NURTURE_LOAD_WORKERS", "1")
    in_process = tmp_path / "one" / "warehouse.duckdb"
    expected_summary = load(landing=str(landing), warehouse=in_process)
    expected = _frames(in_process)

    monkeypatch.setattr(parallel, "MIN_BYTES", 0)  # every table through the workers, however small
    monkeypatch.setenv("NURTURE_LOAD_WORKERS", "2")
    monkeypatch.setenv("NURTURE_COLUMNAR_MIN_ROWS", "0")  # the workers' columnar path, as in this module
    for path in ("rows", "columnar"):
        monkeypatch.setenv("NURTURE_LOAD_PATH", path)
        before = dict(columnar.PATH_ROWS)
        wh = tmp_path / f"pool-{path}" / "warehouse.duckdb"
        summary = load(landing=str(landing), warehouse=wh)
        assert summary.rows == expected_summary.rows, path
        assert summary.rejected == expected_summary.rejected, path
        assert summary.warnings == expected_summary.warnings, path
        got = _frames(wh)
        assert set(got) == set(expected)
        for name in expected:
            assert got[name] == expected[name], (path, name)
        # the workers' counts of rows per path come back to this process
        taken = {k: columnar.PATH_ROWS[k] - before[k] for k in before}
        assert (taken["fast"] > 0) == (path == "columnar"), taken
        again = load(landing=str(landing), warehouse=wh)
        assert again.total_rows == 0 and again.total_rejected == 0
    assert not any((data_dir / "tmp" / "load").glob("*/*"))  # scratch files are removed


# -- the vectorised validation, field by field --------------------------------------------------------

RAW_VALUES = {
    "string": ["a", " a", "a\u3000", "\u00a0", "é", 1, 1.5, True, {"a": 1}, [1], ""],
    "email": ["a@b.com", " A@B.COM ", "nope", "a@@b.com", 1, "é@b.com"],
    "phone": ["06 12 34 56 78", "+44 20 7946 0958", "0033612345678", "12", 612345678],
    "timestamp": [
        "2026-01-01T10:00:00Z",
        "2026-01-01 10:00:00+05:30",
        "2026-01-01T10:00",
        "2026-01-01",
        "2026-01-01T10:00:00.123456",
        "2026-01-01T10:00:00.1234567",
        "2026-01-01T24:00:00",
        "2024-02-29T00:00:00",
        "2023-02-29T00:00:00",
        " 2026-01-01T10:00:00Z",
        "1767261600",
        1767261600,
        1767261600123,
        4294967295999,
        99999999999,
        1e20,
        9223372036854775807,
        -1,
        1.5,
        True,
        "yesterday",
        "0000-01-01",
        "2026-01-01T10:00:00+2",
    ],
    "date": [
        "2026-01-01",
        "2026-01-01T10:00",
        "2026-01-01garbage",
        "20260101",
        "2026-13-01",
        " 2026-01-01",
        5,
    ],
    "integer": [
        "12",
        "+12",
        "-0",
        "007",
        " 12",
        "1_000",
        "1.0",
        "9223372036854775808",
        12,
        1.0,
        1.5,
        True,
        "x",
    ],
    "number": ["1.5", "1e3", ".5", "5.", "-0", "inf", "nan", "1e999", "1_0", 1, 1.5, 1e300, True, "x"],
    "boolean": ["true", "TRUE", " yes", "Oui", "0", "maybe", True, False, 0, 1, 2, 1.0],
    "json": [
        {"a": 1, "b": [1, 2.5, None]},
        [1, "é"],
        '{"a": 1}',
        " [1] ",
        "plain",
        "{bad",
        1,
        1.5,
        True,
        "a\nb",
    ],
}


def _spec(ftype: str, **kw) -> TableSpec:
    fields = (FieldSpec("id", "string", required=True), FieldSpec("v", ftype, **kw))
    return TableSpec(name="t", source="s", kind="event", primary_key=("id",), fields=fields)


@pytest.mark.parametrize("ftype", sorted(RAW_VALUES))
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_each_value_gives_what_the_row_path_gives(ftype, fmt):
    spec = _spec(ftype)
    values = RAW_VALUES[ftype]
    if fmt == "jsonl":
        data = b"".join(
            json.dumps({"id": f"r{i}", "v": v}, ensure_ascii=False).encode() + b"\n"
            for i, v in enumerate(values)
        )
    else:
        buf = io.StringIO()
        import csv

        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["id", "v"])
        for i, v in enumerate(values):
            w.writerow([f"r{i}", v if isinstance(v, str) else json.dumps(v)])
        data = buf.getvalue().encode()

    def batches(fn):
        tables: dict[str, list] = {}
        for name, batch in fn():
            tables.setdefault(name, []).extend(batch.to_pylist())
        return tables

    expected = batches(
        lambda: process_records(spec, read(io.BytesIO(data), fmt), file="f", loaded_at=LOADED_AT)
    )
    got = batches(lambda: process_file(spec, io.BytesIO(data), fmt, file="f", loaded_at=LOADED_AT))
    # an event batch holds its fast rows first, then the row path's; the rows are the same
    assert sorted(got.get("t", []), key=lambda r: r["_line"]) == expected.get("t", [])
    assert got.get("quarantine") == expected.get("quarantine")


def test_values_the_fast_path_takes_are_typed_and_the_rest_are_sent_back():
    from sources.arrowpath import ArrowLoader
    from sources.arrowpath import process_jsonl as arrow_jsonl
    from sources.rows import TableProcessor

    spec = _spec("timestamp")
    lines = [
        b'{"id":"a","v":"2026-01-01T10:00:00+02:00"}\n',
        b'{"id":"b","v":1767261600}\n',
        b'{"id":"c","v":"yesterday"}\n',
        b"\n",
        b'{"id":"d"\n',
        b'{"id":"e","v":null,"other":1}\n',
    ]
    loader = ArrowLoader(spec)
    proc = TableProcessor(spec, file="f", loaded_at=LOADED_AT)
    out = dict(arrow_jsonl(loader, proc, io.BytesIO(b"".join(lines))))
    typed = out["t"]  # the fast rows, then the row path's
    assert typed.column("id").to_pylist() == ["a", "b", "e"]
    assert typed.column("v").to_pylist() == [
        datetime(2026, 1, 1, 8, tzinfo=UTC),
        datetime(2026, 1, 1, 10, tzinfo=UTC),
        None,
    ]
    assert typed.column("_line").to_pylist() == [1, 2, 6]
    assert typed.column("_extra").to_pylist() == [None, None, '{"other":1}']
    assert loader.stats == {"fast": 2, "row_path": 1}
    # the bad timestamp, the malformed line, the unknown column (a warning); not the blank line
    quarantine = out["quarantine"].to_pylist()
    assert [(q["line"], q["disposition"]) for q in quarantine] == [
        (3, "rejected"),
        (5, "rejected"),
        (6, "warning"),
    ]


def test_distinct_emails_are_normalised_once(monkeypatch):
    from sources import arrowpath

    calls = []
    real = arrowpath.normalize_email

    def counting(value):
        calls.append(value)
        return real(value)

    monkeypatch.setattr(arrowpath, "normalize_email", counting)
    spec = _spec("email")
    data = b"".join(b'{"id":"r%d","v":"%s"}\n' % (i, [b"A@B.COM", b"c@d.com"][i % 2]) for i in range(1000))
    out = [b for name, b in process_file(spec, io.BytesIO(data), "jsonl", file="f", loaded_at=LOADED_AT)]
    assert sorted(calls) == ["A@B.COM", "c@d.com"]
    assert pa.concat_tables(out[:1]).column("v").to_pylist()[:2] == ["a@b.com", "c@d.com"]


def test_python_whitespace_class_is_exactly_what_strip_removes():
    spaces = "".join(chr(c) for c in range(0x3100) if chr(c).isspace())
    with duckdb.connect() as con:
        got = con.execute(
            "select c from range(12544) t(c) where regexp_full_match(chr(cast(c as integer)), ?) order by c",
            [PY_SPACE],
        ).fetchall()
    assert "".join(chr(c) for (c,) in got) == spaces


def test_row_path_reasons(monkeypatch):
    assert columnar.row_path_reason(_spec("string"), "jsonl") is None
    assert columnar.row_path_reason(_spec("string"), "csv") is None
    assert columnar.row_path_reason(_spec("string"), "parquet") is None
    from sources.catalog import table

    assert "child" in columnar.row_path_reason(table("orders"), "jsonl")
    assert "child" in columnar.row_path_reason(table("orders"), "parquet")
    monkeypatch.setenv("NURTURE_LOAD_PATH", "rows")
    assert "parquet" in columnar.row_path_reason(_spec("string"), "parquet")
    monkeypatch.delenv("NURTURE_LOAD_PATH")  # the default: Parquet and JSON lines fast, CSV by rows
    assert columnar.row_path_reason(_spec("string"), "parquet") is None
    assert columnar.row_path_reason(_spec("string"), "jsonl") is None
    assert "csv" in columnar.row_path_reason(_spec("string"), "csv")
    monkeypatch.setenv("NURTURE_LOAD_PATH", "fast")
    with pytest.raises(ValueError, match="NURTURE_LOAD_PATH"):
        columnar.row_path_reason(_spec("string"), "parquet")


# -- Parquet: the vectorised path ----------------------------------------------------------------------

# Odd but legal (or illegal) values in typed and untyped Parquet columns of web events: each row must
# end the same way on both paths.
ODD_WEB_PARQUET = {
    "messageId": ["p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9", " p10", "p11", "p12"],
    "type": [
        "page",
        " page",
        "PAGE",
        "Page\u0130",
        "teleport",
        "track",
        "identify",
        "page",
        "",
        None,
        "page",
        "page",
    ],
    "anonymousId": ["a", "a\u00a0", "\u00e9a", "a\u00e9", "a", None, None, "", "a", "a", "a", "\u3000"],
    "userId": [None, None, None, None, None, "u", "u", None, None, None, "u", None],
    "timestamp": [1767261600, 1767261600123, -5, 4294967296000, 2**40, 1767261600, 1767261600, 0, 1, 2, 3, 4],
    "sentAt": [
        "2026-01-01T10:00:00Z",
        "yesterday",
        None,
        "",
        " 2026-01-01",
        "2026-01-01 10:00:00+02:00",
        "1767261600",
        None,
        None,
        None,
        None,
        None,
    ],
    "email": [None, None, None, None, None, " A@B.COM ", "nope", None, None, None, "x@y.com", None],
    "properties": ['{"a": 1}', " [1] ", "plain", "{bad", None, "", None, None, None, None, None, None],
    "receivedAt": [None, None, None, None, None, None, None, None, "", "x", None, None],
}


def _odd_parquet(path):
    import pyarrow.parquet as pq

    table = pa.table(ODD_WEB_PARQUET)
    pq.write_table(table, path)
    # typed columns for the same fields: timestamps, and numbers where strings are expected
    n = 6
    pq.write_table(
        pa.table(
            {
                "event_id": [f"q{i}" for i in range(n)],
                "event_type": ["page"] * n,
                "anonymous_id": ["a", "b", None, "c", "d", "e"],
                "user_id": pa.array([None, None, 7, None, None, None], pa.int64()),
                "occurred_at": pa.array([0, 1_767_261_600, 2, None, 4, 5], pa.timestamp("s")),
                "sent_at": pa.array([1, 2, 3, 4, 5, 6], pa.timestamp("ms", tz="Europe/Paris")),
                "traits": ['{"email": "a@b.com"}', None, None, None, None, None],
                "page_url": pa.array([None, None, None, None, 1, None], pa.int32()),
            }
        ),
        path.with_name("typed.parquet"),
    )
    # a nested column: the row path reads the whole file
    pq.write_table(
        pa.table(
            {
                "messageId": ["n1"],
                "type": ["page"],
                "anonymousId": ["a"],
                "timestamp": [1767261600],
                "context": [{"page": {"url": "https://x.test/"}}],
            }
        ),
        path.with_name("nested.parquet"),
    )


@pytest.fixture
def parquet_landing(tmp_path, monkeypatch):
    """The demo generator's messy output with its event tables as Parquet, plus odd files of our own."""
    monkeypatch.setattr(sim, "EVENT_RATES", MessRates(bad=0.03, duplicate=0.02))
    monkeypatch.setattr(sim, "ENTITY_RATES", MessRates(bad=0.03, duplicate=0.02))
    landing = tmp_path / "landing"
    result = generate(
        landing, tmp_path / "truth", contacts=60, seed=3, rows_per_file=700, event_format="parquet"
    )
    _odd_parquet(landing / "web_events" / "odd.parquet")
    return landing, result


def test_parquet_files_load_the_same_tables_and_quarantine_on_both_paths(
    parquet_landing, tmp_path, monkeypatch
):
    landing, generated = parquet_landing
    parquet_tables = {p.parent.name for p in generated.files if p.suffix == ".parquet"}
    assert {"web_events", "email_events", "sms_events", "form_submissions"} <= parquet_tables
    assert not any(p.suffix == ".parquet" for p in generated.files if p.parent.name == "orders")

    monkeypatch.setenv("NURTURE_LOAD_PATH", "rows")
    rows_wh = tmp_path / "rows" / "warehouse.duckdb"
    by_rows = load(landing=str(landing), warehouse=rows_wh)

    monkeypatch.delenv("NURTURE_LOAD_PATH")  # the default takes the vectorised path for Parquet
    before = dict(columnar.PATH_ROWS)
    fast_wh = tmp_path / "fast" / "warehouse.duckdb"
    by_fast = load(landing=str(landing), warehouse=fast_wh)
    fast_rows = columnar.PATH_ROWS["fast"] - before["fast"]

    assert by_fast.rows == by_rows.rows
    assert by_fast.rejected == by_rows.rejected and by_fast.warnings == by_rows.warnings
    expected, got = _frames(rows_wh), _frames(fast_wh)
    assert set(got) == set(expected)
    for name in expected:
        assert got[name][0] == expected[name][0], name
        assert got[name][1] == expected[name][1], name
    eligible = sum(by_fast.rows[t] for t in parquet_tables | {"campaign_costs"})
    assert fast_rows > 0.8 * eligible, (fast_rows, eligible)
    # the generator's count of bad rows is what the loader rejects (the odd file aside)
    odd = [r for r in got["quarantine"][1] if "/odd.parquet" in r[2] or "/typed.parquet" in r[2]]
    for table in parquet_tables - {"web_events"}:
        assert by_rows.rejected.get(table, 0) == generated.bad_lines.get(table, 0), table
    web_odd = sum(1 for r in odd if r[6] == "rejected")
    assert by_rows.rejected["web_events"] == generated.bad_lines["web_events"] + web_odd
    reasons = [r[5] for r in got["quarantine"][1]]
    for kind in (
        "required field ",
        "is not one of",
        "needs at least one of",
        "invalid email",
        "unexpected column",
    ):
        assert any(kind in r for r in reasons), kind


TYPED_PARQUET_COLUMNS = [
    pa.array([1, -5, 0, 2**40, None], pa.int64()),
    pa.array([1, 255, None, 7, 0], pa.uint8()),
    pa.array([2**63 + 5, 1, None, 0, 3], pa.uint64()),
    pa.array([1.5, 1e300, float("nan"), -0.0, None], pa.float64()),
    pa.array([True, False, None, True, False], pa.bool_()),
    pa.array([0, 1_767_261_600, None, -86_400, 1], pa.timestamp("s")),
    pa.array([0, 1_767_261_600_123_456, None, 1, 2], pa.timestamp("us", tz="Asia/Kolkata")),
    pa.array([0, 1_767_261_600_123_456_789, None, 1, 2], pa.timestamp("ns")),
    pa.array([0, 20_000, None, -1, 1], pa.date32()),
]


def _parquet_bytes(values: pa.Array) -> bytes:
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    ids = pa.array([f"r{i}" for i in range(len(values))])
    pq.write_table(pa.table({"id": ids, "v": values}), buf)
    return buf.getvalue()


@pytest.mark.parametrize("ftype", sorted(RAW_VALUES))
def test_each_parquet_value_gives_what_the_row_path_gives(ftype):
    """Strings and typed columns of every kind, for every field type: the same rows and quarantine."""
    spec = _spec(ftype)
    strings = pa.array([v for v in RAW_VALUES[ftype] if isinstance(v, str)] + [None], pa.string())
    for values in [strings, *TYPED_PARQUET_COLUMNS]:
        data = _parquet_bytes(values)

        def batches(fn):
            tables: dict[str, list] = {}
            for name, batch in fn():
                tables.setdefault(name, []).extend(batch.to_pylist())
            return tables

        expected = batches(
            lambda d=data: process_records(
                spec, read(io.BytesIO(d), "parquet"), file="f", loaded_at=LOADED_AT
            )
        )
        got = batches(
            lambda d=data: process_file(spec, io.BytesIO(d), "parquet", file="f", loaded_at=LOADED_AT)
        )
        key = lambda r: r["_line"]  # noqa: E731
        # repr: NaN (loaded as it is by both paths) is not equal to itself
        assert repr(sorted(got.get("t", []), key=key)) == repr(sorted(expected.get("t", []), key=key)), (
            values.type
        )
        assert got.get("quarantine") == expected.get("quarantine"), values.type


def test_parquet_batches_send_doubtful_rows_back_by_index():
    from sources.arrowpath import ArrowLoader

    spec = _spec("timestamp")
    batch = pa.record_batch(
        {
            "id": ["a", " b", "c", "d", None, "f"],
            "v": pa.array([1_767_261_600, 1_767_261_600_123, -1, None, 5, 2**45], pa.int64()),
        }
    )
    values, fast = ArrowLoader(spec).batch(batch)
    assert fast.tolist() == [True, False, False, True, False, False]
    assert values[1].to_pylist()[:2] == [
        datetime(2026, 1, 1, 10, tzinfo=UTC),
        datetime(2026, 1, 1, 10, 0, 0, 123000, tzinfo=UTC),
    ]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-x", "-q"]))
