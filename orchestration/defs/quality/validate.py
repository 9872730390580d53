"""Run one check of a suite with great-expectations (GX 1.x) on a batch read from the warehouse.

The GX context is ephemeral and in-process (nothing written to disk, analytics off); each batch is a
pandas frame holding only the columns the expectation reads, of the rows the check asks for (all of
them, or the latest load). ``group_by`` validates each group on its own; ``baseline`` sets the
expectation's ``min_value``/``max_value`` from the value observed at the previous evaluation.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from orchestration.defs.quality.suites import CheckSpec, resolve_value

LATEST_LOAD = "(select max(_dlt_load_id) from {relation})"


@dataclass
class Outcome:
    passed: bool
    description: str
    metadata: dict[str, Any] = field(default_factory=dict)
    observed: dict[str, Any] = field(default_factory=dict)  # group label -> observed value


def _camel(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


_CONTEXT = None


def gx_batch(frame: pd.DataFrame):
    """A GX batch over a pandas frame, from one ephemeral context per process."""
    global _CONTEXT
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    if _CONTEXT is None:
        context = gx.get_context(mode="ephemeral")
        source = context.data_sources.add_pandas("nurture_warehouse")
        asset = source.add_dataframe_asset("batch")
        asset.add_batch_definition_whole_dataframe("whole")
        _CONTEXT = context
    definition = (
        _CONTEXT.data_sources.get("nurture_warehouse").get_asset("batch").get_batch_definition("whole")
    )
    return definition.get_batch(batch_parameters={"dataframe": frame})


def expectation_for(check: CheckSpec, kwargs: Mapping[str, Any]):
    import great_expectations as gx

    cls = getattr(gx.expectations, _camel(check.expectation), None)
    if cls is None:
        raise ValueError(f"great-expectations has no expectation {check.expectation!r}")
    return cls(**kwargs)


def batch_query(check: CheckSpec, relation: str) -> str:
    """The SQL that reads a check's batch: its own ``query``, else its columns of the relation."""
    latest = LATEST_LOAD.format(relation=relation)
    if check.query:
        return check.query.format(relation=relation, latest_load=latest)
    cols = ", ".join(check.columns()) or "*"
    where = f" where _dlt_load_id = {latest}" if check.rows == "latest_load" else ""
    return f"select {cols} from {relation}{where}"


def _label(key: Any, group_by: tuple[str, ...]) -> str:
    values = key if isinstance(key, tuple) else (key,)
    return ", ".join(f"{col}={val}" for col, val in zip(group_by, values, strict=False))


def _number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _bounds(previous: float, change: float) -> tuple[float, float]:
    low, high = previous * (1 - change), previous * (1 + change)
    return (min(low, high), max(low, high))


def _describe(result: dict[str, Any], kwargs: Mapping[str, Any]) -> str:
    if "unexpected_percent" in result and result.get("element_count"):
        pct = result.get("unexpected_percent") or 0.0
        allowed = (1 - float(kwargs.get("mostly", 1.0))) * 100
        text = f"{pct:.2f}% of {result['element_count']:,} values unexpected (allowed {allowed:.2f}%)"
        sample = result.get("partial_unexpected_list") or []
        if sample:
            text += f", e.g. {', '.join(str(v) for v in sample[:3])}"
        return text
    if "observed_value" in result:
        bounds = [kwargs.get("min_value"), kwargs.get("max_value")]
        return f"observed {_number(result['observed_value'])} (expected between {bounds[0]} and {bounds[1]})"
    return json.dumps({k: _number(v) for k, v in result.items()}, default=str)[:300]


def validate(
    check: CheckSpec,
    frame: pd.DataFrame,
    previous: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> Outcome:
    """Validate the check's expectation on the frame (per group), against the previous observation."""
    kwargs = resolve_value(check.kwargs, now)
    missing = [c for c in check.columns() if c not in frame.columns]
    if missing:
        return Outcome(False, f"column(s) {missing} not in the batch (columns: {list(frame.columns)})")
    if check.group_by:
        groups = {_label(k, check.group_by): g for k, g in frame.groupby(list(check.group_by), dropna=False)}
    else:
        groups = {"all": frame}
    previous = dict(previous or {})
    failures: list[str] = []
    details: dict[str, Any] = {}
    observed: dict[str, Any] = {}
    for label, group in groups.items():
        group_kwargs = dict(kwargs)
        if check.baseline is not None:
            before = previous.get(label)
            if isinstance(before, int | float):
                low, high = _bounds(float(before), check.baseline.max_relative_change)
                group_kwargs |= {"min_value": low, "max_value": high}
            else:  # first time this group is seen: record it, nothing to compare with
                group_kwargs |= {"min_value": None, "max_value": None}
        batch = gx_batch(group.reset_index(drop=True))
        result = batch.validate(expectation_for(check, group_kwargs))
        if result.exception_info and result.exception_info.get("raised_exception"):
            message = result.exception_info.get("exception_message")
            failures.append(f"{label}: great-expectations could not evaluate: {message}")
            continue
        res = dict(result.result or {})
        if "observed_value" in res:
            observed[label] = _number(res["observed_value"])
        details[label] = {
            k: _number(v)
            for k, v in res.items()
            if k in ("observed_value", "element_count", "unexpected_count", "unexpected_percent")
        }
        if check.baseline is not None and label in previous:
            details[label]["previous"] = previous[label]
        if not result.success:
            failures.append(f"{label}: {_describe(res, group_kwargs)}")
    if check.baseline is not None:
        for label in sorted(set(previous) - set(groups)):
            failures.append(f"{label}: no rows now (was {previous[label]})")
    metadata = {
        "expectation": check.expectation,
        "kwargs": json.dumps(check.kwargs, default=str, sort_keys=True),
        "rows": int(len(frame)),
        "groups": details,
    }
    if observed:
        metadata["observed"] = observed
    if failures:
        shown = "; ".join(failures[:5]) + (f"; and {len(failures) - 5} more" if len(failures) > 5 else "")
        return Outcome(False, f"{check.name} failed: {shown}", metadata, observed)
    if not groups or len(frame) == 0:
        return Outcome(True, f"{check.name}: no rows to check", metadata, observed)
    first = next(iter(details.values()), {})
    summary = _describe(first, kwargs) if len(groups) == 1 else f"{len(groups)} groups passed"
    if check.baseline is not None and not previous:
        summary += " (first evaluation: baseline recorded)"
    return Outcome(True, f"{check.name} passed: {summary}", metadata, observed)


def run_check(
    check: CheckSpec,
    relation: str,
    read: Callable[[str], pd.DataFrame],
    previous: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> Outcome:
    """Read the batch with ``read(sql)`` and validate it; a missing table or column is a failed check."""
    sql = batch_query(check, relation)
    try:
        frame = read(sql)
    except Exception as exc:  # noqa: BLE001 - the check reports it: the asset's table is not readable
        return Outcome(False, f"could not read the batch of {relation}: {exc}", {"query": sql})
    outcome = validate(check, frame, previous, now)
    outcome.metadata["query"] = sql
    return outcome
