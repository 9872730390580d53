"""Where things are: every path and switch comes from an environment variable with a default.

| variable                 | default                         | what                                  |
|--------------------------|---------------------------------|---------------------------------------|
| NURTURE_DATA_DIR         | <project>/data                  | everything generated or loaded        |
| NURTURE_WAREHOUSE        | $NURTURE_DATA_DIR/warehouse.duckdb | the DuckDB warehouse file          |
| NURTURE_LANDING          | $NURTURE_DATA_DIR/landing       | landing folder or fsspec URL          |
| NURTURE_PHONE_REGION     | FR                              | region for phones without a +prefix   |
| NURTURE_DBT_TARGET       | duckdb                          | dbt target in dbt_project/profiles.yml|
| NURTURE_DESTINATION      | duckdb                          | loader target: duckdb or filesystem   |
| NURTURE_LAKE             | $NURTURE_DATA_DIR/lake          | filesystem destination (Parquet)      |
| NURTURE_DUCKDB_MEMORY_LIMIT | 8GB                         | DuckDB memory limit (load and build)  |
| NURTURE_DUCKDB_TEMP_DIR  | <warehouse>.tmp                 | where DuckDB spills beyond the limit  |
| NURTURE_SPARK_DIR        | $NURTURE_DATA_DIR/spark         | local Spark warehouse, metastore, temp|
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
# In a checkout (the usual case) paths are relative to the project; an installed copy uses the cwd.
PROJECT_ROOT = PACKAGE_ROOT if (PACKAGE_ROOT / "dbt_project").is_dir() else Path.cwd()
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
RAW_DATASET = "raw"


def data_dir() -> Path:
    return Path(os.environ.get("NURTURE_DATA_DIR", PROJECT_ROOT / "data")).resolve()


def warehouse_path() -> Path:
    return Path(os.environ.get("NURTURE_WAREHOUSE", data_dir() / "warehouse.duckdb")).resolve()


def landing_location() -> str:
    value = os.environ.get("NURTURE_LANDING")
    return value if value else str(data_dir() / "landing")


DESTINATIONS = ("duckdb", "filesystem")


def destination() -> str:
    """Where the loader writes raw tables: the DuckDB warehouse, or Parquet files in the lake folder."""
    value = os.environ.get("NURTURE_DESTINATION", "duckdb").strip().lower() or "duckdb"
    if value not in DESTINATIONS:
        raise ValueError(f"NURTURE_DESTINATION={value!r}: expected one of {', '.join(DESTINATIONS)}")
    return value


def env_count(name: str, default: int, *, minimum: int, unit: str) -> int:
    """A whole number of ``unit`` from the environment variable ``name`` (``default`` when unset or
    empty), at least ``minimum``; anything else is an error naming the variable."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r}: expected a whole number of {unit}") from None
    if value < minimum:
        raise ValueError(f"{name}={raw!r}: expected {minimum} or more {unit}")
    return value


def event_format() -> str:
    """``NURTURE_EVENT_FORMAT``: how the demo generator writes its JSON-lines event tables, ``jsonl`` (the
    default) or ``parquet`` (flat, typed Parquet files)."""
    value = os.environ.get("NURTURE_EVENT_FORMAT", "jsonl").strip().lower() or "jsonl"
    if value not in ("jsonl", "parquet"):
        raise ValueError(f"NURTURE_EVENT_FORMAT must be jsonl or parquet, got {value!r}")
    return value


def lake_location() -> Path:
    """The filesystem destination: one folder per raw table under ``<lake>/raw/``, as Parquet files."""
    return Path(os.environ.get("NURTURE_LAKE", data_dir() / "lake")).resolve()


def raw_target() -> Path:
    """Where the loader writes: the lake folder (filesystem destination) or the DuckDB warehouse."""
    return lake_location() if destination() == "filesystem" else warehouse_path()


def duckdb_memory_limit() -> str:
    """DuckDB's memory limit for the loader and the build; it spills to ``duckdb_temp_dir`` beyond.
    8GB leaves room on a 24 GB machine for the loader's worker processes, dlt and the OS cache."""
    return os.environ.get("NURTURE_DUCKDB_MEMORY_LIMIT", "").strip() or "8GB"


def duckdb_temp_dir(warehouse: Path | None = None) -> Path:
    """Where DuckDB spills: ``NURTURE_DUCKDB_TEMP_DIR``, else ``<warehouse>.tmp`` beside the warehouse."""
    value = os.environ.get("NURTURE_DUCKDB_TEMP_DIR", "").strip()
    wh = warehouse or warehouse_path()
    return Path(value).resolve() if value else wh.with_name(wh.name + ".tmp")


def spark_dir() -> Path:
    """The local Spark session's warehouse, Derby metastore and scratch space."""
    return Path(os.environ.get("NURTURE_SPARK_DIR", data_dir() / "spark")).resolve()


def truth_dir() -> Path:
    return data_dir() / "truth"


def pipelines_dir(warehouse: Path | None = None) -> Path:
    """dlt's working folders, kept beside the warehouse they load (one set per warehouse file)."""
    wh = warehouse or warehouse_path()
    return wh.parent / f".dlt-{wh.stem}"


def quiet_telemetry() -> None:
    """No usage reporting from any tool: this product runs on machines without internet access."""
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")
    # Arrow batches carry the load id so every raw row can be traced to its load.
    os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID", "true")
