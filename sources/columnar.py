"""The loader's choice of path for each landing file, and the columnar path for CSV files.

``process_file`` is what the loader (and each validation worker) runs on a file. By
``NURTURE_LOAD_PATH``:

* ``auto`` (the default): JSON lines and Parquet files take the vectorised path of
  ``sources.arrowpath`` (checks on whole Arrow columns), CSV files the row path (``sources.rows``);
* ``columnar``: CSV files too take a fast path, the one in this module (below);
* ``rows``: every file takes the row path.

Whatever the path, the raw tables and the quarantine are the row path's: a fast path only takes a row
when its checks prove the row path would load it unchanged and without a word; every other row goes
with its line number to the row path (``rows.TableProcessor``). Tables with nested child tables
(``orders`` and their ``lines``) always take the row path.

The CSV columnar path: the standard library reads the records (line numbers, quoting and column
counts exactly as the row path), 100,000 at a time, and one DuckDB query checks every field's type,
required fields, allowed values, timestamps and dates and casts them; emails and phones go through
Python once per distinct value of the chunk. Fields with a list of allowed values on a type other than
string, and files or chunks under ``SMALL_CHUNK_ROWS`` records, take the row path. This path once read
JSON lines too (one ``json_keys`` parse, one ``json_transform``, then per-field path extraction and
checks in SQL): at about 44 µs a row of web events in CPU it cost more than the row path (34 µs), the
per-row JSON work and the 23 per-field checks each costing more in DuckDB than in Python, so JSON
lines moved to ``sources.arrowpath``. Memory is bounded: DuckDB runs in memory with a memory limit
(spilling to a temp folder).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sources import settings
from sources.arrowpath import ArrowLoader, process_jsonl, process_parquet
from sources.catalog import FieldSpec, TableSpec
from sources.normalize import InvalidValue, normalize_email, normalize_phone, phone_region
from sources.readers import csv_record, read
from sources.rows import TableProcessor, arrow_schema, process_records

CSV_CHUNK_ROWS = 100_000
# A chunk (a file) of fewer lines goes through the row path: a query costs more than it saves there.
SMALL_CHUNK_ROWS = int(os.environ.get("NURTURE_COLUMNAR_MIN_ROWS", "5000"))
DUCKDB_MEMORY_LIMIT = os.environ.get("NURTURE_LOAD_MEMORY_LIMIT", "2GB")

# Characters ``str.strip()`` removes (Python's whitespace), as an RE2 class: a value that starts or ends
# with one of them takes the row path, which strips it.
PY_SPACE = (
    r"[\t\n\x0b\x0c\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
)
# The same as macros on code points (cheaper than a regular expression on every value).
PY_SPACE_MACROS = """
create macro py_space(c) as (c between 9 and 13) or (c between 28 and 32) or (c between 8192 and 8202)
    or c in (133, 160, 5760, 8232, 8233, 8239, 8287, 12288);
