"""Ad-platform custom audience in the manner of Meta's Marketing API (customer list audiences).

- Add: ``POST /{audience_id}/users``; remove: ``DELETE /{audience_id}/users``; both with
  ``{"payload": {"schema": ["EMAIL_SHA256", "PHONE_SHA256"], "data": [[email_hash, phone_hash],
  ...]}, "session": {...}}`` and at most 10,000 rows a request. Identifiers are normalised and
  SHA-256 hashed here (``reverse_etl.hashing``); nothing readable leaves the warehouse.
- The answer counts ``num_received`` and ``num_invalid_entries``; errors are ``{"error": {"message",
  "type", "code"}}``: code 190 is an expired token (terminal), codes 4, 17, 32, 613 and 80003 are
  rate limits (retried with backoff).

Adding or removing the same people again changes nothing: a resend is harmless.
"""

from __future__ import annotations

import zlib

from reverse_etl.destinations._http import client_from_config
from reverse_etl.destinations.base import REMOVE, Destination, Record, Rejection
from reverse_etl.hashing import hash_email, hash_phone
from reverse_etl.http import BatchRejected, TerminalError, TransientError
from sources.normalize import InvalidValue

RATE_LIMIT_CODES = {4, 17, 32, 613, 80003}
TERMINAL_CODES = {190, 200, 294}
SCHEMA = {"email": "EMAIL_SHA256", "phone": "PHONE_SHA256"}


class AdAudience(Destination):
    kind = "ad_audience"
    max_batch = 10_000
    modes = frozenset({"upsert", "add-only", "mirror"})
    guarantee = "exactly-once in effect: adding or removing a hashed identifier is a set operation"
    needs = ("access_token", "audience_id")

    def __init__(self, config, sync_name, audience):
        super().__init__(config, sync_name, audience)
        self.audience_id = str(config["audience_id"])
        self.platform = config.get("platform", "meta")
        self.keys = [k for k in config.get("identifiers", ["email", "phone"]) if k in SCHEMA]
        if not self.keys:
            raise ValueError("ad_audience identifiers must include email and/or phone")
        self.client = client_from_config(
            config,
            str(config.get("base_url") or "https://graph.facebook.com/v21.0"),
            {"Authorization": f"Bearer {config['access_token']}"},
            requests=int(config.get("requests_per_hour", 6000)),
            per=3600,
        )

    def _row(self, record: Record) -> list[str]:
        row = []
        for k in self.keys:
            value = record.payload.get(k)
            if not value:
                row.append("")
            elif k == "email":
                row.append(hash_email(str(value)))
            else:
                row.append(hash_phone(str(value), self.platform))
        return row

    def send(self, op: str, records: list[Record], key: str) -> dict[str, Rejection]:
        rejected: dict[str, Rejection] = {}
        data = []
        for r in records:
            try:
                row = self._row(r)
            except InvalidValue as exc:
                rejected[r.member_key] = Rejection(f"unhashable identifier: {exc}", True)
                continue
            if not any(row):
                rejected[r.member_key] = Rejection("missing_identifier: no email or phone to match", True)
                continue
            data.append(row)
        if not data:
            return rejected
        body = {
            "payload": {"schema": [SCHEMA[k] for k in self.keys], "data": data},
            "session": {"session_id": zlib.crc32(key.encode()), "batch_seq": 1, "last_batch_flag": True},
        }
        method = "DELETE" if op == REMOVE else "POST"
        try:
            self.client.request(method, f"/{self.audience_id}/users", body)
        except BatchRejected as exc:
            code = _error_code(exc.body)
            if code in RATE_LIMIT_CODES:
                raise TransientError(str(exc), exc.status, exc.body) from None
            if code in TERMINAL_CODES:
                raise TerminalError(str(exc), exc.status, exc.body) from None
            raise
        return rejected


def _error_code(body: str) -> int | None:
    import orjson

    try:
        return int((orjson.loads(body).get("error") or {}).get("code"))
    except (ValueError, TypeError, AttributeError, orjson.JSONDecodeError):
        return None
