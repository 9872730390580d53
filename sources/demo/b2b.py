"""The b2b brand: an HR & payroll software vendor selling to HR directors of 30-500 staff companies.

A unit of simulation is a company's buying group (1-4 colleagues who share an outcome: cold, warm, hot,
customer, churned customer) or a lone visitor (a job seeker, an investor). Colleagues may share the
company's generic mailbox and switchboard, which is exactly what identity resolution must not merge on.
"""

from __future__ import annotations

from typing import Any

from sources.demo import clock, vocab
from sources.demo.identity import (
    Weighted,
    ascii_slug,
    invalid_email,
    invalid_phone,
    new_email,
    new_phone,
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
from sources.demo.world import Campaign, Company

# Draws of a random company name before a taken one is numbered (see B2B.new_company).
COMPANY_NAME_TRIES = 50

SITE_NAME = vocab.B2B_BRAND
HOME = ("/", f"{SITE_NAME} - HR & payroll software")
PRICING = ("/pricing", f"Pricing | {SITE_NAME}")
DEMO = ("/demo", f"Book a demo | {SITE_NAME}")
DEMO_VIDEO = ("/demo/video", f"Watch the 10-minute demo | {SITE_NAME}")
CONTACT = ("/contact", f"Contact us | {SITE_NAME}")
CAREERS = ("/careers", f"Careers | {SITE_NAME}")
TERMINATION = ("/legal/termination-conditions", f"Termination conditions | {SITE_NAME}")
APP_LOGIN = ("/app/login", f"Sign in | {SITE_NAME}")
WP_INDEX = ("/resources/white-papers", f"White papers | {SITE_NAME}")
INVESTORS = (
    ("/investors", f"Investors | {SITE_NAME}"),
    ("/investors/annual-report-2024", f"Annual report 2024 | {SITE_NAME}"),
    ("/investors/share-price", f"Share price | {SITE_NAME}"),
)
PRODUCTS = tuple((f"/products/{slug}", f"{name} | {SITE_NAME}") for slug, name, _ in vocab.B2B_PRODUCTS)
PAPERS = tuple((f"/resources/white-papers/{slug}", title) for slug, title in vocab.WHITE_PAPERS)
BLOG = tuple((f"/blog/{slug}", f"{title} | {SITE_NAME} blog") for slug, title in vocab.B2B_BLOG)
CASES = tuple((f"/customers/{slug}", title) for slug, title in vocab.CASE_STUDIES)
JOBS = tuple((f"/careers/jobs/{slug}", f"{title} | {SITE_NAME} careers") for slug, title in vocab.B2B_JOBS)
HELP = tuple(
    (f"/help/{slug}", f"{slug.replace('-', ' ').capitalize()} | Help centre") for slug in vocab.B2B_HELP
)

# intent -> (page group, weight)
INTENTS: dict[str, tuple[tuple[str, int], ...]] = {
    "explore": (("home", 3), ("blog", 4), ("product", 3), ("case", 1), ("papers", 1)),
    "evaluate": (
        ("product", 4),
        ("pricing", 2),
        ("paper", 2),
        ("case", 2),
        ("video", 1),
        ("blog", 1),
        ("home", 1),
    ),
    "decide": (("pricing", 3), ("video", 2), ("demo", 1), ("product", 2), ("case", 1), ("paper", 1)),
    "customer": (("help", 5), ("product", 2), ("blog", 1), ("home", 1)),
    "at_risk": (("termination", 3), ("pricing", 2), ("help", 2), ("contact", 1)),
    "careers": (("careers", 2), ("job", 4), ("home", 1), ("blog", 1)),
    "investor": (("investors", 5), ("home", 1), ("blog", 1)),
}
PAGE_GROUPS: dict[str, tuple[tuple[str, str], ...]] = {
    "home": (HOME,),
    "blog": BLOG,
    "product": PRODUCTS,
    "case": CASES,
    "papers": (WP_INDEX,),
    "paper": PAPERS,
    "pricing": (PRICING,),
    "video": (DEMO_VIDEO,),
    "demo": (DEMO,),
    "help": HELP,
    "termination": (TERMINATION,),
    "contact": (CONTACT,),
    "careers": (CAREERS,),
    "job": JOBS,
    "investors": INVESTORS,
}
HITS = {page: (PAGE, page[0], page[1], None, None, None) for group in PAGE_GROUPS.values() for page in group}
VIDEO_HIT, PRICING_HIT, DEMO_HIT = HITS[DEMO_VIDEO], HITS[PRICING], HITS[DEMO]
DEMO_FORM_STARTED: Hit = (
    TRACK,
    "",
    "",
    "Form Started",
    {"form_id": "b2b-demo-request", "form_type": "demo_request"},
    None,
)
# intent -> weighted page-view hits (a group's weight is shared by its pages)
INTENT_PAGES: dict[str, Weighted[Hit]] = {
    intent: Weighted(
        (HITS[page], w / len(PAGE_GROUPS[group])) for group, w in groups for page in PAGE_GROUPS[group]
    )
    for intent, groups in INTENTS.items()
}
COUNTRIES = weighted(("FR", 88), ("BE", 4), ("CH", 3), ("DE", 2), ("GB", 2), ("US", 1))
INDUSTRIES = Weighted(vocab.INDUSTRIES)
OUTCOMES = weighted(("cold", 38), ("warm", 27), ("hot", 10), ("customer", 18), ("churned", 7))
GROUP_SIZES = weighted((1, 45), (2, 28), (3, 17), (4, 10))
PERSONAS = Weighted((row, row[1]) for row in vocab.B2B_PERSONAS)
LEAD_PERSONAS = Weighted((row, row[1] * (3 if row[3] >= 0.9 else 1)) for row in vocab.B2B_PERSONAS)
FORM_TYPES = weighted(
    ("content_download", 50),
    ("newsletter", 20),
    ("contact", 12),
    ("demo_request", 10),
    ("event_registration", 8),
)
CALL_OUTCOMES = Weighted(vocab.B2B_CALL_OUTCOMES)
SIZE_BANDS = (
    (10, "1-9"),
    (30, "10-29"),
    (100, "30-99"),
    (250, "100-249"),
    (500, "250-499"),
    (2000, "500-1999"),
)


def size_band(employees: int) -> str:
    for limit, band in SIZE_BANDS:
        if employees < limit:
            return band
    return "2000+"


class B2B:
    """Generates people of the b2b brand."""

    brand = "b2b"

    def __init__(self, sim: Sim) -> None:
        self.sim = sim
        self.rng = sim.rng
        self.pid = 0

    # -- units ---------------------------------------------------------------------------------------

    def unit(self, room: int) -> int:
        """Simulate one buying group (or one lone visitor), at most ``room`` people. Returns how many."""
        r = self.rng.random()
        if r < 0.07:
            self.lone("job_seeker")
            return 1
        if r < 0.09:
            self.lone("investor")
            return 1
        return self.group(room)

    def _person(self, country: str = "FR") -> Person:
        sim = self.sim
        self.pid += 1
        if country in vocab.FIRST_NAMES_INTL:
            first, last = (
                sim.choice(vocab.FIRST_NAMES_INTL[country]),
                sim.choice(vocab.LAST_NAMES_INTL[country]),
            )
        else:
            first, last = sim.choice(vocab.FIRST_NAMES_FR), sim.choice(vocab.LAST_NAMES_FR)
        return Person(f"b2b-{self.pid:07d}", "b2b", first, last, country)

    def new_company(self) -> Company:
        sim, rng, world = self.sim, self.rng, self.sim.world
        for _ in range(COMPANY_NAME_TRIES):
            base = f"{sim.choice(vocab.COMPANY_PREFIXES)} {sim.choice(vocab.LAST_NAMES_FR)}"
            if base not in world.company_names:
                break
            base = f"{base} {sim.choice(vocab.CITIES['FR'])}"
            if base not in world.company_names:
                break
        else:
            # Large runs use up the names the vocabulary makes (about 50,000): number the last one
            # drawn. The count of names grows with each company, so no number is given twice.
            base = f"{base} {len(world.company_names) + 1}"
        world.company_names.add(base)
        country = sim.pick(COUNTRIES)
        tld = {"FR": "fr", "BE": "be", "CH": "ch", "DE": "de", "GB": "co.uk", "US": "com"}[country]
        r = rng.random()
        employees = sim.ri(30, 500) if r < 0.6 else sim.ri(5, 29) if r < 0.85 else sim.ri(501, 5000)
        subs = rng.random() < (0.45 if employees > 200 else 0.15)
        team = "Enterprise" if employees > 500 else "Mid-market" if employees > 100 else "SMB"
        owners = [o for o in world.owners if o[2] == team] or world.owners
        assert world.company_ids is not None
        company = Company(
            id=world.company_ids(),
            name=base + sim.choice(vocab.COMPANY_SUFFIXES),
            domain=f"{ascii_slug(base, '-')}.{tld}",
            industry=sim.pick(INDUSTRIES),
            employees=employees,
            country=country,
            annual_revenue=round(employees * rng.uniform(70_000, 220_000), -3),
            year_established=sim.ri(1950, 2021),
            has_foreign_subsidiaries=subs,
            expatriates=sim.ri(1, max(2, employees // 15)) if subs else 0,
            parent_id=sim.choice(world.recent_companies)
            if world.recent_companies and rng.random() < 0.07
            else None,
            owner_id=sim.choice(owners)[0],
        )
        world.recent_companies.append(company.id)
        if sim.mess and rng.random() < 0.15:
            company.shared_mailbox = f"{sim.choice(('contact', 'info', 'rh', 'hr', 'paie'))}@{company.domain}"
        if sim.mess and rng.random() < 0.25:
            company.switchboard = new_phone(rng, landline=True)
        return company

    def group(self, room: int) -> int:
        sim, rng = self.sim, self.rng
        company = self.new_company()
        outcome = sim.pick(OUTCOMES)
        size = min(room, sim.pick(GROUP_SIZES))
        if company.shared_mailbox and room >= 2:
            size = max(size, 2)
        E, S = sim.end, sim.start
        state: dict[str, Any] = {
            "company": company,
            "outcome": outcome,
            "crm": False,
            "lead": None,
            "first": E,
        }
        if outcome in ("customer", "churned"):
            a0 = sim.between(S, E - (380 if outcome == "churned" else 240) * DAY)
            state["won"] = a0 + sim.ri(25, 120) * DAY
            if outcome == "churned":
                state["churn"] = sim.between(state["won"] + 100 * DAY, E - 20 * DAY)
                state["reason"] = sim.pick(TERMINATION_REASONS)
            state["a0"] = a0
        sharers = 0
        for i in range(size):
            uses_shared = (
                bool(company.shared_mailbox) and (sharers < 2 or rng.random() < 0.5) and (i < 2 or sharers)
            )
            sharers += uses_shared
            self.member(state, lead=i == 0, uses_shared=uses_shared)
        self.deal(state)
        self.company_row(company, state)  # the CRM knows the account, from a purchased list at least
        return size

    # -- a member's story ----------------------------------------------------------------------------

    def member(self, state: dict[str, Any], *, lead: bool, uses_shared: bool) -> None:
        sim, rng = self.sim, self.rng
        company: Company = state["company"]
        outcome = state["outcome"]
        p = self._person(company.country if company.country in vocab.FIRST_NAMES_INTL else "FR")
        p.company = company
        p.segment = "customer" if outcome in ("customer", "churned") else "prospect"
        persona = sim.pick(LEAD_PERSONAS if lead else PERSONAS)
        p.persona, p.job_title = persona[0], sim.choice(persona[2])
        p.email = new_email(rng, p.first, p.last, company.domain, sim.used_emails)
        if rng.random() < 0.75:
            p.phone = new_phone(rng, p.country)
        E, S = sim.end, sim.start
        if outcome in ("customer", "churned"):
            p.is_customer = True
            p.churned = outcome == "churned"
            p.churn_reason = state.get("reason", "")
            a0 = state["a0"] + sim.ri(0, 20) * DAY
            a1 = state["churn"] if p.churned else E - sim.ri(0, 25) * DAY
            temperature = ""
        else:
            temperature = outcome if lead or outcome != "hot" else sim.choice(("hot", "warm"))
            if temperature == "cold":
                a0 = sim.between(S, E - 220 * DAY)
                a1 = min(a0 + sim.ri(10, 120) * DAY, E - 130 * DAY)
            elif temperature == "warm":
                a0 = sim.between(S, E - 75 * DAY)
                a1 = sim.between(max(a0 + 7 * DAY, E - 60 * DAY), E - 14 * DAY)
            else:
                a0 = sim.between(S, E - 40 * DAY)
                a1 = E - sim.ri(0, 36) * 3600
        p.temperature = temperature
        known = rng.random() < ((0.8 if lead else 0.5) if outcome == "cold" else 1.0 if lead else 0.85)
        main = p.new_cookie(sim)
        mobile = p.new_cookie(sim) if rng.random() < 0.35 else None
        ua = sim.choice(vocab.USER_AGENTS_DESKTOP)
        desktop = (ua, "desktop")
        phone_dev = (sim.choice(vocab.USER_AGENTS_MOBILE), "mobile")
        dnc_at = sim.between(a0, a1 if p.churned else E) if rng.random() < 0.02 else None

        def cookie() -> tuple[str, tuple[str, str]]:
            if mobile is not None and rng.random() < 0.3:
                return mobile, phone_dev
            return main, desktop

        # sessions before and after the person makes themselves known
        n = {"cold": sim.ri(2, 5), "warm": sim.ri(3, 7), "hot": sim.ri(2, 5)}.get(temperature, sim.ri(3, 8))
        known_at = sim.between(a0 + (a1 - a0) // 10, a0 + (a1 - a0) * 6 // 10) if known else None
        if outcome in ("customer", "churned") and known_at is not None:
            known_at = min(known_at, state["won"] - 5 * DAY)
        if temperature == "hot":
            known_at = sim.between(a0, E - 12 * DAY) if known_at is not None else None
        times = sim.times(a0, a1 if temperature != "hot" else E - 11 * DAY, n)
        first = True
        for t in times:
            if known_at is not None and t > known_at and "converted" not in p.extra:
                self.convert(p, known_at, main, desktop, uses_shared, state)
            intent = self.intent(p, t, state, temperature)
            anon, dev = cookie()
            utm, ref = sim.traffic("b2b", t, 0.45 if first else 0.15)
            first = False
            self.visit(
                p,
                anon,
                sim.at_hours(t, 8, 19),
                intent,
                dev,
                utm,
                ref,
                known=known_at is not None and t > known_at,
            )
        if known_at is not None and "converted" not in p.extra:
            self.convert(p, known_at, main, desktop, uses_shared, state)
        if temperature == "hot":  # the recent burst: pricing, demo, white papers, a demo request
            for j, t in enumerate(sim.times(E - 10 * DAY, E - 3600, sim.ri(3, 6))):
                anon, dev = cookie()
                utm, ref = sim.traffic("b2b", t, 0.2)
                self.visit(
                    p,
                    anon,
                    sim.at_hours(t, 8, 19),
                    "decide",
                    dev,
                    utm,
                    ref,
                    known=True,
                    demo_request=j == 0 and lead,
                )
        if rng.random() < (0.25 if p.persona == "intern" else 0.04):
            t = sim.between(a0, a1)
            self.visit(p, main, sim.at_hours(t, 8, 22), "careers", desktop, *sim.organic(), known=False)
        if p.is_customer:
            self.customer_life(p, state, a0, a1, main, desktop)
        if mobile is not None and known_at is not None and rng.random() < 0.5:
            # the phone cookie gets identified too: a webinar registration from the phone
            t = sim.between(known_at, a1)
            self.form_visit(
                p, mobile, sim.at_hours(t, 7, 22), phone_dev, "event_registration", uses_shared, state
            )

        if known_at is not None:
            stop = min(a1 + 400 * DAY if not p.churned else a1, E, dnc_at or E)
            p_open = {"hot": 0.55, "warm": 0.35, "cold": 0.3}.get(temperature, 0.4)
            unsub = sim.emails(
                p,
                known_at,
                stop,
                reach=0.32,
                p_open=p_open,
                open_until=a1 if temperature == "cold" else E,
                on_click=lambda c, ts: self.email_click(p, c, ts, main, desktop, mobile, phone_dev),
            )
            if unsub is not None and not p.churned and rng.random() < 0.15:
                sim.consent(
                    p,
                    sim.between(unsub + 30 * DAY, E),
                    "email",
                    "opt_in",
                    "preference_center",
                    email=sim.email_of(p, 0.1),
                )
            if dnc_at is not None and dnc_at > known_at:
                p.dnc = True
                sim.consent(
                    p,
                    dnc_at,
                    "all",
                    "do_not_contact",
                    sim.choice(("sales_call", "email_request")),
                    email=sim.email_of(p, 0.1),
                    crm_contact_id=p.crm_id,
                )
            self.shows(p, a0, a1, uses_shared)
            self.calls(p, state, a0, a1, temperature)
            sms_camps = sim.world.sms.get("b2b", [])
            if p.phone is not None and sms_camps and temperature in ("hot", "warm") and rng.random() < 0.4:
                sim.sms(p, known_at, min(stop, a1), reach=0.8, p_click=0.1)
            self.feedback(p, state, a1)
            if p.crm_id is not None:
                self.contact_row(p, state, known_at, a1, uses_shared)
        if lead:
            state["lead"] = p
        state["first"] = min(state["first"], a0)
        sim.finish(p)

    def intent(self, p: Person, t: int, state: dict[str, Any], temperature: str) -> str:
        sim = self.sim
        if p.is_customer:
            if t > state["won"]:
                if p.churned and t > state["churn"] - 45 * DAY:
                    return "at_risk"
                return "customer"
            return "decide" if t > state["won"] - 30 * DAY else "evaluate"
        if p.persona == "intern":
            return sim.choice(("explore", "explore", "evaluate", "careers"))
        if temperature == "cold":
            return sim.choice(("explore", "explore", "evaluate"))
        return sim.choice(
            ("explore", "evaluate", "evaluate", "decide" if temperature == "hot" else "evaluate")
        )

    # -- web -----------------------------------------------------------------------------------------

    def pages(self, intent: str, n: int) -> list[Hit]:
        """``n`` page views (with the track events some pages fire) of a visit with the given intent."""
        sim = self.sim
        rnd = self.rng.random
        hits: list[Hit] = []
        draw = INTENT_PAGES[intent].draw
        for _ in range(n):
            hit = draw(self.rng)
            hits.append(hit)
            if hit is VIDEO_HIT:
                hits.append(
                    (
                        TRACK,
                        "",
                        "",
                        "Demo Watched",
                        {"video": "product-tour", "percent_watched": sim.choice((25, 50, 75, 100))},
                        None,
                    )
                )
            elif hit is PRICING_HIT and rnd() < 0.3:
                hits.append(
                    (
                        TRACK,
                        "",
                        "",
                        "Simulator Used",
                        {"tool": "pricing_calculator", "employees": sim.choice((50, 120, 250, 400))},
                        None,
                    )
                )
            elif hit is DEMO_HIT and rnd() < 0.3:
                hits.append(DEMO_FORM_STARTED)  # and abandoned
        if rnd() < 0.04:
            hits.append(
                (
                    TRACK,
                    "",
                    "",
                    "Chatbot Conversation Started",
                    {"topic": sim.choice(("pricing", "demo", "integration", "support"))},
                    None,
                )
            )
        return hits

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
        known: bool,
        demo_request: bool = False,
    ) -> None:
        sim, rng = self.sim, self.rng
        hits = self.pages(intent, sim.ri(1, 6))
        user_id = p.user_id if intent in ("customer", "at_risk") else None
        end = sim.session(p, anon, t, hits, device=device, utm=utm, referrer=referrer, user_id=user_id)
        if known and intent in ("evaluate", "decide") and rng.random() < 0.12:
            self.form_visit(p, anon, end + 60, device, "content_download", False, None, continued=True)
        if demo_request:
            self.form_visit(p, anon, end + 60, device, "demo_request", False, None, continued=True)

    def form_visit(
        self,
        p: Person,
        anon: str,
        t: int,
        device: tuple[str, str],
        form_type: str,
        uses_shared: bool,
        state: dict[str, Any] | None,
        *,
        continued: bool = False,
        utm: dict[str, str] | None = None,
        referrer: str = "",
    ) -> None:
        """A visit that ends with a form: the form page, the submission, an identify call and the form row."""
        sim, rng = self.sim, self.rng
        if t >= sim.end - 120:
            return
        company: Company = p.company
        paper = sim.choice(vocab.WHITE_PAPERS) if form_type == "content_download" else None
        page = {
            "content_download": (
                f"/resources/white-papers/{paper[0]}" if paper else "/",
                paper[1] if paper else "",
            ),
            "demo_request": DEMO,
            "newsletter": ("/newsletter", f"Newsletter | {SITE_NAME}"),
            "contact": CONTACT,
            "event_registration": ("/events/webinar", f"Webinar | {SITE_NAME}"),
        }[form_type]
        hits: list[Hit] = [] if continued else self.pages("evaluate", sim.ri(0, 2))
        hits.append((PAGE, page[0], page[1], None, None, None))
        form_id = f"b2b-{form_type.replace('_', '-')}"
        hits.append((TRACK, "", "", "Form Started", {"form_id": form_id, "form_type": form_type}, None))
        # what was typed in the email box
        bad_email = False
        if uses_shared and company is not None and company.shared_mailbox:
            typed = sim.shared_email(p, company.shared_mailbox)
        elif (test := sim.test_address()) is not None:
            typed = sim.shared_email(p, test)
        elif sim.mess and rng.random() < 0.006:
            typed = invalid_email(rng, p.email or "someone@example.com")
            bad_email = True
        else:
            typed = sim.email_of(p)
        warn = int(bad_email)
        traits: dict[str, Any] = {"email": typed, "first_name": p.first, "last_name": p.last}
        if bad_email:
            del traits["email"]  # the tracking snippet only sends addresses that look valid
        if company is not None:
            traits["company"] = company.name
        if p.job_title:
            traits["title"] = p.job_title
        props: dict[str, Any] = {"form_id": form_id, "form_type": form_type}
        hits.append((TRACK, "", "", "Form Submitted", props, None))
        if paper is not None:
            hits.append(
                (TRACK, "", "", "White Paper Downloaded", {"title": paper[1], "slug": paper[0]}, None)
            )
        if form_type == "demo_request":
            hits.append((TRACK, "", "", "Demo Requested", {"form_id": form_id}, None))
        hits.append((IDENTIFY, "", "", None, None, traits))
        end = sim.session(p, anon, t, hits, device=device, utm=utm, referrer=referrer)
        phone = None
        if form_type in ("demo_request", "contact") or rng.random() < 0.1:
            if sim.mess and rng.random() < 0.01:
                phone, warn = invalid_phone(rng), warn + 1
            elif company is not None and company.switchboard and rng.random() < 0.3:
                phone = sim.phone_of(p, company.switchboard, shared=True)
            else:
                phone = sim.phone_of(p)
        consent = rng.random() < 0.7
        fields: dict[str, Any] = {
            "form_id": form_id,
            "form_type": form_type,
            "anonymous_id": anon,
            "email": typed,
            "phone": phone,
            "first_name": p.first,
            "last_name": p.last,
            "company_name": company.name if company is not None else None,
            "job_title": p.job_title or None,
            "company_size": size_band(company.employees) if company is not None else None,
            "industry": company.industry if company is not None else None,
            "country": p.country,
            "consent_email": consent,
            "consent_sms": False,
            "page_url": sim.world.site["b2b"] + page[0],
            "utm_source": utm.get("source") if utm else None,
            "utm_campaign": utm.get("name") if utm else None,
        }
        if paper is not None:
            fields["content_title"] = paper[1]
        if form_type == "demo_request":
            fields["budget"] = sim.choice(vocab.BUDGETS_B2B)
            fields["buyer_type"] = (
                "decision_maker" if p.persona in ("hr_director", "cfo", "ceo") else "influencer"
            )
        if p.persona == "investor":
            fields["buyer_type"] = "investor"
        if company is not None and form_type in ("demo_request", "content_download"):
            fields["fields"] = {
                "subsidiaries_abroad": company.has_foreign_subsidiaries,
                "expatriates": company.expatriates,
                "project_timing": sim.choice(vocab.TIMINGS),
            }
        sim.form(p, end, fields, warn=warn)
        if consent:
            sim.consent(
                p,
                end + 1,
                "email",
                "opt_in",
                "form",
                purpose="newsletter" if form_type == "newsletter" else "marketing",
                email=None if bad_email else typed,
                anonymous_id=anon,
            )

    def convert(
        self, p: Person, t: int, anon: str, device: tuple[str, str], uses_shared: bool, state: dict[str, Any]
    ) -> None:
        """The moment the person makes themselves known: a form, a trade-show badge scan, or a list import."""
        sim, rng = self.sim, self.rng
        p.extra["converted"] = t
        state["crm"] = True
        p.crm_id = sim.next_id("crm_contact")
        p.add("crm_contact_id", p.crm_id)
        show = next((s for s in sim.world.shows if 0 <= t - s.start < 60 * DAY), None)
        r = rng.random()
        if show is not None and r < 0.35:
            p.extra["lead_source"] = "Trade show"
            p.extra["converted"] = self.scan(p, show, uses_shared)
            return
        if r < 0.45:
            p.extra["lead_source"] = "List import"
            return
        p.extra["lead_source"] = "Website form"
        form_type = sim.pick(FORM_TYPES)
        utm, ref = sim.traffic("b2b", t, 0.4)
        self.form_visit(
            p, anon, sim.at_hours(t, 8, 19), device, form_type, uses_shared, state, utm=utm, referrer=ref
        )

    def customer_life(
        self, p: Person, state: dict[str, Any], a0: int, a1: int, anon: str, device: tuple[str, str]
    ) -> None:
        """App sign-ins (which carry the user id) and help-centre visits of a customer, then churn signals."""
        sim = self.sim
        won = state["won"]
        if won >= a1:
            return
        p.user_id = sim.next_id("user_b2b")
        p.add("user_id", p.user_id)
        first = True
        for t in sim.times(won + 3 * DAY, a1, sim.ri(2, 7)):
            hits: list[Hit] = [(PAGE, APP_LOGIN[0], APP_LOGIN[1], None, None, None)]
            if first:
                hits.append(
                    (
                        IDENTIFY,
                        "",
                        "",
                        p.user_id,
                        None,
                        {"email": sim.email_of(p, 0.1), "first_name": p.first, "last_name": p.last},
                    )
                )
                first = False
            hits.append((TRACK, "", "", "Signed In", {"method": "password"}, None))
            intent = "at_risk" if p.churned and t > state["churn"] - 45 * DAY else "customer"
            hits += self.pages(intent, sim.ri(1, 4))
            sim.session(p, anon, sim.at_hours(t, 8, 19), hits, device=device, user_id=None)

    def email_click(
        self,
        p: Person,
        c: Campaign,
        ts: int,
        main: str,
        desktop: tuple[str, str],
        mobile: str | None,
        phone_dev: tuple[str, str],
    ) -> None:
        sim, rng = self.sim, self.rng
        anon, dev = (mobile, phone_dev) if mobile is not None and rng.random() < 0.4 else (main, desktop)
        title = c.subject or c.name
        hits: list[Hit] = [(PAGE, c.landing, title, None, None, None)]
        hits += self.pages("evaluate", sim.ri(0, 3))
        sim.session(p, anon, ts + 2, hits, device=dev, utm=campaign_click_utm("b2b", c))

    # -- offline, calls, crm, feedback ---------------------------------------------------------------

    def scan(self, p: Person, show: Any, uses_shared: bool) -> int:
        """A badge scan at a trade show (the badge carries an email only sometimes). Returns its time."""
        sim, rng = self.sim, self.rng
        t = show.start + sim.ri(0, show.days - 1) * DAY + sim.ri(9 * 3600, 18 * 3600)
        badge = f"{show.code}{clock.date_of(show.start)[2:4]}-{rng.randrange(10**6):06d}"
        p.add("badge_id", badge)
        r = rng.random()
        email = None
        if r < 0.55:
            email = sim.email_of(p, 0.3)
        elif r < 0.65 and uses_shared and p.company.shared_mailbox:
            email = sim.shared_email(p, p.company.shared_mailbox)
        row = {
            "event_id": f"SCN-{rng.getrandbits(40):010x}",
            "event_type": "trade_show_scan",
            "occurred_at": clock.paris_s(t),
            "venue": f"{show.name} - {show.venue}",
            "location": show.city,
            "badge_id": badge,
            "email": email,
            "phone": sim.phone_of(p) if rng.random() < 0.15 else None,
            "first_name": p.first.upper() if rng.random() < 0.3 else p.first,
            "last_name": p.last,
            "company_name": p.company.name,
            "job_title": p.job_title,
            "interest": sim.choice(vocab.B2B_PRODUCTS)[0],
            "notes": sim.choice(("", "wants a demo", "call back in Q3", "expatriates in Morocco")) or None,
        }
        sim.w("offline_events", "b2b").add(row)
        return t

    def shows(self, p: Person, a0: int, a1: int, uses_shared: bool) -> None:
        """Badge scans at the trade shows held while the person was active (besides the converting one)."""
        rng = self.rng
        for show in self.sim.world.shows:
            if a0 <= show.start <= a1 and rng.random() < (0.12 if p.temperature == "cold" else 0.25):
                self.scan(p, show, uses_shared)

    def calls(self, p: Person, state: dict[str, Any], a0: int, a1: int, temperature: str) -> None:
        sim, rng = self.sim, self.rng
        company: Company = p.company
        owner = next(o for o in sim.world.owners if o[0] == company.owner_id)
        plans: list[tuple[int, str]] = []
        if temperature == "hot":
            plans += [(t, "sales") for t in sim.times(sim.end - 9 * DAY, sim.end - 600, sim.ri(1, 3))]
        elif temperature == "warm" and rng.random() < 0.5:
            plans += [(t, "sales") for t in sim.times(a0, a1, sim.ri(1, 2))]
        elif p.is_customer:
            won = state["won"]
            plans += [(sim.between(won - 20 * DAY, won - DAY), "sales")]
            plans += [(t, "account_management") for t in sim.times(won, a1, sim.ri(0, 3))]
            if p.churned:
                plans.append((sim.between(state["churn"] - 30 * DAY, state["churn"] - DAY), "retention"))
        elif rng.random() < 0.1:
            plans.append((sim.between(a0, a1), "sales"))
        writer = sim.w("calls", "b2b")
        for t, call_type in plans:
            t = sim.at_hours(t, 9, 18)
            if company.switchboard is not None and rng.random() < 0.35:
                phone = sim.phone_of(p, company.switchboard, shared=True)
            else:
                phone = sim.phone_of(p)
            if phone is None and p.crm_id is None:
                continue
            outcome = sim.pick(CALL_OUTCOMES)
            answered = outcome in ("answered", "meeting_booked", "not_interested")
            direction = "outbound" if rng.random() < 0.85 else "inbound"
            if sim.mess and rng.random() < 0.05:
                direction = direction.capitalize()
            writer.add(
                {
                    "call_id": sim.next_id("call"),
                    "occurred_at": clock.paris_s(t),
                    "direction": direction,
                    "call_type": call_type,
                    "phone": phone,
                    "crm_contact_id": p.crm_id if phone is None or rng.random() < 0.9 else None,
                    "agent": owner[1],
                    "duration_seconds": sim.ri(60, 1800) if answered else sim.ri(0, 40),
                    "outcome": outcome,
                    "campaign_id": None,
                    "budget_learned": sim.choice(vocab.BUDGETS_B2B)
                    if answered and rng.random() < 0.4
                    else None,
                    "timing_learned": sim.choice(vocab.TIMINGS) if answered and rng.random() < 0.4 else None,
                    "notes": "asked for a proposal" if outcome == "meeting_booked" else None,
                }
            )

    def feedback(self, p: Person, state: dict[str, Any], a1: int) -> None:
        sim, rng = self.sim, self.rng
        writer = sim.w("feedback_events", "b2b")
        if p.churned and state.get("lead") is None:
            reason = state["reason"]
            writer.add(
                {
                    "feedback_id": sim.next_id("feedback"),
                    "feedback_type": "termination",
                    "occurred_at": clock.iso_s(state["churn"]),
                    "email": sim.email_of(p, 0.1),
                    "crm_contact_id": p.crm_id,
                    "reason": reason,
                    "comment": {
                        "offer_mismatch": "We need features for our new sites abroad.",
                        "after_sales": "Support response times were too long.",
                        "price": "Renewal price too high.",
                        "moved": "Merged into our parent group.",
                    }[reason],
                }
            )
        elif p.is_customer and not p.churned and rng.random() < 0.3:
            writer.add(
                {
                    "feedback_id": sim.next_id("feedback"),
                    "feedback_type": "nps",
                    "occurred_at": clock.iso_s(sim.between(state["won"] + 60 * DAY, a1)),
                    "email": sim.email_of(p, 0.1),
                    "crm_contact_id": p.crm_id,
                    "rating": sim.ri(4, 10),
                }
            )

    def contact_row(
        self, p: Person, state: dict[str, Any], known_at: int, a1: int, uses_shared: bool
    ) -> None:
        sim, rng = self.sim, self.rng
        company: Company = p.company
        outcome = state["outcome"]
        stage = {
            "cold": "lead",
            "warm": "marketingqualifiedlead",
            "hot": "salesqualifiedlead",
            "customer": "customer",
            "churned": "other",
        }[outcome]
        if p.temperature == "warm" and outcome == "hot":
            stage = "marketingqualifiedlead"
        r = rng.random()
        warn = 0
        if uses_shared and r < 0.4:
            email = sim.shared_email(p, company.shared_mailbox or "")
        elif r < 0.95:
            email = sim.email_of(p, 0.25)
        else:
            email = None
        r = rng.random()
        if sim.mess and r < 0.01:
            phone, warn = invalid_phone(rng), 1
        elif company.switchboard is not None and r < 0.3:
            phone = sim.phone_of(p, company.switchboard, shared=True)
        elif r < 0.85:
            phone = sim.phone_of(p)
        else:
            phone = None
        created = min(p.extra.get("converted", known_at) + sim.ri(60, 3 * 3600), sim.end - 1)
        row = {
            "crm_contact_id": p.crm_id,
            "email": email,
            "phone": phone,
            "first_name": p.first,
            "last_name": p.last,
            "job_title": p.job_title,
            "crm_company_id": company.id,
            "country": p.country,
            "city": sim.choice(vocab.CITIES.get(p.country, vocab.CITIES["FR"])),
            "birth_date": f"{sim.ri(1960, 2001)}-{sim.ri(1, 12):02d}-{sim.ri(1, 28):02d}"
            if rng.random() < 0.05
            else None,
            "lifecycle_stage": stage,
            "lead_source": p.extra.get("lead_source", "Website form"),
            "owner_id": company.owner_id,
            "do_not_contact": p.dnc,
            "created_at": clock.naive_s(created),
            "updated_at": clock.naive_s(min(max(a1, created + 3600), sim.end - 1)),
        }
        if sim.mess:
            row["hs_analytics_source_data_1"] = sim.choice(
                ("ORGANIC_SEARCH", "PAID_SEARCH", "OFFLINE", "DIRECT", "")
            )
        writer = sim.w("crm_contacts", "b2b")
        if sim.mess and stage != "lead" and rng.random() < 0.04:
            # an older export of the same contact: the loader keeps the newest version
            writer.add(
                {**row, "lifecycle_stage": "lead", "updated_at": clock.naive_s(created + 600)}, warn=warn
            )
            sim.stats.mess["stale_entity_versions"] += 1
        writer.add(row, warn=warn)

    def deal(self, state: dict[str, Any]) -> None:
        sim, rng = self.sim, self.rng
        p: Person | None = state["lead"]
        outcome = state["outcome"]
        if p is None or p.crm_id is None:
            return
        company: Company = state["company"]
        if outcome == "cold" and rng.random() > 0.1 or outcome == "warm" and rng.random() > 0.35:
            return
        slug, name, price = (
            vocab.B2B_PRODUCTS[4]
            if company.has_foreign_subsidiaries and rng.random() < 0.5
            else sim.choice(vocab.B2B_PRODUCTS[:4])
        )
        amount = round(max(company.employees, 20) * price * rng.uniform(0.8, 1.2), -2)
        E = sim.end
        if outcome in ("customer", "churned"):
            stage, close = "closedwon", state["won"]
            created = close - sim.ri(20, 90) * DAY
        elif outcome == "cold":
            stage, created = "closedlost", sim.between(sim.start, E - 200 * DAY)
            close = created + sim.ri(20, 90) * DAY
        else:
            stage = sim.choice(vocab.DEAL_STAGES_OPEN[:2] if outcome == "warm" else vocab.DEAL_STAGES_OPEN)
            created = E - sim.ri(3 * DAY, 40 * DAY)
            close = E + sim.ri(15, 120) * DAY
        created = max(created, sim.start)
        engaged = created + sim.ri(DAY, 10 * DAY)
        updated = (
            min(max(close, engaged) + DAY, E - 1) if stage.startswith("closed") else E - sim.ri(60, 3 * DAY)
        )
        deal_id = sim.next_id("deal")
        sim.w("crm_deals", "b2b").add(
            {
                "deal_id": deal_id,
                "deal_name": f"{company.name} - {name}",
                "crm_company_id": company.id,
                "crm_contact_id": p.crm_id,
                "pipeline": "new_business",
                "stage": stage,
                "amount": amount,
                "currency": "EUR",
                "product": slug,
                "owner_id": company.owner_id,
                "created_at": clock.naive_s(created),
                "engaged_at": clock.naive_s(min(engaged, E - 1)),
                "close_date": clock.date_of(close),
                "updated_at": clock.naive_s(max(updated, created)),
            }
        )
        writer = sim.w("crm_activities", "b2b")
        for t in sim.times(created, min(engaged + 30 * DAY, E - 1), sim.ri(1, 4)):
            kind, channel, subject = sim.choice(
                (
                    ("meeting", "video", "Discovery meeting"),
                    ("email", "email", "Proposal sent"),
                    ("call", "phone", "Follow-up call"),
                    ("task", None, "Send case study"),
                )
            )
            writer.add(
                {
                    "activity_id": sim.next_id("activity"),
                    "crm_contact_id": p.crm_id,
                    "activity_type": kind,
                    "channel": channel,
                    "subject": subject,
                    "occurred_at": clock.naive_s(t),
                }
            )

    def company_row(self, company: Company, state: dict[str, Any]) -> None:
        sim = self.sim
        created = sim.between(sim.start, max(sim.start, state["first"]))
        sim.w("crm_companies", "b2b").add(
            {
                "crm_company_id": company.id,
                "name": company.name,
                "domain": company.domain,
                "industry": company.industry,
                "employees": company.employees,
                "annual_revenue": company.annual_revenue,
                "country": company.country,
                "parent_company": company.parent_id,
                "has_foreign_subsidiaries": company.has_foreign_subsidiaries,
                "expatriates": company.expatriates,
                "year_established": company.year_established,
                "created_at": clock.naive_s(created),
                "updated_at": clock.naive_s(sim.end - sim.ri(3600, 90 * DAY)),
            }
        )

    # -- people without a company --------------------------------------------------------------------

    def lone(self, kind: str) -> None:
        """A job seeker browsing the careers pages, or an investor reading the investors' pages."""
        sim, rng = self.sim, self.rng
        p = self._person()
        p.persona = p.segment = kind
        anon = p.new_cookie(sim)
        device = (
            sim.choice(vocab.USER_AGENTS_DESKTOP + vocab.USER_AGENTS_MOBILE),
            sim.choice(("desktop", "mobile")),
        )
        a0 = sim.between(sim.start, sim.end - 20 * DAY)
        intent = "careers" if kind == "job_seeker" else "investor"
        for t in sim.times(a0, min(a0 + 90 * DAY, sim.end - DAY), sim.ri(1, 5)):
            self.visit(p, anon, sim.at_hours(t, 7, 23), intent, device, *sim.organic(), known=False)
        if rng.random() < (0.4 if kind == "investor" else 0.15):
            domain = sim.pick(MAIL_DOMAINS)
            p.email = new_email(rng, p.first, p.last, domain, sim.used_emails)
            t = sim.between(a0, sim.end - DAY)
            self.form_visit(
                p,
                anon,
                sim.at_hours(t, 8, 22),
                device,
                "contact" if kind == "investor" else "newsletter",
                False,
                None,
            )
        sim.finish(p)
