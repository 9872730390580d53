"""The simulation core shared by both brands: people, web sessions, email and SMS campaigns, consents.

Brand stories (:mod:`sources.demo.b2b`, :mod:`sources.demo.b2c`) decide *what* a person does and when; this
module turns those decisions into rows in the shape of each source, and records every identifier a person
shows so the ground truth is complete. Rows are written as they are produced (a person at a time), so
memory does not grow with the number of events.
"""

from __future__ import annotations

import bisect
import random
from collections import deque
from collections.abc import Sequence
from typing import Any, TypeVar

import orjson

from sources.catalog import table as catalog_table
from sources.demo import clock, vocab
from sources.demo.identity import Counter, Phone, Weighted, email_text, phone_text, uuid
from sources.demo.world import Campaign, World
from sources.demo.writers import Landing, MessRates, TableWriter, TruthWriter

DAY = clock.DAY_S
T = TypeVar("T")

# A hit of a web session: (kind, path, title, event name | new user id, properties, traits)
Hit = tuple[str, str, str, str | None, dict[str, Any] | None, dict[str, Any] | None]
PAGE, TRACK, IDENTIFY = "page", "track", "identify"

EVENT_RATES = MessRates(bad=0.0025, duplicate=0.003)
ENTITY_RATES = MessRates(bad=0.002, duplicate=0.002)
CLEAN_RATES = MessRates()
REFERRERS = Weighted(vocab.ORGANIC_REFERRERS)
MAIL_DOMAINS = Weighted(vocab.FREE_MAIL_DOMAINS)
TERMINATION_REASONS = Weighted(vocab.TERMINATION_REASONS)
EXTRA_CRM_COLUMN = "hs_analytics_source_data_1"

# An email-tool webhook event (sg_event_id, sg_message_id, email, event, timestamp, then the campaign's
# encoded "campaign_id" and "category", then the fields of some events), assembled from encoded parts.
_EMAIL_ROW = b'{"sg_event_id":"%022x","sg_message_id":"%s","email":%s,"event":"%s","timestamp":%d,%s%s}\n'
BOUNCES = tuple(
    b',"reason":%s,"type":"%s","bounce_classification":"%s"' % (orjson.dumps(reason), kind, klass)
    for reason, kind, klass in (
        (
            "550 5.1.1 The email account that you tried to reach does not exist.",
            b"bounce",
            b"Invalid Address",
        ),
        ("552 5.2.2 Mailbox full", b"blocked", b"Mailbox Unavailable"),
        ("554 5.7.1 Message rejected as spam", b"blocked", b"Reputation"),
    )
)
_EMAIL_AGENTS = tuple(b',"useragent":' + orjson.dumps(ua) for ua in vocab.EMAIL_CLIENT_AGENTS)


# A web event as the tracking library sends it, assembled from pre-encoded parts.
_WEB_ROW = (
    b'{"messageId":"ajs-%032x","type":"%s",%s%s"anonymousId":%s,"timestamp":"%s","sentAt":"%s",'
    b'%s%s"context":%s}\n'
)
_EVENTS: dict[str | None, bytes] = {}


def _event_fragment(event: str | None) -> bytes:
    """``"event":"<name>",`` for a track call, cached."""
    fragment = _EVENTS[event] = b'"event":' + orjson.dumps(event) + b","
    return fragment


class Person:
    """One simulated human and every identifier they show in the data."""

    __slots__ = (
        "pid",
        "brand",
        "first",
        "last",
        "country",
        "locale",
        "persona",
        "job_title",
        "segment",
        "temperature",
        "email",
        "phone",
        "company",
        "crm_id",
        "customer_number",
        "user_id",
        "anon",
        "is_customer",
        "churned",
        "churn_reason",
        "dnc",
        "ids",
        "extra",
    )

    def __init__(self, pid: str, brand: str, first: str, last: str, country: str) -> None:
        self.pid, self.brand, self.first, self.last, self.country = pid, brand, first, last, country
        self.locale = vocab.LOCALES.get(country, "fr-FR")
        self.persona = self.job_title = self.segment = self.temperature = ""
        self.email: str | None = None
        self.phone: Phone | None = None
        self.company: Any = None
        self.crm_id: str | None = None
        self.customer_number: str | None = None
        self.user_id: str | None = None
        self.anon: list[str] = []
        self.is_customer = self.churned = self.dnc = False
        self.churn_reason = ""
        self.ids: dict[tuple[str, str], bool] = {}
        self.extra: dict[str, Any] = {}

    def add(self, kind: str, value: str, shared: bool = False) -> None:
        """Record that this person shows identifier ``value`` (already normalised) somewhere in the data."""
        key = (kind, value)
        if key not in self.ids or shared:
            self.ids[key] = shared

    def new_cookie(self, sim: Sim) -> str:
        anon = uuid(sim.rng)
        self.anon.append(anon)
        self.add("anonymous_id", anon)
        return anon


