"""Small pure functions that build dbt command lines (tested in tests/orchestration)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager


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


TEST_SCOPE_ENV = "NURTURE_TEST_SCOPE"


@contextmanager
def with_test_scope(scope: str) -> Iterator[None]:
    """Within the block, dbt runs started (a subprocess or in-process) test event models' new rows
    only (``new_rows``) or every row (``all``): the project reads ``NURTURE_TEST_SCOPE`` when no
    ``test_scope`` var is given. An environment variable rather than a var, because any change of
    ``--vars`` makes dbt parse the whole project again (seconds per run); the scheduler's frequent
    runs then reuse the parse. The previous value comes back on exit."""
    previous = os.environ.get(TEST_SCOPE_ENV)
    os.environ[TEST_SCOPE_ENV] = scope
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(TEST_SCOPE_ENV, None)
        else:
            os.environ[TEST_SCOPE_ENV] = previous
