"""Bring your own data: load a user's exports through a YAML mapping onto the catalog's raw tables.

A mapping file (format documented in ``sources/mappings/README.md``) names a catalog source and, per
target table, the user's file (CSV, JSON lines or Parquet; a path, glob or fsspec URL), and for each
field of the target either a column of that file or a SQL expression over its columns.

How a file is read:

* a fresh in-memory DuckDB connection per file (never the warehouse: dlt writes it in this process);
* CSV is read with every column as VARCHAR and ``store_rejects``, so a malformed line becomes a
  quarantine row with its line number and DuckDB's error; JSON lines are read one line per row and
  parsed with DuckDB's JSON functions (a line that is not a JSON object is quarantined); Parquet keeps
  its own types;
* every row carries ``_line``, the file's own line number (CSV: header = line 1, so the first data
  row is line 2; JSON lines: the physical line; Parquet: the row number from 1), and ``_file``;
* the mapped expressions are evaluated by DuckDB and streamed as Arrow batches into
  ``rows.process_records``, the same validation and normalisation as the landing loader, so values
  are checked against the catalog and bad rows land in ``raw.quarantine`` with the file and line.

The dlt source is named after the catalog source, so it runs in the same pipeline, state and schema
as the landing loader (``nurture_<source>``). Each mapped table is one resource whose state keeps a
manifest (mapping + table + file -> size, modification time and a digest of the table's mapping),
so importing the same file again loads nothing unless ``force=True`` or the mapping changed.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import logging
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from collections.abc import Mapping as AnyMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dlt
import duckdb
import fsspec
import pyarrow as pa
import yaml
from dlt.extract.source import DltSource

from sources import settings
from sources.catalog import TableSpec, catalog
from sources.landing import empty_batches, mark
from sources.load import LoadSummary, prepare_warehouse, run_source
from sources.readers import file_format
from sources.rows import QUARANTINE_TABLE, BadLine, process_records

log = logging.getLogger(__name__)

MAPPINGS_DIR = Path(__file__).with_name("mappings")
FORMATS = ("csv", "jsonl", "parquet")
LINE_COLUMN = "_line"  # pseudo-columns every mapped expression can use
FILE_COLUMN = "_file"
BATCH_SIZE = 50_000

_TOP_KEYS = {"source", "description", "variables", "tables"}
_TABLE_KEYS = {
    "table",
    "description",
    "file",
    "format",
    "csv",
    "columns",
    "where",
    "attributes",
    "defaults",
    "null_values",
}
_CSV_KEYS = {"delimiter", "header", "quote", "escape", "encoding"}
# DuckDB's CSV reader knows these encodings without an extension; Python's names for the fallback scan.
_ENCODINGS = {
    "utf-8": "utf-8-sig",
    "utf8": "utf-8-sig",
    "utf-16": "utf-16",
    "latin-1": "latin-1",
    "latin1": "latin-1",
    "iso-8859-1": "latin-1",
}
_VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the file, the table entry and the field."""


# -- the mapping as objects ----------------------------------------------------------------------
@dataclass(frozen=True)
class CsvOptions:
    delimiter: str | None = None  # None: detected by DuckDB's sniffer
    header: bool = True
    quote: str | None = None
    escape: str | None = None
    encoding: str = "utf-8"


@dataclass(frozen=True)
class TableMapping:
    """One entry of ``tables``: a user file (or glob) mapped onto one raw table."""

    origin: str  # the mapping file's name, for messages
    index: int
    spec: TableSpec
    file: str  # the pattern as written, variables expanded
    files: tuple[str, ...]  # what it matched: absolute local paths or URLs
    format: str
    csv: CsvOptions
    columns: dict[str, str]  # field -> SQL expression (a user column is quoted as an identifier)
    written: dict[str, str]  # field -> as written in the mapping (for messages)
    where: str | None
    attributes_field: str | None
    attributes_written: dict[str, Any]  # key in the JSON object -> column or expression as written
    attributes: dict[str, str]  # key in the JSON object -> SQL expression
    defaults: dict[str, Any]
    null_values: tuple[str, ...]
    digest: str  # of the entry as written: a changed mapping loads its files again

    @property
    def label(self) -> str:
        return f"{self.origin}: tables[{self.index}] ({self.spec.name})"


@dataclass(frozen=True)
class Mapping:
    path: Path
    name: str
    source: str
    description: str
    variables: dict[str, str]
    tables: tuple[TableMapping, ...]


# -- variables -----------------------------------------------------------------------------------
def expand(text: str, lookup: Callable[[str], str | None], where: str = "") -> str:
    """Replace ``${NAME}`` and ``${NAME:-default}`` (``$$`` is a literal ``$``)."""

    def repl(m: re.Match) -> str:
        if m.group(0) == "$$":
            return "$"
        name, default = m.group(1), m.group(2)
        value = lookup(name)
        if value is None or value == "":
            if default is None:
                raise MappingError(f"{where}: variable ${{{name}}} is not set and has no default")
            return default
        return value

    return _VARIABLE.sub(repl, text)


