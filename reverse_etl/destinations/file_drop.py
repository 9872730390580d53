"""File drop for the call centre: one CSV or Parquet file per batch in a folder (local or fsspec URL).

Each batch is written under a name derived from its idempotency key, to a temporary name first and
then renamed: a resend after a crash rewrites the same file, so the folder holds each record once.
"""

from __future__ import annotations

import csv
import io

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

from reverse_etl.destinations.base import REMOVE, UPSERT, Destination, Record, Rejection


class FileDrop(Destination):
    kind = "file_drop"
    max_batch = 100_000
    modes = frozenset({"upsert", "add-only", "mirror"})
    guarantee = "exactly-once: a resent batch overwrites its own file (named by its idempotency key)"
    needs = ("path",)

    def __init__(self, config, sync_name, audience):
        super().__init__(config, sync_name, audience)
        self.format = config.get("format", "csv")
        if self.format not in ("csv", "parquet"):
            raise ValueError(f"file_drop format must be csv or parquet, not {self.format!r}")
        self.path = str(config["path"]).rstrip("/")
        self.fs, self.root = fsspec.core.url_to_fs(self.path)
        self.columns = list(config.get("columns") or [])

    def send(self, op: str, records: list[Record], key: str) -> dict[str, Rejection]:
        columns = self.columns or sorted({k for r in records for k in r.payload})
        rows = [
            {"action": "remove" if op == REMOVE else UPSERT, "member_key": r.member_key}
            | {c: r.payload.get(c) for c in columns}
            for r in records
        ]
        header = ["action", "member_key", *columns]
        folder = f"{self.root}/{self.sync_name}"
        self.fs.makedirs(folder, exist_ok=True)
        final = f"{folder}/{key}.{self.format}"
        tmp = f"{folder}/.{key}.{self.format}.tmp"
        if self.format == "csv":
            buf = io.StringIO()
            writer = csv.DictWriter(buf, fieldnames=header)
            writer.writeheader()
            writer.writerows(rows)
            with self.fs.open(tmp, "wb") as fh:
                fh.write(buf.getvalue().encode("utf-8"))
        else:
            table = pa.Table.from_pylist(rows).select(header) if rows else pa.table({h: [] for h in header})
            with self.fs.open(tmp, "wb") as fh:
                pq.write_table(table, fh)
        self.fs.mv(tmp, final)
        return {}
