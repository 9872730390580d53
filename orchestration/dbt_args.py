"""Small pure functions that build dbt command lines (tested in tests/orchestration)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence


def build_args(
    *,
    full_refresh: bool = False,
    select: Sequence[str] = (),
    exclude: Sequence[str] = (),
    vars: Mapping[str, object] | None = None,
    unit_tests: bool = True,
) -> list[str]:
    """Arguments for ``dbt build``: tests run with the models, so a failing test stops what depends on it.

    ``unit_tests=False`` leaves out dbt's unit tests (fixed inputs, checking the SQL's logic, not the
    data): as dbt advises, scheduled runs skip them; development, ``nurture build`` and CI run them.
    Data tests always run.
    """
    args = ["build"]
    if full_refresh:
        args.append("--full-refresh")
    if not unit_tests:
        args += ["--exclude-resource-type", "unit_test"]
    if select:
        args += ["--select", *select]
    if exclude:
        args += ["--exclude", *exclude]
    if vars:
        args += ["--vars", json.dumps(dict(vars), sort_keys=True)]
    return args
