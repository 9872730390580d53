"""When things run: a frequent job (new files loaded, the models they feed rebuilt; its schedule
skips a tick with nothing to load), a daily full build with that day's ``as_of``, a sensor that
starts a load when files land, and retries.

The rules are in ``automation.yml``. Selections are computed from the asset graph (the dbt manifest
and the loads), so new models are picked up without a list to maintain here.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import yaml
from dagster import (
    AssetKey,
    AssetSelection,
    DagsterInstance,
    DagsterRunStatus,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    Definitions,
    RunRecord,
    RunRequest,
    RunsFilter,
    ScheduleEvaluationContext,
    SensorEvaluationContext,
    SkipReason,
    define_asset_job,
    schedule,
    sensor,
)

from orchestration.defs.automation.landing import (
    cursor_of,
    loaded_files,
    new_files,
    parse_cursor,
    run_key,
    scan_landing,
)
from orchestration.defs.dbt import REFRESH_TAG
from sources import settings
from sources.catalog import catalog

AUTOMATION_FILE = Path(__file__).parent / "automation.yml"
FREQUENT_JOB = "frequent"
DAILY_JOB = "daily"
LANDING_SENSOR = "landing_sensor"
AS_OF_TAG = "nurture/as_of"

K = TypeVar("K")


@dataclass(frozen=True)
class Automation:
    timezone: str
    max_retries: int
    retry_strategy: str
    frequent_cron: str
    daily_tags: tuple[str, ...]
    current_tags: tuple[str, ...]
    daily_refresh: tuple[str, ...]
    daily_cron: str
    as_of_offset_days: int
    sensor_interval: int
    start_automatically: bool

    @property
    def run_tags(self) -> dict[str, str]:
        return {"dagster/max_retries": str(self.max_retries), "dagster/retry_strategy": self.retry_strategy}


def load_automation(path: Path = AUTOMATION_FILE) -> Automation:
    doc = yaml.safe_load(path.read_text()) or {}

    def need(section: str, key: str) -> Any:
        value = (doc.get(section) or {}).get(key)
        if value is None:
            raise ValueError(f"{path.name}: `{section}.{key}` is required")
        return value

    strategy = (doc.get("retries") or {}).get("strategy", "FROM_FAILURE")
    if strategy not in ("FROM_FAILURE", "ALL_STEPS"):
        raise ValueError(f"{path.name}: retries.strategy is FROM_FAILURE or ALL_STEPS, got {strategy!r}")
    return Automation(
        timezone=doc.get("timezone", "UTC"),
        max_retries=int((doc.get("retries") or {}).get("max_retries", 0)),
        retry_strategy=strategy,
        frequent_cron=need("frequent", "cron"),
        daily_tags=tuple((doc.get("frequent") or {}).get("daily_tags") or ()),
        current_tags=tuple((doc.get("frequent") or {}).get("current_tags") or ()),
        daily_refresh=tuple((doc.get("frequent") or {}).get("daily_refresh") or ()),
        daily_cron=need("daily", "cron"),
        as_of_offset_days=int((doc.get("daily") or {}).get("as_of_offset_days", 0)),
        sensor_interval=int((doc.get("landing_sensor") or {}).get("minimum_interval_seconds", 60)),
        start_automatically=bool(doc.get("start_automatically", False)),
    )


def landing_assets(graph) -> dict[str, list[AssetKey]]:
    """Raw-table assets per source: the keys a load of that source materializes (and its child tables)."""
    keys: dict[str, list[AssetKey]] = {}
    for name, spec in catalog().items():
        for table in spec.tables:
            key = AssetKey([name, table.name])
            if graph.has(key):
                keys.setdefault(name, []).append(key)
    return keys


def closure(graph, start: Iterable[AssetKey]) -> set[AssetKey]:
    """``start`` and everything downstream of it."""
    seen: set[AssetKey] = set()
    stack = [k for k in start if graph.has(k)]
    while stack:
        key = stack.pop()
        if key not in seen:
            seen.add(key)
            stack.extend(graph.get(key).child_keys)
    return seen


def left_to_daily(
    children: Mapping[K, Iterable[K]],
    tags: Mapping[K, Iterable[str]],
    daily_tags: Iterable[str],
    current_tags: Iterable[str] = (),
    refresh: Mapping[K, str | None] | None = None,
    daily_refresh: Iterable[str] = (),
) -> set[K]:
    """The nodes the frequent run leaves to the daily run: those tagged with one of ``daily_tags``
    or whose ``refresh`` (an audience's cadence) is one of ``daily_refresh``, and everything they
    feed, except the nodes tagged with one of ``current_tags`` (current state, e.g. today's scores
    or every audience's members, that reads the daily models as the last daily run left them) and
    what only they feed. A pure function of the graph (node -> children, node -> tags, node ->
    refresh): the Dagster jobs and the benchmark's dbt selection both use it."""
    daily, current = set(daily_tags), set(current_tags)
    slow = {cadence.lower() for cadence in daily_refresh}
    refresh = refresh or {}

    def tagged(node: K, wanted: set[str]) -> bool:
        return bool(wanted & set(tags.get(node) or ()))

    def is_daily(node: K) -> bool:
        return tagged(node, daily) or (refresh.get(node) or "").lower() in slow

    seen: set[K] = set()
    stack = [node for node in set(tags) | set(refresh) if is_daily(node)]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        stack.extend(
            child for child in children.get(node) or () if is_daily(child) or not tagged(child, current)
        )
    return seen


def daily_keys(
    graph, daily_tags: Iterable[str], current_tags: Iterable[str] = (), daily_refresh: Iterable[str] = ()
) -> set[AssetKey]:
    """The asset keys :func:`left_to_daily` leaves out of the frequent run."""
    nodes = {k: graph.get(k) for k in graph.get_all_asset_keys()}
    tags = {k: node.tags or {} for k, node in nodes.items()}
    return left_to_daily(
        {k: node.child_keys for k, node in nodes.items()},
        tags,
        daily_tags,
        current_tags,
        {k: node_tags.get(REFRESH_TAG) for k, node_tags in tags.items()},
        daily_refresh,
    )


def downstream_keys(
    graph,
    start: Iterable[AssetKey],
    daily_tags: Iterable[str],
    current_tags: Iterable[str] = (),
    daily_refresh: Iterable[str] = (),
) -> list[AssetKey]:
    """Materializable assets at or downstream of ``start``, minus those left to the daily run."""
    reachable = closure(graph, start)
    daily = daily_keys(graph, daily_tags, current_tags, daily_refresh)
    return sorted((k for k in reachable - daily if graph.get(k).is_materializable), key=lambda k: k.path)


# A frequent tick with no file to load still runs after these: a run that failed (a bad file since
# removed, a crash past its retries) or was canceled left models behind the loads.
RETRY_AFTER = frozenset({DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED, DagsterRunStatus.CANCELING})


def last_run(instance: DagsterInstance, job_name: str) -> RunRecord | None:
    """The newest run of ``job_name`` (queued, running or finished), or None."""
    records = instance.get_run_records(filters=RunsFilter(job_name=job_name), limit=1)
    return records[0] if records else None


def frequent_skip_reason(waiting: list[str], last: RunRecord | None, tick: datetime) -> str | None:
    """Why a frequent tick need not run, or None: no landing file left to load, and a frequent run
    that did not fail was started the same day (UTC, the day models take as today: a new day
    changes what recency and as-of rules give, so its first tick runs)."""
    if waiting or last is None or last.dagster_run.status in RETRY_AFTER:
        return None
    if last.create_timestamp.astimezone(UTC).date() != tick.astimezone(UTC).date():
        return None
    return f"no landing file to load and today's last frequent run is {last.dagster_run.status.value.lower()}"


def frequent_run_config(dbt_op: str) -> dict:
    return {"ops": {dbt_op: {"config": {"test_scope": "new_rows"}}}}


def daily_run_config(day, dbt_op: str) -> dict:
    return {"ops": {dbt_op: {"config": {"as_of": day.isoformat()}}}}


def build_defs(graph, dbt_op: str, path: Path = AUTOMATION_FILE) -> Definitions:
    cfg = load_automation(path)
    raw = landing_assets(graph)
    all_raw = [k for keys in raw.values() for k in keys]
    frequent_job = define_asset_job(
        FREQUENT_JOB,
        selection=(
            AssetSelection.assets(*all_raw).downstream()
            - AssetSelection.assets(*daily_keys(graph, cfg.daily_tags, cfg.current_tags, cfg.daily_refresh))
        ).materializable(),
        description=(
            "New landing files loaded, the models they feed rebuilt; daily-tagged models (histories, tiers),"
            " audiences refreshed daily or weekly, and what they feed are left to the daily run, except"
            " current-state models tagged current."
        ),
        tags=cfg.run_tags,
        # its event models' row tests read the rows it loads; the daily run tests every row
        config=frequent_run_config(dbt_op),
    )
    daily_job = define_asset_job(
        DAILY_JOB,
        selection=AssetSelection.all(),
        description=(
            "Everything, with the dbt var as_of set to the scheduled day: score and stage history, tiers."
        ),
        tags=cfg.run_tags,
    )
    schedule_status = (
        DefaultScheduleStatus.RUNNING if cfg.start_automatically else DefaultScheduleStatus.STOPPED
    )
    sensor_status = DefaultSensorStatus.RUNNING if cfg.start_automatically else DefaultSensorStatus.STOPPED

    @schedule(
        name="frequent_schedule",
        job=frequent_job,
        cron_schedule=cfg.frequent_cron,
        execution_timezone=cfg.timezone,
        default_status=schedule_status,
        description=(
            "Loads what landed and rebuilds what it feeds; a tick with no file to load is skipped when a"
            " frequent run that did not fail already ran that day (UTC)."
        ),
    )
    def frequent_schedule(context: ScheduleEvaluationContext):
        waiting = new_files(scan_landing(settings.landing_location()), {}, loaded_files())
        tick = context.scheduled_execution_time or datetime.now(UTC)
        reason = frequent_skip_reason(waiting, last_run(context.instance, FREQUENT_JOB), tick)
        if reason:
            return SkipReason(reason)
        return RunRequest(tags={"nurture/trigger": "schedule", "nurture/new_files": str(len(waiting))})

    @schedule(
        name="daily_schedule",
        job=daily_job,
        cron_schedule=cfg.daily_cron,
        execution_timezone=cfg.timezone,
        default_status=schedule_status,
        description="The full build as of the scheduled day (automation.yml: daily).",
    )
    def daily_schedule(context: ScheduleEvaluationContext):
        day = context.scheduled_execution_time.date() + timedelta(days=cfg.as_of_offset_days)
        return RunRequest(
            run_key=day.isoformat(),
            run_config=daily_run_config(day, dbt_op),
            tags={AS_OF_TAG: day.isoformat()},
        )

    source_of = {key: source for source, keys in raw.items() for key in keys}

    @sensor(
        name=LANDING_SENSOR,
        job=frequent_job,
        minimum_interval_seconds=cfg.sensor_interval,
        default_status=sensor_status,
        description="Starts a load (and the rebuild of what it feeds) when new files land.",
    )
    def landing_sensor(context: SensorEvaluationContext):
        listing = scan_landing(settings.landing_location())
        fresh = new_files(listing, parse_cursor(context.cursor), loaded_files())
        context.update_cursor(cursor_of(listing))
        if not fresh:
            return SkipReason(f"no new file among {len(listing)} in the landing folder")
        tables = {listing[rel][0] for rel in fresh}
        sources = sorted({source_of[k] for k in source_of if k.path[-1] in tables})
        start = [k for s in sources for k in raw[s]]
        return RunRequest(
            run_key=run_key(listing, fresh),
            asset_selection=downstream_keys(
                graph, start, cfg.daily_tags, cfg.current_tags, cfg.daily_refresh
            ),
            tags={"nurture/trigger": "landing", "nurture/new_files": str(len(fresh)), **cfg.run_tags},
        )

    return Definitions(
        jobs=[frequent_job, daily_job],
        schedules=[frequent_schedule, daily_schedule],
        sensors=[landing_sensor],
    )
