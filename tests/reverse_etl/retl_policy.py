"""A stand-in ``marts.activation_policy`` (the contract's exact columns) in a test warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb
import orjson
import yaml

COLUMNS = {
    "audience": "varchar",
    "destination": "varchar",
    "member_key": "varchar not null",
    "contact_id": "varchar",
    "anonymous_id": "varchar",
    "email": "varchar",
    "phone": "varchar",
    "first_name": "varchar",
    "last_name": "varchar",
    "crm_contact_id": "varchar",
    "attributes": "varchar",
    "priority": "integer",
    "is_allowed": "boolean",
    "hold_reason": "varchar",
    "computed_at": "timestamp",
}


def member(i: int, audience: str = "hot_leads", destination: str = "webhook", **over) -> dict:
    row = {
        "audience": audience,
        "destination": destination,
        "member_key": f"c{i:06d}",
        "contact_id": f"c{i:06d}",
        "anonymous_id": None,
        "email": f"person{i}@example.com",
        "phone": f"+336{i:08d}",
        "first_name": f"First{i}",
        "last_name": f"Last{i}",
        "crm_contact_id": None,
        "attributes": {"band": "hot", "score": 80 + i % 20},
        "priority": 1,
        "is_allowed": True,
        "hold_reason": None,
        "computed_at": "2026-11-24 00:00:00",
    }
    row.update(over)
    return row


def write_policy(warehouse: Path, rows: list[dict]) -> None:
    """Replace the policy table's contents with ``rows`` (attributes as dicts, keys sorted)."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists marts")
        cols = ", ".join(f"{k} {v}" for k, v in COLUMNS.items())
        con.execute(f"create or replace table marts.activation_policy ({cols})")
        if rows:
            import pyarrow as pa

            data = {
                k: [
                    orjson.dumps(r[k], option=orjson.OPT_SORT_KEYS).decode()
                    if k == "attributes" and isinstance(r[k], dict)
                    else r[k]
                    for r in rows
                ]
                for k in COLUMNS
            }
            con.register("_rows", pa.table(data))
            con.execute(f"insert into marts.activation_policy select {', '.join(COLUMNS)} from _rows")


def write_sync(folder: Path, file_name: str, **fields) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{file_name}.yml"
    path.write_text(yaml.safe_dump(fields, sort_keys=False))
    return path


def query(warehouse: Path, sql: str, params=None):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()
