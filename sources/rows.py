"""Validate and normalise records against the catalog, and batch them into Arrow tables.

The loader and the import mappings both feed records through ``process_records``: good rows come
out as Arrow batches of their raw table (and child tables), bad rows as ``quarantine`` rows that keep
the file, line, field, reason and the original record. Nothing is dropped without a trace.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa

from sources.catalog import TableSpec, table
from sources.normalize import (
    InvalidValue,
    normalize_email,
    normalize_phone,
    parse_boolean,
    parse_date,
    parse_integer,
    parse_number,
    parse_string,
    parse_timestamp,
    phone_region,
    to_json_text,
)

QUARANTINE_TABLE = "quarantine"
RECORD_TEXT_LIMIT = 20_000

ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "email": pa.string(),
    "phone": pa.string(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "date": pa.date32(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "json": pa.string(),
}
DLT_TYPES = {
    "string": "text",
    "email": "text",
    "phone": "text",
    "timestamp": "timestamp",
    "date": "date",
    "integer": "bigint",
    "number": "double",
    "boolean": "bool",
    "json": "json",
}

QUARANTINE_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("table_name", pa.string()),
        ("file", pa.string()),
        ("line", pa.int64()),
        ("field", pa.string()),
        ("reason", pa.string()),
        ("disposition", pa.string()),
        ("record", pa.string()),
        ("quarantined_at", pa.timestamp("us", tz="UTC")),
    ]
)


@dataclass(frozen=True)
class BadLine:
    """A line the reader could not turn into a record (malformed JSON, wrong column count...)."""

    reason: str
    text: str


class RowRejected(Exception):
    def __init__(self, field: str | None, reason: str):
        super().__init__(reason)
        self.field = field
        self.reason = reason


def arrow_schema(spec: TableSpec) -> pa.Schema:
    cols = [(f.name, ARROW_TYPES[f.type]) for f in spec.fields]
    cols += [
        ("_file", pa.string()),
        ("_line", pa.int64()),
        ("loaded_at", pa.timestamp("us", tz="UTC")),
        ("_extra", pa.string()),
    ]
    return pa.schema(cols)


def dlt_columns(spec: TableSpec) -> dict[str, dict[str, Any]]:
    cols: dict[str, dict[str, Any]] = {
        f.name: {"data_type": DLT_TYPES[f.type], "nullable": True} for f in spec.fields
    }
    if spec.kind == "entity" and spec.time_field:
        # two versions of one entity in the same load: the newest by its time field wins
        cols[spec.time_field]["dedup_sort"] = "desc"
    cols.update(
        {
            "_file": {"data_type": "text"},
            "_line": {"data_type": "bigint"},
            "loaded_at": {"data_type": "timestamp"},
            "_extra": {"data_type": "json"},
        }
    )
    return cols


def quarantine_columns() -> dict[str, dict[str, Any]]:
    types = {pa.string(): "text", pa.int64(): "bigint"}
    return {f.name: {"data_type": types.get(f.type, "timestamp")} for f in QUARANTINE_SCHEMA}


def compile_extractor(spec: TableSpec) -> Callable[[dict], list]:
    """A function that pulls each field's raw value out of a record, trying the field's paths in order.

    Generated once per table (the way ``dataclasses`` builds its methods) so the hot loop is plain
    dict lookups: a dotted path reaches into nested objects, or names a flat column of that name.
    Blank strings count as missing.
    """
    code = ["def extract(r):", "    get = r.get", "    out = []"]
    for f in spec.fields:
        code.append("    v = None")
        for path in f.lookup_paths:
            keys = path.split(".")
            code.append("    if v is None or v == '':")
            code.append(f"        v = get({path!r})")
            if len(keys) > 1:
                code.append("        if v is None:")
                code.append(f"            v = get({keys[0]!r})")
                for key in keys[1:]:
                    code.append(f"            v = v.get({key!r}) if v.__class__ is dict else None")
        code.append("    out.append(None if v == '' else v)")
    code.append("    return out")
    namespace: dict[str, Any] = {}
    exec("\n".join(code), namespace)  # noqa: S102 - the code is built from the catalog, not from data
    return namespace["extract"]


class TableProcessor:
    """Validates, normalises and batches the records of one table from one file."""

    def __init__(self, spec: TableSpec, *, file: str, loaded_at: datetime, batch_size: int = 50_000):
        self.spec = spec
        self.file = file
        self.loaded_at = loaded_at
        self.batch_size = batch_size
        self.region = phone_region()
        self._extract = compile_extractor(spec)
        self._plan = [(f.name, f.type, _PARSERS[f.type], f.required, f.lower, f.values) for f in spec.fields]
        self._one_of = [spec.field_names.index(k) for k in spec.require_one_of]
        self._pk = [spec.field_names.index(k) for k in spec.primary_key]
        self.known_keys = frozenset(p.split(".")[0] for f in spec.fields for p in f.lookup_paths) | set(
            spec.children
        )
        self.children = {key: TableProcessor.child(table(name), self) for key, name in spec.children.items()}
        self.schema = arrow_schema(spec)
        self._columns: list[list] = [[] for _ in self.schema.names]
        self._warned_keys: set[str] = set()
        self.quarantine: list[dict] = []

    @classmethod
    def child(cls, spec: TableSpec, parent: TableProcessor) -> TableProcessor:
        return cls(spec, file=parent.file, loaded_at=parent.loaded_at, batch_size=parent.batch_size)

    # -- one record ------------------------------------------------------------------------------
    def parse(self, record: dict) -> tuple[list, list, list[tuple[str, str]]]:
        """Return (field values, child rows, warnings as (field, reason)) or raise RowRejected."""
        values = self._extract(record)
        warnings: list[tuple[str, str]] = []
        for i, (name, ftype, parser, required, lower, allowed) in enumerate(self._plan):
            raw = values[i]
            if raw is not None:
                try:
                    if ftype == "string":
                        value = raw.strip() if raw.__class__ is str else parser(raw)
                    elif ftype == "phone":
                        value = parser(raw, self.region)
                    else:
                        value = parser(raw)
                    if lower and value.__class__ is str:
                        value = value.lower()
                    if allowed is not None and value not in allowed:
                        raise InvalidValue(f"{value!r} is not one of {sorted(allowed)}")
                except InvalidValue as exc:
                    if required or ftype not in ("email", "phone"):
                        raise RowRejected(name, f"{name}: {exc}") from None
                    warnings.append((name, f"{name}: {exc}; value dropped, row kept"))
                    value = None
                values[i] = raw = None if value == "" else value
            if raw is None and required:
                raise RowRejected(name, f"required field {name!r} is missing")
        if self._one_of and all(values[i] is None for i in self._one_of):
            raise RowRejected(None, f"needs at least one of {list(self.spec.require_one_of)}")
        extra = None
        if not self.known_keys.issuperset(record):
            extra = {k: v for k, v in record.items() if k not in self.known_keys and v not in (None, "")}
            for key in extra:
                if key not in self._warned_keys:
                    self._warned_keys.add(key)
                    reason = f"unexpected column {key!r}: kept in _extra, not loaded as a field"
                    warnings.append((key, reason))
        values.append(to_json_text(extra) if extra else None)  # _extra
        children: list[tuple[TableProcessor, list]] = []
        for key, proc in self.children.items():
            items = record.get(key) or []
            if not isinstance(items, list):
                raise RowRejected(key, f"{key}: expected a list, got {type(items).__name__}")
            for n, item in enumerate(items, 1):
                if not isinstance(item, dict):
                    raise RowRejected(f"{key}[{n}]", f"{key}[{n}]: expected an object")
                item = {**item}
                for i in self._pk:
                    item.setdefault(self.spec.fields[i].name, values[i])
                item.setdefault("line_number", n)
                try:
                    child_values, _, child_warnings = proc.parse(item)
                except RowRejected as exc:
                    raise RowRejected(f"{key}[{n}].{exc.field}", f"{key}[{n}]: {exc.reason}") from None
                warnings += [(f"{key}[{n}].{f}", r) for f, r in child_warnings]
                children.append((proc, child_values))
        return values, children, warnings

    def add(self, line: int, record: dict | BadLine) -> None:
        if isinstance(record, BadLine):
            self._quarantine(line, None, record.reason, "rejected", record.text)
            return
        if not isinstance(record, dict):
            self._quarantine(line, None, "not a JSON object", "rejected", to_json_text(record))
            return
        try:
            values, children, warnings = self.parse(record)
        except RowRejected as exc:
            self._quarantine(line, exc.field, exc.reason, "rejected", to_json_text(record))
            return
        for field, reason in warnings:
            self._quarantine(line, field, reason, "warning", to_json_text(record))
        self._append(values, line)
        for proc, child_values in children:
            proc._append(child_values, line)

    def _append(self, values: list, line: int) -> None:
        """``values``: the fields in catalog order, then _extra; the columns are fields, _file, _line,
        loaded_at, _extra."""
        extra = values.pop()
        values += (self.file, line, self.loaded_at, extra)
        for column, value in zip(self._columns, values, strict=True):
            column.append(value)

    def _quarantine(self, line: int | None, field: str | None, reason: str, disposition: str, text: str):
        self.quarantine.append(
            {
                "source": self.spec.source,
                "table_name": self.spec.name,
                "file": self.file,
                "line": line,
                "field": field,
                "reason": reason,
                "disposition": disposition,
                "record": text[:RECORD_TEXT_LIMIT],
                "quarantined_at": self.loaded_at,
            }
        )

    # -- batches ---------------------------------------------------------------------------------
    @property
    def pending(self) -> int:
        return len(self._columns[0])

    def flush(self, final: bool = False) -> Iterator[tuple[str, pa.Table]]:
        """Yield (table name, Arrow table) for what has accumulated; children and quarantine too."""
        if self.pending >= self.batch_size or (final and self.pending):
            yield self.spec.name, self._take()
        for proc in self.children.values():
            if proc.pending >= self.batch_size or (final and proc.pending):
                yield proc.spec.name, proc._take()
        if self.quarantine and (final or len(self.quarantine) >= self.batch_size):
            yield QUARANTINE_TABLE, pa.Table.from_pylist(self.quarantine, schema=QUARANTINE_SCHEMA)
            self.quarantine = []

    def _take(self) -> pa.Table:
        try:
            arrays = [pa.array(col, type=f.type) for col, f in zip(self._columns, self.schema, strict=True)]
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:  # pragma: no cover - guard
            raise RuntimeError(f"{self.file}: could not build a batch of {self.spec.name}: {exc}") from exc
        self._columns = [[] for _ in self.schema.names]
        return pa.Table.from_arrays(arrays, schema=self.schema)


def _phone(value: object, region: str) -> str:
    return normalize_phone(str(value), region)


def _email(value: object) -> str:
    return normalize_email(str(value))


def _integer(value: object) -> int:
    number = parse_integer(value)
    if not -(2**63) <= number < 2**63:  # the raw column is a 64-bit integer
        raise InvalidValue(f"integer out of range: {value!r}")
    return number


_PARSERS = {
    "string": parse_string,
    "email": _email,
    "phone": _phone,
    "timestamp": parse_timestamp,
    "date": parse_date,
    "integer": _integer,
    "number": parse_number,
    "boolean": parse_boolean,
    "json": to_json_text,
}


def process_records(
    spec: TableSpec,
    records: Iterable[tuple[int, dict | BadLine]],
    *,
    file: str,
    loaded_at: datetime,
    batch_size: int = 50_000,
) -> Iterator[tuple[str, pa.Table]]:
    """Turn (line, record) pairs of one file into Arrow batches for the table, its children and quarantine."""
    proc = TableProcessor(spec, file=file, loaded_at=loaded_at, batch_size=batch_size)
    for line, record in records:
        proc.add(line, record)
        if proc.pending >= batch_size:
            yield from proc.flush()
    yield from proc.flush(final=True)


def empty_table(spec: TableSpec) -> pa.Table:
    return arrow_schema(spec).empty_table()


def empty_quarantine() -> pa.Table:
    return QUARANTINE_SCHEMA.empty_table()
