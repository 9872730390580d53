"""Run one sync: diff the policy against the last acknowledged state, write the outbox, deliver.

The order of writes is what makes a crash harmless:

1. The records to send are written to ``reverse_etl.outbox`` with their batch and the batch's
   idempotency key (``<run id>-<batch number>``), and committed, before any request.
2. A batch is sent with its key. When the destination answers, one transaction moves its records
   from the outbox to ``sync_state`` (or ``failed_records``) and logs them.
3. A run first resends whatever an earlier run left in the outbox, in the same batches and with the
   same keys, then computes a fresh diff. When a rejected batch is split to isolate bad records, the
   split is written to the outbox before the halves are sent, so a resend repeats the same halves.

A record is therefore sent again only if the process died between the request and step 2's commit:
destinations that honour the key, or whose writes are idempotent upserts, apply it once.
"""

from __future__ import annotations

import time
import uuid
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import orjson
import pyarrow as pa

from reverse_etl import ledger
from reverse_etl.destinations import Destination, Record, Rejection
from reverse_etl.destinations.base import REMOVE, UPDATE, UPSERT
from reverse_etl.http import BatchRejected, TransientError
from reverse_etl.spec import SyncSpec
from sources import settings

POLICY_TABLE = "marts.activation_policy"
S = ledger.SCHEMA
ACTIONS = ("add", "change", "remove")
IN_FLIGHT = 16  # batches queued to the sending thread ahead of their acknowledgement


class SyncError(RuntimeError):
    """A sync cannot run: the message says why and what to do."""


@dataclass
class SyncReport:
    sync: str
    status: str  # succeeded, partial (some records rejected or left pending), failed, skipped, dry_run
    dry_run: bool = False
    run_id: str | None = None
    reason: str | None = None
    adds: int = 0
    changes: int = 0
    removes: int = 0
    resent: int = 0
    delivered: int = 0
    rejected: int = 0
    pending: int = 0
    held_back: dict[str, int] = field(default_factory=dict)
    samples: dict[str, list[dict]] = field(default_factory=dict)
    requests: int = 0
    throttled: int = 0
    seconds: float = 0.0
    error: str | None = None

    def render(self) -> str:
        if self.status == "skipped":
            return f"{self.sync}: skipped ({self.reason})"
        head = f"{self.sync}: {self.status}" + (f" (run {self.run_id})" if self.run_id else "")
        lines = [
            head,
            f"  to send: {self.adds:,} adds, {self.changes:,} changes, {self.removes:,} removes",
        ]
        if self.pending or self.resent:
            lines.append(f"  from an interrupted run: {self.resent:,} resent, {self.pending:,} still pending")
        held = ", ".join(f"{k} {v:,}" for k, v in sorted(self.held_back.items())) or "none"
        lines.append(f"  held back by policy: {sum(self.held_back.values()):,} ({held})")
        if not self.dry_run:
            lines.append(
                f"  delivered {self.delivered:,}, rejected {self.rejected:,}; "
                f"{self.requests:,} requests, {self.throttled:,} throttled, {self.seconds:.1f} s"
            )
        for action, rows in self.samples.items():
            for row in rows:
                lines.append(f"  {action:<6} {row['member_key']}  {row.get('payload') or ''}")
        if self.error:
            lines.append(f"  error: {self.error}")
        return "\n".join(lines)


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f") + "-" + uuid.uuid4().hex[:6]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    if not path.exists():
        raise SyncError(f"no warehouse at {path}: run `nurture demo` or `nurture run` first")
    try:
        con = duckdb.connect(str(path))
    except duckdb.IOException as exc:
        raise SyncError(
            f"cannot open the warehouse {path} for writing (is another process using it?): {exc}"
        ) from None
    con.execute(f"set memory_limit = '{settings_memory_limit()}'")
    return con


def settings_memory_limit() -> str:
    import os

    return os.environ.get("NURTURE_SYNC_MEMORY_LIMIT", "2GB")


def _expr(source: str) -> str:
    if source.startswith("attributes."):
        key = source.split(".", 1)[1]
        return f"json_extract(attributes, '$.\"{key}\"')"
    return source


def _check_policy(con) -> None:
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'marts' "
        "and table_name = 'activation_policy'"
    ).fetchone()[0]
    if not found:
        raise SyncError(f"{POLICY_TABLE} does not exist: build the dbt project (nurture build) first")


