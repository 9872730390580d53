"""Source freshness: Dagster freshness checks on the raw tables, with the lags of ``freshness.yml``.

The loads record ``dagster/last_updated_timestamp`` (the newest ``loaded_at`` of each raw table) on
their materializations, so a run that finds no new file does not count as fresh data.
"""

from __future__ import annotations

import re
import warnings
from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import yaml
from dagster import (
    AssetCheckSeverity,
    AssetKey,
    DefaultSensorStatus,
    Definitions,
    build_last_update_freshness_checks,
    build_sensor_for_freshness_checks,
)

FRESHNESS_FILE = Path(__file__).parent / "freshness.yml"
SENSOR_NAME = "freshness_checks_sensor"
_LAG = re.compile(r"^\s*(\d+)\s*([mhd])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class FreshnessConfigError(ValueError):
    pass


def parse_lag(value: object, where: str) -> timedelta:
    match = _LAG.match(str(value))
    if not match:
        raise FreshnessConfigError(
            f"{FRESHNESS_FILE.name}: {where}: max_lag like 26h, 90m or 8d, got {value!r}"
        )
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def load_rules(path: Path = FRESHNESS_FILE) -> tuple[dict, dict[str, dict], dict]:
    doc = yaml.safe_load(path.read_text()) or {}
    default = doc.get("default") or {}
    tables = doc.get("tables") or {}
    return default, tables, doc.get("sensor") or {}


def rule_for(table: str, default: dict, tables: dict[str, dict]) -> tuple[timedelta, str]:
    rule = {**default, **(tables.get(table) or {})}
    lag = parse_lag(rule.get("max_lag"), f"table {table}")
    severity = rule.get("severity", "warn")
    if severity not in ("warn", "error"):
        raise FreshnessConfigError(
            f"{FRESHNESS_FILE.name}: table {table}: severity warn or error, got {severity!r}"
        )
    return lag, severity


def freshness_defs(raw_keys: Sequence[AssetKey], path: Path = FRESHNESS_FILE) -> Definitions:
    """One freshness check per raw table (grouped by lag and severity) and the sensor that runs them."""
    default, tables, sensor = load_rules(path)
    unknown = set(tables) - {k.path[-1] for k in raw_keys}
    if unknown:
        raise FreshnessConfigError(f"{path.name}: unknown raw table(s) {sorted(unknown)}")
    groups: dict[tuple[timedelta, str], list[AssetKey]] = defaultdict(list)
    for key in raw_keys:
        groups[rule_for(key.path[-1], default, tables)].append(key)
    # Dagster 1.13 prefers FreshnessPolicy (evaluated by the daemon, outside runs); these checks run
    # inside the loads' runs, so their results are in the run summary.
    warnings.filterwarnings("ignore", message=".*build_.*freshness_checks.* is superseded")
    checks = [
        build_last_update_freshness_checks(
            assets=keys,
            lower_bound_delta=lag,
            severity=AssetCheckSeverity.ERROR if severity == "error" else AssetCheckSeverity.WARN,
            blocking=severity == "error",
        )
        for (lag, severity), keys in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1]))
    ]
    checks = [c for group in checks for c in group]
    if not checks:
        return Definitions()
    run_sensor = build_sensor_for_freshness_checks(
        freshness_checks=checks,
        minimum_interval_seconds=int(sensor.get("minimum_interval_seconds", 600)),
        name=SENSOR_NAME,
        default_status=DefaultSensorStatus.RUNNING,
    )
    return Definitions(asset_checks=checks, sensors=[run_sensor])
