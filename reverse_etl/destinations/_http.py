"""Shared set-up for the destinations that call a vendor's HTTP API."""

from __future__ import annotations

from reverse_etl.http import HttpClient, RateLimiter


def client_from_config(config: dict, base_url: str, headers: dict[str, str], requests: int, per: float):
    """An HttpClient with the vendor's documented rate limit unless the sync's config overrides it."""
    rate = config.get("rate_limit") or {}
    return HttpClient(
        base_url=base_url,
        headers=headers,
        limiter=RateLimiter(int(rate.get("requests", requests)), float(rate.get("per_seconds", per))),
        max_retries=int(config.get("max_retries", 5)),
        backoff_base=float(config.get("backoff_base", 0.5)),
    )
