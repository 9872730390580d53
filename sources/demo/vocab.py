"""Static vocabulary of the demo world: names, companies, pages, products, campaigns themes.

Everything here is plain data (tuples of strings and numbers); the simulation picks from it with its own
seeded random generator, so changing a list changes the generated data but never its determinism.
"""

from __future__ import annotations

# --- people -------------------------------------------------------------------------------------------

FIRST_NAMES_FR = (
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Emma",
    "Inès",
    "Sarah",
    "Julie",
    "Laura",
    "Marie",
    "Nathalie",
    "Sophie",
    "Isabelle",
    "Sandrine",
    "Céline",
    "Hélène",
    "Claire",
    "Pauline",
    "Aurélie",
    "Élodie",
    "Valérie",
    "Anne",
    "Juliette",
    "Zoé",
    "Lucie",
    "Mathilde",
    "Agathe",
    "Margaux",
    "Nadia",
    "Yasmine",
    "Martin",
    "Thomas",
    "Nicolas",
    "Julien",
    "Pierre",
    "Antoine",
    "Alexandre",
    "Maxime",
    "Hugo",
    "Lucas",
    "Louis",
    "Paul",
    "Arthur",
    "Jules",
    "Mathieu",
    "Sébastien",
    "François",
    "Olivier",
    "Laurent",
    "Éric",
    "Stéphane",
    "David",
    "Romain",
    "Guillaume",
    "Benoît",
    "Karim",
    "Mehdi",
    "Yann",
    "Théo",
    "Baptiste",
)
LAST_NAMES_FR = (
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefebvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clément",
    "Gauthier",
    "Dumont",
    "Lopez",
    "Fontaine",
    "Chevalier",
    "Robin",
    "Masson",
    "Sanchez",
    "Gérard",
    "Nguyen",
    "Boyer",
    "Denis",
    "Lemaire",
    "Duval",
    "Joly",
    "Gautier",
    "Roger",
    "Roche",
    "Roy",
    "Noël",
    "Meyer",
    "Lucas",
    "Meunier",
    "Jean",
    "Perez",
    "Marchand",
    "Dufour",
    "Blanchard",
    "Marie",
    "Barbier",
    "Brun",
    "Dumas",
    "Brunet",
    "Schmitt",
    "Leroux",
    "Colin",
    "Fernandez",
    "Pierre",
    "Renard",
    "Arnaud",
    "Rolland",
    "Caron",
    "Aubert",
    "Giraud",
    "Leclerc",
    "Vidal",
    "Bourgeois",
    "Renaud",
    "Lemoine",
    "Picard",
    "Gaillard",
    "Philippe",
    "Leclercq",
    "Lacroix",
    "Fabre",
    "Dupuis",
    "Olivier",
    "Rodriguez",
    "Da Silva",
    "Hubert",
    "Louis",
    "Charles",
    "Guillot",
    "Rivière",
    "Le Gall",
    "Guillaume",
    "Adam",
    "Rey",
    "Moulin",
    "Gonzalez",
    "Berger",
    "Lecomte",
    "Menard",
    "Fleury",
    "Deschamps",
    "Carpentier",
    "Julien",
    "Benoit",
    "Paris",
    "Maillard",
    "Marchal",
    "Aubry",
    "Vasseur",
    "Le Roux",
    "Renault",
    "Jacquet",
    "Collet",
    "Prévost",
    "Poirier",
    "Charpentier",
    "Royer",
    "Huet",
    "Baron",
    "Dupuy",
    "Pons",
    "Paul",
    "Laine",
    "Carré",
    "Breton",
    "Rémy",
    "Schneider",
    "Perrot",
    "Barré",
    "Marty",
    "Cousin",
    "Benali",
    "Haddad",
    "Diallo",
    "Traoré",
    "Ben Salah",
    "Kaya",
)
FIRST_NAMES_INTL = {
    "GB": ("Oliver", "George", "Harry", "Jack", "Amelia", "Olivia", "Isla", "Emily", "James", "Charlotte"),
    "DE": ("Lukas", "Leon", "Finn", "Jonas", "Mia", "Hannah", "Lena", "Anna", "Felix", "Katharina"),
    "US": (
        "Michael",
        "Jennifer",
        "Ashley",
        "Tyler",
        "Brandon",
        "Megan",
        "Kevin",
        "Jessica",
        "Ryan",
        "Lauren",
    ),
}
LAST_NAMES_INTL = {
    "GB": ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Evans", "Walker"),
    "DE": ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann"),
    "US": ("Miller", "Davis", "Anderson", "Jackson", "White", "Harris", "Clark", "Lewis", "Young", "King"),
}
LOCALES = {"FR": "fr-FR", "GB": "en-GB", "DE": "de-DE", "US": "en-US", "BE": "fr-BE", "CH": "fr-CH"}
CITIES = {
    "FR": (
        "Paris",
        "Lyon",
        "Marseille",
        "Toulouse",
        "Nantes",
        "Bordeaux",
        "Lille",
        "Rennes",
        "Strasbourg",
        "Montpellier",
        "Grenoble",
        "Rouen",
        "Tours",
        "Dijon",
        "Clermont-Ferrand",
        "Angers",
        "Metz",
    ),
    "GB": ("London", "Manchester", "Bristol", "Leeds"),
    "DE": ("Berlin", "Munich", "Hamburg", "Frankfurt"),
    "US": ("New York", "San Francisco", "Boston", "Chicago"),
    "BE": ("Brussels", "Liège", "Namur"),
    "CH": ("Geneva", "Lausanne"),
}
# (domain, weight) of personal mailboxes, French market.
FREE_MAIL_DOMAINS = (
    ("gmail.com", 34),
    ("orange.fr", 14),
    ("hotmail.fr", 8),
    ("yahoo.fr", 6),
    ("free.fr", 8),
    ("laposte.net", 5),
    ("outlook.fr", 6),
    ("sfr.fr", 4),
    ("icloud.com", 5),
    ("wanadoo.fr", 3),
    ("hotmail.com", 4),
    ("gmx.de", 1),
    ("yahoo.co.uk", 1),
)
TEST_ADDRESSES = ("test@example.com", "noreply@example.com")

