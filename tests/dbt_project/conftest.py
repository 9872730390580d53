"""Fixtures for dbt tests: a raw warehouse built from the catalog and in-process dbt runs.

The plain helpers live in ``dbt_helpers.py`` (this folder is on ``sys.path`` while its tests run).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt_helpers import DBT_QUIET_ENV, create_raw_tables, run_dbt


@pytest.fixture
def dbt_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Point the dbt profile at a fresh warehouse file under tmp_path; returns its path."""
    warehouse = tmp_path / "warehouse.duckdb"
    for key, value in DBT_QUIET_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("NURTURE_DBT_TARGET", "duckdb")
    monkeypatch.setenv("NURTURE_WAREHOUSE", str(warehouse))
    monkeypatch.delenv("NURTURE_DUCKDB_TEMP_DIR", raising=False)
    return warehouse


@pytest.fixture
def raw_warehouse(dbt_env: Path) -> Path:
    """A warehouse with every raw table created and empty (what the loader leaves before any data)."""
    with duckdb.connect(str(dbt_env)) as con:
        create_raw_tables(con)
    return dbt_env


@pytest.fixture
def dbt(tmp_path: Path) -> Callable[..., Any]:
    """``dbt("build", "--select", "staging")``: run dbt in-process with target/log paths in tmp_path."""

    def _run(*args: str) -> Any:
        return run_dbt(list(args), tmp_path)

    return _run


@pytest.fixture(scope="module")
def module_monkeypatch() -> Iterator[pytest.MonkeyPatch]:
    """A monkeypatch for module-scoped fixtures (one dbt build shared by a module's tests)."""
    with pytest.MonkeyPatch.context() as mp:
        yield mp
