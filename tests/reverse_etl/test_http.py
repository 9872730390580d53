"""Rate limiting, Retry-After, backoff with jitter and error sorting, pure and against a local server."""

from __future__ import annotations

import random
from email.utils import formatdate

import pytest
from retl_servers import VendorServer, reply

from reverse_etl.http import (
    BatchRejected,
    HttpClient,
    RateLimiter,
    TerminalError,
    TransientError,
    backoff_delay,
    retry_after_seconds,
)


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def test_rate_limiter_allows_n_per_window_then_waits_for_the_oldest_to_expire():
    clock = FakeClock()
    limiter = RateLimiter(100, 10, clock=clock, sleep=clock.sleep)
    for _ in range(100):
        limiter.acquire()
    assert clock.slept == []
    limiter.acquire()
    assert clock.slept == [10.0]
    for _ in range(350):
        limiter.acquire()
    assert clock.now == pytest.approx(40.0)  # 451 requests at 100 per 10 s: 4 full windows


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None
    assert retry_after_seconds(formatdate(1_000_030, usegmt=True), now=1_000_000) == pytest.approx(30, abs=1)


def test_backoff_is_exponential_capped_and_jittered():
    rng = random.Random(1)
    delays = [backoff_delay(a, 0.5, 8, rng) for a in range(8) for _ in range(50)]
    assert all(0 <= d <= 8 for d in delays)
    assert max(backoff_delay(0, 0.5, 8, rng) for _ in range(50)) <= 0.5
    assert len({round(d, 6) for d in delays}) > 300  # jitter: no two clients retry in lockstep


def _client(url, **kw):
    clock = FakeClock()
    return HttpClient(base_url=url, sleep=clock.sleep, **kw), clock


def test_429_waits_retry_after_then_succeeds():
    with VendorServer(lambda req: reply(200, {"ok": True}), retry_after="3") as server:
        server.force_429 = 2
        client, clock = _client(server.url)
        assert client.request("POST", "/x", {"a": 1}).json() == {"ok": True}
    assert clock.slept == [3.0, 3.0] and client.stats == {"requests": 3, "throttled": 2, "retried": 2}


def test_server_errors_back_off_then_give_up_as_transient():
    with VendorServer(lambda req: reply(503, "down")) as server:
        client, clock = _client(server.url, max_retries=3, backoff_base=1, backoff_cap=4)
        with pytest.raises(TransientError, match="503"):
            client.request("POST", "/x", {})
    assert len(server.log) == 4 and len(clock.slept) == 3 and all(d <= 4 for d in clock.slept)


def test_4xx_are_sorted_into_batch_rejections_and_terminal_errors():
    with VendorServer(lambda req: reply(400 if req.path == "/bad" else 401, {"e": 1})) as server:
        client, _ = _client(server.url)
        with pytest.raises(BatchRejected):
            client.request("POST", "/bad", {})
        with pytest.raises(TerminalError):
            client.request("POST", "/auth", {})
    assert len(server.log) == 2  # neither is retried