create macro py_edge_ok(s) as not py_space(unicode(s)) and not py_space(unicode(right(s, 1)));
"""
# JSON that DuckDB's parser accepts but orjson (the row path's) may not, or may read differently: control
# characters, trailing commas, NaN/Infinity, numbers with an exponent or 16 digits and more (1e999,
# integers beyond 64 bits), escaped surrogates.
# A line matching it (even inside a string, which only costs speed) takes the row path.
JSON_DOUBT = (
    r"[\x00-\x1f\x7f]|,[ \t\r\n]*[}\]]|(?i:[:,\[][ \t\r\n]*[-+]?(nan|inf))"
    r"|[:,\[][ \t\r\n]*-?[0-9]{16,}|[:,\[][ \t\r\n]*-?[0-9]+(\.[0-9]*)?[eE]|\\u[dD][89abAB]"
)
# ISO 8601 that datetime.fromisoformat and DuckDB read the same way (a date, or a date and time with
# optional seconds, up to 6 fractional digits, and Z or a +hh:mm offset).
ISO_TIMESTAMP = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?)?"
)
INTEGER = r"[+-]?[0-9]+"
DECIMAL = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"
# Epoch milliseconds below 2^32 seconds: float(ms) / 1000 keeps microsecond precision, as in Python.
MAX_EPOCH_MS = 4_294_967_296_000
EPOCH_MS_FROM = 100_000_000_000  # the row path's rule: above 1e11 it cannot be seconds
TRUE_WORDS = ("true", "t", "yes", "y", "1", "on", "oui")
FALSE_WORDS = ("false", "f", "no", "n", "0", "off", "non")
INT_KINDS = "('BIGINT', 'UBIGINT')"


LOAD_PATHS = ("auto", "rows", "columnar")


def load_path() -> str:
    """``NURTURE_LOAD_PATH``: ``auto`` (the default: the vectorised path for Parquet and JSON lines, the
    row path for CSV), ``columnar`` (the fast paths for every format: CSV through DuckDB) or ``rows``
    (the row path only)."""
    value = os.environ.get("NURTURE_LOAD_PATH", "auto").strip().lower() or "auto"
    if value not in LOAD_PATHS:
        raise ValueError(f"NURTURE_LOAD_PATH must be one of {', '.join(LOAD_PATHS)}, got {value!r}")
    return value


def enabled(fmt: str = "jsonl") -> bool:
    """Whether files of this format take a fast path."""
    path = load_path()
    return path == "columnar" or (path == "auto" and fmt in ("parquet", "jsonl"))


def row_path_reason(spec: TableSpec, fmt: str) -> str | None:
    """Why a file of this table and format goes through the row path, or None when the fast path applies."""
    if not enabled(fmt):
        return f"the fast path for {fmt} files is off (NURTURE_LOAD_PATH=columnar turns it on)"
    if spec.children:
        return "a table with nested child tables"
    if fmt == "parquet":
        return None  # typed columns: sources.arrowpath
    for f in spec.fields:
        if f.values is not None and f.type != "string":
            return f"allowed values on a {f.type} field ({f.name})"
    return None


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _in(values) -> str:
    return "(" + ", ".join(_lit(v) for v in sorted(values)) + ")"


@dataclass(frozen=True)
class _Col:
    """Column names of one field in the extracted chunk: its JSON kind, string value and JSON text."""

    kind: str
    text: str
    raw: str


def field_sql(f: FieldSpec, c: _Col, i: int) -> tuple[str, str]:
    """(value expression, ok expression) for one field: ``ok`` is true when the row path would take the
    value as it is, and the value is what it would store. Any doubt is not ok: the row then takes the row
    path."""
    k, s, r = c.kind, c.text, c.raw
    edge_ok = f"py_edge_ok({s})"
    ascii_ok = f"strlen({s}) = length({s})"
    if f.type == "string":
        value = f"lower({s})" if f.lower else s
        ok = f"{k} = 'VARCHAR' and {edge_ok}"
        if f.lower:
            ok += f" and {ascii_ok}"
        if f.values is not None:
            ok += f" and {value} in {_in(f.values)}"
    elif f.type in ("email", "phone"):
        value = f"n{i}"
        ok = f"{k} = 'VARCHAR' and m{i}.norm is not null"
    elif f.type == "timestamp":
        ts = f"try_cast({s} as timestamptz)"
        n = f"try_cast({r} as bigint)"
        value = (
            f"case when {k} = 'VARCHAR' then epoch_us({ts}) "
            f"when {n} < {EPOCH_MS_FROM} then {n} * 1000000 else {n} * 1000 end"
        )
        ok = (
            f"({k} = 'VARCHAR' and regexp_full_match({s}, '{ISO_TIMESTAMP}') "
            f"and not starts_with({s}, '0000') and {ts} is not null) "
            f"or ({k} in {INT_KINDS} and {n} between 0 and {MAX_EPOCH_MS - 1})"
        )
    elif f.type == "date":
        d = f"try_cast(substr({s}, 1, 10) as date)"
        value = d
        ok = (
            f"{k} = 'VARCHAR' and {edge_ok} and regexp_matches({s}, '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') "
            f"and not starts_with({s}, '0000') and {d} is not null"
        )
    elif f.type == "integer":
        value = f"case when {k} = 'VARCHAR' then try_cast({s} as bigint) else try_cast({r} as bigint) end"
        ok = (
            f"({k} in {INT_KINDS} and try_cast({r} as bigint) is not null) or ({k} = 'VARCHAR' "
            f"and regexp_full_match({s}, '{INTEGER}') and try_cast({s} as bigint) is not null)"
        )
    elif f.type == "number":
        value = f"case when {k} = 'VARCHAR' then try_cast({s} as double) else try_cast({r} as double) end"
        ok = (
            f"({k} in ('BIGINT', 'UBIGINT', 'DOUBLE') and isfinite(try_cast({r} as double))) "
            f"or ({k} = 'VARCHAR' and regexp_full_match({s}, '{DECIMAL}') "
            f"and isfinite(try_cast({s} as double)))"
        )
    elif f.type == "boolean":
        value = (
            f"case when {k} = 'BOOLEAN' then {r} = 'true' when {k} = 'VARCHAR' then lower({s}) in "
            f"{_in(TRUE_WORDS)} else {r} = '1' end"
        )
        ok = (
            f"{k} = 'BOOLEAN' or ({k} in {INT_KINDS} and {r} in ('0', '1')) or ({k} = 'VARCHAR' "
            f"and {ascii_ok} and lower({s}) in {_in(TRUE_WORDS + FALSE_WORDS)})"
        )
    elif f.type == "json":
        # A string holding a JSON object or array is kept as written; any other string becomes a JSON
        # string; objects, arrays, integers and booleans are written compactly (as orjson does: the
        # equivalence test checks it). Numbers with an exponent or many digits, escapes and control
        # characters take the row path.
        doubt = r"[0-9][eE]|[0-9]{16,}|[0-9]\.[0-9]{15,}|\\u|[\x00-\x1f\x7f]"
        value = (
            f"case when {k} <> 'VARCHAR' then cast({r} as varchar) when left({s}, 1) in ('{{', '[') then {s} "
            f"else cast(to_json({s}) as varchar) end"
        )
        ok = (
            f"({k} in ('BOOLEAN', 'BIGINT', 'UBIGINT') and not regexp_matches({r}, '{doubt}')) "
            # an object or array: no object inside it, and no key twice (DuckDB would keep both where
            # orjson keeps the last)
            f"or ({k} in ('OBJECT', 'ARRAY') and not regexp_matches({r}, '{doubt}') "
            f"and not contains(substr({r}, 2), '{{') and ({k} = 'ARRAY' "
            f"or len(json_keys({r})) = len(list_distinct(json_keys({r}))))) "
            f"or ({k} = 'VARCHAR' and not regexp_matches({s}, '{doubt}') and ("
            f"(left({s}, 1) in ('{{', '[') and {edge_ok} and json_valid({s}) "
            f"and not regexp_matches({s}, '{JSON_DOUBT}')) "
            f"or (not regexp_matches({s}, '^{PY_SPACE}*[\\[{{]'))))"
        )
    else:  # pragma: no cover - the catalog only knows the types above
        raise ValueError(f"unknown field type {f.type}")
    return value, f"({k} is null or ({ok}))"


def validation_sql(spec: TableSpec, source: str, cols: list[_Col], mapped: list[int]) -> str:
    """One query over an extracted chunk: each field's typed value, and ``_fast`` when the whole row is
    certain to load unchanged through the row path. Each field's check is computed once (a materialised
    step), then its value only where the check holds (a doubtful value could not even be cast)."""
    checks, values = [], []
    fast = ["not x._doubt"]
    for i, (f, c) in enumerate(zip(spec.fields, cols, strict=True)):
        value, ok = field_sql(f, c, i)
        checks.append(f"coalesce({ok}, false) as ok{i}")
        values.append(f"case when ok{i} and {c.kind} is not null then {value} end as {_q(f.name)}")
        fast.append(f"ok{i}")
        if f.required:
            fast.append(f"{c.kind} is not null")
    if spec.require_one_of:
        idx = [spec.field_names.index(n) for n in spec.require_one_of]
        fast.append("(" + " or ".join(f"{cols[j].kind} is not null" for j in idx) + ")")
    joins = "".join(
        f" left join {'emails' if spec.fields[i].type == 'email' else 'phones'} m{i}"
        f" on m{i}.raw = x.{cols[i].text}"
        for i in mapped
    )
    norms = "".join(f", m{i}.norm as n{i}" for i in mapped)
    return (
        f"with x as materialized (select x.*{norms}, {', '.join(checks)} from {source} x{joins}) "
        f"select x._idx, x._line, {' and '.join(fast)} as _fast, {', '.join(values)} from x order by x._idx"
    )


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class ColumnarLoader:
    """Loads the files of one table: one DuckDB connection, reused for each chunk."""

    def __init__(self, spec: TableSpec, *, temp_dir: str | None = None, threads: int | None = None):
        self.spec = spec
        self.schema = arrow_schema(spec)
        self.region = phone_region()
        self._con: duckdb.DuckDBPyConnection | None = None
        self.threads, self.temp_dir = threads, temp_dir
        self.mapped = [i for i, f in enumerate(spec.fields) if f.type in ("email", "phone")]
        self.cols = [_Col(f"k{i}", f"s{i}", f"r{i}") for i in range(len(spec.fields))]
        self.known_keys = sorted(
            {p.split(".")[0] for f in spec.fields for p in f.lookup_paths} | set(spec.children)
        )
        self.stats = {"fast": 0, "row_path": 0}

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB with a memory limit (it spills to ``temp_dir`` beyond), opened on first use."""
        if self._con is None:
            con = duckdb.connect(":memory:")
            con.execute("set TimeZone = 'UTC'")
            con.execute(f"set memory_limit = {_lit(DUCKDB_MEMORY_LIMIT)}")
            con.execute(PY_SPACE_MACROS)
            if self.threads:
                con.execute(f"set threads = {int(self.threads)}")
            if self.temp_dir:
                con.execute(f"set temp_directory = {_lit(self.temp_dir)}")
            self._con = con
        return self._con

    def close(self) -> None:
        if self._con is not None:
            self._con.close()

    # -- CSV ---------------------------------------------------------------------------------------
    def csv_chunk(
        self, header: list[str], rows: list[list[str]], numbers: list[int]
    ) -> tuple[pa.Table, list[int]]:
        """Validate CSV records of the right width (as the row path reads them: '' is no value)."""
        fields = dict.fromkeys(h for h in header if h)  # the row path's dict keeps the last duplicate
        position = {h: j for j, h in enumerate(header) if h}
        known = {p.split(".")[0] for f in self.spec.fields for p in f.lookup_paths} | set(self.spec.children)
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in header]
        data: dict[str, pa.Array] = {
            "_idx": pa.array(np.arange(len(rows), dtype=np.int64)),
            "_line": pa.array(numbers, pa.int64()),
        }
        for j, h in enumerate(fields):
            data[f"c{j}"] = pc.if_else(
                pc.equal(arr := pa.array(columns[position[h]], pa.string()), ""),
                pa.scalar(None, pa.string()),
                arr,
            )
        names = {h: f"c{j}" for j, h in enumerate(fields)}
        unknown = [names[h] for h in fields if h not in known]
        doubt = " or ".join(f"{c} is not null" for c in unknown) or "false"
        parts = []
        for i, f in enumerate(self.spec.fields):
            cands = [names[p] for p in f.lookup_paths if p in names]
            s = (
                f"coalesce({', '.join(cands)})"
                if len(cands) > 1
                else (cands[0] if cands else "null::varchar")
            )
            parts.append(
                f"case when {s} is not null then 'VARCHAR' end as k{i}, {s} as s{i}, null::varchar as r{i}"
            )
        self.con.register("chunk", pa.table(data))
        try:
            self.con.execute(
                f"create or replace temp table x as select _idx, _line, {doubt} as _doubt, "
                f"{', '.join(parts)} from chunk"
            )
        finally:
            self.con.unregister("chunk")
        return self._validate()

    # -- shared ------------------------------------------------------------------------------------
    def _mapping(self, kind: str) -> pa.Table:
        """The distinct emails or phones of the chunk, normalised once each (null when invalid)."""
        cols = [f"s{i}" for i in self.mapped if self.spec.fields[i].type == kind]
        if not cols:
            return pa.table({"raw": pa.array([], pa.string()), "norm": pa.array([], pa.string())})
        union = " union all ".join(f"select {c} as raw from x where {c} is not null" for c in cols)
        raw = self.con.sql(f"select distinct raw from ({union})").to_arrow_table().column("raw").to_pylist()
        lower = any(self.spec.fields[i].lower for i in self.mapped if self.spec.fields[i].type == kind)
        norm = []
        for value in raw:
            try:
                v = normalize_email(value) if kind == "email" else normalize_phone(value, self.region)
                norm.append(v.lower() if lower else v)
            except InvalidValue:
                norm.append(None)
        return pa.table({"raw": pa.array(raw, pa.string()), "norm": pa.array(norm, pa.string())})

    def _validate(self) -> tuple[pa.Table, list[int]]:
        for kind, name in (("email", "emails"), ("phone", "phones")):
            self.con.register(name, self._mapping(kind))
        try:
            result = self.con.sql(validation_sql(self.spec, "x", self.cols, self.mapped)).to_arrow_table()
        finally:
            self.con.unregister("emails")
            self.con.unregister("phones")
            self.con.execute("drop table if exists x")
        fast_mask = pc.fill_null(result.column("_fast"), False)
        slow = pc.filter(result.column("_idx"), pc.invert(fast_mask)).to_pylist()
        fast = result.filter(fast_mask)
        return fast, slow

    def typed(self, fast: pa.Table, file: str, loaded_at: datetime) -> pa.Table:
        """The fast rows in the raw table's Arrow schema (the row path's: fields, _file, _line, ...)."""
        n = fast.num_rows
        arrays = []
        for f, field in zip(self.spec.fields, self.schema, strict=False):
            col = fast.column(f.name)
            if f.type == "timestamp":
                col = pc.cast(pc.cast(col, pa.int64()), field.type)
            arrays.append(pc.cast(col, field.type))
        arrays += [
            pa.array([file] * n, pa.string()) if n else pa.array([], pa.string()),
            pc.cast(fast.column("_line"), pa.int64()),
            pa.array([loaded_at] * n, pa.timestamp("us", tz="UTC")),
            pa.nulls(n, pa.string()),
        ]
        return pa.Table.from_arrays(arrays, schema=self.schema)


