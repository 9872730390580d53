"""Benchmark: diffing a 1M-member audience after 1% changed, and throughput against a rate limit.

``python -m reverse_etl.bench [--members 1000000] [--changed 0.01]`` writes a throw-away warehouse
under ``data/bench-retl/`` and prints:

1. the time to diff the audience against its synced state and write the outbox, after a share of
   the members changed (the first sync, every member an add, is timed too);
2. records per second delivered to a local server that enforces a CRM-style limit (requests per
   window, 429 with Retry-After beyond it), as a share of the most that limit allows.
"""

from __future__ import annotations

import argparse
import shutil
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import duckdb
import orjson

from reverse_etl import ledger
from reverse_etl.engine import compute_diff, run_sync, write_outbox
from reverse_etl.spec import SyncSpec
from sources import settings

POLICY_DDL = """
create schema if not exists marts;
create or replace table marts.activation_policy as
select 'bench' as audience, 'crm' as destination, 'c' || lpad(cast(i as varchar), 8, '0') as member_key,
    'c' || lpad(cast(i as varchar), 8, '0') as contact_id, cast(null as varchar) as anonymous_id,
    'person' || i || '@example.com' as email, '+336' || lpad(cast(i as varchar), 8, '0') as phone,
    'First' || i as first_name, 'Last' || i as last_name, cast(null as varchar) as crm_contact_id,
    '{{"band":"hot","score":' || (i % 100) || '}}' as attributes, 1 as priority, true as is_allowed,
    cast(null as varchar) as hold_reason, timestamp '2026-11-24 00:00:00' as computed_at
from range({n}) t(i)
"""


def _spec(url: str = "http://127.0.0.1:1", batch: int = 100, rate: tuple[int, float] = (100, 10)) -> SyncSpec:
    return SyncSpec(
        name="bench_crm",
        audience="bench",
        destination="crm",
        kind="crm",
        mode="upsert",
        identifier="email",
        fields={"email": "email", "firstname": "first_name", "score": "attributes.score"},
        schedule=None,
        config={
            "base_url": url,
            "token": "bench",
            "batch_size": batch,
            "rate_limit": {"requests": rate[0], "per_seconds": rate[1]},
        },
    )


def bench_diff(path, members: int, changed: float, echo=print) -> dict[str, float]:
    spec = _spec()
    with duckdb.connect(str(path)) as con:
        con.execute("set memory_limit = '2GB'")
        con.execute(POLICY_DDL.format(n=members))
        ledger.ensure(con)
        t0 = time.perf_counter()
        counts = compute_diff(con, spec)
        t_first = time.perf_counter() - t0
        # pretend the first sync was acknowledged: its diff becomes the state
        con.execute(
            f"insert into {ledger.SCHEMA}.sync_state select 'bench_crm', member_key, identifier, payload, "
            "payload_hash, now(), 'bench' from _diff"
        )
        con.execute(
            'update marts.activation_policy set attributes = \'{"band":"warm","score":1}\' '
            f"where cast(substr(member_key, 2) as integer) % {round(1 / changed)} = 0"
        )
        t0 = time.perf_counter()
        after = compute_diff(con, spec)
        t_diff = time.perf_counter() - t0
        t0 = time.perf_counter()
        outbox = write_outbox(con, spec, "bench-run", 100)
        t_outbox = time.perf_counter() - t0
    echo(f"first diff: {counts['add']:,} adds in {t_first:.2f} s")
    echo(
        f"diff after {changed:.0%} changed: {after['change']:,} changes of {members:,} members in "
        f"{t_diff:.2f} s; outbox of {outbox:,} records in {t_outbox:.2f} s"
    )
    return {"first_diff_s": t_first, "diff_s": t_diff, "outbox_s": t_outbox, "changes": after["change"]}


class _LimitedServer:
    """Accepts every batch upsert; beyond ``limit`` requests per ``per`` seconds answers 429 + Retry-After."""

    def __init__(self, limit: int, per: float):
        window: deque[float] = deque()
        lock = threading.Lock()
        self.accepted = self.throttled = 0
        self.first = self.last = 0.0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    now = time.monotonic()
                    while window and now - window[0] >= per:
                        window.popleft()
                    ok = len(window) < limit
                    if ok:
                        window.append(now)
                        outer.first = outer.first or now
                        outer.last = now
                        outer.accepted += len(orjson.loads(body)["inputs"])
                    else:
                        outer.throttled += 1
                data = orjson.dumps({"status": "COMPLETE", "results": []} if ok else {"status": "error"})
                self.send_response(200 if ok else 429)
                if not ok:
                    self.send_header("Retry-After", "1")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"


def bench_throughput(path, records: int, limit: int, per: float, echo=print) -> dict[str, float]:
    with duckdb.connect(str(path)) as con:
        con.execute(POLICY_DDL.format(n=records))
        con.execute(f"drop schema if exists {ledger.SCHEMA} cascade")
    server = _LimitedServer(limit, per)
    try:
        report = run_sync(_spec(server.url, 100, (limit, per)), warehouse=path)
    finally:
        server.httpd.shutdown()
    ceiling = limit * 100 / per  # records per second the vendor's limit allows at 100 per request
    # sending time: first to last accepted request, plus the one request interval the last one uses
    sending = server.last - server.first + per / limit
    rate = server.accepted / sending
    echo(
        f"throughput: {server.accepted:,} records sent in {sending:.1f} s = {rate:,.0f} records/s, "
        f"{rate / ceiling:.0%} of the limit ({limit} requests per {per:g} s x 100 = {ceiling:,.0f}/s); "
        f"{server.throttled} answered 429; the whole sync {report.seconds:.1f} s "
        f"({report.delivered / report.seconds:,.0f} records/s with diff, outbox and log)"
    )
    return {"records_per_s": rate, "share_of_limit": rate / ceiling, "throttled": server.throttled}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--changed", type=float, default=0.01)
    # The CRM's 100 requests per 10 s, scaled to 20 per second: 20 windows in a 20 s run, so the
    # first window's burst weighs little in the share.
    parser.add_argument("--records", type=int, default=40_000, help="records for the throughput run")
    parser.add_argument("--limit", type=int, default=20, help="requests per window")
    parser.add_argument("--per", type=float, default=1.0, help="window in seconds")
    args = parser.parse_args(argv)
    settings.quiet_telemetry()
    folder = settings.data_dir() / "bench-retl"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    bench_diff(folder / "diff.duckdb", args.members, args.changed)
    bench_throughput(folder / "throughput.duckdb", args.records, args.limit, args.per)


if __name__ == "__main__":  # pragma: no cover
    main()
