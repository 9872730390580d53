"""Shared fixtures: every test gets its own data folder and warehouse, and no telemetry."""

from __future__ import annotations

import pytest

from sources import settings


@pytest.fixture(autouse=True)
def _no_telemetry():
    settings.quiet_telemetry()


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A fresh NURTURE_DATA_DIR (warehouse, landing, dlt state) for one test."""
    root = tmp_path / "data"
    root.mkdir()
    monkeypatch.setenv("NURTURE_DATA_DIR", str(root))
    monkeypatch.setenv("NURTURE_WAREHOUSE", str(root / "warehouse.duckdb"))
    monkeypatch.delenv("NURTURE_LANDING", raising=False)
    return root


from tests.postgres import postgres_dsn  # noqa: E402,F401  (a session fixture for the tests that need a server)