def process_csv(
    loader: ColumnarLoader, proc: TableProcessor, stream: IO[bytes], *, chunk_rows: int = CSV_CHUNK_ROWS
) -> Iterator[tuple[str, pa.Table]]:
    """A CSV file through the fast path: the standard library reads the records (line numbers, quoting
    and column counts exactly as the row path), DuckDB checks and types the values."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
    reader = csv.reader(text)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return
    width = len(header)
    trailing_empty = width > 1 and header[-1] == ""
    start = reader.line_num
    rows: list[list[str]] = []
    numbers: list[int] = []
    odd: list[tuple[int, list[str]]] = []  # wrong width, or a value in an unnamed last column

    def flush() -> Iterator[tuple[str, pa.Table]]:
        fast, slow = loader.csv_chunk(header, rows, numbers) if len(rows) >= SMALL_CHUNK_ROWS else (None, [])
        if fast is None:  # small: the row path is quicker than a query
            slow = list(range(len(rows)))
        pending = [(numbers[i], rows[i]) for i in slow] + odd
        for number, row in sorted(pending, key=lambda p: p[0]):
            proc.add(number, csv_record(header, row, trailing_empty))
        yield from _flush(loader, proc, fast)
        rows.clear()
        numbers.clear()
        odd.clear()

    for row in reader:
        number, start = start + 1, reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != width or (trailing_empty and row[-1] != ""):
            odd.append((number, row))
        else:
            rows.append(row)
            numbers.append(number)
        if len(rows) >= chunk_rows:
            yield from flush()
    yield from flush()


def _flush(
    loader: ColumnarLoader, proc: TableProcessor, fast: pa.Table | None
) -> Iterator[tuple[str, pa.Table]]:
    """The fast rows and the row path's rows of one chunk as one batch, and the quarantine. An entity's
    batch is put back in line order (two versions of one entity in a load: the order can decide)."""
    parts = []
    if fast is not None and fast.num_rows:
        loader.stats["fast"] += fast.num_rows
        parts.append(loader.typed(fast, proc.file, proc.loaded_at))
    if proc.pending:
        loader.stats["row_path"] += proc.pending
        parts.append(proc._take())
    if parts:
        batch = pa.concat_tables(parts) if len(parts) > 1 else parts[0]
        if len(parts) > 1 and loader.spec.kind == "entity":
            batch = batch.sort_by("_line")
        yield loader.spec.name, batch
    yield from proc.flush(final=True)


# Rows each path took in this process, for the benchmark and the logs: {"fast": n, "row_path": n}.
PATH_ROWS: dict[str, int] = {"fast": 0, "row_path": 0}


def process_file(
    spec: TableSpec,
    stream: IO[bytes],
    fmt: str,
    *,
    file: str,
    loaded_at: datetime,
    batch_size: int = 50_000,
) -> Iterator[tuple[str, pa.Table]]:
    """One landing file as (table name, Arrow batch) pairs: the fast path where it applies, else the row
    path. Both give the same rows and the same quarantine."""
    reason = row_path_reason(spec, fmt)
    if reason is not None:
        count = 0
        for name, batch in process_records(
            spec, read(stream, fmt), file=file, loaded_at=loaded_at, batch_size=batch_size
        ):
            count += batch.num_rows if name == spec.name else 0
            yield name, batch
        PATH_ROWS["row_path"] += count
        return
    if fmt in ("parquet", "jsonl"):
        arrow = ArrowLoader(spec)
        proc = TableProcessor(spec, file=file, loaded_at=loaded_at, batch_size=batch_size)
        try:
            if fmt == "parquet":
                yield from process_parquet(arrow, proc, stream, small=SMALL_CHUNK_ROWS)
            else:
                yield from process_jsonl(arrow, proc, stream)
        finally:
            PATH_ROWS["fast"] += arrow.stats["fast"]
            PATH_ROWS["row_path"] += arrow.stats["row_path"]
        return
    loader = ColumnarLoader(
        spec,
        temp_dir=str(settings.data_dir() / "tmp" / "columnar"),
        threads=int(os.environ.get("NURTURE_LOAD_THREADS", "0")),
    )
    proc = TableProcessor(spec, file=file, loaded_at=loaded_at, batch_size=batch_size)
    try:
        yield from process_csv(loader, proc, stream)
    finally:
        loader.close()
        PATH_ROWS["fast"] += loader.stats["fast"]
        PATH_ROWS["row_path"] += loader.stats["row_path"]
