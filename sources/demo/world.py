"""The fixed part of the demo world: campaigns and their costs, sales owners, trade shows, agencies,
kiosks, products, companies, and the shared identifiers (switchboards) that trap identity resolution.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from sources.demo import clock, vocab
from sources.demo.identity import Counter, Phone, ascii_slug, new_phone, uuid

DAY = clock.DAY_S
WINDOW_DAYS = 540  # about 18 months of history before end_date


@dataclass
class Campaign:
    """A marketing campaign. Its id is also the ``utm_campaign`` of its links and the ``campaign_id``
    of its email events."""

    id: str
    brand: str
    channel: str  # email, sms, paid_search, paid_social, display, affiliate, events
    name: str
    themes: list[str]
    start: int
    end: int
    sent_at: int | None = None
    subject: str | None = None
    utm_source: str = ""
    utm_medium: str = ""
    utm_content: str | None = None
    terms: tuple[str, ...] = ()
    referrer: str = ""
    url: str = ""
    landing: str = "/"
    daily_spend: float = 0.0
    seq: int = 0

    @property
    def encoded(self) -> bytes:
        """``"campaign_id":...,"category":[...]`` as the email tool writes them (JSON, cached)."""
        cached = self.__dict__.get("_encoded")
        if cached is None:
            cached = self.__dict__["_encoded"] = (
                b'"campaign_id":' + orjson.dumps(self.id) + b',"category":' + orjson.dumps(self.themes)
            )
        return cached

    @property
    def encoded_url(self) -> bytes:
        """``,"url":...`` of a click on the campaign's link (JSON)."""
        return b',"url":' + orjson.dumps(self.url)


@dataclass
class Company:
    """A prospect or customer company of the b2b brand (a CRM company)."""

    id: str
    name: str
    domain: str
    industry: str
    employees: int
    country: str
    annual_revenue: float
    year_established: int
    has_foreign_subsidiaries: bool
    expatriates: int
    parent_id: str | None
    owner_id: str
    shared_mailbox: str | None = None
    switchboard: Phone | None = None


@dataclass
class Show:
    code: str
    name: str
    venue: str
    city: str
    start: int
    days: int
    campaign_id: str


@dataclass
class World:
    """Everything the people of the simulation share."""

    start: int
    end: int
    brands: tuple[str, ...]
    site: dict[str, str]
    email: dict[str, list[Campaign]] = field(default_factory=dict)
    email_times: dict[str, list[int]] = field(default_factory=dict)
    sms: dict[str, list[Campaign]] = field(default_factory=dict)
    paid: dict[str, list[Campaign]] = field(default_factory=dict)
    shows: list[Show] = field(default_factory=list)
    owners: list[tuple[str, str, str, str | None, str]] = field(
        default_factory=list
    )  # id, name, team, mgr, email
    kiosks: dict[str, str] = field(default_factory=dict)  # agency slug -> kiosk cookie id
    switchboards: list[Phone] = field(default_factory=list)  # employer switchboards seen by the call centre
    products: list[tuple[str, str, str, str, str, float]] = field(default_factory=list)
    recent_companies: deque[str] = field(default_factory=lambda: deque(maxlen=400))
    company_ids: Counter | None = None
    company_names: set[str] = field(default_factory=set)

    def all_campaigns(self) -> list[Campaign]:
        out: list[Campaign] = []
        for brand in self.brands:
            out += self.paid.get(brand, []) + self.email.get(brand, []) + self.sms.get(brand, [])
        return out


def _flight_id(brand: str, prefix: str, t: int, used: set[str]) -> str:
    base = f"{brand}-{prefix}-{clock.date_of(t)[:7]}"
    cid, n = base, 1
    while cid in used:
        n += 1
        cid = f"{base}-{n}"
    used.add(cid)
    return cid


