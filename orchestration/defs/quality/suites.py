"""Expectation suites as data: one YAML file per asset in ``suites/`` (format in ``suites/README.md``).

Parsing is strict: an unknown key, a missing field or a bad severity is an error that names the file
and the check, raised when the definitions load (so a typo never silently disables a check).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import yaml

SUITES_DIR = Path(__file__).parent / "suites"
SEVERITIES = ("error", "warn")
ROWS = ("all", "latest_load")
_CHECK_KEYS = {
    "name",
    "description",
    "severity",
    "expectation",
    "kwargs",
    "query",
    "rows",
    "group_by",
    "baseline",
}
_SUITE_KEYS = {"asset", "table", "description", "rows", "checks"}
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_EXPECTATION = re.compile(r"^expect_[a-z0-9_]+$")
_NOW = re.compile(r"^@now(?:\s*([+-])\s*(\d+)\s*([mhd]))?$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class SuiteError(ValueError):
    pass


@dataclass(frozen=True)
class Baseline:
    """Bounds from the previous evaluation: observed value x (1 -/+ max_relative_change)."""

    max_relative_change: float


@dataclass(frozen=True)
class CheckSpec:
    name: str
    expectation: str  # a great-expectations expectation type, snake_case
    kwargs: dict[str, Any]
    severity: Literal["error", "warn"]
    description: str = ""
    query: str | None = None  # SQL for the batch; {relation} and {latest_load} are filled in
    rows: Literal["all", "latest_load"] = "all"
    group_by: tuple[str, ...] = ()
    baseline: Baseline | None = None

    @property
    def blocking(self) -> bool:
        return self.severity == "error"

    def columns(self) -> list[str]:
        """Columns the expectation reads (so the batch selects only these)."""
        cols: list[str] = list(self.group_by)
        for key in ("column", "column_A", "column_B"):
            if isinstance(self.kwargs.get(key), str):
                cols.append(self.kwargs[key])
        for key in ("column_list",):
            cols += [c for c in self.kwargs.get(key) or [] if isinstance(c, str)]
        return list(dict.fromkeys(cols))


@dataclass(frozen=True)
class Suite:
    path: Path
    asset: tuple[str, ...]
    checks: tuple[CheckSpec, ...]
    table: str | None = None  # schema.table; derived from the asset when unset
    description: str = ""
    extra: dict = field(default_factory=dict)


def _fail(path: Path, where: str, message: str) -> SuiteError:
    return SuiteError(f"{path.name}: {where}: {message}")


def parse_check(path: Path, raw: Any, default_rows: str) -> CheckSpec:
    if not isinstance(raw, dict):
        raise _fail(path, "checks", f"each check is a mapping, got {raw!r}")
    name = raw.get("name")
    where = f"check {name!r}"
    if not isinstance(name, str) or not _NAME.match(name):
        raise _fail(path, where, "`name` is required: lower_snake_case")
    unknown = set(raw) - _CHECK_KEYS
    if unknown:
        raise _fail(path, where, f"unknown key(s) {sorted(unknown)}; allowed: {sorted(_CHECK_KEYS)}")
    expectation = raw.get("expectation")
    if not isinstance(expectation, str) or not _EXPECTATION.match(expectation):
        raise _fail(
            path,
            where,
            "`expectation` is required: a great-expectations type, e.g. expect_column_values_to_be_unique",
        )
    severity = raw.get("severity", "error")
    if severity not in SEVERITIES:
        raise _fail(path, where, f"`severity` must be one of {SEVERITIES}, got {severity!r}")
    kwargs = raw.get("kwargs") or {}
    if not isinstance(kwargs, dict):
        raise _fail(path, where, "`kwargs` must be a mapping")
    rows = raw.get("rows", default_rows)
    if rows not in ROWS:
        raise _fail(path, where, f"`rows` must be one of {ROWS}, got {rows!r}")
    group_by = raw.get("group_by") or []
    if isinstance(group_by, str):
        group_by = [group_by]
    baseline = None
    if raw.get("baseline") is not None:
        b = raw["baseline"]
        change = b.get("max_relative_change") if isinstance(b, dict) else None
        if not isinstance(change, int | float) or change < 0:
            raise _fail(path, where, "`baseline` needs `max_relative_change`: a number >= 0 (0.25 = 25%)")
        baseline = Baseline(float(change))
    query = raw.get("query")
    if query is not None and not isinstance(query, str):
        raise _fail(path, where, "`query` must be a SQL string")
    return CheckSpec(
        name=name,
        expectation=expectation,
        kwargs=dict(kwargs),
        severity=severity,
        description=str(raw.get("description") or "").strip(),
        query=query,
        rows=rows,
        group_by=tuple(group_by),
        baseline=baseline,
    )


def parse_suite(path: Path) -> Suite:
    try:
        doc = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise SuiteError(f"{path.name}: not valid YAML: {exc}") from None
    if not isinstance(doc, dict):
        raise _fail(path, "file", "a suite is a mapping with `asset` and `checks`")
    unknown = set(doc) - _SUITE_KEYS
    if unknown:
        raise _fail(path, "file", f"unknown key(s) {sorted(unknown)}; allowed: {sorted(_SUITE_KEYS)}")
    asset = doc.get("asset")
    if isinstance(asset, str):
        asset = asset.split("/")
    if not isinstance(asset, list) or not asset or not all(isinstance(p, str) for p in asset):
        raise _fail(path, "asset", "the asset key as a list, e.g. [web, web_events] or [fct_lead_scores]")
    default_rows = doc.get("rows", "all")
    if default_rows not in ROWS:
        raise _fail(path, "rows", f"must be one of {ROWS}, got {default_rows!r}")
    checks = tuple(parse_check(path, c, default_rows) for c in doc.get("checks") or [])
    if not checks:
        raise _fail(path, "checks", "a suite needs at least one check")
    names = [c.name for c in checks]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise _fail(path, "checks", f"duplicate check name(s) {dupes}")
    table = doc.get("table")
    if table is not None and (not isinstance(table, str) or table.count(".") != 1):
        raise _fail(path, "table", f"schema.table, got {table!r}")
    return Suite(
        path=path,
        asset=tuple(asset),
        checks=checks,
        table=table,
        description=str(doc.get("description") or "").strip(),
    )


def load_suites(folder: Path = SUITES_DIR) -> list[Suite]:
    suites = [parse_suite(p) for p in sorted(folder.glob("*.yml"))]
    seen: dict[tuple[str, ...], Path] = {}
    for suite in suites:
        if suite.asset in seen:
            other = seen[suite.asset].name
            raise SuiteError(f"{suite.path.name}: asset {list(suite.asset)} already has a suite in {other}")
        seen[suite.asset] = suite.path
    return suites


def resolve_value(value: Any, now: datetime | None = None) -> Any:
    """``"@now"``, ``"@now+1h"``, ``"@now-30d"`` become UTC datetimes; lists and mappings recurse."""
    if isinstance(value, str):
        match = _NOW.match(value.strip())
        if match:
            moment = now or datetime.now(UTC)
            sign, amount, unit = match.groups()
            if amount:
                delta = timedelta(**{_UNITS[unit]: int(amount)})
                moment = moment + delta if sign == "+" else moment - delta
            return moment
        return value
    if isinstance(value, list):
        return [resolve_value(v, now) for v in value]
    if isinstance(value, dict):
        return {k: resolve_value(v, now) for k, v in value.items()}
    return value