class Sim:
    """Holds the random generator, the world, the writers and the helpers that emit rows."""

    def __init__(
        self, rng: random.Random, world: World, landing: Landing, truth: TruthWriter, mess: bool
    ) -> None:
        self.rng = rng
        self._rnd = rng.random
        self.world = world
        self.landing = landing
        self.truth = truth
        self.mess = mess
        self.stats = landing.stats
        self.start = world.start
        self.end = world.end
        self.used_emails: set[str] = set()
        self.referrals: deque[tuple[str, str, str]] = deque()
        self.people = 0
        self.max_people: int | None = None
        self.counters = {
            "crm_contact": Counter(rng, "", 51_200_000, 8, gap=37),
            "customer": Counter(rng, "C", 10_400_000, 8, gap=13),
            "user_b2c": Counter(rng, "u_", 3_100_000, 9, gap=7),
            "user_b2b": Counter(rng, "usr-", 20_000, 6, gap=3),
            "order": Counter(rng, "ORD-", 1_000_000, 8, gap=3),
            "deal": Counter(rng, "", 9_100_000_000, 10, gap=111),
            "submission": Counter(rng, "fs_", 0, 9, gap=5),
            "call": Counter(rng, "CALL-", 0, 9, gap=3),
            "activity": Counter(rng, "", 7_700_000_000, 10, gap=71),
            "feedback": Counter(rng, "FB-", 0, 8, gap=2),
        }
        self._writers: dict[tuple[str, str], TableWriter] = {}

    # -- plumbing ------------------------------------------------------------------------------------

    def w(self, table: str, brand: str) -> TableWriter:
        """The writer of ``table`` for ``brand``."""
        key = (table, brand)
        writer = self._writers.get(key)
        if writer is None:
            spec = catalog_table(table)
            rates = (EVENT_RATES if spec.kind == "event" else ENTITY_RATES) if self.mess else CLEAN_RATES
            if table in ("crm_owners", "campaigns"):
                rates = MessRates(duplicate=rates.duplicate)
            columns = None
            if table == "crm_contacts" and self.mess:
                columns = (*spec.field_names, EXTRA_CRM_COLUMN)
            writer = self._writers[key] = self.landing.writer(spec, brand, rates, columns)
        return writer

    def can_refer(self) -> bool:
        """Whether a customer may refer a friend (who becomes a person of their own) without exceeding the
        number of people asked for."""
        return self.max_people is None or self.people + 1 + len(self.referrals) < self.max_people

    def next_id(self, kind: str) -> str:
        return self.counters[kind]()

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def ri(self, a: int, b: int) -> int:
        """A random integer in [a, b] (like ``randint``, without its overhead)."""
        return a + int(self._rnd() * (b - a + 1))

    def choice(self, seq: Sequence[T]) -> T:
        """A uniform choice from a non-empty sequence (like ``choice``, without its overhead)."""
        return seq[int(self._rnd() * len(seq))]

    def pick(self, weighted: Weighted[Any]) -> Any:
        """A weighted random draw."""
        return weighted.draw(self.rng)

    def between(self, a: int, b: int) -> int:
        """A random instant in [a, b] (seconds); ``a`` when the interval is empty."""
        return a if b <= a else a + int(self.rng.random() * (b - a + 1))

    def times(self, a: int, b: int, n: int) -> list[int]:
        """``n`` sorted random instants in [a, b] (none when the interval is empty)."""
        if b < a:
            return []
        return sorted(self.between(a, b) for _ in range(n))

    def at_hours(self, t: int, lo: int, hi: int) -> int:
        """``t`` moved to a random moment between ``lo`` and ``hi`` o'clock (Paris) of its day."""
        moved = t - t % DAY + lo * 3600 + int(self.rng.random() * (hi - lo) * 3600) - 3600
        return min(max(moved, self.start), self.end - 60)

    def email_of(self, p: Person, messy: float = 0.2) -> str | None:
        """The person's own email the way one source writes it (case and whitespace vary when mess is on);
        recorded in the person's identifiers."""
        if p.email is None:
            return None
        p.add("email", p.email)
        return email_text(self.rng, p.email, messy if self.mess else 0.0)

    def shared_email(self, p: Person, email: str) -> str:
        """A shared address (mailbox, test address) typed by ``p``."""
        p.add("email", email, shared=True)
        return email_text(self.rng, email, 0.2 if self.mess else 0.0)

    def test_address(self) -> str | None:
        """With mess on, now and then a test address typed into a form instead of a real one (the first
        forms of a run use ``test@example.com`` more often, so that it is shared by several people)."""
        if not self.mess:
            return None
        used = self.stats.mess["test_address_uses"]
        if used < 2 and self._rnd() < 0.2:
            self.stats.mess["test_address_uses"] += 1
            return vocab.TEST_ADDRESSES[0]
        if self._rnd() < 0.002:
            self.stats.mess["test_address_uses"] += 1
            return self.choice(vocab.TEST_ADDRESSES)
        return None

    def phone_of(self, p: Person, phone: Phone | None = None, shared: bool = False) -> str | None:
        """``phone`` (default: the person's own) the way one source writes it; recorded for the person."""
        phone = phone or p.phone
        if phone is None:
            return None
        p.add("phone", phone.e164, shared)
        return phone_text(self.rng, phone, self.mess)

    # -- web -----------------------------------------------------------------------------------------

    def session(
        self,
        p: Person,
        anon: str,
        t: int,
        hits: list[Hit],
        *,
        user_id: str | None = None,
        device: tuple[str, str] = (vocab.USER_AGENTS_DESKTOP[0], "desktop"),
        utm: dict[str, str] | None = None,
        referrer: str = "",
        locale: str | None = None,
    ) -> int:
        """Write one visit of ``p`` (cookie ``anon``, starting at ``t`` seconds) as tracking-spec events.
        Returns the time (seconds) of its last event.

        Rows are assembled as bytes from pre-encoded parts (the page context is encoded once per page),
        the fastest way to write millions of them."""
        rng = self.rng
        rnd = rng.random
        grb = rng.getrandbits  # message ids: "ajs-" and 32 hex digits, as the tracking library writes them
        dumps = orjson.dumps
        writer = self.w("web_events", p.brand)
        site = self.world.site[p.brand]
        pair = clock.iso_ms_pair_bytes
        ua, device_type = device
        dev = {"type": device_type}
        locale = locale or p.locale
        # a visit never runs past the end of history (a page adds at most 150 s, anything else less)
        t = max(min(t, self.end - 150 * len(hits) - 2), self.start)
        ms = t * 1000 + int(rnd() * 1000)
        prev_url = referrer
        ctx: dict[str, Any] = {"page": {"url": site + "/", "path": "/", "title": "", "referrer": referrer}}
        ctx_b = dumps(ctx)
        campaign = utm
        anon_b = dumps(anon)
        uid_b = b'"userId":' + dumps(user_id) + b"," if user_id is not None else b""
        lines: list[bytes] = []
        for kind, path, title, event, props, traits in hits:
            if kind == PAGE:
                ms += 3_000 + int(rnd() * 147_000)
                url = site + path
                ctx = {
                    "page": {
                        "url": url,
                        "path": path.partition("?")[0],
                        "title": title,
                        "referrer": prev_url,
                    },
                    "userAgent": ua,
                    "device": dev,
                    "locale": locale,
                }
                if campaign is not None:
                    ctx["campaign"] = campaign
                    campaign = None
                ctx_b = dumps(ctx)
                prev_url = url
                type_b, event_b = b"page", b""
            elif kind == TRACK:
                ms += 500 + int(rnd() * 39_500)
                type_b = b"track"
                event_b = _EVENTS.get(event) or _event_fragment(event)
            else:
                ms += 200 + int(rnd() * 4_800)
                if event is not None:
                    user_id = event
                    uid_b = b'"userId":' + dumps(user_id) + b","
                type_b, event_b = b"identify", b""
            ts, sent = pair(ms, 20 + ms % 700)
            lines.append(
                _WEB_ROW
                % (
                    grb(128),
                    type_b,
                    event_b,
                    uid_b,
                    anon_b,
                    ts,
                    sent,
                    b'"properties":' + dumps(props) + b"," if props is not None else b"",
                    b'"traits":' + dumps(traits) + b"," if traits is not None else b"",
                    ctx_b,
                )
            )
        add = writer.add_line
        if not self.mess or not lines:
            for line in lines:
                add(line)
            return ms // 1000
        r = rng.random()
        if r < 0.004 and len(lines) > 1:
            i = self.ri(0, len(lines) - 2)
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
            self.stats.mess["out_of_order_events"] += 1
        elif r > 0.998:
            row = orjson.loads(lines[-1])
            row["integrations"] = {"All": True}
            lines[-1] = dumps(row) + b"\n"
            self.stats.mess["unknown_keys"] += 1
        late = None
        if r < 0.0015:
            # buffered on the device and sent days later: written after newer events
            late = orjson.loads(lines.pop())
            late["sentAt"] = clock.iso_ms(min(ms + self.ri(2, 9) * clock.DAY_MS, self.end * 1000 - 1))
        for line in lines:
            add(line)
        if late is not None:
            add(dumps(late) + b"\n", late=True)
        return ms // 1000

    def organic(self) -> tuple[dict[str, str] | None, str]:
        """The traffic source of a visit that is not from a campaign: (utm or None, referrer)."""
        return None, self.pick(REFERRERS)

    def paid(self, brand: str, t: int) -> tuple[dict[str, str] | None, str]:
        """A paid campaign running at ``t`` (as utm parameters and referrer), or organic traffic."""
        camps = self.world.paid[brand]
        c = camps[self.rng.randrange(len(camps))]
        if not c.start <= t <= c.end:
            return self.organic()
        utm = {"source": c.utm_source, "medium": c.utm_medium, "name": c.id}
        if c.utm_content:
            utm["content"] = c.utm_content
        if c.utm_medium == "cpc":
            utm["term"] = self.choice(c.terms)
        return utm, c.referrer

    def traffic(self, brand: str, t: int, paid_share: float = 0.35) -> tuple[dict[str, str] | None, str]:
        return self.paid(brand, t) if self.chance(paid_share) else self.organic()

    # -- messaging -----------------------------------------------------------------------------------

    def emails(
        self,
        p: Person,
        start: int,
        stop: int,
        *,
        reach: float,
        p_open: float,
        open_until: int,
        p_click: float = 0.22,
        on_click: Any = None,
    ) -> int | None:
        """Send the brand's email campaigns to ``p`` between ``start`` and ``stop`` (each with probability
        ``reach``) and write the tool's webhook events. Returns when ``p`` unsubscribed, if they did.

        Rows are assembled as bytes from parts encoded once per campaign and per person."""
        if p.email is None:
            return None
        rng = self.rng
        rnd = rng.random
        grb = rng.getrandbits
        end = self.end
        camps = self.world.email[p.brand]
        i = bisect.bisect_left(self.world.email_times[p.brand], start)
        writer = self.w("email_events", p.brand)
        p.add("email", p.email)
        email_b = orjson.dumps(email_text(rng, p.email, 0.04 if self.mess else 0.0))
        while i < len(camps):
            c = camps[i]
            i += 1
            if c.sent_at >= stop:
                break
            if rnd() >= reach:
                continue
            msg = b"%014x.filterdrecv-%d-%d-0" % (grb(56), c.seq, int(rnd() * 1e6))
            tail = c.encoded  # "campaign_id" and "category", encoded once
            ts = c.sent_at + 1 + int(rnd() * 900)
            rows = [(ts, _EMAIL_ROW % (grb(88), msg, email_b, b"processed", ts, tail, b""))]
            bounced = rnd() < 0.012
            unsubscribed = None
            if bounced:
                bts = ts + self.ri(2, 60)
                rows.append(
                    (bts, _EMAIL_ROW % (grb(88), msg, email_b, b"bounce", bts, tail, BOUNCES[grb(2) % 3]))
                )
            else:
                ts += 2 + int(rnd() * 118)
                rows.append((ts, _EMAIL_ROW % (grb(88), msg, email_b, b"delivered", ts, tail, b"")))
                if c.sent_at < open_until and rnd() < p_open:
                    ua = _EMAIL_AGENTS[int(rnd() * 3)]
                    ts += 60 + int(rnd() * 3 * DAY)
                    for _ in range(1 + (rnd() < 0.3)):
                        rows.append((ts, _EMAIL_ROW % (grb(88), msg, email_b, b"open", ts, tail, ua)))
                        ts += 30 + int(rnd() * 20_000)
                    if rnd() < p_click:
                        ts += self.ri(5, 120)
                        extra = c.encoded_url + ua
                        rows.append((ts, _EMAIL_ROW % (grb(88), msg, email_b, b"click", ts, tail, extra)))
                        if on_click is not None and ts < end - 60:
                            on_click(c, ts)
                    r2 = rnd()
                    if r2 < 0.012:
                        ts += self.ri(5, 300)
                        event = b"spamreport" if r2 < 0.002 else b"unsubscribe"
                        rows.append((ts, _EMAIL_ROW % (grb(88), msg, email_b, event, ts, tail, b"")))
                        unsubscribed = ts
            if rows[-1][0] >= end:  # what has not happened yet by the end of history
                rows = [row for row in rows if row[0] < end]
                if unsubscribed is not None and unsubscribed >= end - 1:
                    unsubscribed = None
            self._write_email_rows(writer, [line for _, line in rows])
            if unsubscribed is not None:
                self.consent(
                    p, unsubscribed + 1, "email", "opt_out", "unsubscribe_link", email=self.email_of(p, 0.05)
                )
                return unsubscribed
            if bounced and rnd() < 0.5:
                return ts  # hard bounce: the address is suppressed
        return None

    def _write_email_rows(self, writer: TableWriter, lines: list[bytes]) -> None:
        add = writer.add_line
        if self.mess:
            r = self.rng.random()
            if r < 0.01 and len(lines) > 2:
                lines[1], lines[2] = lines[2], lines[1]  # webhooks arrive out of order
                self.stats.mess["out_of_order_events"] += 1
            if r > 0.998:
                add(lines.pop(), late=True)  # retried delivery, days later
        for line in lines:
            add(line)

    def sms(
        self,
        p: Person,
        start: int,
        stop: int,
        *,
        reach: float,
        p_click: float,
        click_until: int | None = None,
        on_click: Any = None,
    ) -> None:
        """Send the brand's SMS campaigns to ``p`` (who has a phone and consented) between two instants;
        after ``click_until`` the person no longer clicks."""
        if p.phone is None:
            return
        rng = self.rng
        camps = self.world.sms[p.brand]
        writer = self.w("sms_events", p.brand)
        p.add("phone", p.phone.e164)
        to = p.phone.e164 if not self.mess or rng.random() < 0.9 else phone_text(rng, p.phone, True)
        for c in camps:
            if not start <= c.sent_at < stop or rng.random() >= reach:
                continue
            msg = f"SM{rng.getrandbits(128):032x}"
            ts = c.sent_at + self.ri(0, 600)
            writer.add(
                {
                    "event_id": uuid(rng),
                    "message_id": msg,
                    "phone": to,
                    "event": "sent",
                    "occurred_at": clock.iso_s(ts),
                    "campaign_id": c.id,
                }
            )
            r = rng.random()
            if r < 0.04:
                writer.add(
                    {
                        "event_id": uuid(rng),
                        "message_id": msg,
                        "phone": to,
                        "event": "undelivered" if r < 0.025 else "failed",
                        "occurred_at": clock.iso_s(ts + 20),
                        "campaign_id": c.id,
                        "error_code": self.choice(("30003", "30005", "30006")),
                    }
                )
                continue
            ts += self.ri(2, 60)
            writer.add(
                {
                    "event_id": uuid(rng),
                    "message_id": msg,
                    "phone": to,
                    "event": "delivered",
                    "occurred_at": clock.iso_s(ts),
                    "campaign_id": c.id,
                }
            )
            if r > 0.99:
                ts += self.ri(60, 7200)
                writer.add(
                    {
                        "event_id": uuid(rng),
                        "message_id": msg,
                        "phone": to,
                        "event": "replied",
                        "occurred_at": clock.iso_s(ts),
                        "campaign_id": c.id,
                        "keyword": "STOP",
                    }
                )
                writer.add(
                    {
                        "event_id": uuid(rng),
                        "message_id": msg,
                        "phone": to,
                        "event": "opted_out",
                        "occurred_at": clock.iso_s(ts + 1),
                        "campaign_id": c.id,
                        "keyword": "STOP",
                    }
                )
                self.consent(p, ts + 2, "sms", "opt_out", "sms_stop", phone=to)
                return
            if rng.random() < p_click and (click_until is None or ts < click_until):
                ts += self.ri(10, 3600)
                writer.add(
                    {
                        "event_id": uuid(rng),
                        "message_id": msg,
                        "phone": to,
                        "event": "clicked",
                        "occurred_at": clock.iso_s(ts),
                        "campaign_id": c.id,
                    }
                )
                if on_click is not None and ts < self.end - 60:
                    on_click(c, ts)

    # -- consent, forms, people ----------------------------------------------------------------------

    def consent(
        self,
        p: Person,
        t: int,
        channel: str,
        status: str,
        source: str,
        purpose: str = "marketing",
        **ids: str | None,
    ) -> None:
        """One consent decision of ``p``; ``ids`` are the identifiers the deciding tool knows, as written
        (email, phone, crm_contact_id, customer_number, anonymous_id)."""
        row: dict[str, Any] = {"event_id": uuid(self.rng), "occurred_at": clock.iso_s(min(t, self.end - 1))}
        found = False
        for key, value in ids.items():
            if value is not None:
                row[key] = value
                found = True
        if not found:
            return
        row.update(channel=channel, status=status, purpose=purpose, source=source, country=p.country)
        self.w("consent_events", p.brand).add(row)

    def form(self, p: Person, t: int, fields: dict[str, Any], *, warn: int = 0) -> None:
        """One form submission (``fields`` uses the catalog's field names; the time is set here)."""
        row = {"submission_id": self.next_id("submission"), "occurred_at": clock.iso_s(t), **fields}
        self.w("form_submissions", p.brand).add({k: v for k, v in row.items() if v is not None}, warn=warn)

    def finish(self, p: Person) -> None:
        """Write the ground truth of a person once their story is complete."""
        self.people += 1
        for (kind, value), shared in p.ids.items():
            self.truth.identity(p.pid, p.brand, kind, value, shared)
        identified = any(kind != "anonymous_id" for kind, _ in p.ids)
        self.truth.person(
            {
                "person_id": p.pid,
                "brand": p.brand,
                "first_name": p.first,
                "last_name": p.last,
                "persona": p.persona,
                "job_title": p.job_title,
                "segment": p.segment,
                "crm_company_id": p.company.id if p.company is not None else None,
                "is_customer": p.is_customer,
                "churned": p.churned,
                "churn_reason": p.churn_reason or None,
                "expected_temperature": p.temperature or None,
                "do_not_contact": p.dnc,
                "identified": identified,
            }
        )


def campaign_click_utm(brand: str, c: Campaign) -> dict[str, str]:
    """The utm parameters of a link in an email or SMS campaign."""
    return {
        "source": "escales" if brand == "b2c" else "hexapaie",
        "medium": c.channel,
        "name": c.id,
        "content": c.themes[0] if c.themes else "main",
    }
