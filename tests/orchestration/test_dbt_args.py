from orchestration.dbt_args import build_args


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
