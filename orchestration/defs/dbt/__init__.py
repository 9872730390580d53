"""The dbt project as Dagster assets, run with ``dbt build`` so every dbt test is an asset check."""

import importlib.metadata
import os
import re
import shutil
import sys
from collections.abc import Mapping, Sequence
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from dagster import AssetExecutionContext, AssetSpec, Config, Definitions
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from packaging import version

from orchestration.dbt_args import build_args, with_test_scope
from orchestration.defs.dlt import WAREHOUSE_POOL
from sources import settings

PROJECT_DIR = settings.DBT_PROJECT_DIR
DBT_OP = "dbt_models"
WATCHED = ("models", "macros", "seeds", "snapshots", "tests", "dbt_project.yml", "profiles.yml")
# The asset tag holding a model's `refresh` (its config meta: how often an audience is rebuilt),
# which the frequent job reads (automation.yml: `daily_refresh`).
REFRESH_TAG = "nurture/refresh"
_TAG_VALUE = re.compile(r"[A-Za-z0-9_.-]{1,63}")


def dbt_executable() -> str:
    """dbt beside this Python (the project's virtual environment), else the one on PATH."""
    local = Path(sys.executable).parent / "dbt"
    return str(local) if local.exists() else (shutil.which("dbt") or "dbt")


def dbt_target() -> str:
    return os.environ.get("NURTURE_DBT_TARGET", "duckdb")


def _newest_source_change(project_dir: Path) -> float:
    newest = 0.0
    for name in WATCHED:
        path = project_dir / name
        files = path.rglob("*") if path.is_dir() else [path]
        newest = max([newest, *(f.stat().st_mtime for f in files if f.is_file())])
    return newest


def ensure_manifest(project: DbtProject) -> Path:
    """Parse the project when its manifest is missing or older than its files (a fresh clone, an edit)."""
    manifest = project.manifest_path
    if not manifest.exists() or manifest.stat().st_mtime < _newest_source_change(project.project_dir):
        from dbt.cli.main import dbtRunner

        args = [
            "parse",
            "--project-dir",
            str(project.project_dir),
            "--profiles-dir",
            str(project.profiles_dir),
        ]
        args += ["--target", project.target or dbt_target(), "--quiet"]
        result = dbtRunner().invoke(args)
        if not result.success:
            raise RuntimeError(f"dbt parse failed in {project.project_dir}: {result.exception}")
    return manifest


def keep_run_targets() -> int:
    """How many Dagster runs' dbt target folders to keep (``NURTURE_DBT_KEEP_RUNS``, default 20)."""
    return settings.env_count("NURTURE_DBT_KEEP_RUNS", 20, minimum=1, unit="runs")


def prune_run_targets(target_dir: Path, keep: int) -> list[Path]:
    """Delete all but the ``keep`` newest dbt target folders of Dagster runs in ``target_dir``.

    dagster-dbt gives every dbt command of a run its own folder (``<op>-<run id>-<id>``: compiled
    SQL, the log, the manifest; about 12 MB at 10M events) and never removes it: a frequent
    schedule would fill the disk (every 15 minutes, over 1 GB a day). Returns the folders removed.
    """
    runs = sorted(
        (path for path in target_dir.glob(f"{DBT_OP}-*") if path.is_dir()),
        key=lambda path: path.stat().st_mtime,
        reverse=True,
    )
    for old in runs[keep:]:
        shutil.rmtree(old, ignore_errors=True)
    return runs[keep:]


