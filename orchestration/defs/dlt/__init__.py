"""Raw loads: one Dagster multi-asset per catalog source, one asset per raw table.

Asset keys are ``[source, table]``, the keys dagster-dbt gives the matching dbt sources, so the
lineage runs from each raw table into the staging models that read it.
"""

from collections.abc import Iterator

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    Definitions,
    MaterializeResult,
    TimestampMetadataValue,
)
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, dlt_assets
from dagster_dlt.translator import DltResourceTranslatorData

from sources import settings
from sources.catalog import SourceSpec, catalog
from sources.landing import make_source
from sources.load import last_run_summary, pipeline_for, prepare_warehouse

GROUP = "sources"
WAREHOUSE_POOL = "warehouse"  # one writer at a time on the DuckDB file


class RawTranslator(DagsterDltTranslator):
    def get_asset_spec(self, data: DltResourceTranslatorData) -> AssetSpec:
        spec = super().get_asset_spec(data)
        source = data.resource.source_name or data.resource.section
        return spec.replace_attributes(
            key=AssetKey([source, data.resource.name]),
            deps=[],
            group_name=GROUP,
            description=f"raw.{data.resource.name}: loaded from the landing folder {data.resource.name}/",
        )


LAST_UPDATED = "dagster/last_updated_timestamp"  # read by the freshness checks (defs/quality)


def newest_loaded_at(tables: list[str]) -> dict[str, float]:
    """The newest ``loaded_at`` of each raw table (epoch seconds): when data last arrived in it."""
    import duckdb

    found: dict[str, float] = {}
    if not settings.warehouse_path().exists():  # raw data in a lake (filesystem destination)
        return found
    with duckdb.connect(str(settings.warehouse_path()), read_only=True) as con:
        for table in tables:
            try:
                row = con.execute(
                    f"select epoch(max(loaded_at)) from {settings.RAW_DATASET}.{table}"
                ).fetchone()
            except duckdb.CatalogException:
                continue
            if row and row[0] is not None:
                found[table] = float(row[0])
    return found


def with_quality_metadata(results: list, pipeline) -> Iterator[MaterializeResult]:
    """Add rows loaded, rejected and warnings (from the quarantine table) to each table's result,
    and when data last arrived in it (so freshness reflects new data, not merely a run)."""
    summary = last_run_summary(pipeline, settings.raw_target())
    newest = newest_loaded_at([r.asset_key.path[-1] for r in results])
    for result in results:
        table = result.asset_key.path[-1]
        extra = {
            "rows_loaded": summary.rows.get(table, 0),
            "rows_rejected": summary.rejected.get(table, 0),
            "warnings": summary.warnings.get(table, 0),
        }
        if table in newest:
            extra[LAST_UPDATED] = TimestampMetadataValue(newest[table])
        for child in catalog()[result.asset_key.path[0]].tables:
            if child.parent == table:
                extra[f"{child.name}_rows_loaded"] = summary.rows.get(child.name, 0)
        yield MaterializeResult(asset_key=result.asset_key, metadata={**(result.metadata or {}), **extra})


def source_assets(spec: SourceSpec, landing: str):
    pipeline = pipeline_for(spec.name)

    @dlt_assets(
        dlt_source=make_source(spec, landing),
        dlt_pipeline=pipeline,
        name=f"load_{spec.name}",
        dagster_dlt_translator=RawTranslator(),
        pool=WAREHOUSE_POOL,
    )
    def _load(context: AssetExecutionContext, dlt: DagsterDltResource):
        prepare_warehouse()
        results = list(dlt.run(context=context))
        yield from with_quality_metadata(results, pipeline)

    return _load


def written_alongside() -> list[AssetSpec]:
    """Raw tables no load of their own writes: child tables (written by their parent's load, whose
    metadata counts their rows) and the quarantine (every load adds its rejected rows). Declared so
    that they sit in the sources group, under their parent, rather than as loose external assets."""
    specs = [
        AssetSpec(
            AssetKey([source.name, table.name]),
            deps=[AssetKey([source.name, table.parent])],
            group_name=GROUP,
            description=f"raw.{table.name}: written by the {table.parent} load (nested in its files)",
        )
        for source in catalog().values()
        for table in source.tables
        if table.parent
    ]
    specs.append(
        AssetSpec(
            AssetKey(["loader", "quarantine"]),
            group_name=GROUP,
            description="raw.quarantine: rows every load rejected or warned about (file, row, field, reason)",
        )
    )
    return specs


def build_defs() -> Definitions:
    landing = settings.landing_location()
    return Definitions(
        assets=[*(source_assets(spec, landing) for spec in catalog().values()), *written_alongside()],
        resources={"dlt": DagsterDltResource()},
    )