def held_back(con, spec: SyncSpec) -> dict[str, int]:
    """Members the policy holds back, by reason, plus allowed ones with no identifier to match on."""
    rows = con.execute(
        f"select coalesce(hold_reason, 'unspecified'), count(*) from {POLICY_TABLE} "
        "where audience = ? and destination = ? and not coalesce(is_allowed, false) group by 1",
        [spec.audience, spec.destination],
    ).fetchall()
    counts = dict(rows)
    missing = con.execute(
        f"select count(*) from {POLICY_TABLE} where audience = ? and destination = ? "
        f"and coalesce(is_allowed, false) = true and {_expr(spec.identifier)} is null",
        [spec.audience, spec.destination],
    ).fetchone()[0]
    if missing:
        counts["missing_identifier"] = counts.get("missing_identifier", 0) + missing
    return counts


def compute_diff(con, spec: SyncSpec) -> dict[str, int]:
    """Build temp table ``_diff`` (action, op, member_key, identifier, payload, payload_hash,
    old_payload) of what the sync's mode sends, and return its counts by action."""
    pairs = ", ".join(f"'{k}', {_expr(v)}" for k, v in spec.fields.items())
    ident = _expr(spec.identifier)
    con.execute(
        f"""
        create or replace temp table _desired as
        select member_key, identifier, payload,
            md5(coalesce(identifier, '') || chr(31) || payload) as payload_hash
        from (
            select member_key, cast({ident} as varchar) as identifier,
                cast(json_object({pairs}) as varchar) as payload
            from {POLICY_TABLE}
            where audience = $audience and destination = $destination
              and coalesce(is_allowed, false) = true and {ident} is not null
        )
        """,
        {"audience": spec.audience, "destination": spec.destination},
    )
    dup = con.execute(
        "select member_key, count(*) from _desired group by 1 having count(*) > 1 limit 1"
    ).fetchone()
    if dup:
        raise SyncError(
            f"{POLICY_TABLE}: member_key {dup[0]!r} appears {dup[1]} times for audience "
            f"{spec.audience!r}, destination {spec.destination!r} (it must be unique)"
        )
    actions = {"upsert": ("add", "change"), "update-only": ("add", "change"), "add-only": ("add",)}
    wanted = actions.get(spec.mode, ACTIONS)
    op = UPDATE if spec.mode == "update-only" else UPSERT
    con.execute(
        f"""
        create or replace temp table _diff as
        select * from (
            select case when s.member_key is null then 'add' else 'change' end as action,
                '{op}' as op, d.member_key, d.identifier, d.payload, d.payload_hash,
                s.payload as old_payload
            from _desired d
            left join {S}.sync_state s on s.sync_name = $sync and s.member_key = d.member_key
            where (s.member_key is null or s.payload_hash <> d.payload_hash)
              and not exists (
                  select 1 from {S}.failed_records f
                  where f.sync_name = $sync and f.member_key = d.member_key and f.terminal
                    and f.payload_hash = d.payload_hash)
            union all
            select 'remove', '{REMOVE}', s.member_key, s.identifier, s.payload, s.payload_hash, s.payload
            from {S}.sync_state s
            where s.sync_name = $sync
              and not exists (select 1 from _desired d where d.member_key = s.member_key)
              and not exists (
                  select 1 from {S}.failed_records f
                  where f.sync_name = $sync and f.member_key = s.member_key and f.terminal
                    and f.action = 'remove' and f.payload_hash = s.payload_hash)
        ) where action in ({", ".join(f"'{a}'" for a in wanted)})
        """,
        {"sync": spec.name},
    )
    counts = dict(con.execute("select action, count(*) from _diff group by 1").fetchall())
    return {a: counts.get(a, 0) for a in ACTIONS}


def diff_samples(con, size: int) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for action in ACTIONS:
        rows = con.execute(
            "select member_key, payload, old_payload from _diff where action = ? order by member_key limit ?",
            [action, size],
        ).fetchall()
        if rows:
            out[action] = [{"member_key": m, "payload": p, "old_payload": o} for m, p, o in rows]
    return out