USER_AGENTS_DESKTOP = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) "
    "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Edg/124.0",
)
USER_AGENTS_MOBILE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) "
    "AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; Pixel 7) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0 Mobile Safari/537.36",
)
USER_AGENT_TABLET = (
    "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"
)
USER_AGENT_KIOSK = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Kiosk"
)
EMAIL_CLIENT_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Microsoft Outlook 16.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) "
    "AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
)

# Where a visit comes from when it is not a campaign: (referrer, utm source, weight).
ORGANIC_REFERRERS = (
    ("https://www.google.com/", 45),
    ("", 30),
    ("https://www.bing.com/", 5),
    ("https://www.linkedin.com/", 6),
    ("https://www.facebook.com/", 5),
    ("https://duckduckgo.com/", 2),
    ("https://www.qwant.com/", 2),
    ("https://www.instagram.com/", 5),
)

# --- b2b: an HR & payroll software vendor -----------------------------------------------------------

B2B_BRAND = "Hexapaie"
B2B_SITE = "https://www.hexapaie.fr"
B2B_PERSONAS = (
    # persona, weight, job titles, decision power (0..1)
    ("hr_director", 24, ("HR Director", "DRH", "Chief People Officer", "Head of HR"), 1.0),
    ("hr_manager", 18, ("HR Manager", "HR Business Partner", "Responsable RH"), 0.6),
    ("payroll_manager", 15, ("Payroll Manager", "Responsable paie", "Payroll Specialist"), 0.6),
    ("cfo", 10, ("CFO", "Finance Director", "DAF"), 0.9),
    ("ceo", 7, ("CEO", "Managing Director", "Gérant"), 1.0),
    ("office_manager", 8, ("Office Manager", "Assistante de direction"), 0.3),
    ("it_manager", 5, ("IT Manager", "DSI"), 0.4),
    ("intern", 7, ("HR Intern", "Stagiaire RH", "Intern"), 0.0),
)
COMPANY_PREFIXES = (
    "Bâtiments",
    "Constructions",
    "Groupe",
    "Ateliers",
    "Métallerie",
    "Transports",
    "Menuiserie",
    "Industries",
    "Travaux Publics",
    "Charpente",
    "Plastiques",
    "Mécanique",
    "Électricité",
    "Fonderie",
    "Logistique",
    "Cabinet",
    "Hôtels",
    "Cliniques",
    "Laboratoires",
    "Imprimerie",
)
COMPANY_SUFFIXES = ("", "", "", " & Fils", " SAS", " SA", " Industrie", " Services", " France", " Groupe")
INDUSTRIES = (
    ("construction", 30),
    ("industry", 28),
    ("logistics", 9),
    ("retail", 8),
    ("services", 10),
    ("healthcare", 6),
    ("hospitality", 5),
    ("it", 4),
)
# (slug, name, price per employee per year in EUR)
B2B_PRODUCTS = (
    ("payroll", "Payroll", 96.0),
    ("hr-core", "HR core", 60.0),
    ("time-and-absence", "Time & absence", 36.0),
    ("expense-management", "Expense management", 24.0),
    ("global-payroll", "Global payroll & expatriates", 180.0),
)
WHITE_PAPERS = (
    ("expatriate-payroll-guide", "The expatriate payroll guide 2025"),
    ("dsn-checklist", "DSN checklist: 12 mistakes to avoid"),
    ("hr-digitalisation-construction", "Digitalising HR in construction"),
    ("international-mobility-hr-director", "International mobility: the HR director's guide"),
    ("salary-benchmark-industry", "Salary benchmark: industry 2025"),
    ("sick-leave-reform", "Sick-leave reform: what changes for payroll"),
)
B2B_BLOG = (
    ("payroll-errors-cost", "What payroll errors really cost"),
    ("posting-employees-abroad", "Posting employees abroad: the checklist"),
    ("hr-kpis-2025", "10 HR KPIs for 2025"),
    ("onboarding-construction-sites", "Onboarding on construction sites"),
    ("annual-reviews-template", "A template for annual reviews"),
    ("payroll-outsourcing-or-software", "Outsource payroll or buy software?"),
    ("expatriate-tax-equalisation", "Tax equalisation for expatriates explained"),
)
CASE_STUDIES = (
    ("groupe-batir", "How Groupe Bâtir pays 450 people in 6 countries"),
    ("metallerie-alpine", "Métallerie Alpine cut payroll time by 60%"),
    ("transports-viguier", "Transports Viguier: absences without spreadsheets"),
)
B2B_JOBS = (
    ("account-executive-paris", "Account Executive - Paris"),
    ("payroll-consultant-lyon", "Payroll Consultant - Lyon"),
    ("backend-engineer", "Backend Engineer (Python)"),
    ("customer-success-manager", "Customer Success Manager"),
)
B2B_HELP = (
    "run-your-first-payroll",
    "import-employees",
    "expatriate-contracts",
    "absence-workflows",
    "dsn-filing",
)
# (code, name, venue, city, days before end_date, duration in days)
TRADE_SHOWS = (
    ("SRH", "Salon Solutions RH", "Paris Expo Porte de Versailles", "Paris", 470, 3),
    ("RHL", "HR Tech Lyon", "Eurexpo Lyon", "Lyon", 330, 2),
    ("BTP", "Rencontres RH du BTP", "Palais des Congrès", "Paris", 190, 1),
    ("SRH", "Salon Solutions RH", "Paris Expo Porte de Versailles", "Paris", 105, 3),
    ("MOB", "Forum Mobilité Internationale", "Cité Internationale", "Lyon", 24, 2),
)
DEAL_STAGES_OPEN = (
    "appointmentscheduled",
    "qualifiedtobuy",
    "presentationscheduled",
    "decisionmakerboughtin",
    "contractsent",
)
B2B_OWNERS = (
    ("Sophie Marchetti", "Enterprise", None),
    ("Julien Carrel", "Enterprise", "Sophie Marchetti"),
    ("Amandine Roussel", "Mid-market", "Sophie Marchetti"),
    ("Thibault Lenoir", "Mid-market", "Sophie Marchetti"),
    ("Nora Benhamou", "SMB", "Marc Delaunay"),
    ("Kevin Da Costa", "SMB", "Marc Delaunay"),
    ("Marc Delaunay", "SMB", None),
    ("Elise Vautrin", "Customer success", None),
)
B2B_EMAIL_THEMES = (
    "payroll",
    "hr-core",
    "expatriation",
    "compliance",
    "webinar",
    "white-paper",
    "events",
    "customer-stories",
    "product-news",
)
B2B_CALL_OUTCOMES = (
    ("answered", 40),
    ("no_answer", 25),
    ("voicemail", 20),
    ("meeting_booked", 10),
    ("not_interested", 5),
)
BUDGETS_B2B = ("< 10k EUR", "10-25k EUR", "25-50k EUR", "50-100k EUR", "> 100k EUR")
TIMINGS = ("this quarter", "next quarter", "within 6 months", "next year", "no project")

