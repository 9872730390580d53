"""Seeded demo data: two brands' worth of raw exports in the landing layout of ``sources/catalog.yml``.

``generate`` writes ``<landing>/<table>/<brand>-NNNNN.<ext>`` files (brand ``b2b`` or ``b2c``) for every
landing table it fills, and the ground truth of who is who in ``<truth>/identities.csv`` and
``<truth>/people.csv``. The same arguments give byte-identical files. People are simulated one at a time
and their rows are written immediately, so memory stays flat however many events are asked for.

Formats (``writers.FORMATS``): web_events JSON lines, gzipped, in the tracking-spec shape (messageId,
anonymousId, context.page...); email_events JSON lines in the email-tool webhook shape (sg_event_id,
unix ``timestamp``, ``category`` list...); sms_events, campaigns, form_submissions, consent_events,
feedback_events JSON lines with the catalog's field names; orders JSON lines with ``id`` and a nested
``lines`` list; crm_* tables, calls and offline_events CSV; campaign_costs Parquet.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sources import settings
from sources.catalog import all_tables
from sources.demo.b2b import B2B
from sources.demo.b2c import B2C
from sources.demo.sim import Sim
from sources.demo.world import build_world, campaign_rows, write_costs
from sources.demo.writers import FORMATS, Landing, TruthWriter

BRANDS = ("b2b", "b2c")
DEFAULT_PEOPLE = 600
EVENTS_PER_PERSON = 40  # rough average of event-table rows per simulated person, used to size the world
BRAND_SHARE = {"b2b": 0.4, "b2c": 0.6}


@dataclass
class GenerateResult:
    """What a generation run wrote."""

    rows: dict[str, int]  # lines written per table, bad lines included
    bad_lines: dict[str, int]  # lines a strict loader must reject, per table
    files: list[Path]
    people: int
    seconds: float
    warnings: dict[str, int] = field(default_factory=dict)  # optional emails/phones that do not validate
    mess: dict[str, int] = field(default_factory=dict)  # counts of each deliberate defect
    events: int = 0  # rows written to event tables (the ``events`` target counts these)

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def event_tables() -> tuple[str, ...]:
    """Tables of kind ``event`` in the catalog: the rows the ``events`` argument counts."""
    return tuple(name for name, spec in all_tables().items() if spec.kind == "event")


def generate(
    landing_dir: Path,
    truth_dir: Path,
    *,
    events: int | None = None,
    contacts: int | None = None,
    brands: Sequence[str] = BRANDS,
    seed: int = 42,
    end_date: date | None = None,
    mess: bool = True,
    rows_per_file: int = 500_000,
    increment: int = 0,
    event_format: str | None = None,
) -> GenerateResult:
    """Generate demo landing files and their ground truth.

    Args:
        landing_dir: where the ``<table>/`` folders go. Files this generator wrote before are replaced.
        truth_dir: where ``identities.csv`` and ``people.csv`` go.
        events: approximate number of rows across the event tables (people are added until reached).
        contacts: exact number of people to simulate (instead of ``events``). Default: 600 people.
        brands: ``b2b`` (HR & payroll software) and/or ``b2c`` (travel).
        seed: the random seed; same arguments, same bytes.
        end_date: the last day of history (exclusive); events cover about 18 months before it.
            Defaults to today (UTC).
        mess: produce the defects of real data (duplicates, late and malformed lines, shared
            identifiers, identifier variants). ``False`` gives clean data.
        rows_per_file: lines per landing file before rotating to the next one.
        increment: ``0`` for a first run. ``k > 0`` adds more data to an earlier run's landing
            folder (same ``seed`` and ``end_date``): new people with new ids and new events, in
            new files named ``<brand>-inc<k>-NNNNN``; the earlier files and the tables that do not
            depend on people (campaigns, costs, owners) are left as they are.
        event_format: ``jsonl`` or ``parquet``: the event tables otherwise written as JSON lines
            (web, email, SMS, form, consent, feedback events) as flat, typed Parquet files. Default:
            ``NURTURE_EVENT_FORMAT`` (``jsonl`` when unset).
    """
    started = time.perf_counter()
    if events is not None and contacts is not None:
        raise ValueError("give either events or contacts, not both")
    chosen = tuple(dict.fromkeys(brands))
    unknown = [b for b in chosen if b not in BRANDS]
    if not chosen or unknown:
        raise ValueError(f"brands must be among {BRANDS}, got {list(brands)}")
    if (events is not None and events <= 0) or (contacts is not None and contacts <= 0):
        raise ValueError("events and contacts must be positive")
    if increment < 0:
        raise ValueError(f"increment must be 0 (a first run) or positive, got {increment}")
    if end_date is None:
        end_date = datetime.now(UTC).date()
    if events is None and contacts is None:
        contacts = DEFAULT_PEOPLE
    est_people = contacts if contacts is not None else max(1, (events or 0) // EVENTS_PER_PERSON)

    rng = random.Random(seed)
    world = build_world(rng, chosen, end_date, est_people)
    tag = f"inc{increment}-" if increment else ""
    landing = Landing(
        Path(landing_dir),
        rows_per_file,
        mess,
        seed,
        tag=tag,
        event_format=event_format or settings.event_format(),
    )
    landing.clean(list(FORMATS))
    truth = TruthWriter(Path(truth_dir))
    if increment:
        rng = random.Random(f"{seed}/increment/{increment}")  # the same world, other people
    sim = Sim(rng, world, landing, truth, mess)
    if increment:
        _shift_ids(sim, increment)
    try:
        if not increment:
            _write_static(sim, rng, Path(landing_dir), est_people)
        _simulate(sim, rng, contacts, events)
    finally:
        landing.close()
        truth.close()

    stats = landing.stats
    counted = event_tables()
    rows = {name: stats.rows[name] for name in sorted(stats.rows) if stats.rows[name]}
    return GenerateResult(
        rows=rows,
        bad_lines={name: stats.bad[name] for name in rows},
        files=sorted(stats.files),
        people=sim.people,
        seconds=time.perf_counter() - started,
        warnings={name: n for name, n in sorted(stats.warnings.items()) if n},
        mess={k: n for k, n in sorted(stats.mess.items()) if n},
        events=sum(stats.rows[t] for t in counted),
    )


def _shift_ids(sim: Sim, increment: int) -> None:
    """Start every id counter of an increment past the range of the first run (one more digit per
    increment), so that its people, records and companies are new."""
    for counter in [*sim.counters.values(), sim.world.company_ids]:
        counter._next += increment * 10**counter._width


def _write_static(sim: Sim, rng: random.Random, landing_dir: Path, est_people: int) -> None:
    """The tables that do not depend on people: campaigns, their costs, the sales owners."""
    world = sim.world
    for brand, row in campaign_rows(world):
        sim.w("campaigns", brand).add(row)
    if "b2b" in world.brands:
        for owner_id, name, team, manager, email in world.owners:
            sim.w("crm_owners", "b2b").add(
                {"owner_id": owner_id, "name": name, "email": email, "manager": manager, "team": team}
            )
    for path, n in write_costs(rng, world, landing_dir, est_people):
        sim.stats.files.append(path)
        sim.stats.rows["campaign_costs"] += n


def _simulate(sim: Sim, rng: random.Random, contacts: int | None, events: int | None) -> None:
    """Simulate people until ``contacts`` people, or ``events`` rows in the event tables, are reached."""
    units = {"b2b": B2B(sim), "b2c": B2C(sim)}
    brands = sim.world.brands
    b2b_share = BRAND_SHARE["b2b"] / sum(BRAND_SHARE[b] for b in brands)

    def next_brand() -> str:
        if len(brands) == 1:
            return brands[0]
        return "b2b" if rng.random() < b2b_share else "b2c"

    if contacts is not None:
        sim.max_people = contacts
        while sim.people < contacts:
            room = contacts - sim.people - len(sim.referrals)
            if room <= 0:
                units["b2c"].unit(1)  # the friends customers referred
            else:
                units[next_brand()].unit(room)
        return
    counted = event_tables()
    while sim.landing.count(counted) < (events or 0):
        units[next_brand()].unit(8)
    sim.max_people = sim.people + len(sim.referrals)
    while sim.referrals:
        units["b2c"].unit(1)


__all__ = ["GenerateResult", "event_tables", "generate"]