def write_outbox(con, spec: SyncSpec, run_id: str, batch_size: int) -> int:
    """Record the intent: every record of the diff with its batch and key, committed before sending."""
    n_upserts = con.execute("select count(*) from _diff where op <> ?", [REMOVE]).fetchone()[0]
    first_remove_batch = -(-n_upserts // batch_size)
    con.execute(
        f"""
        insert into {S}.outbox
        select $sync, $run, $run || '-' || lpad(cast(seq as varchar), 6, '0'), seq, member_key, action, op,
            identifier, payload, payload_hash, old_payload, 0, null, $now
        from (
            select *, cast(
                case when op = '{REMOVE}' then $first_remove else 0 end
                + floor((row_number() over (partition by op = '{REMOVE}' order by member_key) - 1)
                        / $size) as integer) as seq
            from _diff
        )
        """,
        {
            "sync": spec.name,
            "run": run_id,
            "now": _now(),
            "first_remove": first_remove_batch,
            "size": batch_size,
        },
    )
    return con.execute(f"select count(*) from {S}.outbox where sync_name = ?", [spec.name]).fetchone()[0]


class Delivery:
    """Sends the outbox's batches of one sync and records each answer in the ledger."""

    def __init__(self, con, spec: SyncSpec, dest: Destination, run_id: str, report: SyncReport):
        self.con, self.spec, self.dest, self.run_id, self.report = con, spec, dest, run_id, report

    def pending_batches(self) -> list[tuple[str, str]]:
        return self.con.execute(
            f"select batch_key, min(op) from {S}.outbox where sync_name = ? "
            "group by batch_key order by min(run_id), min(batch_seq), batch_key",
            [self.spec.name],
        ).fetchall()

    def records(self, key: str) -> list[Record]:
        rows = self.con.execute(
            f"select member_key, identifier, payload from {S}.outbox "
            "where sync_name = ? and batch_key = ? order by member_key",
            [self.spec.name, key],
        ).fetchall()
        return [Record(m, i, orjson.loads(p)) for m, i, p in rows]

    def run(self) -> bool:
        """Deliver every pending batch; False when the destination is unavailable (the rest waits).

        One thread sends batches in order while this one records the answers: up to ``IN_FLIGHT``
        batches are queued ahead, and every answer that has arrived is acknowledged in one
        transaction, so the ledger's writes do not slow the requests. A failed batch is handled here
        (split, or kept pending) once the batches queued behind it have come back.
        """
        batches = iter(self.pending_batches())
        queued: deque[tuple[str, str, list[Record], Future]] = deque()
        ok, more = True, True
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-send") as sender:
            while True:
                while ok and more and len(queued) < min(IN_FLIGHT, self.dest.in_flight):
                    nxt = next(batches, None)
                    if nxt is None:
                        more = False
                        break
                    key, op = nxt
                    records = self.records(key)
                    queued.append((key, op, records, sender.submit(self.dest.send, op, records, key)))
                if not queued:
                    return ok
                wait([queued[0][3]])
                done = [queued.popleft()]
                failed = done[0][3].exception() is not None
                while queued and (failed or queued[0][3].done()):
                    wait([queued[0][3]])  # after a failure, let the queued batches come back first
                    done.append(queued.popleft())
                answered = [(key, f.result()) for key, _, _, f in done if f.exception() is None]
                if answered:
                    self.acknowledge(
                        [k for k, _ in answered], {m: r for _, rej in answered for m, r in rej.items()}
                    )
                for key, op, records, future in done:
                    if future.exception() is not None and ok:
                        ok = self.handle_failure(key, op, records, future.exception())
                    elif future.exception() is not None:
                        self.undelivered(key, _short(future.exception()))

    def deliver(self, key: str, op: str, records: list[Record]) -> bool:
        """Send one batch from this thread (used for the halves of a split batch)."""
        try:
            rejections = self.dest.send(op, records, key)
        except Exception as exc:
            return self.handle_failure(key, op, records, exc)
        self.acknowledge([key], rejections)
        return True

    def handle_failure(self, key: str, op: str, records: list[Record], exc: BaseException) -> bool:
        if isinstance(exc, BatchRejected):
            if len(records) == 1:
                self.acknowledge([key], {records[0].member_key: Rejection(_short(exc), True)})
                return True
            middle = len(records) // 2
            halves = [records[:middle], records[middle:]]
            self.split(key, halves)
            return all(self.deliver(f"{key}.{i}", op, half) for i, half in enumerate(halves))
        self.undelivered(key, _short(exc))
        if isinstance(exc, TransientError):
            return False
        raise exc

    def split(self, key: str, halves: list[list[Record]]) -> None:
        """Persist the split before sending the halves, so a resend after a crash repeats it."""
        self.con.execute("begin")
        for i, half in enumerate(halves):
            self.con.execute(
                f"update {S}.outbox set batch_key = ? where sync_name = ? and batch_key = ? "
                "and list_contains(?, member_key)",
                [f"{key}.{i}", self.spec.name, key, [r.member_key for r in half]],
            )
        self.con.execute("commit")

    def undelivered(self, key: str, error: str) -> None:
        now = _now()
        self.con.execute("begin")
        self.con.execute(
            f"update {S}.outbox set attempts = attempts + 1, last_error = ? "
            "where sync_name = ? and batch_key = ?",
            [error, self.spec.name, key],
        )
        self._upsert_failures([key], "undelivered: " + error, False, now, only_rejected=False)
        self.con.execute("commit")

    def _upsert_failures(self, keys: list[str], reason, terminal, now, only_rejected: bool) -> None:
        source = (
            f"select o.*, r.reason, r.terminal from {S}.outbox o join _rej r using (member_key)"
            if only_rejected
            else f"select o.*, ? as reason, ? as terminal from {S}.outbox o"
        )
        params = [] if only_rejected else [reason, terminal]
        self.con.execute(
            f"""
            insert into {S}.failed_records
            select sync_name, member_key, action, payload_hash, reason, terminal, 1, ?, ?, ?
            from ({source}) where sync_name = ? and list_contains(?, batch_key)
            on conflict (sync_name, member_key) do update set
                action = excluded.action, payload_hash = excluded.payload_hash, reason = excluded.reason,
                terminal = excluded.terminal, attempts = failed_records.attempts + 1,
                last_failed_at = excluded.last_failed_at, run_id = excluded.run_id
            """,
            [now, now, self.run_id, *params, self.spec.name, keys],
        )

    def acknowledge(self, keys: list[str], rejections: dict[str, Rejection]) -> None:
        """One transaction for the answered batches: delivered records to the state, rejected ones to
        failed_records, both logged."""
        con, sync, now = self.con, self.spec.name, _now()
        rej = pa.table(
            {
                "member_key": pa.array(list(rejections), pa.string()),
                "reason": pa.array([r.reason for r in rejections.values()], pa.string()),
                "terminal": pa.array([r.terminal for r in rejections.values()], pa.bool_()),
            }
        )
        con.register("_rej", rej)
        try:
            con.execute("begin")
            delivered = f"""
                from {S}.outbox o where o.sync_name = $sync and list_contains($keys, o.batch_key)
                and not exists (select 1 from _rej r where r.member_key = o.member_key)"""
            con.execute(
                f"""
                insert into {S}.sync_state
                select sync_name, member_key, identifier, payload, payload_hash, $now, $run
                {delivered} and o.op <> '{REMOVE}'
                on conflict (sync_name, member_key) do update set
                    identifier = excluded.identifier, payload = excluded.payload,
                    payload_hash = excluded.payload_hash, synced_at = excluded.synced_at,
                    run_id = excluded.run_id
                """,
                {"sync": sync, "keys": keys, "now": now, "run": self.run_id},
            )
            con.execute(
                f"""delete from {S}.sync_state where sync_name = $sync and member_key in (
                    select member_key {delivered} and o.op = '{REMOVE}')""",
                {"sync": sync, "keys": keys},
            )
            con.execute(
                f"""delete from {S}.failed_records where sync_name = $sync and member_key in (
                    select member_key {delivered})""",
                {"sync": sync, "keys": keys},
            )
            self._upsert_failures(keys, None, None, now, only_rejected=True)
            con.execute(
                f"""
                insert into {S}.sync_records
                select $run, o.sync_name, o.member_key, o.action,
                    case when r.member_key is null then 'delivered' else 'rejected' end,
                    o.batch_key, r.reason, r.terminal, o.old_payload,
                    case when o.op = '{REMOVE}' then null else o.payload end, $now
                from {S}.outbox o left join _rej r using (member_key)
                where o.sync_name = $sync and list_contains($keys, o.batch_key)
                """,
                {"sync": sync, "keys": keys, "now": now, "run": self.run_id},
            )
            counts = con.execute(
                f"select count(*), count(*) filter (where exists (select 1 from _rej r "
                f"where r.member_key = o.member_key)) from {S}.outbox o "
                "where sync_name = ? and list_contains(?, batch_key)",
                [sync, keys],
            ).fetchone()
            con.execute(
                f"delete from {S}.outbox where sync_name = ? and list_contains(?, batch_key)", [sync, keys]
            )
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        finally:
            con.unregister("_rej")
        self.report.delivered += counts[0] - counts[1]
        self.report.rejected += counts[1]


def _short(exc: Exception) -> str:
    return str(exc)[:1000]


def _pending_count(con, sync: str) -> int:
    return con.execute(f"select count(*) from {S}.outbox where sync_name = ?", [sync]).fetchone()[0]


def run_sync(
    spec: SyncSpec,
    *,
    dry_run: bool = False,
    warehouse: Path | None = None,
    sample_size: int = 5,
    destination: Destination | None = None,
) -> SyncReport:
    """Run (or, with ``dry_run``, only preview) one sync; the warehouse is open only meanwhile."""
    if spec.disabled_reason and destination is None:
        return SyncReport(spec.name, "skipped", dry_run=dry_run, reason=spec.disabled_reason)
    started = time.perf_counter()
    report = SyncReport(spec.name, "running", dry_run=dry_run, run_id=new_run_id())
    con = connect(warehouse or settings.warehouse_path())
    try:
        ledger.ensure(con)
        _check_policy(con)
        # one writer per warehouse: a run of this sync still marked running was killed
        con.execute(
            f"update {S}.sync_runs set status = 'interrupted' where sync_name = ? and status = 'running'",
            [spec.name],
        )
        con.execute(
            f"insert into {S}.sync_runs (run_id, sync_name, audience, destination, destination_type, mode, "
            "dry_run, status, started_at) values (?, ?, ?, ?, ?, ?, ?, 'running', ?)",
            [
                report.run_id,
                spec.name,
                spec.audience,
                spec.destination,
                spec.kind,
                spec.mode,
                dry_run,
                _now(),
            ],
        )
        try:
            _run(con, spec, report, dry_run, sample_size, destination)
        except Exception as exc:
            report.status, report.error = "failed", _short(exc)
            raise
        finally:
            report.seconds = time.perf_counter() - started
            _finish(con, report)
    finally:
        con.close()
    return report


def _run(con, spec, report, dry_run, sample_size, destination) -> None:
    report.held_back = held_back(con, spec)
    report.pending = _pending_count(con, spec.name)
    if dry_run:
        counts = compute_diff(con, spec)
        report.adds, report.changes, report.removes = (counts[a] for a in ACTIONS)
        report.samples = diff_samples(con, sample_size)
        report.status = "dry_run"
        return
    dest = destination or spec.destination_instance()
    try:
        delivery = Delivery(con, spec, dest, report.run_id, report)
        report.resent = report.pending
        ok = delivery.run()  # first what an interrupted run left behind
        if ok:
            counts = compute_diff(con, spec)
            report.adds, report.changes, report.removes = (counts[a] for a in ACTIONS)
            write_outbox(con, spec, report.run_id, dest.batch_size)
            ok = delivery.run()
        report.pending = _pending_count(con, spec.name)
        report.status = "succeeded" if ok and not report.rejected else "partial"
        if not ok:
            report.error = "destination unavailable: undelivered batches stay in the outbox for the next run"
    finally:
        stats = getattr(getattr(dest, "client", None), "stats", None) or {}
        report.requests = stats.get("requests", 0)
        report.throttled = stats.get("throttled", 0)
        dest.close()


def _finish(con, report: SyncReport) -> None:
    con.execute(
        f"""update {S}.sync_runs set status = ?, finished_at = ?, adds = ?, changes = ?, removes = ?,
            resent = ?, delivered = ?, rejected = ?, pending = ?, requests = ?, throttled = ?,
            held_back = ?, error = ? where run_id = ?""",
        [
            report.status,
            _now(),
            report.adds,
            report.changes,
            report.removes,
            report.resent,
            report.delivered,
            report.rejected,
            report.pending,
            report.requests,
            report.throttled,
            orjson.dumps(report.held_back, option=orjson.OPT_SORT_KEYS).decode(),
            report.error,
            report.run_id,
        ],
    )
