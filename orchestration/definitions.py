"""The one Dagster entry point: ``dagster dev -m orchestration.definitions``.

Each folder of ``orchestration/defs/`` contributes its assets and resources; this module merges them
and adds the jobs. Runs execute in one process, one step at a time: DuckDB allows one writer per file.
Quality checks and automation are built from the asset graph of the loads and the dbt manifest, so
new models get their checks and schedules without a list to maintain.
"""

from __future__ import annotations

from dagster import AssetSelection, Definitions, define_asset_job, in_process_executor

from orchestration.defs import alerts as alerts_defs
from orchestration.defs import automation as automation_defs
from orchestration.defs import dbt as dbt_defs
from orchestration.defs import dlt as dlt_defs
from orchestration.defs import quality as quality_defs
from orchestration.defs import reverse_etl as reverse_etl_defs
from sources import settings

NURTURE_JOB = "nurture"
LOAD_JOB = "load"
BUILD_JOB = "build"


def build_definitions() -> Definitions:
    settings.quiet_telemetry()
    jobs = [
        define_asset_job(
            NURTURE_JOB, selection=AssetSelection.all(), description="Load every source, then build."
        ),
        define_asset_job(
            LOAD_JOB, selection=AssetSelection.groups(dlt_defs.GROUP), description="Raw loads only."
        ),
        define_asset_job(
            BUILD_JOB,
            selection=AssetSelection.all() - AssetSelection.groups(dlt_defs.GROUP),
            description="dbt build only.",
        ),
    ]
    # Every folder that makes assets goes here, so its assets get their quality checks and schedules.
    assets = Definitions.merge(dlt_defs.build_defs(), dbt_defs.build_defs(), reverse_etl_defs.build_defs())
    return Definitions.merge(
        assets,
        quality_defs.build_defs(assets.resolve_all_asset_specs()),
        automation_defs.build_defs(assets.resolve_asset_graph(), dbt_defs.DBT_OP),
        alerts_defs.build_defs(),
        Definitions(jobs=jobs, executor=in_process_executor),
    )


defs = build_definitions()
