"""A real, throwaway PostgreSQL server for the tests that need one.

`NURTURE_TEST_POSTGRES_DSN` points the tests at a server you already run. Otherwise the fixture
starts its own cluster (initdb + pg_ctl from the machine's PostgreSQL packages) in a temporary folder,
on a free port, and stops it at the end of the session. `.ci/run` installs the packages when they are
missing; in CI a missing server is an error, elsewhere the tests that need it are skipped with the reason.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest


def _bindir() -> Path | None:
    found = shutil.which("pg_config")
    if found:
        out = subprocess.run([found, "--bindir"], capture_output=True, text=True, check=False).stdout.strip()
        if out and (Path(out) / "initdb").exists():
            return Path(out)
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_user(cmd: list[str]) -> list[str]:
    """initdb refuses to run as root: run the server as the packages' `postgres` user then."""
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


@pytest.fixture(scope="session")
def postgres_dsn():
    """A DSN (postgresql://user@127.0.0.1:port/postgres) of a running PostgreSQL server."""
    given = os.environ.get("NURTURE_TEST_POSTGRES_DSN")
    if given:
        yield given
        return
    bindir = _bindir()
    if bindir is None:
        message = (
            "PostgreSQL server binaries not found (install postgresql, or set NURTURE_TEST_POSTGRES_DSN)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    root = Path(tempfile.mkdtemp(prefix="nurture-pg-"))
    data = root / "data"
    user = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    if os.geteuid() == 0:
        shutil.chown(root, user="postgres")
    port = _free_port()
    subprocess.run(
        _as_user([str(bindir / "initdb"), "-D", str(data), "-U", user, "-A", "trust", "--no-sync"]),
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        _as_user(
            [str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start"]
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql://{user}@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)
