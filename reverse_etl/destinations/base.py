"""The one small interface every destination implements.

The engine hands a destination one batch at a time: a list of records of one operation (``upsert``,
``update`` or ``remove``) and a deterministic idempotency key for that batch. The destination
returns the records it rejected (by member key, with a reason and whether retrying can help) and
raises for batch-level failures (see ``reverse_etl.http``). Everything it does not reject counts as
acknowledged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

UPSERT, UPDATE, REMOVE = "upsert", "update", "remove"


@dataclass(frozen=True)
class Record:
    member_key: str
    identifier: str | None  # the value matched on at the destination (an email, a phone, an id)
    payload: dict[str, Any]  # mapped fields; for a remove, the last payload that was synced


@dataclass(frozen=True)
class Rejection:
    reason: str
    terminal: bool  # True: do not retry until the record changes


class ConfigError(ValueError):
    """A sync or destination is configured wrongly; the message names the file and field."""


class Destination:
    """Base class: subclasses set the class attributes and implement ``send``."""

    kind: ClassVar[str]
    max_batch: ClassVar[int]  # the vendor's documented maximum records per request
    modes: ClassVar[frozenset[str]]  # sync modes this destination supports
    guarantee: ClassVar[str]  # what a resend after a crash does (see the README)
    needs: ClassVar[tuple[str, ...]] = ()  # config keys that must be set for the sync to run
    in_flight: ClassVar[int] = 16  # batches sent ahead of their acknowledgement (1: one at a time)

    def __init__(self, config: dict[str, Any], sync_name: str, audience: str):
        self.config = config
        self.sync_name = sync_name
        self.audience = audience
        size = int(config.get("batch_size", self.max_batch))
        if not 1 <= size <= self.max_batch:
            raise ConfigError(f"batch_size {size} is outside 1..{self.max_batch} for {self.kind}")
        self.batch_size = size

    def send(self, op: str, records: list[Record], key: str) -> dict[str, Rejection]:
        raise NotImplementedError

    def close(self) -> None:  # noqa: B027 - optional hook
        pass
