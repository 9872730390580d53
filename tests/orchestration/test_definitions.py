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
        "print(len(defs.resolve_all_asset_specs()))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    assert int(out.stdout.strip().splitlines()[-1]) > len(all_tables())


def test_every_raw_table_is_an_asset_read_by_its_staging_model(data_dir):
    from orchestration.definitions import build_definitions

    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    keys = set(graph.get_all_asset_keys())
    for name, spec in all_tables().items():
        if spec.parent:  # child tables arrive with their parent's asset
            continue
        raw = AssetKey([spec.source, name])
        assert raw in keys, raw
        children = graph.get(raw).child_keys
        assert any(k.path[-1].startswith(f"stg_{spec.source}__") for k in children), (raw, children)
    groups = {s.group_name for s in defs.resolve_all_asset_specs()}
    assert {"sources", "staging"} <= groups
    checks = list(graph.asset_check_keys)
    assert len(checks) > 50  # dbt tests are asset checks
