"""Load a landing location into the warehouse: one dlt pipeline per source, then a summary.

Each source has its own pipeline (``nurture_<source>``) and state, all writing to the ``raw``
dataset of one warehouse. Running it again loads only files it has not loaded before.

Two destinations (``NURTURE_DESTINATION``): ``duckdb`` (the default) writes the raw tables into the
DuckDB warehouse file; ``filesystem`` writes them as Parquet files to a lake folder, one folder per
table under ``<lake>/raw/`` (quarantine included), which Spark and other lakehouse engines read.
Wherever a function takes ``warehouse``, it is the lake folder for the filesystem destination.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import dlt
import duckdb
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials
from dlt.extract.source import DltSource

from sources import parallel, settings
from sources.catalog import all_tables, catalog
from sources.landing import all_sources
from sources.rows import QUARANTINE_TABLE


@dataclass
class LoadSummary:
    """What one load did: rows per raw table, rejected rows and warnings per table, load ids."""

    rows: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)
    load_ids: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def total_rejected(self) -> int:
        return sum(self.rejected.values())

    def merge(self, other: LoadSummary) -> None:
        for mine, theirs in (
            (self.rows, other.rows),
            (self.rejected, other.rejected),
            (self.warnings, other.warnings),
        ):
            for k, v in theirs.items():
                mine[k] = mine.get(k, 0) + v
        self.load_ids += other.load_ids
        self.seconds += other.seconds

    def render(self) -> str:
        tables = all_tables()
        lines = [f"{'source':<16}{'table':<22}{'loaded':>12}{'rejected':>10}{'warnings':>10}"]
        names = sorted(
            set(self.rows) | set(self.rejected) | set(self.warnings),
            key=lambda n: (tables[n].source if n in tables else "~", n),
        )
        for name in names:
            source = tables[name].source if name in tables else "-"
            lines.append(
                f"{source:<16}{name:<22}{self.rows.get(name, 0):>12,}"
                f"{self.rejected.get(name, 0):>10,}{self.warnings.get(name, 0):>10,}"
            )
        lines.append(
            f"{'total':<38}{self.total_rows:>12,}{self.total_rejected:>10,}"
            f"{sum(self.warnings.values()):>10,}   ({self.seconds:.1f} s)"
        )
        return "\n".join(lines)


def is_lake(target: Path) -> bool:
    """A lake (filesystem destination) is a folder; a DuckDB warehouse is a file."""
    return target.is_dir()


def pipeline_for(
    source_name: str, warehouse: Path | None = None, destination: str | None = None
) -> dlt.Pipeline:
    """The dlt pipeline of one source, writing to the DuckDB warehouse or to the lake folder."""
    kind = destination or settings.destination()
    if kind == "filesystem":
        target = warehouse or settings.lake_location()
        # The default layout is one folder per table: <lake>/raw/<table>/<load_id>.<file_id>.parquet
        dest = dlt.destinations.filesystem(bucket_url=target.as_uri())
    else:
        target = warehouse or settings.warehouse_path()
        dest = dlt.destinations.duckdb(DuckDbCredentials(str(target), global_config=duckdb_config(target)))
    return dlt.pipeline(
        pipeline_name=f"nurture_{source_name}",
        destination=dest,
        dataset_name=settings.RAW_DATASET,
        pipelines_dir=str(settings.pipelines_dir(target)),
    )


def duckdb_config(warehouse: Path) -> dict[str, object]:
    """Settings of the loader's DuckDB connection: the memory limit and spill folder of the build
    (``NURTURE_DUCKDB_MEMORY_LIMIT``, ``NURTURE_DUCKDB_TEMP_DIR``, as in dbt_project/profiles.yml), and
    no insertion order to keep (the raw tables have none; COPY then runs on every thread)."""
    return {
        "memory_limit": settings.duckdb_memory_limit(),
        "temp_directory": str(settings.duckdb_temp_dir(warehouse)),
        "preserve_insertion_order": False,
    }


def prepare_warehouse(warehouse: Path | None = None, destination: str | None = None) -> Path:
    """Make the warehouse's folder; a warehouse (or lake) that does not exist yet starts with no dlt state."""
    kind = destination or settings.destination()
    wh = warehouse or (settings.lake_location() if kind == "filesystem" else settings.warehouse_path())
    wh.parent.mkdir(parents=True, exist_ok=True)
    if not wh.exists():
        shutil.rmtree(settings.pipelines_dir(wh), ignore_errors=True)
        if kind == "filesystem":
            wh.mkdir(parents=True)
    return wh


