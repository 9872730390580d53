"""Local HTTP servers that follow each vendor's documented contract, for the destination tests.

``VendorServer`` runs an app (one per vendor below) in a thread and adds what the tests need:
throttling with 429 and ``Retry-After``, forced 429s, and hanging after N requests (before or after
applying the request) so a test can kill a sync mid-way.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import orjson


@dataclass
class Req:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return orjson.loads(self.body) if self.body else None


def reply(status: int, body=None, headers: dict[str, str] | None = None):
    if body is None:
        data = b""
    elif isinstance(body, bytes | str):
        data = body.encode() if isinstance(body, str) else body
    else:
        data = orjson.dumps(body)
    return status, headers or {}, data


class VendorServer:
    def __init__(self, app, rate_limit: tuple[int, float] | None = None, retry_after: str = "1"):
        self.app = app
        self.rate_limit = rate_limit
        self.retry_after = retry_after
        self.force_429 = 0
        self.hang_before_apply_after: int | None = None
        self.hang_after_apply_after: int | None = None
        self.hung = threading.Event()
        self.release = threading.Event()
        self.log: list[tuple[float, str, str, int]] = []  # (time, method, path, status)
        self._window: deque[float] = deque()
        self._count = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                req = Req(
                    self.command,
                    urlsplit(self.path).path,
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                status, headers, data = server.dispatch(req)
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def statuses(self) -> list[int]:
        return [s for _, _, _, s in self.log]

    def dispatch(self, req: Req):
        with self._lock:
            now = time.monotonic()
            throttled = None
            if self.force_429 > 0:
                self.force_429 -= 1
                throttled = self.retry_after
            elif self.rate_limit:
                limit, per = self.rate_limit
                while self._window and now - self._window[0] >= per:
                    self._window.popleft()
                if len(self._window) >= limit:
                    throttled = str(max(1, round(per - (now - self._window[0]))))
                else:
                    self._window.append(now)
            if throttled is not None:
                self.log.append((now, req.method, req.path, 429))
                body = {
                    "status": "error",
                    "message": "You have reached your ten_secondly_rolling limit.",
                    "errorType": "RATE_LIMIT",
                    "policyName": "TEN_SECONDLY_ROLLING",
                }
                return reply(429, body, {"Retry-After": throttled})
            self._count += 1
            n = self._count
        if self.hang_before_apply_after is not None and n > self.hang_before_apply_after:
            self.hung.set()
            self.release.wait()
            return reply(503, "released")
        with self._lock:
            response = self.app(req)
            self.log.append((time.monotonic(), req.method, req.path, response[0]))
        if self.hang_after_apply_after is not None and n > self.hang_after_apply_after:
            self.hung.set()
            self.release.wait()
        return response


class WebhookApp:
    """Generic webhook receiver: checks the HMAC signature, applies each batch once per Idempotency-Key."""

    def __init__(self, secret: str):
        self.secret = secret
        self.applied: dict[str, list[tuple[str, dict]]] = defaultdict(list)
        self.responses: dict[str, tuple] = {}
        self.keys_seen: list[str] = []
        self.reject: dict[str, tuple[str, bool]] = {}

    def __call__(self, req: Req):
        ts = req.headers.get("x-nurture-timestamp", "")
        expected = (
            "sha256="
            + hmac.new(self.secret.encode(), ts.encode() + b"." + req.body, hashlib.sha256).hexdigest()
        )
        if not hmac.compare_digest(expected, req.headers.get("x-nurture-signature", "")):
            return reply(401, {"error": "bad signature"})
        key = req.headers.get("idempotency-key", "")
        self.keys_seen.append(key)
        if key in self.responses:
            return self.responses[key]
        body = req.json()
        rejected = []
        for rec in body["records"]:
            if rec["member_key"] in self.reject:
                reason, terminal = self.reject[rec["member_key"]]
                rejected.append({"member_key": rec["member_key"], "reason": reason, "terminal": terminal})
            else:
                self.applied[rec["member_key"]].append((body["action"], rec["data"]))
        self.responses[key] = reply(200, {"rejected": rejected})
        return self.responses[key]


class HubSpotApp:
    """CRM v3 contacts batch upsert / update: 100 inputs a request, Bearer auth, 400 or 207 errors."""

    def __init__(self, token: str = "pat-test"):
        self.token = token
        self.contacts: dict[str, dict] = {}
        self.upserts: dict[str, int] = defaultdict(int)
        self.batch_sizes: list[int] = []

    def __call__(self, req: Req):
        if req.headers.get("authorization") != f"Bearer {self.token}":
            return reply(
                401,
                {
                    "status": "error",
                    "message": "Authentication credentials not found.",
                    "category": "INVALID_AUTHENTICATION",
                },
            )
        m = re.fullmatch(r"/crm/v3/objects/contacts/batch/(upsert|update)", req.path)
        if not m or req.method != "POST":
            return reply(404, {"status": "error", "message": "Not found", "category": "OBJECT_NOT_FOUND"})
        inputs = req.json()["inputs"]
        self.batch_sizes.append(len(inputs))
        if len(inputs) > 100:
            return reply(
                400,
                {
                    "status": "error",
                    "category": "VALIDATION_ERROR",
                    "message": f"Batch input size {len(inputs)} exceeds the limit of 100",
                },
            )
        if m.group(1) == "upsert":
            bad = [i["id"] for i in inputs if "@" not in str(i["id"])]
            if bad:  # an invalid value fails the whole batch
                return reply(
                    400,
                    {
                        "status": "error",
                        "category": "VALIDATION_ERROR",
                        "message": f"Property values were not valid: {bad[0]} is not a valid email",
                    },
                )
            results = []
            for i in inputs:
                new = i["id"] not in self.contacts
                self.contacts[i["id"]] = dict(i["properties"])
                self.upserts[i["id"]] += 1
                results.append({"id": str(len(self.contacts)), "properties": i["properties"], "new": new})
            return reply(200, {"status": "COMPLETE", "results": results})
        results, missing = [], []
        for i in inputs:
            if i["id"] in self.contacts:
                self.contacts[i["id"]].update(i["properties"])
                self.upserts[i["id"]] += 1
                results.append({"id": i["id"], "properties": i["properties"]})
            else:
                missing.append(i["id"])
        if not missing:
            return reply(200, {"status": "COMPLETE", "results": results})
        errors = [
            {
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "message": "Object not found",
                "context": {"ids": missing},
            }
        ]
        return reply(
            207, {"status": "COMPLETE", "results": results, "numErrors": len(missing), "errors": errors}
        )


class MailchimpApp:
    """Marketing API 3.0: batch subscribe (500 members) and static segment membership (500 each way)."""

    def __init__(self, api_key: str = "key-us1", list_id: str = "L1", segment_id: str = "S1"):
        self.auth = "Basic " + base64.b64encode(f"nurture:{api_key}".encode()).decode()
        self.list_id, self.segment_id = list_id, segment_id
        self.members: dict[str, dict] = {}
        self.segment: set[str] = set()

    def __call__(self, req: Req):
        if req.headers.get("authorization") != self.auth:
            return reply(
                401, {"title": "API Key Invalid", "status": 401, "detail": "Your API key may be invalid."}
            )
        body = req.json()
        if req.path == f"/lists/{self.list_id}":
            if len(body["members"]) > 500:
                return reply(
                    400,
                    {
                        "title": "Invalid Resource",
                        "status": 400,
                        "detail": "You may only send up to 500 members per request.",
                    },
                )
            new, updated, errors = [], [], []
            for m in body["members"]:
                email = m["email_address"].lower()
                if "@" not in email or email.endswith(".invalid"):
                    errors.append(
                        {
                            "email_address": email,
                            "error": f"{email} looks fake or invalid",
                            "error_code": "ERROR_GENERIC",
                        }
                    )
                    continue
                (updated if email in self.members else new).append({"email_address": email})
                self.members[email] = dict(m["merge_fields"])
            return reply(
                200,
                {
                    "new_members": new,
                    "updated_members": updated,
                    "errors": errors,
                    "total_created": len(new),
                    "total_updated": len(updated),
                    "error_count": len(errors),
                },
            )
        if req.path == f"/lists/{self.list_id}/segments/{self.segment_id}":
            added, removed, errors = [], [], []
            for email in body.get("members_to_add", []):
                if email.lower() in self.members:
                    self.segment.add(email.lower())
                    added.append(email)
                else:
                    errors.append({"email_addresses": [email], "error": "Email address is not subscribed"})
            for email in body.get("members_to_remove", []):
                self.segment.discard(email.lower())
                removed.append(email)
            return reply(
                200,
                {
                    "members_added": added,
                    "members_removed": removed,
                    "errors": errors,
                    "total_added": len(added),
                    "total_removed": len(removed),
                    "error_count": len(errors),
                },
            )
        return reply(404, {"title": "Resource Not Found", "status": 404, "detail": req.path})


class MetaAudienceApp:
    """Custom audience users: POST adds, DELETE removes, 10,000 rows a request, SHA-256 hex only."""

    def __init__(self, audience_id: str = "6000001", token: str = "EAAB-test"):
        self.audience_id, self.token = audience_id, token
        self.rows: set[tuple[str, ...]] = set()
        self.batch_sizes: list[int] = []
        self.schemas: list[list[str]] = []

    def __call__(self, req: Req):
        if req.headers.get("authorization") != f"Bearer {self.token}":
            return reply(
                400,
                {"error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}},
            )
        if req.path != f"/{self.audience_id}/users":
            return reply(
                404, {"error": {"message": "Unknown path", "type": "GraphMethodException", "code": 100}}
            )
        body = req.json()
        data = body["payload"]["data"]
        self.batch_sizes.append(len(data))
        self.schemas.append(body["payload"]["schema"])
        if len(data) > 10_000:
            return reply(
                400,
                {
                    "error": {
                        "message": "(#100) Too many users in one request: at most 10000",
                        "type": "OAuthException",
                        "code": 100,
                    }
                },
            )
        invalid = sum(1 for row in data if any(v and not re.fullmatch(r"[0-9a-f]{64}", v) for v in row))
        for row in data:
            (self.rows.add if req.method == "POST" else self.rows.discard)(tuple(row))
        return reply(
            200,
            {
                "audience_id": self.audience_id,
                "session_id": body["session"]["session_id"],
                "num_received": len(data),
                "num_invalid_entries": invalid,
                "invalid_entry_samples": {},
            },
        )


class SmsListApp:
    """SMS tool list: 1,000 contacts a request; invalid numbers rejected one by one."""

    def __init__(self, list_id: str = "42", api_key: str = "sms-key"):
        self.list_id, self.api_key = list_id, api_key
        self.contacts: dict[str, dict] = {}

    def __call__(self, req: Req):
        if req.headers.get("authorization") != f"Bearer {self.api_key}":
            return reply(401, {"error": "unauthorized"})
        body = req.json()
        if req.path == f"/v1/lists/{self.list_id}/contacts":
            if len(body["contacts"]) > 1000:
                return reply(400, {"error": "too_many_contacts", "max": 1000})
            rejected = []
            for c in body["contacts"]:
                if not re.fullmatch(r"\+[1-9]\d{7,14}", str(c["phone"])):
                    rejected.append({"phone": c["phone"], "code": "invalid_phone", "message": "not E.164"})
                else:
                    self.contacts[c["phone"]] = c["attributes"]
            return reply(200, {"accepted": len(body["contacts"]) - len(rejected), "rejected": rejected})
        if req.path == f"/v1/lists/{self.list_id}/contacts/remove":
            for phone in body["phones"]:
                self.contacts.pop(phone, None)
            return reply(200, {"accepted": len(body["phones"]), "rejected": []})
        return reply(404, {"error": "no such list"})


class SlackApp:
    """Incoming webhook: ``ok`` on success, plain-text errors."""

    def __init__(self):
        self.messages: list[dict] = []

    def __call__(self, req: Req):
        body = req.json()
        if not body or not body.get("text"):
            return reply(400, "invalid_payload")
        self.messages.append(body)
        return reply(200, "ok")
