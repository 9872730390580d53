"""The b2c brand: a travel company with a website, agencies, a call centre and a paid club membership.

A unit of simulation is one traveller: an anonymous visitor, a prospect (cold, warm or hot), a customer
(orders with lines, reviews, referrals) or a customer who terminates their club membership and goes silent.
Agencies have a kiosk whose cookie is used by many travellers, and some calls come from employer
switchboards shared by many people.
"""

from __future__ import annotations

from typing import Any

from sources.demo import clock, vocab
from sources.demo.identity import (
    Weighted,
    invalid_email,
    invalid_phone,
    new_email,
    new_phone,
    pick1,
    weighted,
)
from sources.demo.sim import (
    DAY,
    IDENTIFY,
    MAIL_DOMAINS,
    PAGE,
    TERMINATION_REASONS,
    TRACK,
    Hit,
    Person,
    Sim,
    campaign_click_utm,
)
from sources.demo.world import Campaign

SITE_NAME = vocab.B2C_BRAND
HOME = ("/", f"{SITE_NAME} - trips, stays and cruises")
CART = ("/cart", f"Your basket | {SITE_NAME}")
CHECKOUT = ("/checkout", f"Checkout | {SITE_NAME}")
CONFIRMATION = ("/checkout/confirmation", f"Thank you | {SITE_NAME}")
SIMULATOR = ("/price-simulator", f"Price simulator | {SITE_NAME}")
CONFIGURATOR = ("/configurator", f"Build your trip | {SITE_NAME}")
LOGIN = ("/account/login", f"Sign in | {SITE_NAME}")
TRIPS = ("/account/trips", f"My trips | {SITE_NAME}")
CLUB = ("/club", f"Escales Club | {SITE_NAME}")
TERMINATION = ("/legal/termination-conditions", f"Termination conditions | {SITE_NAME}")
INSURANCE = ("/legal/cancellation-insurance", f"Cancellation insurance | {SITE_NAME}")
NEWSLETTER = ("/newsletter", f"Newsletter | {SITE_NAME}")
QUOTE = ("/quote-request", f"Group quote | {SITE_NAME}")
CONTACT = ("/contact", f"Contact us | {SITE_NAME}")
CALLBACK = ("/callback", f"Be called back | {SITE_NAME}")
CAREERS = ("/careers", f"Careers | {SITE_NAME}")
JOBS = tuple((f"/careers/jobs/{slug}", f"{title} | {SITE_NAME}") for slug, title in vocab.B2C_JOBS)
INVESTORS = (
    ("/investors", f"Investors | {SITE_NAME}"),
    ("/investors/results-2024", f"2024 results | {SITE_NAME}"),
)
BLOG = tuple((f"/blog/{slug}", f"{title} | {SITE_NAME}") for slug, title in vocab.B2C_BLOG)

INTENTS: dict[str, Weighted[str]] = {
    k: Weighted(v)
    for k, v in {
        "browse": (("home", 3), ("offer", 3), ("destination", 3), ("blog", 2), ("product", 2), ("agency", 1)),
        "search": (("search", 4), ("product", 4), ("offer", 1), ("destination", 1)),
        "plan": (("product", 3), ("simulator", 2), ("configurator", 1), ("search", 1), ("insurance", 1)),
        "account": (("trips", 3), ("offer", 2), ("product", 1), ("club", 1), ("contact", 1)),
        "at_risk": (("termination", 3), ("club", 2), ("simulator", 1), ("contact", 1)),
        "careers": (("careers", 2), ("job", 3), ("home", 1)),
        "investor": (("investors", 4), ("home", 1)),
    }.items()
}


def _hit(page: tuple[str, str]) -> Hit:
    return (PAGE, page[0], page[1], None, None, None)