def build_world(rng: random.Random, brands: tuple[str, ...], end_date: date, est_people: int) -> World:
    """Create the campaigns, owners, shows, agencies and products of a run."""
    end = clock.epoch_s(end_date)
    start = end - WINDOW_DAYS * DAY
    world = World(start=start, end=end, brands=brands, site={"b2b": vocab.B2B_SITE, "b2c": vocab.B2C_SITE})
    world.company_ids = Counter(rng, "", 4_100_000_000, 10, gap=97)
    used: set[str] = set()
    for brand in brands:
        world.email[brand] = _email_campaigns(rng, brand, start, end, used)
        world.email_times[brand] = [c.sent_at or 0 for c in world.email[brand]]
        world.paid[brand] = _paid_campaigns(rng, brand, start, end, used)
        world.sms[brand] = []
    if "b2b" in brands:
        for i, (name, team, manager) in enumerate(vocab.B2B_OWNERS):
            email = f"{ascii_slug(name.split()[0])}.{ascii_slug(name.split(' ', 1)[1])}@hexapaie.fr"
            world.owners.append((f"OWN-{101 + i}", name, team, manager, email))
        for code, name, venue, city, before, days in vocab.TRADE_SHOWS:
            t = end - before * DAY
            cid = _flight_id("b2b", f"event-{code.lower()}", t, used)
            world.shows.append(Show(code, name, venue, city, t - t % DAY, days, cid))
            world.paid["b2b"].append(
                Campaign(
                    cid,
                    "b2b",
                    "events",
                    f"{name} {clock.date_of(t)[:4]}",
                    ["events"],
                    t - 20 * DAY,
                    t + days * DAY,
                    daily_spend=0.0,
                    utm_source="trade_show",
                    utm_medium="qr_code",
                )
            )
        invitations = [s for s in world.shows if s.start - 10 * DAY > start]
        for s in invitations[-2:]:
            t = s.start - 7 * DAY + 10 * 3600
            cid = _flight_id("b2b", f"sms-{s.code.lower()}", t, used)
            world.sms["b2b"].append(
                Campaign(
                    cid,
                    "b2b",
                    "sms",
                    f"Invitation {s.name}",
                    ["events"],
                    t,
                    t,
                    sent_at=t,
                    landing=f"/events/{s.code.lower()}",
                )
            )
    if "b2c" in brands:
        t = start + rng.randint(3, 12) * DAY
        while t < end - DAY:
            theme = rng.choice(vocab.B2C_EMAIL_THEMES)
            cid = _flight_id("b2c", f"sms-{theme}", t, used)
            send = t - t % DAY + 17 * 3600
            world.sms["b2c"].append(
                Campaign(
                    cid,
                    "b2c",
                    "sms",
                    f"SMS {theme}",
                    [theme],
                    send,
                    send,
                    sent_at=send,
                    landing="/offers/" + theme,
                )
            )
            t += rng.randint(12, 20) * DAY
        for slug, _name, _city in vocab.AGENCIES:
            world.kiosks[slug] = uuid(rng)
        world.switchboards = [new_phone(rng, landline=True) for _ in range(3)]
        for dslug, dname, _country, price in vocab.DESTINATIONS:
            kinds = rng.sample(vocab.TRIP_KINDS, 3)
            for k, (category, pattern, accommodation, factor) in enumerate(kinds, 1):
                pid = f"TRP-{dslug[:3].upper()}-{k:02d}"
                world.products.append(
                    (pid, pattern.format(d=dname), category, accommodation, dslug, round(price * factor, 0))
                )
    return world


