"""The sync ledger, in the warehouse's ``reverse_etl`` schema.

- ``sync_state``: per sync and member, the payload the destination acknowledged last (the base of
  every diff).
- ``outbox``: records a run means to send, written (with their batch and its idempotency key) before
  anything is sent and deleted in the same transaction that acknowledges them. Rows still here
  after a crash are resent first by the next run, in the same batches with the same keys.
- ``failed_records``: members the destination rejected, with the reason; retried on the next sync
  unless ``terminal`` (then only once their payload changes). Batches that could not be delivered
  (destination down) are listed too while they wait in the outbox.
- ``sync_runs`` and ``sync_records``: the log, one row per run and per record sent (old and new
  payload, outcome).
"""

from __future__ import annotations

SCHEMA = "reverse_etl"

DDL = f"""
create schema if not exists {SCHEMA};
create table if not exists {SCHEMA}.sync_state (
    sync_name varchar not null,
    member_key varchar not null,
    identifier varchar,
    payload varchar not null,
    payload_hash varchar not null,
    synced_at timestamp not null,
    run_id varchar not null,
    primary key (sync_name, member_key)
);
create table if not exists {SCHEMA}.outbox (
    sync_name varchar not null,
    run_id varchar not null,
    batch_key varchar not null,
    batch_seq integer not null,
    member_key varchar not null,
    action varchar not null,
    op varchar not null,
    identifier varchar,
    payload varchar not null,
    payload_hash varchar,
    old_payload varchar,
    attempts integer not null default 0,
    last_error varchar,
    created_at timestamp not null
);
create table if not exists {SCHEMA}.failed_records (
    sync_name varchar not null,
    member_key varchar not null,
    action varchar not null,
    payload_hash varchar,
    reason varchar not null,
    terminal boolean not null,
    attempts integer not null,
    first_failed_at timestamp not null,
    last_failed_at timestamp not null,
    run_id varchar not null,
    primary key (sync_name, member_key)
);
create table if not exists {SCHEMA}.sync_runs (
    run_id varchar primary key,
    sync_name varchar not null,
    audience varchar not null,
    destination varchar not null,
    destination_type varchar not null,
    mode varchar not null,
    dry_run boolean not null,
    status varchar not null,
    started_at timestamp not null,
    finished_at timestamp,
    adds integer,
    changes integer,
    removes integer,
    resent integer,
    delivered integer,
    rejected integer,
    pending integer,
    requests integer,
    throttled integer,
    held_back varchar,
    error varchar
);
create table if not exists {SCHEMA}.sync_records (
    run_id varchar not null,
    sync_name varchar not null,
    member_key varchar not null,
    action varchar not null,
    status varchar not null,
    batch_key varchar not null,
    reason varchar,
    terminal boolean,
    old_payload varchar,
    new_payload varchar,
    logged_at timestamp not null
);
"""


def ensure(con) -> None:
    con.execute(DDL)
