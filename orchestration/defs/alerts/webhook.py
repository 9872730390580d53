"""Post an alert to a webhook: a JSON body with a Slack-compatible ``text`` and the details.

The address comes from ``NURTURE_ALERT_WEBHOOK_URL``; unset, alerts are only logged. Posting never
raises: a broken webhook must not turn a failed check into a crashed run (the failure is logged).
"""

from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger(__name__)

WEBHOOK_ENV = "NURTURE_ALERT_WEBHOOK_URL"
TIMEOUT_SECONDS = 10


def webhook_url() -> str | None:
    return os.environ.get(WEBHOOK_ENV) or None


def run_failure_payload(
    *, run_id: str, job_name: str, message: str, failed_steps: list[str], tags: Mapping[str, str]
) -> dict[str, Any]:
    steps = ", ".join(failed_steps) or "-"
    return {
        "text": (
            f":red_circle: nurture run failed: job `{job_name}`, run {run_id[:8]}. "
            f"Failed steps: {steps}. {message}"
        ),
        "kind": "run_failure",
        "run_id": run_id,
        "job_name": job_name,
        "failed_steps": failed_steps,
        "message": message,
        "tags": dict(tags),
        "sent_at": datetime.now(UTC).isoformat(),
    }


def check_failure_payload(
    *,
    asset: str,
    check: str,
    severity: str,
    blocking: bool,
    description: str,
    run_id: str | None,
    job_name: str | None,
) -> dict[str, Any]:
    effect = "downstream assets are not built" if blocking else "the run goes on"
    return {
        "text": (
            f":warning: nurture check `{check}` failed on `{asset}` ({severity}"
            f"{', blocking' if blocking else ''}): {description}. {effect.capitalize()}."
        ),
        "kind": "check_failure",
        "asset": asset,
        "check": check,
        "severity": severity,
        "blocking": blocking,
        "description": description,
        "run_id": run_id,
        "job_name": job_name,
        "sent_at": datetime.now(UTC).isoformat(),
    }


def post(payload: Mapping[str, Any], url: str | None = None) -> bool:
    """POST the payload as JSON; True when the webhook answered 2xx. Logs, never raises."""
    target = url or webhook_url()
    if not target:
        log.info("alert (no %s set): %s", WEBHOOK_ENV, payload.get("text"))
        return False
    body = json.dumps(payload, default=str).encode()
    request = urllib.request.Request(
        target, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            ok = 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError) as exc:
        log.warning("alert webhook %s failed: %s", target, exc)
        return False
    if not ok:
        log.warning("alert webhook %s answered %s", target, response.status)
    return ok
