import os

import pytest
import typer

from orchestration.cli import build_vars
from orchestration.dbt_args import TEST_SCOPE_ENV, build_args, with_test_scope


def test_plain_build():
    assert build_args() == ["build"]


def test_full_refresh_selection_and_vars():
    args = build_args(
        full_refresh=True, select=["staging", "+fct_x"], exclude=["tag:slow"], vars={"b": 1, "a": "x"}
    )
    assert args == [
        "build",
        "--full-refresh",
        "--select",
        "staging",
        "+fct_x",
        "--exclude",
        "tag:slow",
        "--vars",
        '{"a": "x", "b": 1}',
    ]


def test_scheduled_runs_leave_out_unit_tests():
    from orchestration.defs.dbt import DbtBuildConfig

    assert build_args(unit_tests=False) == ["build", "--exclude-resource-type", "unit_test"]
    assert DbtBuildConfig().unit_tests is False  # the jobs' default; CI and `nurture build` run them


def test_nurture_build_vars_from_as_of_and_var_pairs() -> None:
    assert build_vars(None, []) is None
    assert build_vars("2026-06-30", ["scoring_history_days=30", "brand=b2c"]) == {
        "as_of": "2026-06-30",
        "scoring_history_days": 30,
        "brand": "b2c",
    }
    for bad_as_of, pairs in (("30/06/2026", []), (None, ["no_equals_sign"]), (None, ["=1"])):
        with pytest.raises(typer.Exit):
            build_vars(bad_as_of, pairs)


def test_test_scope_is_set_for_the_block_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The frequent job passes its test scope as an environment variable (no --vars: dbt keeps its
    partial parse), and leaves the environment as it found it."""
    monkeypatch.delenv(TEST_SCOPE_ENV, raising=False)
    with with_test_scope("new_rows"):
        assert os.environ[TEST_SCOPE_ENV] == "new_rows"
    assert TEST_SCOPE_ENV not in os.environ
    monkeypatch.setenv(TEST_SCOPE_ENV, "all")
    with pytest.raises(RuntimeError), with_test_scope("new_rows"):
        raise RuntimeError("dbt failed to start")
    assert os.environ[TEST_SCOPE_ENV] == "all"
