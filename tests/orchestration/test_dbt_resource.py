"""The project's dbt CLI resource skips what dagster-dbt does before each dbt command and the
project does not use: a ``dbt --version`` process and a dbt adapter."""

from __future__ import annotations

import importlib.metadata

from dagster_dbt import DbtCliResource
from packaging import version

from orchestration.defs.dbt import PROJECT_DIR, DbtCli, dbt_executable


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