# --- b2c: a travel brand -------------------------------------------------------------------------------

B2C_BRAND = "Escales Voyages"
B2C_SITE = "https://www.escales-voyages.fr"
# (slug, name, country, base price per person)
DESTINATIONS = (
    ("crete", "Crete", "Greece", 890),
    ("cyclades", "Cyclades", "Greece", 1190),
    ("sicily", "Sicily", "Italy", 960),
    ("marrakech", "Marrakech", "Morocco", 640),
    ("iceland", "Iceland", "Iceland", 1790),
    ("lapland", "Lapland", "Finland", 2150),
    ("bali", "Bali", "Indonesia", 1890),
    ("new-york", "New York", "United States", 1450),
    ("canaries", "Canary Islands", "Spain", 780),
    ("corsica", "Corsica", "France", 720),
    ("algarve", "Algarve", "Portugal", 690),
    ("norway-fjords", "Norwegian fjords", "Norway", 1650),
    ("costa-rica", "Costa Rica", "Costa Rica", 2290),
    ("japan", "Japan", "Japan", 2690),
)
ACCOMMODATION_TYPES = ("hotel", "club", "villa", "apartment", "campsite", "cruise", "lodge")
# (kind, product name pattern, accommodation, price factor)
TRIP_KINDS = (
    ("stay", "Club {d} 7 nights", "club", 1.0),
    ("stay", "{d} seaside hotel 7 nights", "hotel", 0.9),
    ("tour", "{d} discovery tour 10 days", "hotel", 1.35),
    ("stay", "Villa in {d} 7 nights", "villa", 1.2),
    ("cruise", "{d} cruise 8 days", "cruise", 1.5),
)
TRIP_OPTIONS = (
    ("OPT-INS", "Cancellation insurance", "insurance", 45.0),
    ("OPT-TRF", "Airport transfer", "transfer", 30.0),
    ("OPT-EXC", "Guided excursion", "excursion", 65.0),
    ("OPT-CAR", "Car rental 7 days", "car_rental", 210.0),
)
B2C_PERSONAS = (
    # persona, weight, party size range, accommodation preference
    ("family", 30, (3, 5), ("club", "villa", "apartment", "campsite")),
    ("couple", 30, (2, 2), ("hotel", "villa", "cruise", "lodge")),
    ("solo", 12, (1, 1), ("hotel", "apartment")),
    ("senior", 14, (2, 2), ("cruise", "hotel", "club")),
    ("student", 7, (1, 4), ("apartment", "campsite")),
    ("group_organizer", 7, (6, 20), ("hotel", "club")),
)
AGENCIES = (
    ("paris-opera", "Escales Paris Opéra", "Paris"),
    ("lyon-bellecour", "Escales Lyon Bellecour", "Lyon"),
    ("bordeaux", "Escales Bordeaux", "Bordeaux"),
    ("lille", "Escales Lille", "Lille"),
    ("nantes", "Escales Nantes", "Nantes"),
    ("marseille", "Escales Marseille", "Marseille"),
)
POPINS = (
    (
        "popin-travel-period",
        "When are you planning to travel?",
        ("this summer", "within 3 months", "not decided"),
    ),
    ("popin-party", "Who are you travelling with?", ("couple", "family", "friends", "solo")),
    ("popin-budget", "What is your budget per person?", ("< 1000 EUR", "1000-2000 EUR", "> 2000 EUR")),
)
CHATBOT_TOPICS = (
    "luggage allowance",
    "cancellation",
    "visa",
    "payment in instalments",
    "booking change",
    "travel insurance",
    "child prices",
    "pets",
)
B2C_BLOG = (
    ("best-greek-islands", "The 12 best Greek islands"),
    ("iceland-in-winter", "Iceland in winter: our tips"),
    ("travel-with-kids", "Travelling with kids without stress"),
    ("japan-first-trip", "Japan: a first trip"),
    ("cheap-summer-deals", "How to find summer deals"),
    ("northern-lights", "Where to see the northern lights"),
)
B2C_JOBS = (("travel-advisor-lyon", "Travel advisor - Lyon"), ("product-manager", "Product manager - Trips"))
B2C_EMAIL_THEMES = (
    "newsletter",
    "last-minute",
    "summer",
    "winter",
    "family",
    "cruise",
    "long-haul",
    "club",
    "loyalty",
    "city-break",
)
TERMINATION_REASONS = (("offer_mismatch", 35), ("after_sales", 25), ("price", 25), ("moved", 15))
COMPLAINT_REASONS = ("delay", "hotel_quality", "refund", "customer_service", "overbooking")
B2C_CALL_TYPES = (
    ("booking", 35),
    ("quote", 25),
    ("after_sales", 25),
    ("complaint", 10),
    ("outbound_offer", 5),
)
B2C_CALL_OUTCOMES = (
    ("answered", 55),
    ("sale", 10),
    ("callback_requested", 10),
    ("no_answer", 15),
    ("complaint", 10),
)
BUDGETS_B2C = ("< 1000 EUR", "1000-2000 EUR", "2000-4000 EUR", "> 4000 EUR")
COMMENTS_REVIEW = (
    "Great trip, everything was well organised.",
    "Hotel as described, friendly staff.",
    "Nice stay but the transfer was late.",
    "Perfect for a family holiday!",
    "Too expensive for what it was.",
)
COMMENTS_TERMINATION = {
    "offer_mismatch": "The club offers no longer match our plans.",
    "after_sales": "Nobody answered after my complaint about the hotel.",
    "price": "Found cheaper elsewhere.",
    "moved": "Moving abroad, no use for the membership.",
}
