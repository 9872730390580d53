"""Chat alert to sales about new hot leads, through a Slack-style incoming webhook.

``POST <webhook url>`` with ``{"text", "blocks"}``; the answer is ``ok`` (200). Errors are plain
text: 400 ``invalid_payload``, 403 ``invalid_token``, 404 ``no_service``, 410
``channel_is_archived`` (the last three are terminal); 429 with ``Retry-After`` beyond about one
message a second. One message lists up to 20 leads (a message holds at most 50 blocks).

Incoming webhooks take no idempotency key: this destination is at-least-once. A crash between the
post and its acknowledgement in the ledger posts that one message again on the next run.
"""

from __future__ import annotations

from reverse_etl.destinations._http import client_from_config
from reverse_etl.destinations.base import Destination, Record, Rejection


class SalesAlert(Destination):
    kind = "sales_alert"
    max_batch = 20
    modes = frozenset({"add-only"})
    guarantee = "at-least-once: incoming webhooks take no idempotency key (one message may repeat)"
    needs = ("url",)
    in_flight = 1  # no idempotency key: at most one message can be repeated after a crash

    def __init__(self, config, sync_name, audience):
        super().__init__(config, sync_name, audience)
        self.title = config.get("title", f"New hot leads ({audience})")
        self.client = client_from_config(config, str(config["url"]), {}, 1, 1)

    def send(self, op: str, records: list[Record], key: str) -> dict[str, Rejection]:
        lines = [_line(r) for r in records]
        blocks = [{"type": "header", "text": {"type": "plain_text", "text": self.title[:150]}}]
        blocks += [{"type": "section", "text": {"type": "mrkdwn", "text": line}} for line in lines]
        text = f"{self.title}: {len(records)} new\n" + "\n".join(lines)
        self.client.request("POST", "", {"text": text, "blocks": blocks})
        return {}


def _line(record: Record) -> str:
    p = record.payload
    name = " ".join(str(p[k]) for k in ("first_name", "last_name") if p.get(k)) or record.member_key
    details = ", ".join(f"{k}: {v}" for k, v in p.items() if k not in ("first_name", "last_name") and v)
    return f"*{name}*" + (f" - {details}" if details else "")
