"""Email tool contacts in the manner of Mailchimp's Marketing API (3.0).

- Create or update: ``POST /lists/{list_id}`` (batch subscribe) with ``{"members": [{"email_address",
  "status_if_new", "merge_fields"}], "update_existing": true}``, at most 500 members a request. The
  answer lists ``new_members``, ``updated_members`` and ``errors: [{"email_address", "error",
  "error_code"}]``: a partial success is a 200.
- Audience membership is a static segment (a tag): ``POST /lists/{list_id}/segments/{segment_id}``
  with ``members_to_add`` or ``members_to_remove`` (500 each); errors as ``{"email_addresses",
  "error"}``.
- HTTP Basic auth with the API key; request-level errors are problem-details JSON (``title``,
  ``status``, ``detail``); 429 when too many requests are under way.

Both calls set state (merge fields, segment membership), so a resend changes nothing.
"""

from __future__ import annotations

import base64

from reverse_etl.destinations._http import client_from_config
from reverse_etl.destinations.base import REMOVE, Destination, Record, Rejection

TERMINAL_CODES = {"ERROR_GENERIC", "ERROR_CONTACT_EXISTS", "INVALID_EMAIL", "COMPLIANCE_STATE"}


class EmailTool(Destination):
    kind = "email_tool"
    max_batch = 500
    modes = frozenset({"upsert", "add-only", "mirror"})
    guarantee = "exactly-once in effect: upsert of merge fields and segment membership are idempotent"
    needs = ("api_key", "list_id", "segment_id")

    def __init__(self, config, sync_name, audience):
        super().__init__(config, sync_name, audience)
        self.list_id = str(config["list_id"])
        self.segment_id = str(config["segment_id"])
        self.status_if_new = config.get("status_if_new", "subscribed")
        auth = base64.b64encode(f"nurture:{config['api_key']}".encode()).decode()
        dc = str(config["api_key"]).rsplit("-", 1)[-1] if "-" in str(config["api_key"]) else "us1"
        self.client = client_from_config(
            config,
            str(config.get("base_url") or f"https://{dc}.api.mailchimp.com/3.0"),
            {"Authorization": f"Basic {auth}"},
            requests=10,
            per=1,
        )

    def send(self, op: str, records: list[Record], key: str) -> dict[str, Rejection]:
        by_email = {str(r.identifier).lower(): r.member_key for r in records}
        rejected: dict[str, Rejection] = {}
        if op == REMOVE:
            emails = [str(r.identifier) for r in records]
            answer = self._segment({"members_to_remove": emails})
        else:
            members = [
                {
                    "email_address": r.identifier,
                    "status_if_new": self.status_if_new,
                    "merge_fields": r.payload,
                }
                for r in records
            ]
            body = {"members": members, "update_existing": True}
            answer = self.client.request("POST", f"/lists/{self.list_id}", body).json() or {}
            for error in answer.get("errors", []):
                member = by_email.get(str(error.get("email_address", "")).lower())
                if member:
                    code = str(error.get("error_code", ""))
                    rejected[member] = Rejection(f"{code}: {error.get('error', '')}", code in TERMINAL_CODES)
            emails = [str(r.identifier) for r in records if r.member_key not in rejected]
            answer = self._segment({"members_to_add": emails}) if emails else {}
        for error in answer.get("errors", []):
            for email in error.get("email_addresses", []):
                member = by_email.get(str(email).lower())
                if member and member not in rejected:
                    rejected[member] = Rejection(f"segment: {error.get('error', '')}", False)
        return rejected

    def _segment(self, body: dict) -> dict:
        path = f"/lists/{self.list_id}/segments/{self.segment_id}"
        return self.client.request("POST", path, body).json() or {}