def _expand_all(value: Any, lookup: Callable[[str], str | None], where: str) -> Any:
    if isinstance(value, str):
        return expand(value, lookup, where)
    if isinstance(value, list):
        return [_expand_all(v, lookup, where) for v in value]
    if isinstance(value, dict):
        return {k: _expand_all(v, lookup, where) for k, v in value.items()}
    return value


def resolve_variables(
    raw: AnyMapping[str, Any], overrides: AnyMapping[str, str], where: str
) -> dict[str, str]:
    """The mapping's variables: an override by name wins, else the value with ``${ENV:-default}`` expanded."""
    out: dict[str, str] = {}
    for name, value in (raw or {}).items():
        if name in overrides:
            out[name] = str(overrides[name])
        elif value is None:
            raise MappingError(f"{where}: variables.{name} has no value")
        else:
            # a variable may use the environment and the variables defined above it
            out[name] = expand(
                str(value),
                lambda n: overrides.get(n, out.get(n, os.environ.get(n))),
                f"{where}: variables.{name}",
            )
    for name, value in overrides.items():
        out.setdefault(name, str(value))
    return out


# -- files ---------------------------------------------------------------------------------------
def _scheme(url: str) -> str | None:
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://", url)
    return m.group(1).lower() if m else None


def _local(url: str) -> str:
    return url[len("file://") :] if url.startswith("file://") else url


def match_files(pattern: str) -> list[str]:
    """Files a path, glob or URL names, sorted; relative local paths resolve against the cwd."""
    scheme = _scheme(pattern)
    if scheme in (None, "file"):
        path = _local(pattern)
        path = str(Path(path).expanduser() if Path(path).expanduser().is_absolute() else Path.cwd() / path)
        fs = fsspec.filesystem("file")
        if any(c in path for c in "*?["):
            return sorted(p for p in fs.glob(path) if fs.isfile(p))
        return [str(Path(path).resolve())] if fs.isfile(path) else []
    fs = fsspec.filesystem(scheme)
    if any(c in pattern for c in "*?["):
        return sorted(fs.unstrip_protocol(p) for p in fs.glob(pattern) if fs.isfile(p))
    return [pattern] if fs.exists(pattern) else []


def _file_label(url: str) -> str:
    """How a file is named in _file and quarantine: a URL, like the landing loader's file_url."""
    return Path(url).as_uri() if _scheme(url) is None else url


def fingerprint(url: str) -> str:
    scheme = _scheme(url)
    if scheme in (None, "file"):
        st = os.stat(_local(url))
        return f"{st.st_size}:{datetime.fromtimestamp(st.st_mtime, UTC).isoformat()}"
    info = fsspec.filesystem(scheme).info(url)
    stamp = next(
        (
            info[k]
            for k in ("mtime", "LastModified", "last_modified", "updated", "created", "ETag", "etag")
            if info.get(k)
        ),
        "",
    )
    stamp = stamp.isoformat() if hasattr(stamp, "isoformat") else str(stamp)
    return f"{info.get('size')}:{stamp}"


def _open_binary(url: str):
    scheme = _scheme(url)
    target = _local(url) if scheme in (None, "file") else url
    return fsspec.open(target, "rb", compression="infer")


def physical_lines(url: str) -> int:
    """Lines in a (possibly compressed) file: newlines, plus one for a last line without one."""
    count, last = 0, b"\n"
    with _open_binary(url) as f:
        while chunk := f.read(1 << 22):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (0 if last == b"\n" else 1)