def _email_campaigns(rng: random.Random, brand: str, start: int, end: int, used: set[str]) -> list[Campaign]:
    themes = vocab.B2B_EMAIL_THEMES if brand == "b2b" else vocab.B2C_EMAIL_THEMES
    site = vocab.B2B_SITE if brand == "b2b" else vocab.B2C_SITE
    out: list[Campaign] = []
    t = start + rng.randint(1, 6) * DAY
    seq = 0
    while t < end - DAY:
        seq += 1
        picked = rng.sample(themes, 2 if rng.random() < 0.6 else 1)
        main = picked[0]
        send = t - t % DAY + rng.choice((8, 9, 10, 14)) * 3600
        cid = _flight_id(brand, f"em-{main}", send, used)
        if brand == "b2b":
            if main == "white-paper":
                slug, title = rng.choice(vocab.WHITE_PAPERS)
                landing, subject = f"/resources/white-papers/{slug}", f"New white paper: {title}"
            elif main in ("payroll", "hr-core", "expatriation"):
                product = {"payroll": "payroll", "hr-core": "hr-core", "expatriation": "global-payroll"}[main]
                landing, subject = (
                    f"/products/{product}",
                    f"{main.replace('-', ' ').capitalize()}: what's new",
                )
            elif main == "webinar":
                landing, subject = "/events/webinar", "Webinar: payroll for teams abroad"
            else:
                slug, title = rng.choice(vocab.B2B_BLOG)
                landing, subject = f"/blog/{slug}", title
        else:
            dslug, dname, _c, _p = rng.choice(vocab.DESTINATIONS)
            landing = f"/offers/{dslug}-{main}"
            subject = f"{dname}: {main.replace('-', ' ')} offers inside"
        url = (
            f"{site}{landing}?utm_source={'hexapaie' if brand == 'b2b' else 'escales'}&utm_medium=email"
            f"&utm_campaign={cid}"
        )
        out.append(
            Campaign(
                cid,
                brand,
                "email",
                subject,
                picked,
                send,
                send,
                sent_at=send,
                subject=subject,
                url=url,
                landing=landing,
                daily_spend=round(rng.uniform(40, 250), 2),
                seq=seq,
            )
        )
        t += rng.randint(6, 13) * DAY
    return out


def _paid_campaigns(rng: random.Random, brand: str, start: int, end: int, used: set[str]) -> list[Campaign]:
    out: list[Campaign] = []
    if brand == "b2b":
        always = (
            (
                "b2b-search-brand",
                "Search - Brand",
                "paid_search",
                "google",
                "cpc",
                ("hexapaie", "hexapaie paie", "hexapaie login"),
                "https://www.google.com/",
                45.0,
                "/",
            ),
            (
                "b2b-search-payroll-software",
                "Search - Payroll software",
                "paid_search",
                "google",
                "cpc",
                (
                    "logiciel paie",
                    "payroll software",
                    "logiciel paie btp",
                    "paie expatriés",
                    "logiciel rh pme",
                ),
                "https://www.google.com/",
                180.0,
                "/products/payroll",
            ),
            (
                "b2b-capterra-listing",
                "Capterra listing",
                "affiliate",
                "capterra",
                "referral",
                (),
                "https://www.capterra.fr/",
                35.0,
                "/pricing",
            ),
            ("b2b-retargeting", "Display retargeting", "display", "criteo", "display", (), "", 60.0, "/demo"),
        )
        flights = (
            (
                "linkedin-hr-directors",
                "LinkedIn - HR directors",
                "paid_social",
                "linkedin",
                "paid_social",
                "https://www.linkedin.com/",
                150.0,
                "/resources/white-papers/expatriate-payroll-guide",
            ),
        )
    else:
        always = (
            (
                "b2c-search-brand",
                "Search - Brand",
                "paid_search",
                "google",
                "cpc",
                ("escales voyages", "escales voyages agence", "escales club"),
                "https://www.google.com/",
                80.0,
                "/",
            ),
            (
                "b2c-search-generic",
                "Search - Trips",
                "paid_search",
                "google",
                "cpc",
                (
                    "sejour crete",
                    "club vacances famille",
                    "voyage islande",
                    "croisiere fjords",
                    "voyage japon",
                ),
                "https://www.google.com/",
                420.0,
                "/search",
            ),
            (
                "b2c-affiliate-cashback",
                "Cashback partners",
                "affiliate",
                "igraal",
                "affiliate",
                (),
                "https://fr.igraal.com/",
                70.0,
                "/offers/last-minute",
            ),
            (
                "b2c-retargeting",
                "Display retargeting",
                "display",
                "criteo",
                "display",
                (),
                "",
                150.0,
                "/cart",
            ),
        )
        flights = (
            (
                "social-summer",
                "Meta - Summer",
                "paid_social",
                "facebook",
                "paid_social",
                "https://www.facebook.com/",
                300.0,
                "/offers/summer",
            ),
            (
                "social-winter",
                "Meta - Winter",
                "paid_social",
                "instagram",
                "paid_social",
                "https://www.instagram.com/",
                250.0,
                "/offers/winter",
            ),
        )
    for cid, name, channel, source, medium, terms, referrer, spend, landing in always:
        used.add(cid)
        out.append(
            Campaign(
                cid,
                brand,
                channel,
                name,
                [channel],
                start,
                end,
                utm_source=source,
                utm_medium=medium,
                terms=terms,
                referrer=referrer,
                daily_spend=spend,
                landing=landing,
            )
        )
    for prefix, name, channel, source, medium, referrer, spend, landing in flights:
        t = start + rng.randint(0, 40) * DAY
        while t < end:
            length = rng.randint(30, 75) * DAY
            cid = _flight_id(brand, prefix, t, used)
            out.append(
                Campaign(
                    cid,
                    brand,
                    channel,
                    f"{name} {clock.date_of(t)[:7]}",
                    [prefix.split("-")[-1]],
                    t,
                    min(t + length, end - 1),
                    utm_source=source,
                    utm_medium=medium,
                    utm_content=rng.choice(("video", "carousel", "static")),
                    referrer=referrer,
                    daily_spend=spend,
                    landing=landing,
                )
            )
            t += length + rng.randint(20, 90) * DAY
    return out


