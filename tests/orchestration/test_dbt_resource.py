"""The Dagster dbt step: its CLI resource skips what dagster-dbt does before each dbt command and
the project does not use (a ``dbt --version`` process, a dbt adapter), and it keeps the target
folders of the last runs only."""

from __future__ import annotations

import importlib.metadata
import os

import pytest
from dagster_dbt import DbtCliResource
from packaging import version

from orchestration.defs.dbt import (
    DBT_OP,
    PROJECT_DIR,
    DbtCli,
    dbt_executable,
    keep_run_targets,
    prune_run_targets,
)


def test_the_overridden_members_still_exist_in_dagster_dbt():
    # DbtCli overrides private members: an upgrade that renames them would silently bring back the
    # cost they skip, so it must fail here instead.
    assert isinstance(vars(DbtCliResource).get("_cli_version"), type(vars(DbtCli)["_cli_version"]))
    assert callable(vars(DbtCliResource).get("_initialize_dbt_core_adapter"))


def test_the_dbt_version_comes_from_the_installed_package_without_a_process(monkeypatch):
    import dagster_dbt.core.resource as resource_module

    def no_process(*args, **kwargs):
        raise AssertionError(f"a process was started: {args}")

    monkeypatch.setattr(resource_module, "check_output", no_process)
    dbt = DbtCli(project_dir=str(PROJECT_DIR), profiles_dir=str(PROJECT_DIR), dbt_executable=dbt_executable())
    assert dbt._cli_version == version.parse(importlib.metadata.version("dbt-core"))
    assert dbt._initialize_dbt_core_adapter(["build"]) is None


def test_another_dbt_executable_is_asked_its_version(monkeypatch, tmp_path):
    import dagster_dbt.core.resource as resource_module

    calls = []

    def fake_version(cmd, *args, **kwargs):
        calls.append(cmd)
        return b"Core:\n  - installed: 1.10.7\n"

    monkeypatch.setattr(resource_module, "check_output", fake_version)
    other = tmp_path / "bin" / "dbt"  # a dbt in another environment than this Python's
    other.parent.mkdir()
    other.write_text("#!/bin/sh\n")
    other.chmod(0o755)
    dbt = DbtCli(project_dir=str(PROJECT_DIR), profiles_dir=str(PROJECT_DIR), dbt_executable=str(other))
    assert dbt._cli_version == version.parse("1.10.7")
    assert calls == [[str(other), "--version"]]


def test_the_definitions_run_dbt_through_it(data_dir):
    from orchestration.definitions import build_definitions

    resources = build_definitions().resources
    assert isinstance(resources["dbt"], DbtCli)


def test_only_the_newest_run_target_folders_are_kept(tmp_path):
    runs = []
    for age in range(5):  # run 0 is the newest
        folder = tmp_path / f"{DBT_OP}-run{age}-abcdef0"
        (folder / "compiled").mkdir(parents=True)
        (folder / "dbt.log").write_text("log")
        os.utime(folder, (1_000_000 - age * 60, 1_000_000 - age * 60))
        runs.append(folder)
    other = tmp_path / "compiled"  # the folders `dbt` itself writes are not a run's
    other.mkdir()
    (tmp_path / "manifest.json").write_text("{}")

    removed = prune_run_targets(tmp_path, keep=2)

    assert sorted(removed) == sorted(runs[2:])
    assert [f.exists() for f in runs] == [True, True, False, False, False]
    assert other.exists() and (tmp_path / "manifest.json").exists()
    assert prune_run_targets(tmp_path, keep=2) == []


def test_how_many_runs_to_keep_is_read_from_the_environment(monkeypatch):
    monkeypatch.delenv("NURTURE_DBT_KEEP_RUNS", raising=False)
    assert keep_run_targets() == 20
    monkeypatch.setenv("NURTURE_DBT_KEEP_RUNS", "3")
    assert keep_run_targets() == 3
    for wrong in ("0", "three"):
        monkeypatch.setenv("NURTURE_DBT_KEEP_RUNS", wrong)
        with pytest.raises(ValueError, match="NURTURE_DBT_KEEP_RUNS"):
            keep_run_targets()
