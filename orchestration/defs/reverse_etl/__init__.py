"""Reverse-ETL syncs as Dagster assets: one per sync YAML in ``reverse_etl/syncs/``.

Each asset ``["reverse_etl", <sync name>]`` depends on the dbt model it reads, ``activation_policy``,
runs in the ``warehouse`` pool (the sync holds the DuckDB file while it runs) and has a job
``sync_<name>`` with a schedule from the YAML's ``schedule`` (stopped until turned on). A sync whose
destination is not configured is skipped: the step succeeds without a materialization and logs why.
"""

from pathlib import Path

from dagster import (
    AssetExecutionContext,
    AssetKey,
    DefaultScheduleStatus,
    Definitions,
    Failure,
    MaterializeResult,
    ScheduleDefinition,
    asset,
    define_asset_job,
)

from orchestration.defs.dlt import WAREHOUSE_POOL
from reverse_etl.spec import SyncSpec, load_spec, load_specs

GROUP = "reverse_etl"
POLICY_ASSET = AssetKey(["marts", "activation_policy"])  # dagster-dbt keys a model by [schema, name]


def sync_asset(spec: SyncSpec):
    @asset(
        key=AssetKey([GROUP, spec.name]),
        group_name=GROUP,
        deps=[POLICY_ASSET],
        pool=WAREHOUSE_POOL,
        description=f"{spec.description or spec.name}: audience {spec.audience} -> {spec.destination} "
        f"({spec.kind}, {spec.mode}).",
        kinds={"python"},
        output_required=False,
    )
    def _sync(context: AssetExecutionContext):
        from reverse_etl.engine import run_sync

        current = load_spec(Path(spec.source_file))  # settings may have changed since the code loaded
        report = run_sync(current)
        if report.status == "skipped":
            context.log.info(f"sync {current.name} skipped: {report.reason}")
            return
        context.log.info(report.render())
        if report.error:
            raise Failure(
                description=f"sync {current.name}: {report.error}", metadata={"run_id": report.run_id}
            )
        yield MaterializeResult(
            metadata={
                "run_id": report.run_id,
                "status": report.status,
                "adds": report.adds,
                "changes": report.changes,
                "removes": report.removes,
                "resent": report.resent,
                "delivered": report.delivered,
                "rejected": report.rejected,
                "held_back": sum(report.held_back.values()),
                "requests": report.requests,
                "throttled": report.throttled,
            }
        )

    return _sync


def build_defs() -> Definitions:
    specs = load_specs()
    assets = [sync_asset(spec) for spec in specs.values()]
    jobs, schedules = [], []
    for spec in specs.values():
        job = define_asset_job(
            f"sync_{spec.name}",
            selection=[AssetKey([GROUP, spec.name])],
            description=f"Run the sync {spec.name}.",
        )
        jobs.append(job)
        if spec.schedule:
            schedules.append(
                ScheduleDefinition(
                    name=f"sync_{spec.name}_schedule",
                    job=job,
                    cron_schedule=spec.schedule,
                    default_status=DefaultScheduleStatus.STOPPED,
                )
            )
    return Definitions(assets=assets, jobs=jobs, schedules=schedules)
