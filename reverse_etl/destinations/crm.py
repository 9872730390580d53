"""CRM batch upsert in the manner of HubSpot's CRM v3 objects API.

- ``POST /crm/v3/objects/contacts/batch/upsert`` with ``{"inputs": [{"idProperty": "email", "id":
  ..., "properties": {...}}]}``; ``batch/update`` for update-only syncs. At most 100 inputs a request.
- Private-app token as ``Authorization: Bearer``; 100 requests per 10 seconds (burst limit), 429 with
  ``Retry-After`` beyond it.
- 200 when every input succeeded; 207 multi-status with ``errors: [{"category", "message",
  "context": {"ids": [...]}}]`` for the inputs that failed; 400 when the request as a whole is invalid.

Upserting the same properties twice leaves the record as it was: a resend is harmless.
"""

from __future__ import annotations

from reverse_etl.destinations._http import client_from_config
from reverse_etl.destinations.base import UPDATE, Destination, Record, Rejection

TERMINAL_CATEGORIES = {"VALIDATION_ERROR", "OBJECT_NOT_FOUND", "INVALID_EMAIL", "CONFLICT"}


class Crm(Destination):
    kind = "crm"
    max_batch = 100
    modes = frozenset({"upsert", "update-only", "add-only"})
    guarantee = "exactly-once in effect: a batch upsert by email sets the same properties again"
    needs = ("token",)

    def __init__(self, config, sync_name, audience):
        super().__init__(config, sync_name, audience)
        self.id_property = config.get("id_property", "email")
        self.object_type = config.get("object_type", "contacts")
        self.client = client_from_config(
            config,
            str(config.get("base_url") or "https://api.hubapi.com"),
            {"Authorization": f"Bearer {config['token']}"},
            requests=100,
            per=10,
        )

    def send(self, op: str, records: list[Record], key: str) -> dict[str, Rejection]:
        action = "update" if op == UPDATE else "upsert"
        inputs = [
            {"idProperty": self.id_property, "id": r.identifier, "properties": _props(r.payload)}
            for r in records
        ]
        path = f"/crm/v3/objects/{self.object_type}/batch/{action}"
        answer = self.client.request("POST", path, {"inputs": inputs}).json() or {}
        by_id = {str(r.identifier).lower(): r.member_key for r in records}
        rejected: dict[str, Rejection] = {}
        for error in answer.get("errors", []):
            category = str(error.get("category", "ERROR"))
            reason = f"{category}: {error.get('message', '')}".strip()
            for ident in (error.get("context") or {}).get("ids", []):
                member = by_id.get(str(ident).lower())
                if member:
                    rejected[member] = Rejection(reason, category in TERMINAL_CATEGORIES)
        return rejected


def _props(payload: dict) -> dict:
    return {k: ("" if v is None else str(v) if not isinstance(v, str) else v) for k, v in payload.items()}
