"""Crash safety: a sync killed with SIGKILL mid-way, then run again, applies every record exactly once.

The sync runs as ``nurture sync`` in a subprocess against a local webhook server that honours
Idempotency-Key. The server hangs on its Nth request, either before applying it (the request is lost
with the process) or after applying it (the answer is lost): the test kills the process there, runs
the sync again and checks what the server applied.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from retl_policy import member, query, write_policy, write_sync
from retl_servers import VendorServer, WebhookApp

SECRET = "whsec-crash"
MEMBERS = 100
NURTURE = str(Path(sys.executable).parent / "nurture")


def _env(warehouse, syncs_dir):
    return {**os.environ, "NURTURE_WAREHOUSE": str(warehouse), "NURTURE_SYNCS_DIR": str(syncs_dir)}


@pytest.mark.parametrize("hang", ["before_apply", "after_apply"])
def test_kill_mid_sync_then_rerun_applies_every_record_exactly_once(warehouse, syncs_dir, hang):
    write_policy(warehouse, [member(i) for i in range(MEMBERS)])
    app = WebhookApp(SECRET)
    with VendorServer(app) as server:
        write_sync(
            syncs_dir,
            "crash_webhook",
            audience="hot_leads",
            destination="webhook",
            mode="upsert",
            identifier="member_key",
            fields={"email": "email", "score": "attributes.score"},
            config={"url": server.url, "secret": SECRET, "batch_size": 10, "rate_limit": {"requests": 1000}},
        )
        setattr(server, f"hang_{hang}_after", 3)
        proc = subprocess.Popen(
            [NURTURE, "sync", "crash_webhook"],
            env=_env(warehouse, syncs_dir),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            assert server.hung.wait(120), "the sync never reached the 4th request"
            proc.send_signal(signal.SIGKILL)
            proc.wait(30)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == -signal.SIGKILL
        setattr(server, f"hang_{hang}_after", None)
        server.release.set()

        applied_before = sum(len(v) for v in app.applied.values())
        assert applied_before == (30 if hang == "before_apply" else 40)
        # the intent survived the kill: batches not yet acknowledged (the 4th and on, and any of the
        # first three whose answer was not recorded yet) are still in the outbox
        pending, batches = query(
            warehouse, "select count(*), count(distinct batch_key) from reverse_etl.outbox"
        )[0]
        assert 70 <= pending <= 100 and pending == 10 * batches

        rerun = subprocess.run(
            [NURTURE, "sync", "crash_webhook"], env=_env(warehouse, syncs_dir), capture_output=True, text=True
        )
        assert rerun.returncode == 0, rerun.stderr
        assert f"{pending} resent" in rerun.stdout and "0 adds" in rerun.stdout

    # exactly once: every member applied, none twice
    assert Counter(len(v) for v in app.applied.values()) == {1: MEMBERS}
    assert set(app.applied) == {f"c{i:06d}" for i in range(MEMBERS)}
    keys = Counter(app.keys_seen)
    assert len(keys) == 10 and max(keys.values()) <= 2
    if hang == "after_apply":  # the 4th batch was sent again, with the same key, and not re-applied
        assert keys[app.keys_seen[3]] == 2
    assert query(warehouse, "select count(*) from reverse_etl.outbox") == [(0,)]
    assert query(warehouse, "select count(*) from reverse_etl.sync_state") == [(MEMBERS,)]
    statuses = query(warehouse, "select status from reverse_etl.sync_runs order by started_at")
    assert statuses == [("interrupted",), ("succeeded",)]  # the killed run is marked by the next one