class DbtCli(DbtCliResource):
    """dagster-dbt's dbt CLI resource, without two things it does before every dbt command that this
    project does not need (together about 2.3 s of every scheduled run; a frequent run's dbt step at
    10M events went from 29.8 to 27.5 s):

    - it runs ``dbt --version`` in another process to learn which dbt it calls: the dbt beside this
      Python is the dbt-core package installed here, whose version the package metadata gives;
    - it builds a dbt adapter in this process, which only its ``fetch_row_counts`` and
      ``fetch_column_metadata`` use; the assets here stream the dbt events as they are.

    Both override private members of ``DbtCliResource``; ``tests/orchestration`` checks that they
    still exist, so that an upgrade that renames them fails a test instead of slowing every run.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        if Path(self.dbt_executable).parent == Path(sys.executable).parent:
            return version.parse(importlib.metadata.version("dbt-core"))
        return super()._cli_version

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None


class DbtBuildConfig(Config):
    """Run options: the daily schedule sets ``as_of`` to its day (the dbt var every time rule reads)."""

    as_of: str | None = None  # YYYY-MM-DD; unset: today
    full_refresh: bool = False
    # dbt unit tests check the SQL's logic on fixed inputs: CI and `nurture build` run them; a
    # scheduled run, which only brings new data, leaves them out unless asked.
    unit_tests: bool = False
    # "new_rows": the row tests of event models (one row per event) read the rows this run loaded,
    # as the frequent job asks; "all": every row (the daily job, the default). Passed to dbt as the
    # environment variable NURTURE_TEST_SCOPE (a var would cost a full parse on every run).
    test_scope: Literal["all", "new_rows"] = "all"


class ModelTranslator(DagsterDbtTranslator):
    """Groups follow the folders: staging, intermediate, marts (and seeds). A model whose config meta
    has a `refresh` (an audience's cadence: hourly, daily, weekly) carries it as the asset tag
    ``nurture/refresh``; one Dagster cannot hold as a tag value (spaces, over 63 characters) is left
    out, and the model is then rebuilt by every frequent run."""

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = manifest["nodes"].get(unique_id) or manifest["sources"].get(unique_id) or {}
        fqn = node.get("fqn", [])
        if unique_id.startswith("source."):
            group = "sources"  # raw tables loaded inside another table's asset (order lines, quarantine)
        elif node.get("resource_type") == "seed":
            group = "seeds"
        elif len(fqn) > 2:
            group = fqn[1]
        else:
            group = spec.group_name
        refresh = (node.get("config", {}).get("meta") or {}).get("refresh")
        if isinstance(refresh, str) and _TAG_VALUE.fullmatch(refresh):
            spec = spec.merge_attributes(tags={REFRESH_TAG: refresh})
        return spec.replace_attributes(group_name=group)


def build_defs() -> Definitions:
    os.environ.setdefault("NURTURE_WAREHOUSE", str(settings.warehouse_path()))
    project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR, target=dbt_target())
    manifest = ensure_manifest(project)
    translator = ModelTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    @dbt_assets(
        manifest=manifest,
        project=project,
        dagster_dbt_translator=translator,
        pool=WAREHOUSE_POOL,
        name=DBT_OP,
    )
    def dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig):
        if config.as_of:
            date.fromisoformat(config.as_of)  # a clear error for anything but YYYY-MM-DD
        variables = {"as_of": config.as_of} if config.as_of else {}
        args = build_args(
            full_refresh=config.full_refresh, vars=variables or None, unit_tests=config.unit_tests
        )
        if context.is_subset:
            # A partial run (the frequent job) runs the tests whose models it all builds: a test
            # that also reads a model left to the daily run (score history) runs with that one.
            args += ["--indirect-selection", "cautious"]
        keep = keep_run_targets()  # a wrong value fails before dbt runs
        with with_test_scope(config.test_scope):  # read when the dbt process starts
            invocation = dbt.cli(args, context=context)
        try:
            yield from invocation.stream()
        finally:
            removed = prune_run_targets(invocation.target_path.parent, keep)
            if removed:
                context.log.info(f"removed the dbt target folders of {len(removed)} older runs (kept {keep})")

    return Definitions(
        assets=[dbt_models],
        resources={
            "dbt": DbtCli(
                project_dir=project,
                profiles_dir=str(PROJECT_DIR),
                target=dbt_target(),
                dbt_executable=dbt_executable(),
            )
        },
    )
