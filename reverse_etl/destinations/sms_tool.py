"""SMS tool list, in the manner of the SMS marketing tools' list APIs.

- Add or update: ``POST /v1/lists/{list_id}/contacts`` with ``{"contacts": [{"phone", "attributes"}]}``;
  remove: ``POST /v1/lists/{list_id}/contacts/remove`` with ``{"phones": [...]}``. At most 1,000
  contacts a request, 10 requests a second, ``Authorization: Bearer``.
- The answer is ``{"accepted": n, "rejected": [{"phone", "code", "message"}]}``: a partial success is
  a 200. ``invalid_phone``, ``opted_out`` and ``blocked`` are final.

List membership and attributes are state: a resend changes nothing.
"""

from __future__ import annotations

from reverse_etl.destinations._http import client_from_config
from reverse_etl.destinations.base import REMOVE, Destination, Record, Rejection

TERMINAL_CODES = {"invalid_phone", "opted_out", "blocked", "landline"}


class SmsTool(Destination):
    kind = "sms_tool"
    max_batch = 1_000
    modes = frozenset({"upsert", "add-only", "mirror"})
    guarantee = "exactly-once in effect: list membership and attributes are set, not appended"
    needs = ("api_key", "list_id", "base_url")

    def __init__(self, config, sync_name, audience):
        super().__init__(config, sync_name, audience)
        self.list_id = str(config["list_id"])
        self.client = client_from_config(
            config, str(config["base_url"]), {"Authorization": f"Bearer {config['api_key']}"}, 10, 1
        )

    def send(self, op: str, records: list[Record], key: str) -> dict[str, Rejection]:
        path = f"/v1/lists/{self.list_id}/contacts"
        if op == REMOVE:
            answer = self.client.request(
                "POST", path + "/remove", {"phones": [r.identifier for r in records]}
            )
        else:
            contacts = [{"phone": r.identifier, "attributes": r.payload} for r in records]
            answer = self.client.request("POST", path, {"contacts": contacts})
        by_phone = {str(r.identifier): r.member_key for r in records}
        rejected = {}
        for item in (answer.json() or {}).get("rejected", []):
            member = by_phone.get(str(item.get("phone")))
            if member:
                code = str(item.get("code", "rejected"))
                rejected[member] = Rejection(f"{code}: {item.get('message', '')}", code in TERMINAL_CODES)
        return rejected