SIMULATOR_HIT, CONFIGURATOR_HIT = _hit(SIMULATOR), _hit(CONFIGURATOR)
QUOTE_STARTED: tuple[Hit, ...] = (
    _hit(QUOTE),
    (TRACK, "", "", "Form Started", {"form_id": "b2c-quote-request", "form_type": "quote_request"}, None),
)
# page groups whose views fire nothing: group -> the page-view hits to choose from
STATIC_HITS: dict[str, tuple[Hit, ...]] = {
    "home": (_hit(HOME),),
    "blog": tuple(map(_hit, BLOG)),
    "trips": (_hit(TRIPS),),
    "club": (_hit(CLUB),),
    "contact": (_hit(CONTACT),),
    "termination": (_hit(TERMINATION),),
    "insurance": (_hit(INSURANCE),),
    "careers": (_hit(CAREERS),),
    "job": tuple(map(_hit, JOBS)),
    "investors": tuple(map(_hit, INVESTORS)),
    "agency": tuple(_hit((f"/agencies/{slug}", f"{name} | {SITE_NAME}")) for slug, name, _ in vocab.AGENCIES),
    "offer": tuple(
        _hit((f"/offers/{d[0]}-{theme}", f"{d[1]}: {theme.replace('-', ' ')} offers | {SITE_NAME}"))
        for d in vocab.DESTINATIONS
        for theme in vocab.B2C_EMAIL_THEMES
    ),
    "destination": tuple(
        _hit((f"/destinations/{d[0]}", f"{d[1]} | {SITE_NAME}")) for d in vocab.DESTINATIONS
    ),
}
COUNTRIES = weighted(("FR", 92), ("BE", 2), ("GB", 2), ("DE", 2), ("US", 2))
PERSONAS = Weighted((row, row[1]) for row in vocab.B2C_PERSONAS)
SEGMENTS = weighted(
    ("visitor", 20),
    ("cold", 17),
    ("warm", 15),
    ("hot", 7),
    ("customer", 28),
    ("churned", 7),
    ("job_seeker", 4),
    ("investor", 2),
)
IDENTIFY_HOW = weighted(("account", 45), ("newsletter", 35), ("quote", 4), ("callback", 6))
IDENTIFY_GROUP = weighted(("account", 45), ("newsletter", 35), ("quote", 10), ("callback", 6))
ORDER_CHANNELS = weighted(("web", 65), ("agency", 25), ("call_centre", 10))
CALL_OUTCOMES = Weighted(vocab.B2C_CALL_OUTCOMES)
CALL_TYPES = Weighted(vocab.B2C_CALL_TYPES)


