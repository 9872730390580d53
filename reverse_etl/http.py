"""HTTP delivery with the manners vendors ask for: a client-side rate limit, 429 with Retry-After,
exponential backoff with full jitter on transient errors. Standard library only.

Errors are sorted for the sync engine:

- ``TransientError``: the request may succeed later (5xx, 429 after the last retry, network); the
  batch stays pending in the outbox and is resent with the same idempotency key next time.
- ``BatchRejected``: the vendor refused the request as a whole (4xx); the engine splits the batch
  to isolate the bad records.
- ``TerminalError``: retrying cannot help (bad credentials, unknown list, gone); the run stops.
"""

from __future__ import annotations

import random
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import orjson


class DeliveryError(Exception):
    def __init__(self, message: str, status: int | None = None, body: str = ""):
        super().__init__(message)
        self.status = status
        self.body = body


class TransientError(DeliveryError):
    """Worth retrying later."""


class BatchRejected(DeliveryError):
    """The request was refused as a whole: split it to find the bad records."""


class TerminalError(DeliveryError):
    """Retrying will not help: configuration or credentials are wrong."""


class RateLimiter:
    """At most ``max_requests`` in any sliding window of ``per_seconds`` (a vendor's documented limit)."""

    def __init__(self, max_requests: int, per_seconds: float, clock=time.monotonic, sleep=time.sleep):
        self.max_requests = max_requests
        self.per_seconds = per_seconds
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def wait_time(self) -> float:
        now = self._clock()
        while self._sent and now - self._sent[0] >= self.per_seconds:
            self._sent.popleft()
        if len(self._sent) < self.max_requests:
            return 0.0
        return self.per_seconds - (now - self._sent[0])

    def acquire(self) -> None:
        with self._lock:
            while (delay := self.wait_time()) > 0:
                self._sleep(delay)
            self._sent.append(self._clock())

    def completed(self) -> None:
        """Move the newest request's time to its completion: the vendor counted it on arrival, somewhere
        between the two, so counting from completion never runs ahead of the vendor's window."""
        with self._lock:
            if self._sent:
                self._sent[-1] = max(self._sent[-1], self._clock())


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter: uniform(0, min(cap, base * 2**attempt))."""
    return (rng or random).uniform(0, min(cap, base * (2**attempt)))


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return orjson.loads(self.body) if self.body else None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


TERMINAL_STATUSES = {401, 403, 404, 410}


@dataclass
class HttpClient:
    """One vendor's endpoint: base URL, headers, rate limit and retry policy."""

    base_url: str
    headers: dict[str, str] = field(default_factory=dict)
    limiter: RateLimiter | None = None
    max_retries: int = 5
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    max_retry_after: float = 120.0
    timeout: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    terminal_statuses: set[int] = field(default_factory=lambda: set(TERMINAL_STATUSES))
    stats: dict[str, int] = field(default_factory=lambda: {"requests": 0, "throttled": 0, "retried": 0})

    def request(self, method: str, path: str, body=None, headers: dict[str, str] | None = None) -> Response:
        """Send once the limiter allows; retry 429/5xx/network errors; return a 2xx response.

        A 4xx other than 429 raises ``BatchRejected`` (or ``TerminalError`` for auth and missing
        resources) straight away: the same request would be refused again.
        """
        data = body if isinstance(body, bytes) or body is None else orjson.dumps(body)
        all_headers = {"Content-Type": "application/json", **self.headers, **(headers or {})}
        url = path if path.startswith("http") else self.base_url.rstrip("/") + "/" + path.lstrip("/")
        last: DeliveryError | None = None
        for attempt in range(self.max_retries + 1):
            if self.limiter:
                self.limiter.acquire()
            self.stats["requests"] += 1
            try:
                response = self._send(method, url, data, all_headers)
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
                last = TransientError(f"{method} {url}: {exc}")
                self._pause(attempt, None)
                continue
            finally:
                if self.limiter:
                    self.limiter.completed()
            if 200 <= response.status < 300:
                return response
            message = f"{method} {url}: HTTP {response.status} {response.text[:500]}"
            if response.status == 429 or response.status >= 500:
                if response.status == 429:
                    self.stats["throttled"] += 1
                last = TransientError(message, response.status, response.text)
                if attempt < self.max_retries:
                    self._pause(attempt, retry_after_seconds(response.headers.get("retry-after")))
                continue
            if response.status in self.terminal_statuses:
                raise TerminalError(message, response.status, response.text)
            raise BatchRejected(message, response.status, response.text)
        assert last is not None
        raise last

    def _pause(self, attempt: int, retry_after: float | None) -> None:
        self.stats["retried"] += 1
        if retry_after is not None:
            self.sleep(min(retry_after, self.max_retry_after))
        else:
            self.sleep(backoff_delay(attempt, self.backoff_base, self.backoff_cap))

    def _send(self, method: str, url: str, data: bytes | None, headers: dict[str, str]) -> Response:
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return Response(resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read())
        except urllib.error.HTTPError as err:
            payload = err.read() if err.fp else b""
            return Response(err.code, {k.lower(): v for k, v in (err.headers or {}).items()}, payload)
