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