class B2C:
    """Generates people of the b2c brand."""

    brand = "b2c"

    def __init__(self, sim: Sim) -> None:
        self.sim = sim
        self.rng = sim.rng
        self.pid = 0
        self._by_destination: dict[str, list[tuple[str, str, str, str, str, float]]] = {}
        self._product_hits: dict[str, tuple[Hit, Hit]] = {
            pid: (
                (PAGE, f"/products/{dslug}/{pid.lower()}", f"{name} | {SITE_NAME}", None, None, None),
                (
                    TRACK,
                    "",
                    "",
                    "Product Viewed",
                    {
                        "product_id": pid,
                        "name": name,
                        "category": category,
                        "price": price,
                        "destination": dslug,
                    },
                    None,
                ),
            )
            for pid, name, category, _acc, dslug, price in sim.world.products
        }

    def unit(self, room: int) -> int:
        self.person()
        return 1

    # -- a traveller's story -------------------------------------------------------------------------

    def person(self) -> None:
        sim, rng = self.sim, self.rng
        self.pid += 1
        referred = sim.referrals.popleft() if sim.referrals else None
        country = sim.pick(COUNTRIES)
        if referred is not None:
            first, last, email = referred
            country = "FR"
        elif country in vocab.FIRST_NAMES_INTL:
            first, last = (
                sim.choice(vocab.FIRST_NAMES_INTL[country]),
                sim.choice(vocab.LAST_NAMES_INTL[country]),
            )
            email = None
        else:
            first, last = sim.choice(vocab.FIRST_NAMES_FR), sim.choice(vocab.LAST_NAMES_FR)
            email = None
        p = Person(f"b2c-{self.pid:07d}", "b2c", first, last, country)
        p.email = email or new_email(rng, first, last, sim.pick(MAIL_DOMAINS), sim.used_emails)
        if rng.random() < 0.8:
            p.phone = new_phone(rng, country)
        persona = sim.pick(PERSONAS)
        p.persona = persona[0]
        p.extra["party"] = sim.ri(*persona[2])
        p.extra["accommodation"] = persona[3]
        p.extra["destination"] = sim.choice(vocab.DESTINATIONS)
        segment = sim.pick(SEGMENTS)
        if referred is not None and segment in ("visitor", "job_seeker", "investor"):
            segment = "warm"
        if segment in ("job_seeker", "investor"):
            self.lone(p, segment)
            return
        E, S = sim.end, sim.start
        p.segment = (
            "customer"
            if segment in ("customer", "churned")
            else "prospect"
            if segment != "visitor"
            else "visitor"
        )
        p.temperature = segment if segment in ("cold", "warm", "hot") else ""
        p.is_customer = segment in ("customer", "churned")
        p.churned = segment == "churned"
        if segment == "visitor":
            a0 = sim.between(S, E - 5 * DAY)
            a1 = min(a0 + sim.ri(1, 40) * DAY, E - 3600)
        elif segment == "cold":
            a0 = sim.between(S, E - 200 * DAY)
            a1 = min(a0 + sim.ri(10, 100) * DAY, E - 120 * DAY)
        elif segment == "warm":
            a0 = sim.between(S, E - 90 * DAY)
            a1 = sim.between(max(a0 + 7 * DAY, E - 60 * DAY), E - 12 * DAY)
        elif segment == "hot":
            a0 = sim.between(S, E - 60 * DAY)
            a1 = E - sim.ri(1, 36) * 3600
        elif segment == "customer":
            a0 = sim.between(S, E - 150 * DAY)
            a1 = E - sim.ri(0, 30) * DAY
        else:
            a0 = sim.between(S, E - 300 * DAY)
            a1 = sim.between(a0 + 120 * DAY, E - 15 * DAY)
            p.churn_reason = sim.pick(TERMINATION_REASONS)
        mobile_first = p.persona == "student" or rng.random() < 0.3
        desktop = (sim.choice(vocab.USER_AGENTS_DESKTOP), "desktop")
        phone_dev = (
            (sim.choice(vocab.USER_AGENTS_MOBILE), "mobile")
            if rng.random() < 0.9
            else (vocab.USER_AGENT_TABLET, "tablet")
        )
        main_dev = phone_dev if mobile_first else desktop
        main = p.new_cookie(sim)
        second = p.new_cookie(sim) if rng.random() < 0.5 else None
        second_dev = desktop if mobile_first else phone_dev
        for anon in p.anon:
            if rng.random() < 0.3:
                sim.consent(
                    p,
                    a0 + sim.ri(0, 600),
                    "ads",
                    sim.choice(("opt_in", "opt_in", "opt_out")),
                    "cookie_banner",
                    purpose="advertising",
                    anonymous_id=anon,
                )

        def cookie() -> tuple[str, tuple[str, str]]:
            if second is not None and rng.random() < 0.35:
                return second, second_dev
            return main, main_dev

        # when and how the traveller identifies
        known_at: int | None = None
        if segment != "visitor" or rng.random() < 0.1:
            known_at = sim.between(a0, a0 + (a1 - a0) * 2 // 3)
        n = {"visitor": sim.ri(1, 3), "cold": sim.ri(2, 5), "warm": sim.ri(3, 7), "hot": sim.ri(2, 5)}.get(
            segment, sim.ri(3, 8)
        )
        orders: list[int] = []
        if p.is_customer:
            first_order = sim.between(a0 + 10 * DAY, min(a1 - 5 * DAY, E - 20 * DAY))
            orders = [first_order] + sim.times(first_order + 40 * DAY, a1, sim.choice((0, 0, 1, 1, 2)))
            if known_at is None or known_at > first_order:
                known_at = first_order - sim.ri(1, 10) * DAY
            known_at = max(known_at, a0)
        plan_end = a1 if segment != "hot" else E - 11 * DAY
        sessions = [(t, "session") for t in sim.times(a0, plan_end, n)]
        if known_at is not None:
            sessions.append((known_at, "identify"))
        sessions += [(t, "order") for t in orders]
        if segment == "hot":
            sessions += [(t, "burst") for t in sim.times(E - 10 * DAY, E - 3600, sim.ri(3, 6))]
        if p.churned:
            sessions.append((sim.between(a1 - 40 * DAY, a1 - DAY), "at_risk"))
        sessions.sort()
        email_from: int | None = None
        sms_from: int | None = None
        for t, kind in sessions:
            t = sim.at_hours(t, 7, 23)
            anon, dev = cookie()
            if kind == "identify":
                how = self.identify(p, t, main, main_dev)
                if how in ("account", "newsletter") and (rng.random() < 0.65 or how == "newsletter"):
                    email_from = t + 2
                    sim.consent(
                        p,
                        t + 2,
                        "email",
                        "opt_in",
                        "account_creation" if how == "account" else "newsletter_form",
                        email=sim.email_of(p, 0.1),
                        anonymous_id=main,
                    )
                if how == "account" and p.phone is not None and rng.random() < 0.35:
                    sms_from = t + 3
                    sim.consent(p, t + 3, "sms", "opt_in", "account_creation", phone=sim.phone_of(p))
            elif kind == "order":
                self.order(p, t, main, main_dev)
            else:
                known = known_at is not None and t > known_at
                intent = (
                    "at_risk" if kind == "at_risk" else "plan" if kind == "burst" else self.intent(p, known)
                )
                utm, ref = sim.traffic("b2c", t, 0.3)
                self.visit(
                    p,
                    anon,
                    t,
                    intent,
                    dev,
                    utm,
                    ref,
                    logged_in=known and p.user_id is not None and anon == main and rng.random() < 0.6,
                )
        if second is not None and p.user_id is not None and rng.random() < 0.7:
            # the second device signs in too
            t = sim.at_hours(sim.between(known_at or a0, a1), 7, 23)
            self.login(p, second, t, second_dev)
        if rng.random() < 0.1 and segment != "visitor":
            self.agency_visit(p, sim.between(a0, a1))
        if p.churned:
            self.terminate(p, a1)
        if known_at is not None:
            stop = min(a1 + (0 if p.churned else 400 * DAY), E)
            dnc_at = sim.between(known_at, a1 if p.churned else E) if rng.random() < 0.01 else None
            if dnc_at is not None:
                stop = min(stop, dnc_at)
            if email_from is not None:
                p_open = {"hot": 0.5, "warm": 0.35, "cold": 0.25}.get(segment, 0.4)
                unsub = sim.emails(
                    p,
                    email_from,
                    stop,
                    reach=0.3,
                    p_open=p_open,
                    open_until=a1 if segment == "cold" else E,
                    on_click=lambda c, ts: self.click(p, c, ts, main, main_dev, "email"),
                )
                if unsub is not None and not p.churned and rng.random() < 0.1:
                    sim.consent(
                        p,
                        sim.between(unsub + 20 * DAY, E),
                        "email",
                        "opt_in",
                        "preference_center",
                        email=sim.email_of(p, 0.1),
                        customer_number=p.customer_number,
                    )
            if sms_from is not None:
                sim.sms(
                    p,
                    sms_from,
                    stop,
                    reach=0.5,
                    p_click=0.06,
                    click_until=a1 if segment == "cold" else None,
                    on_click=lambda c, ts: self.click(p, c, ts, main, phone_dev, "sms"),
                )
            if dnc_at is not None:
                p.dnc = True
                sim.consent(
                    p,
                    dnc_at,
                    "all",
                    "do_not_contact",
                    "call_centre",
                    email=sim.email_of(p, 0.1),
                    phone=sim.phone_of(p),
                    customer_number=p.customer_number,
                )
            self.calls(p, known_at, a1)
        sim.finish(p)

    def intent(self, p: Person, known: bool) -> str:
        sim = self.sim
        if p.is_customer and known:
            return sim.choice(("account", "browse", "search", "plan"))
        if p.temperature == "cold":
            return sim.choice(("browse", "browse", "search"))
        return sim.choice(("browse", "search", "search", "plan"))

    # -- web -----------------------------------------------------------------------------------------

    def _search_hit(self, p: Person, t: int) -> list[Hit]:
        rnd = self.rng.random
        dslug, dname, _country, price = (
            p.extra["destination"] if rnd() < 0.6 else pick1(vocab.DESTINATIONS, rnd)
        )
        party = p.extra["party"]
        acc = pick1(p.extra["accommodation"], rnd)
        month = clock.date_of(t + (20 + int(rnd() * 180)) * DAY)[:7]
        nights = pick1((3, 5, 7, 7, 10, 14), rnd)
        path = f"/search?destination={dslug}&party_size={party}&accommodation_type={acc}&departure={month}"
        props = {
            "query": dname,
            "destination": dslug,
            "party_size": party,
            "accommodation_type": acc,
            "departure_month": month,
            "duration_nights": nights,
            "budget_max": int(price * party * 1.3),
        }
        return [
            (PAGE, path, f"{dname} trips | {SITE_NAME}", None, None, None),
            (TRACK, "", "", "Products Searched", props, None),
        ]

    def _product(self, p: Person) -> tuple[str, str, str, str, str, float]:
        """A product, from the person's favourite destination more often than not."""
        rnd = self.rng.random
        products = self.sim.world.products
        if not self._by_destination:
            for product in products:
                self._by_destination.setdefault(product[4], []).append(product)
        mine = self._by_destination.get(p.extra["destination"][0])
        return pick1(mine if mine and rnd() < 0.6 else products, rnd)

    def pages(self, p: Person, t: int, intent: str, n: int) -> list[Hit]:
        """``n`` page views (with the track events they fire) of a visit with the given intent."""
        sim, rng = self.sim, self.rng
        rnd = rng.random
        hits: list[Hit] = []
        draw = INTENTS[intent].draw
        for _ in range(n):
            group = draw(rng)
            if group == "search":
                hits += self._search_hit(p, t)
            elif group == "product":
                hits += self._product_hits[self._product(p)[0]]
            elif group == "simulator":
                d = p.extra["destination"]
                nights = sim.choice((5, 7, 10, 14))
                hits.append(SIMULATOR_HIT)
                hits.append(
                    (
                        TRACK,
                        "",
                        "",
                        "Simulator Used",
                        {
                            "tool": "price_simulator",
                            "destination": d[0],
                            "party_size": p.extra["party"],
                            "nights": nights,
                            "estimated_price": int(d[3] * p.extra["party"] * nights / 7),
                        },
                        None,
                    )
                )
            elif group == "configurator":
                hits.append(CONFIGURATOR_HIT)
                hits.append(
                    (
                        TRACK,
                        "",
                        "",
                        "Trip Configured",
                        {
                            "tool": "configurator",
                            "destination": p.extra["destination"][0],
                            "accommodation_type": pick1(p.extra["accommodation"], rnd),
                            "options": rng.sample(("insurance", "transfer", "excursion", "car_rental"), 2),
                        },
                        None,
                    )
                )
            else:
                hits.append(pick1(STATIC_HITS[group], rnd))
        if intent in ("search", "plan", "browse") and rng.random() < 0.12:
            popin_id, question, answers = pick1(vocab.POPINS, rnd)
            hits.append((TRACK, "", "", "Popin Viewed", {"popin_id": popin_id, "question": question}, None))
            if rng.random() < 0.45:
                hits.append(
                    (
                        TRACK,
                        "",
                        "",
                        "Popin Answered",
                        {"popin_id": popin_id, "question": question, "answer": pick1(answers, rnd)},
                        None,
                    )
                )
        if rng.random() < (0.3 if intent == "at_risk" else 0.06):
            topic = "cancellation" if intent == "at_risk" else pick1(vocab.CHATBOT_TOPICS, rnd)
            hits.append((TRACK, "", "", "Chatbot Conversation Started", {"topic": topic}, None))
            hits.append((TRACK, "", "", "Chatbot Message Sent", {"topic": topic}, None))
        return hits

    def _cart(self, p: Person, checkout: bool) -> tuple[list[Hit], tuple[Any, ...], float]:
        pid, name, category, _acc, dslug, price = self._product(p)
        party = p.extra["party"]
        value = round(price * party, 2)
        hits: list[Hit] = [
            (
                TRACK,
                "",
                "",
                "Product Added",
                {"product_id": pid, "name": name, "price": price, "quantity": party},
                None,
            ),
            (PAGE, CART[0], CART[1], None, None, None),
            (TRACK, "", "", "Cart Viewed", {"products": [pid], "value": value}, None),
        ]
        if checkout:
            hits += [
                (PAGE, CHECKOUT[0], CHECKOUT[1], None, None, None),
                (
                    TRACK,
                    "",
                    "",
                    "Checkout Started",
                    {"value": value, "currency": "EUR", "products": [pid]},
                    None,
                ),
            ]
        return hits, (pid, name, category, price, dslug), value

    def visit(
        self,
        p: Person,
        anon: str,
        t: int,
        intent: str,
        device: tuple[str, str],
        utm: dict[str, str] | None,
        referrer: str,
        *,
        logged_in: bool = False,
    ) -> None:
        sim, rng = self.sim, self.rng
        hits = self.pages(p, t, intent, sim.ri(1, 7))
        r = rng.random()
        if intent == "plan" and r < 0.35:
            cart, _product, _value = self._cart(p, rng.random() < 0.5)
            hits += cart  # started, then abandoned
        elif intent in ("search", "plan") and r > 0.96:
            hits += QUOTE_STARTED  # a quote request started, then abandoned
        if logged_in:
            hits = [
                (PAGE, LOGIN[0], LOGIN[1], None, None, None),
                (IDENTIFY, "", "", p.user_id, None, None),
                (TRACK, "", "", "Signed In", {"method": "password"}, None),
                *hits,
            ]
        sim.session(p, anon, t, hits, device=device, utm=utm, referrer=referrer)

    def login(self, p: Person, anon: str, t: int, device: tuple[str, str]) -> None:
        hits: list[Hit] = [
            (PAGE, LOGIN[0], LOGIN[1], None, None, None),
            (IDENTIFY, "", "", p.user_id, None, {"email": self.sim.email_of(p, 0.1)}),
            (TRACK, "", "", "Signed In", {"method": "password"}, None),
            (PAGE, TRIPS[0], TRIPS[1], None, None, None),
        ]
        self.sim.session(p, anon, t, hits, device=device)

    def identify(self, p: Person, t: int, anon: str, device: tuple[str, str]) -> str:
        """The traveller makes themselves known: an account, the newsletter, a quote request, a callback."""
        sim, rng = self.sim, self.rng
        how = sim.pick(IDENTIFY_GROUP if p.persona == "group_organizer" else IDENTIFY_HOW)
        utm, ref = sim.traffic("b2c", t, 0.3)
        hits = self.pages(p, t, "search", sim.ri(1, 3))
        warn = 0
        if (test := sim.test_address()) is not None:
            typed = sim.shared_email(p, test)
        elif sim.mess and rng.random() < 0.006 and how != "account":
            typed = invalid_email(rng, p.email or "")
            warn = 1
        else:
            typed = sim.email_of(p)
        traits: dict[str, Any] = {"email": typed, "first_name": p.first, "last_name": p.last}
        if warn:
            del traits["email"]  # the tracking snippet only sends addresses that look valid
        if how == "account":
            p.user_id = sim.next_id("user_b2c")
            p.add("user_id", p.user_id)
            if p.phone is not None and rng.random() < 0.4:
                traits["phone"] = sim.phone_of(p)
            hits += [
                (PAGE, "/account/create", f"Create your account | {SITE_NAME}", None, None, None),
                (TRACK, "", "", "Signed Up", {"method": "email"}, None),
                (IDENTIFY, "", "", p.user_id, None, traits),
            ]
            sim.session(p, anon, t, hits, device=device, utm=utm, referrer=ref)
            return how
        page, form_type = {
            "newsletter": (NEWSLETTER, "newsletter"),
            "quote": (QUOTE, "quote_request"),
            "callback": (CALLBACK, "callback_request"),
        }[how]
        form_id = f"b2c-{form_type.replace('_', '-')}"
        hits += [
            (PAGE, page[0], page[1], None, None, None),
            (TRACK, "", "", "Form Started", {"form_id": form_id, "form_type": form_type}, None),
            (TRACK, "", "", "Form Submitted", {"form_id": form_id, "form_type": form_type}, None),
            (IDENTIFY, "", "", None, None, traits),
        ]
        end = sim.session(p, anon, t, hits, device=device, utm=utm, referrer=ref)
        phone = None
        if how in ("quote", "callback"):
            if sim.mess and rng.random() < 0.01:
                phone, warn = invalid_phone(rng), warn + 1
            else:
                phone = sim.phone_of(p) if p.phone is not None else None
        d = p.extra["destination"]
        fields: dict[str, Any] = {
            "form_id": form_id,
            "form_type": form_type,
            "anonymous_id": anon,
            "email": typed,
            "phone": phone,
            "first_name": p.first if how != "newsletter" else None,
            "last_name": p.last if how != "newsletter" else None,
            "country": p.country,
            "consent_email": how == "newsletter" or rng.random() < 0.5,
            "consent_sms": how == "callback" and rng.random() < 0.5,
            "page_url": sim.world.site["b2c"] + page[0],
            "utm_source": utm.get("source") if utm else None,
            "utm_campaign": utm.get("name") if utm else None,
        }
        if how == "quote":
            fields["budget"] = sim.choice(vocab.BUDGETS_B2C)
            fields["fields"] = {
                "party_size": p.extra["party"],
                "destination": d[0],
                "departure_month": clock.date_of(t + sim.ri(30, 200) * DAY)[:7],
            }
        sim.form(p, end, fields, warn=warn)
        return how

    def click(self, p: Person, c: Campaign, ts: int, anon: str, device: tuple[str, str], medium: str) -> None:
        sim = self.sim
        hits: list[Hit] = [(PAGE, c.landing, c.subject or c.name, None, None, None)]
        hits += self.pages(p, ts, "search", sim.ri(0, 3))
        self.sim.session(p, anon, ts + 3, hits, device=device, utm=campaign_click_utm("b2c", c))

    # -- orders and after ----------------------------------------------------------------------------

    def order(self, p: Person, t: int, anon: str, device: tuple[str, str]) -> None:
        """A booking: on the website (with its checkout session), in an agency, or by phone."""
        sim, rng = self.sim, self.rng
        channel = sim.pick(ORDER_CHANNELS)
        if p.customer_number is None:
            p.customer_number = sim.next_id("customer")
            p.add("customer_number", p.customer_number)
        order_id = sim.next_id("order")
        hits, product, value = self._cart(p, True)
        pid, name, category, price, dslug = product
        party = p.extra["party"]
        lines = [
            {
                "line_number": 1,
                "product_id": pid,
                "product_name": name,
                "category": category,
                "quantity": party,
                "unit_price": price,
                "amount": round(price * party, 2),
            }
        ]
        for oid, oname, ocat, oprice in vocab.TRIP_OPTIONS:
            if rng.random() < 0.25:
                qty = party if ocat in ("insurance", "excursion") else 1
                lines.append(
                    {
                        "line_number": len(lines) + 1,
                        "product_id": oid,
                        "product_name": oname,
                        "category": ocat,
                        "quantity": qty,
                        "unit_price": oprice,
                        "amount": round(oprice * qty, 2),
                    }
                )
        store = None
        if channel == "web":
            if p.user_id is None:
                p.user_id = sim.next_id("user_b2c")
                p.add("user_id", p.user_id)
                hits = [(IDENTIFY, "", "", p.user_id, None, {"email": sim.email_of(p)}), *hits]
            hits.append((PAGE, CONFIRMATION[0], CONFIRMATION[1], None, None, None))
            hits.append(
                (
                    TRACK,
                    "",
                    "",
                    "Order Completed",
                    {"order_id": order_id, "total": value, "currency": "EUR", "products": [pid]},
                    None,
                )
            )
            t = sim.session(
                p, anon, t, self.pages(p, t, "plan", sim.ri(1, 3)) + hits, device=device, user_id=p.user_id
            )
        elif channel == "agency":
            store = self.agency_visit(p, t, ordered=True)
        else:
            self.call(p, t, "booking", "sale")
        r = rng.random()
        age = sim.end - t
        if r < 0.06:
            status, updated = "cancelled", t + sim.ri(1, 30) * DAY
        elif r < 0.09 and age > 40 * DAY:
            status, updated = "returned", t + sim.ri(20, 40) * DAY
            refund = round(lines[0]["amount"] * sim.choice((0.1, 0.2, 0.5)), 2)
            lines.append(
                {
                    "line_number": len(lines) + 1,
                    "product_id": "REFUND",
                    "product_name": "Partial refund",
                    "category": "refund",
                    "quantity": 1,
                    "unit_price": -refund,
                    "amount": -refund,
                }
            )
        elif age < 30 * DAY:
            status, updated = sim.choice(("placed", "paid")), t + sim.ri(60, 2 * DAY)
        else:
            status, updated = "completed", t + sim.ri(20, 30) * DAY
        updated = min(updated, sim.end - 1)
        if rng.random() < 0.5:
            for line in lines:
                line["order_id"] = order_id
        row: dict[str, Any] = {
            "id": order_id,
            "customer_number": p.customer_number,
            "email": sim.email_of(p, 0.3),
            "phone": sim.phone_of(p) if rng.random() < 0.6 else None,
            "anonymous_id": anon if channel == "web" else None,
            "ordered_at": clock.iso_s(t),
            "status": status,
            "channel": channel,
            "store": store,
            "country": p.country,
            "currency": "EUR",
            "total_amount": round(sum(line["amount"] for line in lines), 2),
            "updated_at": clock.iso_s(updated),
            "lines": lines,
        }
        writer = sim.w("orders", "b2c")
        row = {k: v for k, v in row.items() if v is not None}
        if sim.mess and status in ("completed", "cancelled") and rng.random() < 0.05:
            # an earlier export of the same order: the loader keeps the newest version
            writer.add({**row, "status": "paid", "updated_at": clock.iso_s(t + 60)})
            sim.stats.mess["stale_entity_versions"] += 1
        writer.add(row)
        if status == "completed":
            self.after_trip(p, updated, pid)

    def after_trip(self, p: Person, t: int, product_id: str) -> None:
        """Reviews, complaints, NPS answers and referrals after a completed trip."""
        sim, rng = self.sim, self.rng
        writer = sim.w("feedback_events", "b2c")
        t = min(t + sim.ri(1, 20) * DAY, sim.end - 3600)
        base = {"email": sim.email_of(p, 0.2)}
        if rng.random() < 0.7:
            base["customer_number"] = p.customer_number
        r = rng.random()
        if r < 0.35:
            rating = sim.choice((5, 5, 4, 4, 4, 3, 2, 1))
            writer.add(
                {
                    "feedback_id": sim.next_id("feedback"),
                    "feedback_type": "review",
                    "occurred_at": clock.iso_s(t),
                    **base,
                    "rating": rating,
                    "comment": sim.choice(vocab.COMMENTS_REVIEW),
                    "product_id": product_id,
                }
            )
        elif r < 0.41:
            reason = sim.choice(vocab.COMPLAINT_REASONS)
            writer.add(
                {
                    "feedback_id": sim.next_id("feedback"),
                    "feedback_type": "complaint",
                    "occurred_at": clock.iso_s(t),
                    **base,
                    "reason": reason,
                    "comment": f"Complaint about {reason.replace('_', ' ')}.",
                    "product_id": product_id,
                }
            )
            self.call(p, t + 3600, "complaint", "complaint")
        elif r < 0.55:
            writer.add(
                {
                    "feedback_id": sim.next_id("feedback"),
                    "feedback_type": "nps",
                    "occurred_at": clock.iso_s(t),
                    **base,
                    "rating": sim.ri(0, 10),
                }
            )
        elif r < 0.6 and sim.can_refer():
            first, last = sim.choice(vocab.FIRST_NAMES_FR), sim.choice(vocab.LAST_NAMES_FR)
            friend = new_email(rng, first, last, sim.pick(MAIL_DOMAINS), sim.used_emails)
            sim.referrals.append((first, last, friend))
            writer.add(
                {
                    "feedback_id": sim.next_id("feedback"),
                    "feedback_type": "referral",
                    "occurred_at": clock.iso_s(t),
                    **base,
                    "referred_email": friend,
                }
            )

    def terminate(self, p: Person, t: int) -> None:
        """A club member terminates, giving a reason; nothing happens after that."""
        sim = self.sim
        reason = p.churn_reason
        sim.w("feedback_events", "b2c").add(
            {
                "feedback_id": sim.next_id("feedback"),
                "feedback_type": "termination",
                "occurred_at": clock.iso_s(t),
                "email": sim.email_of(p, 0.2),
                "customer_number": p.customer_number,
                "reason": reason,
                "comment": vocab.COMMENTS_TERMINATION[reason],
            }
        )
        if p.email is not None:
            sim.consent(
                p,
                t + 60,
                "email",
                "opt_out",
                "termination",
                email=sim.email_of(p, 0.1),
                customer_number=p.customer_number,
            )

    # -- offline and calls ---------------------------------------------------------------------------

    def agency_visit(self, p: Person, t: int, *, ordered: bool = False) -> str:
        """A visit to an agency (with, sometimes, a go on the shared kiosk). Returns the agency's name."""
        sim, rng = self.sim, self.rng
        slug, name, city = sim.choice(vocab.AGENCIES)
        t = sim.at_hours(t, 10, 18)
        r = rng.random()
        email = sim.email_of(p, 0.3) if r < 0.6 or p.phone is None else None
        phone = sim.phone_of(p) if email is None or rng.random() < 0.3 else None
        sim.w("offline_events", "b2c").add(
            {
                "event_id": f"VIS-{rng.getrandbits(40):010x}",
                "event_type": "agency_visit" if r < 0.7 else "store_visit",
                "occurred_at": clock.paris_s(t),
                "venue": name,
                "location": city,
                "email": email,
                "phone": phone,
                "first_name": p.first,
                "last_name": p.last,
                "interest": p.extra["destination"][0],
                "notes": "booked" if ordered else sim.choice(("brochure given", "will come back", None)),
            }
        )
        if sim.mess and (sim.stats.mess["kiosk_sessions"] < 2 or rng.random() < 0.3):
            kiosk = sim.world.kiosks[slug]
            p.add("anonymous_id", kiosk, shared=True)
            sim.stats.mess["kiosk_sessions"] += 1
            hits = self.pages(p, t, "search", sim.ri(1, 3))
            if rng.random() < 0.4:
                hits.append((IDENTIFY, "", "", None, None, {"email": sim.email_of(p, 0.2)}))
            sim.session(p, kiosk, t - 1200, hits, device=(vocab.USER_AGENT_KIOSK, "kiosk"), locale="fr-FR")
        return name

    def call(self, p: Person, t: int, call_type: str, outcome: str | None = None) -> None:
        sim, rng = self.sim, self.rng
        t = sim.at_hours(t, 9, 19)
        if sim.mess and rng.random() < 0.04:
            phone = sim.phone_of(p, sim.choice(sim.world.switchboards), shared=True)
            sim.stats.mess["switchboard_calls"] += 1
        else:
            phone = sim.phone_of(p)
        if phone is None:
            return
        outcome = outcome or sim.pick(CALL_OUTCOMES)
        direction = "outbound" if call_type == "outbound_offer" else "inbound"
        sim.w("calls", "b2c").add(
            {
                "call_id": sim.next_id("call"),
                "occurred_at": clock.paris_s(t),
                "direction": direction,
                "call_type": call_type,
                "phone": phone,
                "agent": sim.choice(("Agent 12", "Agent 07", "Agent 31", "Agent 44")),
                "duration_seconds": sim.ri(40, 1500) if outcome != "no_answer" else 0,
                "outcome": outcome,
                "budget_learned": sim.choice(vocab.BUDGETS_B2C) if call_type == "quote" else None,
                "timing_learned": sim.choice(vocab.TIMINGS[:3]) if call_type == "quote" else None,
            }
        )

    def calls(self, p: Person, a0: int, a1: int) -> None:
        sim = self.sim
        if p.phone is None:
            return
        k = sim.choice((0, 0, 0, 1, 1, 2)) if p.is_customer else sim.choice((0, 0, 0, 0, 1))
        for t in self.sim.times(a0, a1, k):
            self.call(p, t, self.sim.pick(CALL_TYPES))

    # -- people off the funnel -----------------------------------------------------------------------

    def lone(self, p: Person, kind: str) -> None:
        sim = self.sim
        p.persona = p.segment = kind
        p.email = None
        anon = p.new_cookie(sim)
        device = (sim.choice(vocab.USER_AGENTS_DESKTOP), "desktop")
        a0 = sim.between(sim.start, sim.end - 20 * DAY)
        intent = "careers" if kind == "job_seeker" else "investor"
        for t in sim.times(a0, min(a0 + 60 * DAY, sim.end - DAY), sim.ri(1, 4)):
            self.visit(p, anon, sim.at_hours(t, 7, 23), intent, device, *sim.organic())
        sim.finish(p)
