"""Fixtures for the reverse-ETL tests: a test warehouse with a policy table, a syncs folder."""

from __future__ import annotations

import pytest
from retl_policy import write_policy


@pytest.fixture
def warehouse(data_dir):
    path = data_dir / "warehouse.duckdb"
    write_policy(path, [])
    return path


@pytest.fixture
def syncs_dir(tmp_path, monkeypatch):
    folder = tmp_path / "syncs"
    folder.mkdir()
    monkeypatch.setenv("NURTURE_SYNCS_DIR", str(folder))
    return folder
