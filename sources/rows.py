"""Validate and normalise records against the catalog, and batch them into Arrow tables.

The loader and the import mappings both feed records through ``process_records``: good rows come
out as Arrow batches of their raw table (and child tables), bad rows as ``quarantine`` rows that keep
the file, line, field, reason and the original record. Nothing is dropped without a trace.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
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


def _compile_paths(paths: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(p.split(".")) for p in paths)


def _lookup(record: dict, compiled: tuple[tuple[str, ...], ...], flat: tuple[str, ...]) -> Any:
    for keys, dotted in zip(compiled, flat, strict=True):
        if len(keys) == 1:
            value = record.get(keys[0])
        else:
            value = record.get(dotted)  # a flat file may name a column after the dotted path
            if value is None:
                value = record
                for key in keys:
                    value = value.get(key) if isinstance(value, dict) else None
                    if value is None:
                        break
        if value is not None and value != "":
            return value
    return None


class TableProcessor:
    """Validates, normalises and batches the records of one table from one file."""

    def __init__(self, spec: TableSpec, *, file: str, loaded_at: datetime, batch_size: int = 50_000):
        self.spec = spec
        self.file = file
        self.loaded_at = loaded_at
        self.batch_size = batch_size
        self.region = phone_region()
        self._fields = [
            (f, _compile_paths(f.lookup_paths), f.lookup_paths, _PARSERS[f.type]) for f in spec.fields
        ]
        self.known_keys = frozenset(p.split(".")[0] for f in spec.fields for p in f.lookup_paths) | set(
            spec.children
        )
        self.children = {key: TableProcessor.child(table(name), self) for key, name in spec.children.items()}
        self.schema = arrow_schema(spec)
        self._columns: dict[str, list] = {name: [] for name in self.schema.names}
        self._warned_keys: set[str] = set()
        self.quarantine: list[dict] = []
        self.rows = 0

    @classmethod
    def child(cls, spec: TableSpec, parent: TableProcessor) -> TableProcessor:
        return cls(spec, file=parent.file, loaded_at=parent.loaded_at, batch_size=parent.batch_size)

    # -- one record ------------------------------------------------------------------------------
    def parse(self, record: dict, line: int) -> tuple[dict, list[dict], list[tuple[str, str]]]:
        """Return (row, child rows by table, warnings as (field, reason)) or raise RowRejected."""
        row: dict[str, Any] = {}
        warnings: list[tuple[str, str]] = []
        for spec, compiled, flat, parser in self._fields:
            raw = _lookup(record, compiled, flat)
            if raw is None:
                if spec.required:
                    raise RowRejected(spec.name, f"required field {spec.name!r} is missing")
                row[spec.name] = None
                continue
            try:
                value = parser(raw, self.region) if spec.type == "phone" else parser(raw)
                if spec.lower and isinstance(value, str):
                    value = value.lower()
                if spec.values is not None and value not in spec.values:
                    raise InvalidValue(f"{value!r} is not one of {sorted(spec.values)}")
            except InvalidValue as exc:
                if spec.required or spec.type not in ("email", "phone"):
                    raise RowRejected(spec.name, f"{spec.name}: {exc}") from None
                warnings.append((spec.name, f"{spec.name}: {exc}; value dropped, row kept"))
                value = None
            row[spec.name] = value
        if self.spec.require_one_of and all(row[k] is None for k in self.spec.require_one_of):
            raise RowRejected(None, f"needs at least one of {list(self.spec.require_one_of)}")
        extra = {k: v for k, v in record.items() if k not in self.known_keys and v not in (None, "")}
        row["_extra"] = to_json_text(extra) if extra else None
        for key in extra:
            if key not in self._warned_keys:
                self._warned_keys.add(key)
                warnings.append((key, f"unexpected column {key!r}: kept in _extra, not loaded as a field"))
        children: list[dict] = []
        for key, proc in self.children.items():
            items = record.get(key) or []
            if not isinstance(items, list):
                raise RowRejected(key, f"{key}: expected a list, got {type(items).__name__}")
            for i, item in enumerate(items, 1):
                if not isinstance(item, dict):
                    raise RowRejected(f"{key}[{i}]", f"{key}[{i}]: expected an object")
                item = {**item}
                for pk in self.spec.primary_key:
                    item.setdefault(pk, row[pk])
                item.setdefault("line_number", i)
                try:
                    child_row, _, child_warnings = proc.parse(item, line)
                except RowRejected as exc:
                    raise RowRejected(f"{key}[{i}].{exc.field}", f"{key}[{i}]: {exc.reason}") from None
                warnings += [(f"{key}[{i}].{f}", r) for f, r in child_warnings]
                children.append((proc, child_row))
        return row, children, warnings

    def add(self, line: int, record: dict | BadLine) -> None:
        if isinstance(record, BadLine):
            self._quarantine(line, None, record.reason, "rejected", record.text)
            return
        if not isinstance(record, dict):
            self._quarantine(line, None, "not a JSON object", "rejected", to_json_text(record))
            return
        try:
            row, children, warnings = self.parse(record, line)
        except RowRejected as exc:
            self._quarantine(line, exc.field, exc.reason, "rejected", to_json_text(record))
            return
        for field, reason in warnings:
            self._quarantine(line, field, reason, "warning", to_json_text(record))
        self._append(row, line)
        for proc, child_row in children:
            proc._append(child_row, line)

    def _append(self, row: dict, line: int) -> None:
        row["_file"], row["_line"], row["loaded_at"] = self.file, line, self.loaded_at
        for name, column in self._columns.items():
            column.append(row.get(name))
        self.rows += 1

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
        return len(self._columns["_line"])

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
            arrays = [pa.array(self._columns[f.name], type=f.type) for f in self.schema]
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:  # pragma: no cover - guard
            raise RuntimeError(f"{self.file}: could not build a batch of {self.spec.name}: {exc}") from exc
        self._columns = {name: [] for name in self.schema.names}
        return pa.Table.from_arrays(arrays, schema=self.schema)


def _phone(value: object, region: str) -> str:
    return normalize_phone(str(value), region)


def _email(value: object) -> str:
    return normalize_email(str(value))


_PARSERS = {
    "string": parse_string,
    "email": _email,
    "phone": _phone,
    "timestamp": parse_timestamp,
    "date": parse_date,
    "integer": parse_integer,
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