# -- SQL helpers ---------------------------------------------------------------------------------
def sql_string(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def sql_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _connect(url: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute("set TimeZone = 'UTC'").fetchall()
    con.execute("set enable_progress_bar = false").fetchall()
    scheme = _scheme(url)
    if scheme not in (None, "file"):
        con.register_filesystem(fsspec.filesystem(scheme))
    return con


def _duck_path(url: str) -> str:
    return _local(url) if _scheme(url) in (None, "file") else url


def _csv_call(url: str, opts: CsvOptions) -> str:
    args = [
        sql_string(_duck_path(url)),
        "all_varchar = true",
        "store_rejects = true",
        f"header = {'true' if opts.header else 'false'}",
        f"encoding = {sql_string(opts.encoding)}",
    ]
    if opts.delimiter is not None:
        args.append(f"delim = {sql_string(opts.delimiter)}")
    if opts.quote is not None:
        args.append(f"quote = {sql_string(opts.quote)}")
    if opts.escape is not None:
        args.append(f"escape = {sql_string(opts.escape)}")
    return f"read_csv({', '.join(args)})"


def _jsonl_call(url: str) -> str:
    # One row per physical line: the unit separator never occurs in valid JSON text (control
    # characters must be escaped), quoting is off, so a line is never split or joined.
    return (
        f"read_csv({sql_string(_duck_path(url))}, columns = {{'_json': 'VARCHAR'}}, header = false, "
        "delim = '\x1f', quote = '', escape = '', auto_detect = false, store_rejects = true)"
    )


# -- one user file, opened as the view `src` -----------------------------------------------------
@dataclass
class OpenedFile:
    """A user file in a DuckDB connection: the view ``src`` holds its good rows with _line and _file."""

    con: duckdb.DuckDBPyConnection
    url: str
    rows: int  # good rows in src
    bad: list[tuple[int | None, BadLine]]  # lines the reader could not read
    columns: list[str]


def _null_replace(
    con: duckdb.DuckDBPyConnection, relation: str, null_values: tuple[str, ...], skip: set[str]
) -> tuple[str, list[str]]:
    cols = con.execute(f"describe select * from {relation}").fetchall()
    names = [c[0] for c in cols if c[0] not in skip]
    if not null_values:
        return "", names
    values = ", ".join(sql_string(v) for v in null_values)
    parts = [
        f"case when {sql_ident(n)} in ({values}) then null else {sql_ident(n)} end as {sql_ident(n)}"
        for n, ctype, *_ in cols
        if n not in skip and ctype == "VARCHAR"
    ]
    return (f" replace ({', '.join(parts)})" if parts else ""), names


def _csv_records(url: str, opts: CsvOptions) -> list[tuple[int, bool]]:
    """Each logical CSV record as (physical first line, has values); index + 1 = DuckDB's line number."""
    encoding = _ENCODINGS.get(opts.encoding.lower(), opts.encoding)
    kwargs: dict[str, Any] = {"delimiter": opts.delimiter or ","}
    if opts.quote == "":
        kwargs["quoting"] = csv.QUOTE_NONE
    elif opts.quote:
        kwargs["quotechar"] = opts.quote
    if opts.escape and opts.escape != (opts.quote or '"'):  # a doubled quote is csv's default
        kwargs["escapechar"] = opts.escape
    records: list[tuple[int, bool]] = []
    with _open_binary(url) as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")
        reader = csv.reader(text, **kwargs)
        previous = 0
        try:
            for row in reader:
                records.append((previous + 1, bool(row)))
                previous = reader.line_num
        except csv.Error:
            pass
    return records


def _data_lines(count: int, first: int, rejected: set[int]) -> list[int]:
    """Line numbers of `count` good rows when every record is one line: first, first+1, ... minus rejects."""
    if not rejected:
        return list(range(first, first + count))
    out: list[int] = []
    k = first
    while len(out) < count:
        while k in rejected:
            k += 1
        out.append(k)
        k += 1
    return out


def _exec(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    """Run a statement and fetch its whole result (DuckDB refuses new work while a result is pending)."""
    return con.execute(sql).fetchall()


def _sniffed(con: duckdb.DuckDBPyConnection, url: str, opts: CsvOptions) -> CsvOptions:
    """The CSV dialect DuckDB detected, for the line-number scan when options were left to the sniffer."""
    if opts.delimiter is not None and opts.quote is not None:
        return opts
    try:  # the dialect of the scan itself (recorded when it rejected lines), else the sniffer's
        found = _exec(con, "select delimiter, quote, escape from reject_scans limit 1") or _exec(
            con, f"select Delimiter, Quote, Escape from sniff_csv({sql_string(_duck_path(url))})"
        )
        delim, quote, escape = found[0]
    except (duckdb.Error, IndexError):
        return opts
    return dataclasses.replace(
        opts,
        delimiter=opts.delimiter if opts.delimiter is not None else delim,
        quote=opts.quote if opts.quote is not None else ("" if quote in ("(empty)", "\0") else quote),
        escape=opts.escape
        if opts.escape is not None
        else (None if escape in ("(empty)", "\0", "") else escape),
    )


def _line_numbers(
    con: duckdb.DuckDBPyConnection, tm: TableMapping, url: str, good: int, rejected: set[int], first: int
) -> tuple[list[int], dict[int, int]]:
    """The file line of each good row (in DuckDB's row order) and a map DuckDB line -> file line.

    DuckDB numbers records, counting blank lines but not line breaks inside quoted values. When
    every record is one line (header + rows + rejected lines = lines in the file), that is the file's
    numbering; otherwise a scan with Python's csv module finds the first line of each record.
    """
    lines = _data_lines(good, first, rejected)
    if tm.format != "csv" or (first - 1) + good + len(rejected) == physical_lines(url):
        return lines, {}
    records = _csv_records(url, _sniffed(con, url, tm.csv))
    kept = [
        start
        for k, (start, has_values) in enumerate(records, 1)
        if k >= first and has_values and k not in rejected
    ]
    if len(kept) != good:
        log.warning("%s: could not align CSV records with lines; _line counts records instead", url)
        return lines, {}
    return kept, {k: start for k, (start, _) in enumerate(records, 1)}


def open_file(tm: TableMapping, url: str, *, materialise: bool = True) -> OpenedFile:
    """Open one user file as the view ``src`` (its good rows, with _line and _file).

    ``materialise=False`` only describes a CSV or Parquet file (for validating the mapping).
    """
    con = _connect(url)
    label = sql_string(_file_label(url))
    try:
        if tm.format == "parquet":
            call = f"read_parquet({sql_string(_duck_path(url))}, file_row_number = true)"
            repl, names = _null_replace(con, call, tm.null_values, {"file_row_number"})
            _exec(
                con,
                f"create temp view src as select * exclude (file_row_number){repl}, "
                f"file_row_number + 1 as {LINE_COLUMN}, {label} as {FILE_COLUMN} from {call}",
            )
            rows = _exec(con, "select count(*) from src")[0][0] if materialise else 0
            return OpenedFile(con, url, rows, [], names)

        if tm.format == "csv" and not materialise:
            # the columns only (the sniffer runs once), for binding the mapping's expressions
            _exec(con, f"create temp table _raw as select * from {_csv_call(url, tm.csv)} limit 0")
            repl, names = _null_replace(con, "_raw", tm.null_values, set())
            _exec(
                con,
                f"create temp view src as select *{repl}, 0::bigint as {LINE_COLUMN}, "
                f"{label} as {FILE_COLUMN} from _raw",
            )
            return OpenedFile(con, url, 0, [], names)

        # Materialise the file (insertion order = file order, so rowid is the row's position), then
        # number its rows with the file's line numbers, skipping the lines DuckDB rejected.
        reader = _csv_call(url, tm.csv) if tm.format == "csv" else _jsonl_call(url)
        _exec(con, f"create temp table _raw as select * from {reader}")
        first = 2 if tm.format == "csv" and tm.csv.header else 1
        good = _exec(con, "select count(*) from _raw")[0][0]
        rejects = _exec(
            con,
            "select line, string_agg(distinct error_type || ': ' || error_message, '; '), "
            "any_value(csv_line) from reject_errors group by line order by line",
        )
        rejected = {r[0] for r in rejects if r[0] is not None}
        lines, remap = _line_numbers(con, tm, url, good, rejected, first)
        con.register(
            "_lines",
            pa.table({"_ord": pa.array(range(good), pa.int64()), LINE_COLUMN: pa.array(lines, pa.int64())}),
        )
        numbered = (
            f"(select r.*, l.{LINE_COLUMN} from (select rowid as _ord, * from _raw) r "
            f"join _lines l on r._ord = l._ord)"
        )
        what = "malformed CSV line" if tm.format == "csv" else "unreadable JSON line"
        bad: list[tuple[int | None, BadLine]] = [
            (
                remap.get(line, line) if line is not None else None,
                BadLine(f"{what}: {reason}", (text or "").lstrip("\r\n")),
            )
            for line, reason, text in rejects
        ]

        if tm.format == "csv":
            repl, names = _null_replace(con, "_raw", tm.null_values, set())
            _exec(
                con,
                f"create temp view src as select * exclude (_ord){repl}, {label} as {FILE_COLUMN} "
                f"from {numbered}",
            )
        else:
            _exec(
                con,
                "create temp table _j as select _ord, _line, _json, "
                "case when json_valid(_json) then json_type(_json) = 'OBJECT' else false end as _ok "
                f"from {numbered} where _json is not null and trim(_json) <> ''",
            )
            for line, text, valid in _exec(
                con, "select _line, _json, json_valid(_json) from _j where not _ok"
            ):
                bad.append((line, BadLine("malformed JSON" if not valid else "not a JSON object", text)))
            names = [
                k
                for (k,) in _exec(
                    con,
                    "select k from (select unnest(json_keys(_json)) as k, _ord from _j where _ok) "
                    "group by k order by min(_ord)",
                )
            ]
            nulls = ", ".join(sql_string(v) for v in tm.null_values)
            paths = ", ".join(sql_string('$."' + k.replace('"', '\\"') + '"') for k in names)
            parts = []
            for i, k in enumerate(names, 1):
                value = f"_v[{i}]"
                if nulls:
                    value = f"case when {value} in ({nulls}) then null else {value} end"
                parts.append(f"{value} as {sql_ident(k)}")
            select = ", ".join([*parts, LINE_COLUMN, f"{label} as {FILE_COLUMN}"])
            extract = f"json_extract_string(_json, [{paths}])" if names else "[]::varchar[]"
            _exec(
                con,
                f"create temp view src as select {select} from "
                f"(select {extract} as _v, {LINE_COLUMN} from _j where _ok)",
            )
        bad.sort(key=lambda b: (b[0] is None, b[0] or 0))
        rows = _exec(con, "select count(*) from src")[0][0]
        return OpenedFile(con, url, rows, bad, names)
    except duckdb.Error as exc:
        con.close()
        raise MappingError(f"{tm.label}: cannot read {url} as {tm.format}: {_first_line(exc)}") from None
    except BaseException:
        con.close()
        raise


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


# -- parsing and validating a mapping ------------------------------------------------------------
def find_mapping(path: str | Path) -> Path:
    """A mapping file by path, or by name among the bundled ones (``x_education``)."""
    p = Path(path)
    if p.is_file():
        return p.resolve()
    if p.suffix == "" and len(p.parts) == 1:
        bundled = MAPPINGS_DIR / f"{p.name}.yml"
        if bundled.is_file():
            return bundled
    raise MappingError(
        f"{path}: no such mapping file (bundled ones: {sorted(m.stem for m in MAPPINGS_DIR.glob('*.yml'))})"
    )


def _columns_of(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [c[0] for c in con.execute("describe select * from src").fetchall()]


def _expression(written: Any, columns: list[str], where: str) -> str:
    if isinstance(written, bool) or written is None or isinstance(written, int | float | list | dict):
        raise MappingError(
            f"{where}: {written!r} is not a column name or a SQL expression "
            "(for a constant value use `defaults`, or a quoted SQL string like \"'GBP'\")"
        )
    text = str(written).strip()
    if not text:
        raise MappingError(f"{where}: empty column name or expression")
    if text in columns:
        return sql_ident(text)
    folded = [c for c in columns if c.lower() == text.lower()]
    return sql_ident(folded[0]) if len(folded) == 1 else text  # a column name in another case


def _check_expression(
    con: duckdb.DuckDBPyConnection, sql: str, written: str, where: str, columns: list[str]
) -> None:
    try:
        con.execute(f"describe select {sql} as x from src").fetchall()
    except duckdb.Error as exc:
        hint = ""
        if isinstance(exc, duckdb.BinderException | duckdb.ParserException):
            hint = f" (it is not a column of the file either; its columns: {columns})"
        raise MappingError(
            f"{where}: expression {written!r} does not work on this file: {_first_line(exc)}{hint}"
        ) from None


def _digest(raw: dict) -> str:
    return hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _parse_table(
    index: int, raw: Any, source: str, lookup: Callable[[str], str | None], name: str, check_files: bool
) -> TableMapping:
    here = f"{name}: tables[{index}]"
    if not isinstance(raw, dict):
        raise MappingError(f"{here}: expected a mapping with `table`, `file` and `columns`")
    unknown = set(raw) - _TABLE_KEYS
    if unknown:
        raise MappingError(f"{here}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_TABLE_KEYS)}")
    tname = raw.get("table")
    if not tname:
        raise MappingError(f"{here}: `table` is missing")
    src = catalog()[source]
    spec = next((t for t in src.tables if t.name == tname), None)
    if spec is None:
        other = next((s.name for s in catalog().values() for t in s.tables if t.name == tname), None)
        hint = (
            f"it belongs to source {other!r}, map it in a mapping with `source: {other}`"
            if other
            else f"tables of source {source!r}: {[t.name for t in src.tables]}"
        )
        raise MappingError(f"{here}: no table {tname!r} in source {source!r} ({hint})")
    here = f"{name}: tables[{index}] ({tname})"
    raw = _expand_all(raw, lookup, here)

    pattern = raw.get("file")
    if not pattern or not isinstance(pattern, str):
        raise MappingError(f"{here}: `file` is missing (a path, glob or URL)")
    fmt = raw.get("format") or file_format(pattern)
    if fmt not in FORMATS:
        raise MappingError(
            f"{here}: format {fmt!r} for {pattern!r}: set `format` to one of {list(FORMATS)}"
            if fmt
            else f"{here}: cannot infer the format of {pattern!r}: set `format` to one of {list(FORMATS)}"
        )
    csv_raw = raw.get("csv") or {}
    if not isinstance(csv_raw, dict) or set(csv_raw) - _CSV_KEYS:
        raise MappingError(
            f"{here}: csv: unknown option(s) {sorted(set(csv_raw) - _CSV_KEYS)}; allowed: {sorted(_CSV_KEYS)}"
        )
    if csv_raw and fmt != "csv":
        raise MappingError(f"{here}: `csv` options are for CSV files, this one is {fmt}")
    csv_opts = CsvOptions(
        delimiter=None if csv_raw.get("delimiter") is None else str(csv_raw["delimiter"]),
        header=bool(csv_raw.get("header", True)),
        quote=None if csv_raw.get("quote") is None else str(csv_raw["quote"]),
        escape=None if csv_raw.get("escape") is None else str(csv_raw["escape"]),
        encoding=str(csv_raw.get("encoding", "utf-8")),
    )

    fields = set(spec.field_names)
    columns_raw = raw.get("columns") or {}
    if not isinstance(columns_raw, dict):
        raise MappingError(f"{here}: `columns` must map our field names to columns or expressions")
    defaults = raw.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise MappingError(f"{here}: `defaults` must map field names to constant values")
    for key, what in ((columns_raw, "columns"), (defaults, "defaults")):
        for f in key:
            if f not in fields:
                raise MappingError(
                    f"{here}: {what}: field {f!r} is not a field of {tname}; "
                    f"its fields: {list(spec.field_names)}"
                )
    for f, v in defaults.items():
        if isinstance(v, list | dict) and spec.field(f).type != "json":
            raise MappingError(f"{here}: defaults: field {f!r}: a constant value is expected, got {v!r}")

    attributes_raw = raw.get("attributes")
    attributes_field: str | None = None
    attributes_written: dict[str, Any] = {}
    if attributes_raw:
        if isinstance(attributes_raw, list):
            attributes_raw = {"columns": attributes_raw}
        if not isinstance(attributes_raw, dict) or set(attributes_raw) - {"field", "columns"}:
            raise MappingError(f"{here}: attributes: expected a list of columns, or `field:` and `columns:`")
        json_fields = [f.name for f in spec.fields if f.type == "json"]
        attributes_field = attributes_raw.get("field") or ("attributes" if "attributes" in fields else None)
        if attributes_field is None:
            raise MappingError(
                f"{here}: attributes: {tname} has no `attributes` field (its json fields: {json_fields})"
            )
        if attributes_field not in json_fields:
            raise MappingError(
                f"{here}: attributes: field {attributes_field!r} is not a json field of {tname} "
                f"(json fields: {json_fields})"
            )
        if attributes_field in columns_raw:
            raise MappingError(f"{here}: field {attributes_field!r} is both in `columns` and `attributes`")
        cols = attributes_raw.get("columns") or []
        if isinstance(cols, list):
            attributes_written = {str(c): str(c) for c in cols}
        elif isinstance(cols, dict):
            attributes_written = {str(k): v for k, v in cols.items()}
        else:
            raise MappingError(
                f"{here}: attributes.columns: a list of columns or a map key -> column/expression"
            )

    mapped = set(columns_raw) | set(defaults) | ({attributes_field} if attributes_field else set())
    for f in spec.fields:
        if f.required and f.name not in mapped:
            raise MappingError(
                f"{here}: required field {f.name!r} of {tname} is not mapped "
                "(add it to `columns` or `defaults`)"
            )
    if spec.require_one_of and not set(spec.require_one_of) & mapped:
        raise MappingError(f"{here}: {tname} needs at least one of {list(spec.require_one_of)} mapped")

    null_values = raw.get("null_values") or []
    if isinstance(null_values, str):
        null_values = [null_values]
    where = raw.get("where")
    if where is not None and not isinstance(where, str):
        raise MappingError(f"{here}: `where` must be a SQL condition")

    files = tuple(match_files(pattern))
    if check_files and not files:
        raise MappingError(f"{here}: file {pattern!r} does not exist (relative paths start at {Path.cwd()})")

    tm = TableMapping(
        origin=name,
        index=index,
        spec=spec,
        file=pattern,
        files=files,
        format=fmt,
        csv=csv_opts,
        columns={},
        written={f: v for f, v in columns_raw.items()},
        where=where,
        attributes_field=attributes_field,
        attributes_written=attributes_written,
        attributes={},
        defaults=dict(defaults),
        null_values=tuple(str(v) for v in null_values),
        digest=_digest(raw),
    )
    if not files:
        return tm
    return bind(tm, files[0])


def _resolve(tm: TableMapping, con: duckdb.DuckDBPyConnection) -> tuple[dict[str, str], dict[str, str]]:
    """SQL for each mapped field and attribute on the file opened as ``src``; every expression must bind."""
    columns = _columns_of(con)
    user_columns = [c for c in columns if c not in (LINE_COLUMN, FILE_COLUMN)]
    resolved: dict[str, str] = {}
    for f, written in tm.written.items():
        where = f"{tm.label}: field {f!r}"
        sql = _expression(written, columns, where)
        _check_expression(con, sql, str(written), where, user_columns)
        resolved[f] = sql
    attributes: dict[str, str] = {}
    for key, written in tm.attributes_written.items():
        where = f"{tm.label}: {tm.attributes_field}.{key}"
        sql = _expression(written, columns, where)
        _check_expression(con, sql, str(written), where, user_columns)
        attributes[key] = sql
    if tm.where:
        _check_expression(con, f"coalesce(({tm.where}), false)", tm.where, f"{tm.label}: where", user_columns)
    try:  # all together (an aggregate without GROUP BY binds alone but not beside the others)
        _exec(con, f"describe {mapped_query(tm, resolved, attributes)}")
    except duckdb.Error as exc:
        raise MappingError(
            f"{tm.label}: the mapping's SQL does not work on this file: {_first_line(exc)}"
        ) from None
    return resolved, attributes


def bind(tm: TableMapping, url: str) -> TableMapping:
    """Resolve columns vs expressions against a file's columns and check that every expression binds."""
    opened = open_file(tm, url, materialise=False)
    try:
        resolved, attributes = _resolve(tm, opened.con)
    finally:
        opened.con.close()
    return dataclasses.replace(tm, columns=resolved, attributes=attributes)


def load_mapping(
    path: str | Path, variables: AnyMapping[str, str] | None = None, *, check_files: bool = True
) -> Mapping:
    """Read and validate a mapping file against the catalog and the user's files."""
    mpath = find_mapping(path)
    name = mpath.name
    try:
        doc = yaml.safe_load(mpath.read_text())
    except yaml.YAMLError as exc:
        raise MappingError(f"{name}: not valid YAML: {exc}") from None
    if not isinstance(doc, dict):
        raise MappingError(f"{name}: expected a mapping with `source` and `tables`")
    unknown = set(doc) - _TOP_KEYS
    if unknown:
        raise MappingError(f"{name}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_TOP_KEYS)}")
    source = doc.get("source")
    if source not in catalog():
        raise MappingError(f"{name}: source {source!r} is not in the catalog; known: {sorted(catalog())}")
    overrides = {k: str(v) for k, v in (variables or {}).items()}
    values = resolve_variables(doc.get("variables") or {}, overrides, name)

    def lookup(var: str) -> str | None:
        return values.get(var, os.environ.get(var))

    tables_raw = doc.get("tables")
    if not isinstance(tables_raw, list) or not tables_raw:
        raise MappingError(f"{name}: `tables` must be a non-empty list of table entries")
    tables = tuple(_parse_table(i, t, source, lookup, name, check_files) for i, t in enumerate(tables_raw))
    return Mapping(mpath, mpath.stem, source, str(doc.get("description") or ""), values, tables)


# -- reading a mapped file -----------------------------------------------------------------------
@dataclass
class FileReport:
    """What the import did with one user file for one table entry."""

    mapping: str
    index: int
    table: str
    file: str
    read: int = 0  # data rows in the file (readable or not)
    loaded: int = 0
    rejected: int = 0
    warnings: int = 0
    excluded: int = 0  # by the entry's `where`
    skipped: bool = False  # already imported (same size, modification time and mapping)
    seconds: float = 0.0


def mapped_query(tm: TableMapping, columns: AnyMapping[str, str], attributes: AnyMapping[str, str]) -> str:
    parts = [LINE_COLUMN]
    parts += [f"{sql} as {sql_ident(f)}" for f, sql in columns.items()]
    if tm.attributes_field:
        args = ", ".join(f"{sql_string(k)}, {sql}" for k, sql in attributes.items())
        parts.append(f"json_object({args})::varchar as {sql_ident(tm.attributes_field)}")
    parts.append(f"coalesce(({tm.where}), false) as _keep" if tm.where else "true as _keep")
    return f"select {', '.join(parts)} from src"


def _records(
    reader: pa.RecordBatchReader, tm: TableMapping, report: FileReport
) -> Iterator[tuple[int, dict]]:
    defaults = tm.defaults
    for batch in reader:
        cols = batch.to_pydict()
        lines = cols.pop(LINE_COLUMN)
        keep = cols.pop("_keep")
        items = list(cols.items())
        for i, line in enumerate(lines):
            if not keep[i]:
                report.excluded += 1
                continue
            record = {f: values[i] for f, values in items}
            for f, value in defaults.items():
                if record.get(f) is None:
                    record[f] = value
            yield line, record


def read_mapped(
    tm: TableMapping,
    url: str,
    *,
    loaded_at: datetime,
    report: FileReport | None = None,
    batch_size: int = BATCH_SIZE,
) -> Iterator[tuple[str, pa.Table]]:
    """One user file through its mapping and ``process_records``: (table name, Arrow table) batches."""
    report = report or FileReport("", tm.index, tm.spec.name, url)
    opened = open_file(tm, url)
    try:
        columns, attributes = _resolve(tm, opened.con)
        report.read = opened.rows + len(opened.bad)

        def failed(exc: Exception) -> MappingError:  # e.g. cast() on a value that does not convert
            return MappingError(
                f"{tm.label}: an expression failed on the data of {url}: {_first_line(exc)} "
                "(try_cast() keeps going and lets the catalog reject the row)"
            )

        try:
            reader = opened.con.sql(mapped_query(tm, columns, attributes)).to_arrow_reader(batch_size)
        except duckdb.Error as exc:
            raise failed(exc) from None

        def records() -> Iterator[tuple[int | None, dict | BadLine]]:
            yield from opened.bad
            try:
                yield from _records(reader, tm, report)
            except (duckdb.Error, pa.ArrowException) as exc:
                raise failed(exc) from None

        for name, batch in process_records(
            tm.spec, records(), file=_file_label(url), loaded_at=loaded_at, batch_size=batch_size
        ):
            if name == QUARANTINE_TABLE:
                counts = Counter(batch.column("disposition").to_pylist())
                report.rejected += counts.get("rejected", 0)
                report.warnings += counts.get("warning", 0)
            else:
                report.loaded += batch.num_rows
            yield name, batch
    finally:
        opened.con.close()


# -- the dlt source ------------------------------------------------------------------------------
def _table_items(
    mapping: Mapping, tm: TableMapping, *, force: bool, reports: list[FileReport], batch_size: int
) -> Iterator[Any]:
    """The dlt resource body for one table entry: its new (or changed) files, like ``landing.table_items``."""
    state = dlt.current.resource_state()
    manifest: dict[str, str] = state.setdefault("files", {})
    yield from empty_batches(tm.spec)
    loaded_at = datetime.now(UTC)
    for url in tm.files:
        key = f"{mapping.path}::{tm.spec.name}::{_file_label(url)}"
        stamp = f"{fingerprint(url)}:{tm.digest}"
        report = FileReport(mapping.name, tm.index, tm.spec.name, _file_label(url))
        reports.append(report)
        if not force and manifest.get(key) == stamp:
            report.skipped = True
            log.info("%s: %s already imported, skipped", tm.label, url)
            continue
        started = time.perf_counter()
        for name, batch in read_mapped(tm, url, loaded_at=loaded_at, report=report, batch_size=batch_size):
            yield mark(name, batch)
        manifest[key] = stamp
        report.seconds = time.perf_counter() - started


def resource_names(mapping: Mapping) -> list[str]:
    counts = Counter(tm.spec.name for tm in mapping.tables)
    return [
        f"import_{mapping.name}_{tm.spec.name}" + (f"_{tm.index}" if counts[tm.spec.name] > 1 else "")
        for tm in mapping.tables
    ]


def mapping_source(
    mapping: Mapping,
    *,
    force: bool = False,
    reports: list[FileReport] | None = None,
    batch_size: int = BATCH_SIZE,
) -> DltSource:
    """The dlt source for a mapping: named after its catalog source, one resource per table entry."""
    reports = reports if reports is not None else []

    @dlt.source(name=mapping.source, max_table_nesting=0, root_key=False)
    def _source():
        return [
            dlt.resource(
                _table_items(mapping, tm, force=force, reports=reports, batch_size=batch_size),
                name=name,
                table_name=tm.spec.name,
                write_disposition=tm.spec.write_disposition,
            )
            for name, tm in zip(resource_names(mapping), mapping.tables, strict=True)
        ]

    return _source()


# -- the import ----------------------------------------------------------------------------------
@dataclass
class ImportSummary(LoadSummary):
    """A ``LoadSummary`` plus what an import read: per table, read = loaded + rejected + excluded."""

    mapping: str = ""
    read: dict[str, int] = field(default_factory=dict)
    excluded: dict[str, int] = field(default_factory=dict)
    files: list[FileReport] = field(default_factory=list)
    reasons: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # top rejection reasons

    @property
    def skipped_files(self) -> list[FileReport]:
        return [f for f in self.files if f.skipped]

    def render(self) -> str:
        order = list(dict.fromkeys([f.table for f in self.files] + sorted(self.rows)))
        order = [t for t in order if t != QUARANTINE_TABLE]
        lines = [
            f"import {self.mapping}",
            f"{'table':<22}{'read':>10}{'loaded':>10}{'rejected':>10}{'excluded':>10}{'warnings':>10}",
        ]
        for t in order:
            lines.append(
                f"{t:<22}{self.read.get(t, 0):>10,}{self.rows.get(t, 0):>10,}{self.rejected.get(t, 0):>10,}"
                f"{self.excluded.get(t, 0):>10,}{self.warnings.get(t, 0):>10,}"
            )
        lines.append(
            f"{'total':<22}{sum(self.read.values()):>10,}{self.total_rows:>10,}{self.total_rejected:>10,}"
            f"{sum(self.excluded.values()):>10,}{sum(self.warnings.values()):>10,}   ({self.seconds:.1f} s)"
        )
        for f in self.skipped_files:
            lines.append(
                f"  {f.table}: {f.file} already imported, nothing loaded (use --force to load it again)"
            )
        for t, reasons in self.reasons.items():
            lines.append(f"  rejected in {t} (see raw.quarantine):")
            lines += [f"    {n:>8,}  {reason}" for reason, n in reasons]
        return "\n".join(lines)


def top_reasons(warehouse: Path, load_ids: list[str], limit: int = 5) -> dict[str, list[tuple[str, int]]]:
    """The most frequent rejection reasons per table in these loads (quoted values elided)."""
    if not load_ids:
        return {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            f"""
            select table_name, why, n from (
                select table_name, regexp_replace(reason, '''[^'']*''', '''…''', 'g') as why, count(*) as n
                from {settings.RAW_DATASET}.{QUARANTINE_TABLE}
                where disposition = 'rejected' and _dlt_load_id in ({", ".join("?" for _ in load_ids)})
                group by table_name, why
            )
            qualify row_number() over (partition by table_name order by n desc, why) <= {int(limit)}
            order by table_name, n desc, why
            """,
            load_ids,
        ).fetchall()
    out: dict[str, list[tuple[str, int]]] = {}
    for table_name, why, n in rows:
        out.setdefault(table_name, []).append((why, n))
    return out


def _mapping_error_in(exc: BaseException) -> MappingError | None:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, MappingError):
            return e
        todo += [
            e.__cause__,
            e.__context__,
            *[a for a in getattr(e, "args", ()) if isinstance(a, BaseException)],
        ]
        todo.append(getattr(e, "exception", None))
    return None


def import_mapping(
    path: str | Path,
    *,
    warehouse: Path | None = None,
    force: bool = False,
    variables: dict[str, str] | None = None,
) -> ImportSummary:
    """Load the files a mapping names into the warehouse's raw tables and summarise what happened.

    ``force`` loads files again even when they were already imported (entity tables merge, so it is
    harmless for them; event tables get the rows again and staging keeps one per primary key).
    """
    settings.quiet_telemetry()
    mapping = load_mapping(path, variables)
    wh = prepare_warehouse(warehouse)
    reports: list[FileReport] = []
    started = time.perf_counter()
    try:
        base = run_source(mapping_source(mapping, force=force, reports=reports), wh)
    except Exception as exc:
        found = _mapping_error_in(exc)
        if found is not None:
            raise MappingError(str(found)) from exc
        raise
    summary = ImportSummary(**{f.name: getattr(base, f.name) for f in dataclasses.fields(LoadSummary)})
    summary.mapping = str(mapping.path)
    summary.files = sorted(reports, key=lambda r: r.index)
    for r in reports:
        summary.read[r.table] = summary.read.get(r.table, 0) + r.read
        summary.excluded[r.table] = summary.excluded.get(r.table, 0) + r.excluded
        summary.rows.setdefault(r.table, 0)
    for table_name in summary.read:
        loaded = sum(r.loaded for r in reports if r.table == table_name)
        if summary.rows.get(table_name, 0) != loaded:
            log.warning(
                "%s: %d rows extracted but %d normalised", table_name, loaded, summary.rows.get(table_name, 0)
            )
    summary.reasons = top_reasons(wh, summary.load_ids)
    summary.seconds = time.perf_counter() - started
    return summary
