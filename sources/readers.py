"""Read landing files line by line: JSON lines, CSV and Parquet, plain or gzip-compressed.

Each reader yields ``(line number, record)`` where a record is a dict, or a ``BadLine`` when the line
itself cannot be read (malformed JSON, wrong number of CSV columns). Line numbers are the file's own:
for CSV the header is line 1, so the first data row is line 2; for Parquet, the row number from 1.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import IO

import orjson
import pyarrow.parquet as pq

from sources.rows import BadLine

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet"}

Records = Iterator[tuple[int, dict | BadLine]]


def file_format(name: str) -> str | None:
    """The reader for a file name (``events.jsonl.gz`` -> ``jsonl``), or None when not supported."""
    lower = name.lower()
    for suffix in (".gz", ".gzip"):
        if lower.endswith(suffix):
            lower = lower[: -len(suffix)]
    for ext, fmt in FORMATS.items():
        if lower.endswith(ext):
            return fmt
    return None


def jsonl_records(number: int, raw: bytes) -> Records:
    """The record(s) of one physical line of JSON lines: none for a blank line, a ``BadLine`` when it
    does not parse; a whole JSON array on line 1 gives one record per element, numbered by position."""
    text = raw.strip()
    if not text:
        return
    try:
        record = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        yield number, BadLine(f"malformed JSON: {exc}", text.decode("utf-8", "replace"))
        return
    if isinstance(record, dict):
        yield number, record
    elif isinstance(record, list) and number == 1 and all(isinstance(r, dict) for r in record):
        yield from ((i, r) for i, r in enumerate(record, 1))
    else:
        yield number, BadLine("not a JSON object", text.decode("utf-8", "replace"))


def read_jsonl(stream: IO[bytes]) -> Records:
    for number, raw in enumerate(stream, 1):
        yield from jsonl_records(number, raw)


def csv_record(header: list[str], row: list[str], trailing_empty: bool) -> dict | BadLine:
    """One CSV record of the right width as a dict ('' is no value), or a ``BadLine``."""
    if len(row) != len(header):
        return BadLine(f"expected {len(header)} columns, found {len(row)}", ",".join(row))
    record = {h: (v if v != "" else None) for h, v in zip(header, row, strict=True) if h}
    if trailing_empty and row[-1] not in ("", None):
        record["_unnamed_last_column"] = row[-1]
    return record


def read_csv(stream: IO[bytes]) -> Records:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
    reader = csv.reader(text)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return
    # A header ending with an empty column (every line ends with a comma) is one column wider.
    trailing_empty = len(header) > 1 and header[-1] == ""
    start = reader.line_num
    for row in reader:
        number, start = start + 1, reader.line_num  # a record's first physical line
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        yield number, csv_record(header, row, trailing_empty)


def read_parquet(stream: IO[bytes]) -> Records:
    number = 0
    for batch in pq.ParquetFile(stream).iter_batches(batch_size=65_536):
        for record in batch.to_pylist():
            number += 1
            yield number, record


READERS = {"jsonl": read_jsonl, "csv": read_csv, "parquet": read_parquet}


def read(stream: IO[bytes], fmt: str) -> Records:
    return READERS[fmt](stream)
