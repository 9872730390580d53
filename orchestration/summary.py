"""What a run did, read from its Dagster events: rows per raw table, models built, checks passed."""

from __future__ import annotations

from dataclasses import dataclass, field

from dagster import ExecuteInProcessResult

from orchestration.defs.dlt import GROUP as RAW_GROUP


@dataclass
class RunSummary:
    success: bool
    loads: dict[str, dict[str, int]] = field(default_factory=dict)  # "source.table" -> counts
    models_built: int = 0
    seeds_loaded: int = 0
    checks_passed: int = 0
    checks_warned: int = 0
    checks_failed: int = 0
    failed_steps: list[str] = field(default_factory=list)
    warned_checks: list[str] = field(default_factory=list)  # "asset: check: what it saw"
    failed_checks: list[str] = field(default_factory=list)
    pending_checks: list[str] = field(default_factory=list)  # checks waiting for their asset

    @property
    def rows_loaded(self) -> int:
        return sum(c.get("rows_loaded", 0) for c in self.loads.values())

    @property
    def rows_rejected(self) -> int:
        return sum(c.get("rows_rejected", 0) for c in self.loads.values())

    def render(self) -> str:
        out = [f"{'raw table':<36}{'loaded':>12}{'rejected':>10}{'warnings':>10}"]
        for name, c in sorted(self.loads.items()):
            loaded, rejected, warned = (c.get(k, 0) for k in ("rows_loaded", "rows_rejected", "warnings"))
            out.append(f"{name:<36}{loaded:>12,}{rejected:>10,}{warned:>10,}")
        out.append(f"{'total':<36}{self.rows_loaded:>12,}{self.rows_rejected:>10,}")
        out.append("")
        out.append(f"dbt: {self.models_built} models built, {self.seeds_loaded} seeds loaded")
        out.append(
            f"checks: {self.checks_passed} passed, {self.checks_warned} warned, {self.checks_failed} failed"
        )
        for title, items in (("warned", self.warned_checks), ("failed", self.failed_checks)):
            for item in items:
                out.append(f"  {title}: {item}")
        if self.pending_checks:
            out.append(f"checks waiting for their table (not built yet): {len(self.pending_checks)}")
            out += [f"  {item}" for item in self.pending_checks]
        if self.failed_steps:
            out.append(f"failed steps: {', '.join(self.failed_steps)}")
        out.append("run " + ("succeeded" if self.success else "FAILED"))
        return "\n".join(out)


def _int(value) -> int:
    raw = getattr(value, "value", value)
    return int(raw) if isinstance(raw, int | float) else 0


def _check_line(evaluation) -> str:
    text = (evaluation.description or "").replace("\n", " ")
    text = text if len(text) <= 200 else text[:197] + "..."
    return f"{evaluation.asset_key.to_user_string()}: {evaluation.check_name}" + (f": {text}" if text else "")


def summarise(result: ExecuteInProcessResult, groups: dict, pending: list[str] | None = None) -> RunSummary:
    """``groups`` maps each asset key to its group (sources, seeds, staging, ...); ``pending`` lists
    the checks that wait for an asset not in the graph yet."""
    summary = RunSummary(success=result.success, pending_checks=list(pending or []))
    for event in result.get_asset_materialization_events():
        mat = event.step_materialization_data.materialization
        key = mat.asset_key
        group = groups.get(key)
        if group == RAW_GROUP:
            meta = mat.metadata
            entry = {k: _int(meta[k]) for k in meta if k in ("rows_loaded", "rows_rejected", "warnings")}
            summary.loads[".".join(key.path)] = entry
            for k in meta:
                if k.endswith("_rows_loaded"):
                    summary.loads[f"{key.path[0]}.{k.removesuffix('_rows_loaded')}"] = {
                        "rows_loaded": _int(meta[k])
                    }
        elif group == "seeds":
            summary.seeds_loaded += 1
        else:
            summary.models_built += 1
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.passed:
            summary.checks_passed += 1
        elif evaluation.severity.value == "WARN":
            summary.checks_warned += 1
            summary.warned_checks.append(_check_line(evaluation))
        else:
            summary.checks_failed += 1
            summary.failed_checks.append(_check_line(evaluation))
    summary.failed_steps = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    return summary
