"""The Dagster definitions load with no environment set, and the lineage runs raw -> staging."""

from __future__ import annotations

import os
import subprocess
import sys

from dagster import AssetKey

from sources.catalog import all_tables


def test_definitions_load_in_a_bare_environment(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NURTURE_", "DAGSTER_"))}
    code = (
        "from orchestration.definitions import defs\n"
        "job = defs.resolve_job_def('nurture')\n"
        "print(sorted(j.name for j in defs.jobs))\n"
        "print(sorted(s.name for s in defs.schedules))\n"
        "print(sorted(s.name for s in defs.sensors))\n"
        "print(len(defs.resolve_all_asset_specs()))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    *_, jobs, schedules, sensors, count = out.stdout.strip().splitlines()
    assert int(count) > len(all_tables())
    names = eval(jobs)
    assert {"build", "daily", "frequent", "load", "nurture"} <= set(names)
    assert all(n.startswith("sync_") for n in set(names) - {"build", "daily", "frequent", "load", "nurture"})
    schedule_names = set(eval(schedules))
    assert {"daily_schedule", "frequent_schedule"} <= schedule_names
    assert all(n.startswith("sync_") for n in schedule_names - {"daily_schedule", "frequent_schedule"})
    assert eval(sensors) == ["alert_on_run_failure", "freshness_checks_sensor", "landing_sensor"]


def test_every_raw_table_is_an_asset_read_by_its_staging_model(data_dir):
    from orchestration.definitions import build_definitions

    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    keys = set(graph.get_all_asset_keys())
    for name, spec in all_tables().items():
        if spec.parent:  # child tables arrive with their parent's asset, under it in the lineage
            child = graph.get(AssetKey([spec.source, name]))
            assert child.parent_keys == {AssetKey([spec.source, spec.parent])}, child.parent_keys
            continue
        raw = AssetKey([spec.source, name])
        assert raw in keys, raw
        children = graph.get(raw).child_keys
        assert any(k.path[-1].startswith(f"stg_{spec.source}__") for k in children), (raw, children)
    groups = {s.group_name for s in defs.resolve_all_asset_specs()}
    assert {"sources", "staging"} <= groups
    assert "default" not in groups  # every asset, raw tables written alongside others included, has a group
    checks = list(graph.asset_check_keys)
    assert len(checks) > 50  # dbt tests are asset checks
    # great-expectations suites and source freshness are asset checks on the raw tables; error ones block
    web = AssetKey(["web", "web_events"])
    on_web = {k.name: graph.get_check_spec(k) for k in checks if k.asset_key == web}
    assert {"no_future_web_events", "unique_event_id", "freshness_check"} <= set(on_web)
    assert on_web["no_future_web_events"].blocking and not on_web["freshness_check"].blocking
