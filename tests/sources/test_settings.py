"""Whole numbers read from the environment: a default when unset, a clear error naming the variable."""

from __future__ import annotations

import os

import pytest

from sources import parallel, settings


def test_a_count_from_the_environment(monkeypatch):
    monkeypatch.delenv("NURTURE_SOME_COUNT", raising=False)
    assert settings.env_count("NURTURE_SOME_COUNT", 7, minimum=1, unit="runs") == 7
    monkeypatch.setenv("NURTURE_SOME_COUNT", " ")
    assert settings.env_count("NURTURE_SOME_COUNT", 7, minimum=1, unit="runs") == 7
    monkeypatch.setenv("NURTURE_SOME_COUNT", "3")
    assert settings.env_count("NURTURE_SOME_COUNT", 7, minimum=1, unit="runs") == 3
    monkeypatch.setenv("NURTURE_SOME_COUNT", "three")
    with pytest.raises(ValueError, match=r"NURTURE_SOME_COUNT='three': expected a whole number of runs"):
        settings.env_count("NURTURE_SOME_COUNT", 7, minimum=1, unit="runs")
    monkeypatch.setenv("NURTURE_SOME_COUNT", "0")
    with pytest.raises(ValueError, match=r"NURTURE_SOME_COUNT='0': expected 1 or more runs"):
        settings.env_count("NURTURE_SOME_COUNT", 7, minimum=1, unit="runs")


def test_load_workers_default_to_the_cores_and_allow_none(monkeypatch):
    monkeypatch.delenv("NURTURE_LOAD_WORKERS", raising=False)
    assert parallel.workers() == (os.cpu_count() or 1)
    monkeypatch.setenv("NURTURE_LOAD_WORKERS", "0")
    assert parallel.workers() == 0
    monkeypatch.setenv("NURTURE_LOAD_WORKERS", "-1")
    with pytest.raises(ValueError, match="NURTURE_LOAD_WORKERS"):
        parallel.workers()