def campaign_rows(world: World) -> list[tuple[str, dict[str, Any]]]:
    """(brand, row) of the campaigns table."""
    rows = []
    for c in world.all_campaigns():
        row: dict[str, Any] = {"campaign_id": c.id, "name": c.name, "channel": c.channel, "themes": c.themes}
        if c.subject:
            row["subject"] = c.subject
        if c.sent_at is not None:
            row["sent_at"] = clock.iso_s(c.sent_at)
        row["updated_at"] = clock.iso_s(min(max(c.start, c.sent_at or 0) + 2 * DAY, world.end - 1))
        rows.append((c.brand, row))
    return rows


def write_costs(rng: random.Random, world: World, root: Path, est_people: int) -> list[tuple[Path, int]]:
    """Write ``campaign_costs/<brand>-00001.parquet``: spend per day, channel and campaign."""
    written = []
    for brand in world.brands:
        cols: dict[str, list[Any]] = {
            k: []
            for k in (
                "cost_date",
                "channel",
                "campaign_id",
                "campaign_name",
                "spend",
                "currency",
                "impressions",
                "clicks",
            )
        }
        scale = max(0.2, min(20.0, est_people / 2000))
        for c in world.paid[brand] + world.email[brand] + world.sms[brand]:
            if c.channel in ("email", "sms"):
                days = [c.sent_at or c.start]
                per_day = c.daily_spend or (est_people * 0.05 if c.channel == "sms" else 0.0)
            elif c.channel == "events":
                show = next(s for s in world.shows if s.campaign_id == c.id)
                days = [show.start]
                per_day = rng.uniform(8_000, 25_000)
            else:
                days = list(range(c.start - c.start % DAY, c.end, DAY))
                per_day = c.daily_spend * scale
            cpm = {"paid_search": 25.0, "paid_social": 9.0, "display": 3.0, "affiliate": 6.0}.get(
                c.channel, 0.0
            )
            ctr = {"paid_search": 0.05, "paid_social": 0.009, "display": 0.003, "affiliate": 0.02}.get(
                c.channel, 0
            )
            for d in days:
                spend = round(per_day * rng.uniform(0.6, 1.4), 2)
                impressions = int(spend / cpm * 1000) if cpm else None
                cols["cost_date"].append(date.fromisoformat(clock.date_of(d)))
                cols["channel"].append(c.channel)
                cols["campaign_id"].append(c.id)
                cols["campaign_name"].append(c.name)
                cols["spend"].append(spend)
                cols["currency"].append("EUR")
                cols["impressions"].append(impressions)
                cols["clicks"].append(int(impressions * ctr * rng.uniform(0.7, 1.3)) if impressions else None)
        schema = pa.schema(
            [
                ("cost_date", pa.date32()),
                ("channel", pa.string()),
                ("campaign_id", pa.string()),
                ("campaign_name", pa.string()),
                ("spend", pa.float64()),
                ("currency", pa.string()),
                ("impressions", pa.int64()),
                ("clicks", pa.int64()),
            ]
        )
        folder = root / "campaign_costs"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{brand}-00001.parquet"
        pq.write_table(pa.Table.from_pydict(cols, schema=schema), path, compression="zstd")
        written.append((path, len(cols["cost_date"])))
    return written
