"""What is in the landing folder, what has been loaded, what is new: pure parts of the landing sensor.

A file is identified by its path under the landing location and its fingerprint (size and
modification time), the same fingerprint the loader keeps in its dlt state: a file is new when the
loader has not loaded it and the sensor has not already started a run for it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

from sources.catalog import catalog
from sources.landing import _fingerprint, landing_files
from sources.load import pipeline_for

Listing = dict[str, tuple[str, str]]  # relative path -> (table, fingerprint)


def scan_landing(landing: str) -> Listing:
    """Every file of every landing table, with its table and fingerprint."""
    listing: Listing = {}
    for spec in catalog().values():
        for table in spec.landing_tables:
            for item, rel in landing_files(table, landing):
                listing[rel] = (table.name, _fingerprint(item))
    return listing


def loaded_files(warehouse: Path | None = None) -> dict[str, str]:
    """Files the loader has loaded into this warehouse (relative path -> fingerprint), from dlt state."""
    loaded: dict[str, str] = {}
    for name, spec in catalog().items():
        pipeline = pipeline_for(name, warehouse)
        try:
            state = pipeline.state
        except Exception:  # noqa: BLE001 - no state yet: nothing loaded by this pipeline
            continue
        resources = (state.get("sources") or {}).get(name, {}).get("resources", {})
        for table in spec.landing_tables:
            loaded.update((resources.get(table.name) or {}).get("files") or {})
    return loaded


def new_files(listing: Listing, seen: Mapping[str, str], loaded: Mapping[str, str]) -> list[str]:
    """Files whose fingerprint is neither loaded nor already seen by the sensor, in path order."""
    return sorted(rel for rel, (_, fp) in listing.items() if loaded.get(rel) != fp and seen.get(rel) != fp)


def cursor_of(listing: Listing) -> str:
    return json.dumps({rel: fp for rel, (_, fp) in sorted(listing.items())}, sort_keys=True)


def parse_cursor(cursor: str | None) -> dict[str, str]:
    if not cursor:
        return {}
    try:
        value = json.loads(cursor)
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def run_key(listing: Listing, files: list[str]) -> str:
    """The same new files (same fingerprints) give the same run key: Dagster starts one run for them."""
    text = json.dumps([[rel, listing[rel][1]] for rel in files])
    return "landing-" + hashlib.sha256(text.encode()).hexdigest()[:16]
