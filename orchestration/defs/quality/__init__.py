"""Data quality: great-expectations suites (``suites/*.yml``) as Dagster asset checks, and source freshness.

Each check of a suite is one asset check on the suite's asset. Severity ``error`` makes it blocking:
when it fails, the run stops every asset downstream of the checked one, and an alert is posted
(``defs/alerts``). Severity ``warn`` shows in the UI and in the run summary and lets the run go on.

A suite whose asset is not in the graph yet (a model another branch is still writing) registers no
check: it is listed by ``pending_checks()`` as "table not built yet" and activates as soon as the
asset appears, through the dbt manifest.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckKey,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetKey,
    AssetSpec,
    Definitions,
    asset_check,
)

from orchestration.defs.alerts.webhook import check_failure_payload, post
from orchestration.defs.dlt import GROUP as RAW_GROUP
from orchestration.defs.dlt import WAREHOUSE_POOL
from orchestration.defs.quality.freshness import freshness_defs
from orchestration.defs.quality.suites import CheckSpec, Suite, load_suites
from orchestration.defs.quality.validate import run_check
from sources import settings

TABLE_NAME_KEY = "dagster/table_name"


@dataclass(frozen=True)
class PendingCheck:
    asset: tuple[str, ...]
    check: str
    suite: str
    reason: str = "table not built yet: its asset is not in the graph"

    def render(self) -> str:
        return f"{'/'.join(self.asset)}: {self.check} ({self.suite}): {self.reason}"


def relation_for(spec: AssetSpec, suite: Suite) -> str:
    """schema.table of an asset: the suite's ``table``, raw.<table> for loads, else dbt's relation name."""
    if suite.table:
        return suite.table
    if spec.group_name == RAW_GROUP and len(spec.key.path) == 2:
        return f"{settings.RAW_DATASET}.{spec.key.path[-1]}"
    name = spec.metadata.get(TABLE_NAME_KEY)
    name = getattr(name, "value", name)
    if isinstance(name, str) and name.count(".") >= 1:
        return ".".join(name.split(".")[-2:])
    raise ValueError(
        f"{suite.path.name}: cannot tell the table of asset {spec.key.to_user_string()}: set `table:`"
    )


def read_warehouse(sql: str):
    """A read-only query on the warehouse, as a pandas frame."""
    import duckdb

    with duckdb.connect(str(settings.warehouse_path()), read_only=True) as con:
        return con.execute(sql).df()


def previous_observed(instance, check_key: AssetCheckKey) -> Mapping[str, Any] | None:
    """What the last completed evaluation of this check observed (its ``observed`` metadata)."""
    from dagster._core.storage.asset_check_execution_record import (
        COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES,
    )

    records = instance.event_log_storage.get_asset_check_execution_history(
        check_key, limit=10, status=set(COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES)
    )
    for record in records:
        evaluation = record.evaluation
        value = evaluation.metadata.get("observed") if evaluation else None
        value = getattr(value, "value", value)
        if isinstance(value, dict):
            return value
    return None


def gx_check(suite: Suite, check: CheckSpec, key: AssetKey, relation: str):
    severity = AssetCheckSeverity.ERROR if check.severity == "error" else AssetCheckSeverity.WARN
    text = check.description or f"{check.expectation} on {relation}"

    @asset_check(
        asset=key,
        name=check.name,
        description=f"{text} [{check.severity}{', blocking' if check.blocking else ''}; {suite.path.name}]",
        blocking=check.blocking,
        pool=WAREHOUSE_POOL,
        compute_kind="great_expectations",
        metadata={"suite": suite.path.name, "severity": check.severity, "table": relation},
    )
    def _check(context: AssetCheckExecutionContext) -> AssetCheckResult:
        check_key = AssetCheckKey(key, check.name)
        previous = previous_observed(context.instance, check_key) if check.baseline else None
        outcome = run_check(check, relation, read_warehouse, previous)
        if not outcome.passed:
            context.log.warning(f"{key.to_user_string()} {check.name}: {outcome.description}")
            if check.severity == "error":
                post(
                    check_failure_payload(
                        asset=key.to_user_string(),
                        check=check.name,
                        severity=check.severity,
                        blocking=check.blocking,
                        description=outcome.description,
                        run_id=context.run.run_id,
                        job_name=context.run.job_name,
                    )
                )
        return AssetCheckResult(
            passed=outcome.passed,
            severity=severity,
            description=outcome.description,
            metadata=outcome.metadata,
        )

    return _check


def find_asset(specs: Sequence[AssetSpec], asset: tuple[str, ...]) -> AssetSpec | None:
    """The asset a suite names: its exact key, or a one-part name matching one key's last part
    (``[fct_lead_scores]`` finds ``marts/fct_lead_scores`` wherever its schema puts it)."""
    exact = [s for s in specs if tuple(s.key.path) == asset]
    if exact:
        return exact[0]
    if len(asset) == 1:
        named = [s for s in specs if s.key.path[-1] == asset[0]]
        if len(named) > 1:
            keys = sorted(s.key.to_user_string() for s in named)
            raise ValueError(f"asset {asset[0]!r} is ambiguous ({keys}): give its whole key in the suite")
        return named[0] if named else None
    return None


def plan(specs: Iterable[AssetSpec], suites: Sequence[Suite] | None = None):
    """(checks to register, pending checks) for the assets present in the graph."""
    specs = list(specs)
    checks, pending = [], []
    for suite in load_suites() if suites is None else suites:
        spec = find_asset(specs, suite.asset)
        if spec is None:
            pending += [PendingCheck(suite.asset, c.name, suite.path.name) for c in suite.checks]
            continue
        relation = relation_for(spec, suite)
        checks += [gx_check(suite, c, spec.key, relation) for c in suite.checks]
    return checks, pending


def pending_checks(specs: Iterable[AssetSpec]) -> list[PendingCheck]:
    return plan(specs)[1]


def build_defs(specs: Sequence[AssetSpec]) -> Definitions:
    checks, _ = plan(specs)
    raw_keys = [s.key for s in specs if s.group_name == RAW_GROUP]
    freshness = freshness_defs(raw_keys)
    return Definitions.merge(Definitions(asset_checks=checks), freshness)
