"""Generic webhook: JSON batches, signed with HMAC-SHA256, one idempotency key per batch.

Request: ``POST <url>`` with ``{"sync", "audience", "batch_id", "action", "records": [{"member_key",
"data"}]}``. Headers: ``Idempotency-Key`` (the batch id, the same on every resend),
``X-Nurture-Timestamp`` (Unix seconds) and ``X-Nurture-Signature: sha256=<hex>``, the HMAC-SHA256
of ``<timestamp>.<body>`` with the shared secret. A 2xx acknowledges the batch; the body may list
rejected records as ``{"rejected": [{"member_key", "reason", "terminal"}]}``.
"""

from __future__ import annotations

import hashlib
import hmac
import time

import orjson

from reverse_etl.destinations.base import Destination, Record, Rejection
from reverse_etl.http import HttpClient, RateLimiter


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class Webhook(Destination):
    kind = "webhook"
    max_batch = 1_000
    modes = frozenset({"upsert", "add-only", "mirror", "update-only"})
    guarantee = "exactly-once when the receiver honours Idempotency-Key (same key on every resend)"
    needs = ("url", "secret")

    def __init__(self, config, sync_name, audience, client: HttpClient | None = None):
        super().__init__(config, sync_name, audience)
        self.secret = str(config["secret"])
        rate = config.get("rate_limit") or {}
        self.client = client or HttpClient(
            base_url=str(config["url"]),
            limiter=RateLimiter(int(rate.get("requests", 10)), float(rate.get("per_seconds", 1))),
            backoff_base=float(config.get("backoff_base", 0.5)),
        )

    def send(self, op: str, records: list[Record], key: str) -> dict[str, Rejection]:
        body = orjson.dumps(
            {
                "sync": self.sync_name,
                "audience": self.audience,
                "batch_id": key,
                "action": op,
                "records": [{"member_key": r.member_key, "data": r.payload} for r in records],
            }
        )
        ts = str(int(time.time()))
        headers = {
            "Idempotency-Key": key,
            "X-Nurture-Timestamp": ts,
            "X-Nurture-Signature": sign(self.secret, ts, body),
        }
        response = self.client.request("POST", "", body, headers)
        answer = response.json() if response.body.strip().startswith(b"{") else {}
        return {
            item["member_key"]: Rejection(str(item.get("reason", "rejected")), bool(item.get("terminal")))
            for item in (answer or {}).get("rejected", [])
        }
