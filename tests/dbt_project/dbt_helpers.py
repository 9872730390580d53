"""Helpers for tests that need a raw warehouse and a dbt run (imported by conftest.py).

- ``create_raw_tables(con)``: the ``raw`` schema with every catalog table (typed as the loader
  types them, plus its metadata columns) and ``raw.quarantine``, all empty.
- ``insert_rows(con, table, rows)``: insert dicts, filling the metadata columns.
- ``run_dbt(args, tmp_path)``: ``dbt <args>`` in-process on ``dbt_project/``, with target and log
  paths under ``tmp_path``; the warehouse is whatever ``NURTURE_WAREHOUSE`` points to.
- ``staging_model_name(source, table)``: the staging model a catalog table gets.
- ``use_warehouse(monkeypatch, warehouse)``: point the loader and dbt at a test warehouse.
- ``build_demo(root, monkeypatch, ...)``: generate demo data, load it and ``dbt build`` a selection.
- ``query(warehouse, sql)`` / ``scalar(warehouse, sql)``: read a warehouse (read-only).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from sources.catalog import TableSpec, all_tables

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
RAW_SCHEMA = "raw"

# Catalog field type -> DuckDB column type (the loader's mapping).
DUCKDB_TYPES = {
    "string": "varchar",
    "email": "varchar",
    "phone": "varchar",
    "timestamp": "timestamp with time zone",
    "date": "date",
    "integer": "bigint",
    "number": "double",
    "boolean": "boolean",
    "json": "json",
}
META_COLUMNS = {
    "_file": "varchar",
    "_line": "bigint",
    "loaded_at": "timestamp with time zone",
    "_extra": "json",
    "_dlt_load_id": "varchar",
}
QUARANTINE_COLUMNS = {
    "source": "varchar",
    "table_name": "varchar",
    "file": "varchar",
    "line": "bigint",
    "field": "varchar",
    "reason": "varchar",
    "disposition": "varchar",
    "record": "varchar",
    "load_id": "varchar",
    "quarantined_at": "timestamp with time zone",
}

# Settings dbt's telemetry and version checks read from the environment.
DBT_QUIET_ENV = {
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DO_NOT_TRACK": "1",
    "DBT_VERSION_CHECK": "false",
}


def staging_model_name(source: str, table: str) -> str:
    """``stg_<source>__<entity>``: the table name without a ``<source>_`` prefix."""
    entity = table[len(source) + 1 :] if table.startswith(source + "_") else table
    return f"stg_{source}__{entity}"


def raw_columns(spec: TableSpec) -> dict[str, str]:
    return {**{f.name: DUCKDB_TYPES[f.type] for f in spec.fields}, **META_COLUMNS}


def create_raw_tables(
    con: duckdb.DuckDBPyConnection, tables: Iterable[TableSpec] | None = None, *, without: Sequence[str] = ()
) -> None:
    """Create ``raw`` and every catalog table (or the given ones) and ``raw.quarantine``, empty.

    ``without`` drops metadata columns (e.g. ``_dlt_load_id``) to mimic other loader versions.
    """
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    for spec in tables if tables is not None else all_tables().values():
        cols = {n: t for n, t in raw_columns(spec).items() if n not in without}
        ddl = ", ".join(f'"{name}" {ctype}' for name, ctype in cols.items())
        con.execute(f"create or replace table {RAW_SCHEMA}.{spec.name} ({ddl})")
    ddl = ", ".join(f'"{name}" {ctype}' for name, ctype in QUARANTINE_COLUMNS.items())
    con.execute(f"create or replace table {RAW_SCHEMA}.quarantine ({ddl})")


def insert_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rows: Iterable[Mapping[str, Any]],
    *,
    file: str | None = None,
    loaded_at: datetime | str = datetime(2024, 1, 1, tzinfo=UTC),
    load_id: str = "1700000000.0",
) -> int:
    """Insert rows into ``raw.<table>``; unspecified metadata gets defaults (line = position in rows).

    Values go through DuckDB casts from text, so timestamps may be ISO strings with an offset or
    aware datetimes. Values of JSON columns are Python values, dumped to JSON (a str becomes a JSON
    string).
    """
    table_cols = {
        name: ctype
        for name, ctype in con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [RAW_SCHEMA, table],
        ).fetchall()
    }
    count = 0
    for line, row in enumerate(rows, start=1):
        values = dict(row)
        if table != "quarantine":
            values.setdefault("_file", file or f"landing/{table}/part-0001.jsonl")
            values.setdefault("_line", line)
            values.setdefault("loaded_at", loaded_at)
            if "_dlt_load_id" in table_cols:
                values.setdefault("_dlt_load_id", load_id)
        unknown = set(values) - set(table_cols)
        if unknown:
            raise KeyError(f"raw.{table} has no column(s) {sorted(unknown)}")
        names = list(values)
        params = []
        for name in names:
            value = values[name]
            if table_cols[name] == "JSON" and value is not None:
                value = json.dumps(value)
            if isinstance(value, datetime):
                value = value.isoformat()
            params.append(None if value is None else str(value))
        casts = ", ".join(f"cast(? as {table_cols[n]})" for n in names)
        quoted = ", ".join(f'"{n}"' for n in names)
        con.execute(f"insert into {RAW_SCHEMA}.{table} ({quoted}) select {casts}", params)
        count += 1
    return count


def run_dbt(args: Sequence[str], tmp_path: Path, *, project_dir: Path = DBT_PROJECT_DIR) -> Any:
    """Run ``dbt <args>`` in this process on the project; returns dbt's ``dbtRunnerResult``.

    Target and log folders go under ``tmp_path`` so that parallel runs do not collide. The caller
    sets ``NURTURE_WAREHOUSE`` (e.g. with monkeypatch.setenv) before calling.
    """
    from dbt.cli.main import dbtRunner

    for key, value in DBT_QUIET_ENV.items():
        os.environ.setdefault(key, value)
    command, *rest = args
    full = [
        command,
        *rest,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
        "--target-path",
        str(tmp_path / "dbt_target"),
        "--log-path",
        str(tmp_path / "dbt_logs"),
    ]
    try:
        return dbtRunner().invoke(full)
    finally:
        release_duckdb()


def release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open in this process after an in-process run.

    Otherwise the same process cannot open the warehouse again with another configuration
    (DuckDB refuses a second instance of one file with different settings).
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # another adapter
        return
    with DuckDBConnectionManager._LOCK:
        env = DuckDBConnectionManager._ENV
        if env is not None:
            env.close()
            DuckDBConnectionManager._ENV = None


def use_warehouse(monkeypatch: Any, warehouse: Path, *, data_dir: Path | None = None) -> None:
    """Point the loader and dbt (DuckDB target) at ``warehouse``, with telemetry off.

    ``monkeypatch`` is a ``pytest.MonkeyPatch`` (a module-scoped one for module fixtures).
    """
    for key, value in DBT_QUIET_ENV.items():
        monkeypatch.setenv(key, value)
    if data_dir is not None:
        monkeypatch.setenv("NURTURE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("NURTURE_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("NURTURE_DBT_TARGET", "duckdb")
    monkeypatch.delenv("NURTURE_DUCKDB_TEMP_DIR", raising=False)
    monkeypatch.delenv("NURTURE_LANDING", raising=False)


def build_demo(root: Path, monkeypatch: Any, *, contacts: int, seed: int, models: Iterable[str]) -> Path:
    """Generate demo data for ``contacts`` people, load it and build ``models`` with their parents.

    The seeds are built too; ``--indirect-selection cautious`` runs a test only when all its parents
    are built. Returns the warehouse; a failed build fails the caller with dbt's messages.
    """
    from sources.demo.generator import generate
    from sources.load import load

    data_dir = root / "data"
    warehouse = data_dir / "warehouse.duckdb"
    use_warehouse(monkeypatch, warehouse, data_dir=data_dir)
    generate(data_dir / "landing", data_dir / "truth", contacts=contacts, seed=seed)
    load(str(data_dir / "landing"), warehouse=warehouse)
    selection = " ".join(f"+{m}" for m in models)
    result = run_dbt(["build", "--select", selection, "path:seeds", "--indirect-selection", "cautious"], root)
    assert result.success, failures(result)
    return warehouse


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def scalar(warehouse: Path, sql: str) -> Any:
    return query(warehouse, sql)[0][0]


def failures(result: Any) -> list[str]:
    """Names and messages of the nodes that errored or failed in a dbt run result."""
    out = []
    for r in getattr(result.result, "results", None) or []:
        if str(r.status).lower() in {"error", "fail", "runtimeerr", "runtime error"}:
            out.append(f"{r.node.unique_id}: {r.status}: {r.message}")
    return out