def quarantine_counts(warehouse: Path, load_ids: Iterable[str]) -> tuple[dict[str, int], dict[str, int]]:
    """Rejected rows and warnings per table for the given loads, read back from the warehouse."""
    ids = list(load_ids)
    if not ids:
        return {}, {}
    if is_lake(warehouse):
        folder = warehouse / settings.RAW_DATASET / QUARANTINE_TABLE
        if not any(folder.glob("*.parquet")):
            return {}, {}
        relation, con = (
            f"read_parquet('{folder.as_posix()}/*.parquet', union_by_name = true)",
            duckdb.connect(),
        )
    else:
        relation = f"{settings.RAW_DATASET}.{QUARANTINE_TABLE}"
        con = duckdb.connect(str(warehouse), read_only=True)
    with con:
        rows = con.execute(
            f"select table_name, disposition, count(*) from {relation} "
            f"where _dlt_load_id in ({', '.join('?' for _ in ids)}) group by all",
            ids,
        ).fetchall()
    rejected = {t: n for t, d, n in rows if d == "rejected"}
    warnings = {t: n for t, d, n in rows if d == "warning"}
    return rejected, warnings


def last_run_summary(pipeline: dlt.Pipeline, warehouse: Path) -> LoadSummary:
    """What the pipeline's last run loaded (from its trace) and rejected (from the quarantine table)."""
    trace = pipeline.last_trace
    counts = trace.last_normalize_info.row_counts if trace and trace.last_normalize_info else {}
    summary = LoadSummary(
        rows={t: n for t, n in counts.items() if not t.startswith("_dlt") and t != QUARANTINE_TABLE},
        load_ids=list(trace.last_load_info.loads_ids) if trace and trace.last_load_info else [],
    )
    summary.rejected, summary.warnings = quarantine_counts(warehouse, summary.load_ids)
    return summary


def run_source(
    source: DltSource, warehouse: Path, reload: bool = False, destination: str | None = None
) -> LoadSummary:
    """Run one dlt source into the warehouse (or lake) and summarise it."""
    started = time.perf_counter()
    kind = destination or settings.destination()
    pipeline = pipeline_for(source.name, warehouse, kind)
    info = pipeline.run(
        source,
        refresh="drop_sources" if reload else None,
        loader_file_format="parquet" if kind == "filesystem" else None,
    )
    info.raise_on_failed_jobs()
    summary = last_run_summary(pipeline, warehouse)
    summary.seconds = time.perf_counter() - started
    return summary


def load(
    landing: str | None = None,
    sources: list[str] | None = None,
    warehouse: Path | None = None,
    reload: bool = False,
    destination: str | None = None,
) -> LoadSummary:
    """Load every (or the named) source from a landing folder or URL into the warehouse.

    ``destination`` is ``duckdb`` or ``filesystem`` (default: ``NURTURE_DESTINATION``); for
    ``filesystem``, ``warehouse`` is the lake folder (default ``NURTURE_LAKE``).
    """
    settings.quiet_telemetry()
    kind = destination or settings.destination()
    if kind not in settings.DESTINATIONS:
        raise ValueError(f"unknown destination {kind!r}; expected one of {', '.join(settings.DESTINATIONS)}")
    unknown = set(sources or ()) - set(catalog())
    if unknown:
        raise ValueError(f"unknown source(s) {sorted(unknown)}; known: {sorted(catalog())}")
    wh = prepare_warehouse(warehouse, kind)
    summary = LoadSummary()
    with parallel.shared_pool(settings.data_dir() / "tmp" / "load"):  # workers start once per load
        for source in all_sources(landing or settings.landing_location(), sources):
            summary.merge(run_source(source, wh, reload=reload, destination=kind))
    return summary
