"""dlt sources over a landing location: one ``@dlt.source`` per catalog source, one resource per table.

A landing location is a local folder or any fsspec URL (``s3://bucket/landing``, ``gs://...``,
``file:///...``) read through dlt's filesystem helpers. Each file is loaded once: the resource keeps
a manifest of (path -> size and modification time) in dlt's state, which is committed with the load,
so re-running loads nothing new and a run that crashed loads its files again on the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dlt
import pyarrow as pa
from dlt.common.storages.fsspec_filesystem import FileItemDict, fsspec_filesystem, glob_files
from dlt.extract.source import DltSource

from sources import parallel, settings
from sources.catalog import SourceSpec, TableSpec, catalog, table
from sources.columnar import process_file
from sources.readers import file_format
from sources.rows import (
    QUARANTINE_SCHEMA,
    QUARANTINE_TABLE,
    dlt_columns,
    empty_quarantine,
    empty_table,
    quarantine_columns,
)

log = logging.getLogger(__name__)


class _ArrowHintNotice(logging.Filter):
    """dlt notes that our declared column hints (json, nullability) differ from the Arrow types we send;
    that is intended: the hints are the contract. Keep the rest of dlt's warnings (but one below)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        # The filesystem destination (plain Parquet) appends entity versions instead of merging
        # them; staging keeps the newest version of each key, so that is intended too.
        return "when merging arrow schema with dlt schema" not in message and not (
            message.startswith("Falling back to `append`")
            or (message.startswith('The "dedup_sort" column hint') and '"append"' in message)
        )


logging.getLogger("dlt").addFilter(_ArrowHintNotice())


def table_hints(name: str) -> dict[str, Any]:
    """dlt hints for a raw table (or the quarantine table), passed with every batch."""
    if name == QUARANTINE_TABLE:
        return dlt.mark.make_hints(
            table_name=QUARANTINE_TABLE, write_disposition="append", columns=quarantine_columns()
        )
    spec = table(name)
    return dlt.mark.make_hints(
        table_name=spec.name,
        write_disposition=spec.write_disposition,
        primary_key=list(spec.primary_key) if spec.kind == "entity" else None,
        columns=dlt_columns(spec),
    )


def mark(name: str, batch: Any) -> Any:
    return dlt.mark.with_hints(batch, table_hints(name), create_table_variant=True)


def empty_batches(spec: TableSpec) -> Iterator[Any]:
    """Empty batches so that every table exists in the warehouse even before data arrives."""
    yield mark(spec.name, empty_table(spec))
    for child in spec.children.values():
        yield mark(child, empty_table(table(child)))
    yield mark(QUARANTINE_TABLE, empty_quarantine())


def unreadable_file(spec: TableSpec, url: str, loaded_at: datetime) -> Any:
    reason = "not a supported file type (.jsonl, .ndjson, .json, .csv, .parquet, optionally .gz): not read"
    row = {
        "source": spec.source,
        "table_name": spec.name,
        "file": url,
        "line": None,
        "field": None,
        "reason": reason,
        "disposition": "rejected",
        "record": None,
        "quarantined_at": loaded_at,
    }
    return pa.Table.from_pylist([row], schema=QUARANTINE_SCHEMA)


def _normalize_url(landing: str) -> str:
    if "://" in landing:
        return landing.rstrip("/")
    return Path(landing).resolve().as_uri()


def landing_files(spec: TableSpec, landing: str) -> Iterator[tuple[FileItemDict, str]]:
    """Files of one table's landing folder, in path order, as (file item, relative path)."""
    base = _normalize_url(landing)
    fs, _ = fsspec_filesystem(base.split("://")[0])
    folder = f"{base}/{spec.name}"
    try:
        if not fs.exists(folder):
            return
    except (FileNotFoundError, PermissionError):
        return
    items = sorted(glob_files(fs, folder, "**"), key=lambda i: i["relative_path"])
    for item in items:
        yield FileItemDict(item, fs), f"{spec.name}/{item['relative_path']}"


def _fingerprint(item: FileItemDict) -> str:
    modified = item["modification_date"]
    stamp = modified.isoformat() if hasattr(modified, "isoformat") else str(modified)
    return f"{item['size_in_bytes']}:{stamp}"


def table_items(spec: TableSpec, landing: str, batch_size: int = 50_000) -> Iterator[Any]:
    """The dlt resource body for one table: new files only, as Arrow batches plus quarantine rows.

    A table with many new bytes is validated in worker processes (``sources.parallel``), file order
    kept; otherwise in this process. A file enters the manifest once all its batches are yielded."""
    state = dlt.current.resource_state()
    manifest: dict[str, str] = state.setdefault("files", {})
    yield from empty_batches(spec)
    loaded_at = datetime.now(UTC)
    new: list[tuple[FileItemDict, str, str]] = []  # (file item, relative path, format)
    for item, rel in landing_files(spec, landing):
        if manifest.get(rel) == _fingerprint(item):
            continue
        fmt = file_format(rel)
        if fmt is None:
            yield mark(QUARANTINE_TABLE, unreadable_file(spec, item["file_url"], loaded_at))
            manifest[rel] = _fingerprint(item)
            continue
        new.append((item, rel, fmt))
    n = parallel.workers()
    if n > 1 and sum(item["size_in_bytes"] or 0 for item, _, _ in new) >= parallel.MIN_BYTES:
        protocol = _normalize_url(landing).split("://")[0]
        with parallel.file_pool(settings.data_dir() / "tmp" / "load") as pool:
            done = -1
            for i, name, batch in pool.batches(
                spec.name, [(dict(item), fmt, rel) for item, rel, fmt in new], protocol, loaded_at, batch_size
            ):
                for j in range(done + 1, i):  # files before this one have all their batches out
                    manifest[new[j][1]] = _fingerprint(new[j][0])
                done = max(done, i - 1)
                yield mark(name, batch)
        for item, rel, _ in new:
            manifest[rel] = _fingerprint(item)
        return
    for item, rel, fmt in new:
        with item.open(mode="rb", compression="auto") as stream:
            for name, batch in process_file(
                spec, stream, fmt, file=item["file_url"], loaded_at=loaded_at, batch_size=batch_size
            ):
                yield mark(name, batch)
        manifest[rel] = _fingerprint(item)


def make_source(spec: SourceSpec, landing: str, batch_size: int = 50_000) -> DltSource:
    """The dlt source for one catalog source, reading its tables from ``landing``."""

    def resource(t: TableSpec):
        def items() -> Iterator[Any]:  # a function, so the source can run again in the same process
            yield from table_items(t, landing, batch_size)

        # New catalog fields may add columns; a column never silently changes type.
        return dlt.resource(
            items,
            name=t.name,
            write_disposition=t.write_disposition,
            schema_contract={"tables": "evolve", "columns": "evolve", "data_type": "freeze"},
        )

    @dlt.source(name=spec.name, max_table_nesting=0, root_key=False)
    def _source():
        return [resource(t) for t in spec.landing_tables]

    return _source()


def all_sources(landing: str, names: list[str] | None = None) -> list[DltSource]:
    return [make_source(s, landing) for n, s in catalog().items() if names is None or n in names]
