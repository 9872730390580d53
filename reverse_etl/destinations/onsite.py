"""On-site personalisation: audiences and attributes per contact and per anonymous id, in PostgreSQL.

Tables (in the configured schema, ``personalisation`` by default), created when missing:

- ``audience_members (member_key, audience, contact_id, anonymous_id, attributes jsonb, updated_at)``,
  primary key ``(member_key, audience)``: upserted on add and change, deleted on remove;
- ``profiles``: a view, one row per member with the list of its audiences and their attributes,
  which the website reads by ``contact_id`` or ``anonymous_id``;
- ``applied_batches (idempotency_key, applied_at)``: written in the same transaction as the batch,
  so a batch resent after a crash is recognised and skipped. This destination is exactly-once.
"""

from __future__ import annotations

import re

import orjson

from reverse_etl.destinations.base import REMOVE, Destination, Record, Rejection
from reverse_etl.http import TransientError

ANONYMOUS = "anonymous:"


class Onsite(Destination):
    kind = "onsite"
    max_batch = 5_000
    modes = frozenset({"upsert", "add-only", "mirror", "update-only"})
    guarantee = "exactly-once: batch ids are recorded in the same transaction as the upserts"
    needs = ("dsn",)

    def __init__(self, config, sync_name, audience):
        super().__init__(config, sync_name, audience)
        self.schema = str(config.get("schema", "personalisation"))
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", self.schema):
            raise ValueError(f"onsite schema must be a plain lower-case identifier, not {self.schema!r}")
        self.dsn = str(config["dsn"])
        self._conn = None

    def _connection(self):
        if self._conn is None:
            import psycopg2

            self._conn = psycopg2.connect(self.dsn)
            with self._conn, self._conn.cursor() as cur:
                cur.execute(_ddl(self.schema))
        return self._conn

    def send(self, op: str, records: list[Record], key: str) -> dict[str, Rejection]:
        import psycopg2

        try:
            return self._apply(op, records, key)
        except psycopg2.OperationalError as exc:  # server unreachable or restarting: try again later
            self.close()
            raise TransientError(f"PostgreSQL: {exc}") from None

    def _apply(self, op: str, records: list[Record], key: str) -> dict[str, Rejection]:
        conn = self._connection()
        s = self.schema
        with conn, conn.cursor() as cur:
            cur.execute(
                f"insert into {s}.applied_batches (idempotency_key) values (%s) on conflict do nothing",
                (key,),
            )
            if cur.rowcount == 0:
                return {}  # applied before a crash: nothing to do
            if op == REMOVE:
                cur.executemany(
                    f"delete from {s}.audience_members where member_key = %s and audience = %s",
                    [(r.member_key, self.audience) for r in records],
                )
            else:
                cur.executemany(
                    f"""insert into {s}.audience_members
                        (member_key, audience, contact_id, anonymous_id, attributes, updated_at)
                    values (%s, %s, %s, %s, %s::jsonb, now())
                    on conflict (member_key, audience) do update set
                        contact_id = excluded.contact_id, anonymous_id = excluded.anonymous_id,
                        attributes = excluded.attributes, updated_at = excluded.updated_at""",
                    [
                        (r.member_key, self.audience, *_ids(r.member_key), orjson.dumps(r.payload).decode())
                        for r in records
                    ],
                )
        return {}

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None


def _ids(member_key: str) -> tuple[str | None, str | None]:
    if member_key.startswith(ANONYMOUS):
        return None, member_key[len(ANONYMOUS) :]
    return member_key, None


def _ddl(s: str) -> str:
    return f"""
    create schema if not exists {s};
    create table if not exists {s}.audience_members (
        member_key text not null,
        audience text not null,
        contact_id text,
        anonymous_id text,
        attributes jsonb not null default '{{}}'::jsonb,
        updated_at timestamptz not null default now(),
        primary key (member_key, audience)
    );
    create index if not exists audience_members_contact on {s}.audience_members (contact_id);
    create index if not exists audience_members_anonymous on {s}.audience_members (anonymous_id);
    create table if not exists {s}.applied_batches (
        idempotency_key text primary key,
        applied_at timestamptz not null default now()
    );
    create or replace view {s}.profiles as
    select
        member_key,
        max(contact_id) as contact_id,
        max(anonymous_id) as anonymous_id,
        jsonb_agg(audience order by audience) as audiences,
        jsonb_object_agg(audience, attributes) as attributes,
        max(updated_at) as updated_at
    from {s}.audience_members
    group by member_key;
    """
