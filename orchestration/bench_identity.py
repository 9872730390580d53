"""Benchmark of identity resolution: a synthetic identifier graph through the real identity models.

``run_identity_benchmark(identifiers)`` writes a synthetic observation table straight into a temporary
DuckDB warehouse (as ``intermediate.int_identity__observations``, the table the staging union would
build), then runs the identity seeds and every identity model downstream of it with dbt, in-process,
on a target pointing at that file: the same SQL and macros as a real build.

The graph: people of 1 to 6 identifiers (email, cookie, CRM id, phone, second cookie, login), every
pair of a person's identifiers seen on one record (about 1.6 edges per identifier), plus one
single-identifier record per identifier; 1 person in 50 linked to the next one (households, a few
persons per component) and a few long chains of people (to exercise the propagation depth); and hubs
the guards must block: shared mailboxes on 40 CRM contacts, kiosk cookies typed with 40 addresses.

Usage: ``python -m orchestration.bench_identity 1000000``.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from sources import settings

IDENTITY_MODELS = [
    "int_identity__identifier_activity",
    "int_identity__fan_out",
    "int_identity__nodes",
    "int_identity__blocked_identifiers",
    "int_identity__edges",
    "int_identity__components",
    "int_identity__resolution",
    "int_identity__contact_state",
    "int_identity__merges",
    "int_identity__identifiers",
    "int_identity__record_contacts",
    "int_identity__contacts",
]
PERSON_TYPES = ["email", "anonymous_id", "crm_contact_id", "phone", "anonymous_id", "user_id"]
HUB_FAN_OUT = 40
CHAIN_LENGTH = 2000


@dataclass(frozen=True)
class BenchResult:
    identifiers: int
    observations: int
    edges: int
    blocked: int
    iterations: int
    contacts: int
    seconds: float
    model_seconds: dict[str, float]
    peak_rss_mb: float


def synthetic_observations_sql(people: int, hubs: int) -> str:
    """SQL creating ``intermediate.int_identity__observations`` for ``people`` synthetic people."""
    types = ", ".join(f"'{t}'" for t in PERSON_TYPES)
    return f"""
    create schema if not exists intermediate;
    create or replace table bench_ids as
    with people as (
        select p, 1 + (hash(p) % 6)::int as k from range({people}) as t(p)
    )
    select
        p, j,
        [{types}][j + 1] as identifier_type,
        case [{types}][j + 1]
            when 'email' then 'p' || p || '@mail.test'
            when 'phone' then '+3361' || lpad(p::varchar, 8, '0')
            else [{types}][j + 1] || '-' || p || '-' || j
        end as identifier_value,
        timestamp '2024-01-01' + to_seconds((hash(p, j) % 31536000)::bigint) as occurred_at
    from people, range(6) as r(j)
    where j < k;

    create or replace table intermediate.int_identity__observations as
    -- every pair of a person's identifiers on one record
    with pairs as (
        select a.p, a.j as ja, b.j as jb, greatest(a.occurred_at, b.occurred_at) as occurred_at
        from bench_ids as a join bench_ids as b on a.p = b.p and a.j < b.j
    ),
    pair_records as (
        select
            'bench_pairs' as record_source, p || '-' || ja || '-' || jb as record_id,
            p, ja, jb, occurred_at
        from pairs
    ),
    -- households: 1 person in 50 shares a record with the next person (their emails)
    -- chains: people 0..{CHAIN_LENGTH - 1} of each block of 100000 are linked one after the other
    links as (
        select p as pa, p + 1 as pb from range({people} - 1) as t(p)
        where p % 50 = 7 or (p % 100000 < {CHAIN_LENGTH} - 1)
    ),
    link_obs as (
        select 'bench_links' as record_source, pa || '-' || pb as record_id,
               'email' as identifier_type, 'p' || pa || '@mail.test' as identifier_value,
               timestamp '2024-06-01' as occurred_at
        from links
        union all
        select 'bench_links', pa || '-' || pb, i.identifier_type, i.identifier_value, timestamp '2024-06-01'
        from links join bench_ids as i on i.p = links.pb and i.j = 1 and i.identifier_type = 'anonymous_id'
    ),
    -- hubs: shared mailboxes on many CRM contacts, kiosk cookies typed with many addresses
    hub_obs as (
        select 'bench_hubs' as record_source, 'm' || h || '-' || n as record_id,
               'email' as identifier_type, 'shared' || h || '@corp.test' as identifier_value,
               timestamp '2024-07-01' as occurred_at
        from range({hubs}) as a(h), range({HUB_FAN_OUT}) as b(n)
        union all
        select 'bench_hubs', 'm' || h || '-' || n, 'crm_contact_id',
               'crm_contact_id-' || (h * 977 + n * 131) % {people} || '-2', timestamp '2024-07-01'
        from range({hubs}) as a(h), range({HUB_FAN_OUT}) as b(n)
        union all
        select 'bench_hubs', 'k' || h || '-' || n, 'anonymous_id', 'kiosk-' || h, timestamp '2024-07-02'
        from range({hubs}) as a(h), range({HUB_FAN_OUT}) as b(n)
        union all
        select 'bench_hubs', 'k' || h || '-' || n, 'email',
               'p' || (h * 7919 + n * 104729) % {people} || '@mail.test', timestamp '2024-07-02'
        from range({hubs}) as a(h), range({HUB_FAN_OUT}) as b(n)
    ),
    observed as (
        select record_source, record_id, i.identifier_type, i.identifier_value, r.occurred_at
        from pair_records as r join bench_ids as i on i.p = r.p and i.j in (r.ja, r.jb)
        union all
        select 'bench_single', p || '-' || j, identifier_type, identifier_value, occurred_at from bench_ids
        union all
        select * from link_obs
        union all
        select * from hub_obs
    )
    -- the columns the loader's observations carry: their load time, their record's identifier count
    select
        *,
        timestamp '2024-12-01' as loaded_at,
        count(*) over (partition by record_source, record_id) as record_identifiers
    from observed;
    drop table bench_ids;
    """


def _dbt(args: list[str], warehouse: Path, work: Path) -> object:
    from dbt.cli.main import dbtRunner

    settings.quiet_telemetry()
    os.environ["NURTURE_WAREHOUSE"] = str(warehouse)
    os.environ["NURTURE_DBT_TARGET"] = "duckdb"
    project = str(settings.DBT_PROJECT_DIR)
    full = [
        *args,
        "--project-dir",
        project,
        "--profiles-dir",
        project,
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
        "--quiet",
    ]
    result = dbtRunner().invoke(full)
    if not result.success:
        raise RuntimeError(f"dbt {' '.join(args)} failed: {result.exception or result.result}")
    return result


def run_identity_benchmark(identifiers: int, echo: Callable[[str], None] = print) -> BenchResult:
    """Generate a graph of about ``identifiers`` identifiers and resolve it with the identity models."""
    people = max(10, round(identifiers / 3.5))
    hubs = max(3, identifiers // 100_000)
    saved = {k: os.environ.get(k) for k in ("NURTURE_WAREHOUSE", "NURTURE_DBT_TARGET")}
    with tempfile.TemporaryDirectory(prefix="nurture-bench-identity-") as tmp:
        work = Path(tmp)
        warehouse = work / "bench.duckdb"
        started = time.perf_counter()
        with duckdb.connect(str(warehouse)) as con:
            con.execute(synthetic_observations_sql(people, hubs))
            observations = con.execute(
                "select count(*) from intermediate.int_identity__observations"
            ).fetchone()[0]
        echo(
            f"synthetic graph: {people} people, {observations} observations "
            f"in {time.perf_counter() - started:.1f}s"
        )
        try:
            _dbt(["seed", "--select", "path:seeds/identity"], warehouse, work)
            started = time.perf_counter()
            result = _dbt(["run", "--select", *IDENTITY_MODELS], warehouse, work)
            seconds = time.perf_counter() - started
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            _release()
        model_seconds = {r.node.name: r.execution_time for r in result.result.results}  # type: ignore[attr-defined]
        with duckdb.connect(str(warehouse), read_only=True) as con:
            n_ids, blocked = con.execute(
                "select count(*), count(*) filter (where is_blocked) from intermediate.int_identity__nodes"
            ).fetchone()
            edges = con.execute("select count(*) from intermediate.int_identity__edges").fetchone()[0]
            iterations = con.execute(
                "select max(iterations) from intermediate.int_identity__components"
            ).fetchone()[0]
            contacts = con.execute("select count(*) from intermediate.int_identity__contacts").fetchone()[0]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    bench = BenchResult(
        n_ids, observations, edges, blocked, iterations, contacts, seconds, model_seconds, peak
    )
    echo(render(bench))
    return bench


def _release() -> None:
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:
        return
    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None


def render(bench: BenchResult) -> str:
    per_model = ", ".join(
        f"{name.removeprefix('int_identity__')} {s:.1f}s" for name, s in bench.model_seconds.items()
    )
    return (
        f"identity benchmark: {bench.identifiers:,} identifiers, {bench.edges:,} edges "
        f"({bench.edges / max(bench.identifiers, 1):.2f} per identifier), "
        f"{bench.observations:,} observations\n"
        f"  {bench.blocked} blocked by the guards, {bench.iterations} propagation iterations, "
        f"{bench.contacts:,} contacts\n"
        f"  {bench.seconds:.1f}s for all identity models (dbt run), peak RSS {bench.peak_rss_mb:,.0f} MB\n"
        f"  {per_model}"
    )


if __name__ == "__main__":
    run_identity_benchmark(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
