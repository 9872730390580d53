"""Tests of the seeded demo-data generator (``sources.demo``).

The files are checked with a small, independent reader written here from ``sources/catalog.yml`` (not the
loader): every line either follows the contract or is one of the deliberately bad lines the generator
counted, and every identifier the sources show belongs to someone in the ground truth.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import phonenumbers
import pyarrow.parquet as pq
import pytest
from email_validator import EmailNotValidError, validate_email

from sources.catalog import TableSpec, all_tables
from sources.demo import GenerateResult, generate

END = date(2025, 6, 30)
TRUE_WORDS = {"true", "false", "1", "0", "yes", "no"}
INTEGER = re.compile(r"^-?\d+$")

# -- an independent, strict reader of the landing files --------------------------------------------------


def read_records(path: Path) -> Iterator[dict[str, Any] | None]:
    """Records of a landing file; ``None`` for a line that is not a well-formed record."""
    name = path.name
    if name.endswith(".parquet"):
        yield from pq.read_table(path).to_pylist()
        return
    raw = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
    text = raw.decode("utf-8")
    if ".jsonl" in name:
        for line in text.splitlines():
            try:
                value = json.loads(line)
            except ValueError:
                yield None
                continue
            yield value if isinstance(value, dict) else None
        return
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows)
    for row in rows:
        yield dict(zip(header, row, strict=True)) if len(row) == len(header) else None


def lookup(record: dict[str, Any], paths: tuple[str, ...]) -> Any:
    """The first non-empty value reached by one of ``paths`` (dotted paths go into nested objects)."""
    for path in paths:
        value: Any = record
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
            if value is None:
                break
        if value is not None and value != "":
            return value
    return None


def valid_email(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        validate_email(value.strip().lower(), check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def e164(value: Any) -> str | None:
    """The phone number in E.164, or None when it does not parse to a valid number (region FR)."""
    if not isinstance(value, str):
        return None
    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parses(kind: str, value: Any) -> bool:
    """Whether ``value`` is acceptable for a catalog type (emails and phones are checked apart)."""
    if kind == "timestamp":
        if isinstance(value, bool):
            return False
        if isinstance(value, int | float):
            return True
        if isinstance(value, datetime):
            return True
        if not isinstance(value, str):
            return False
        if value.isdigit():
            return True
        try:
            datetime.fromisoformat(value)
        except ValueError:
            return False
        return True
    if kind == "date":
        if isinstance(value, date):
            return True
        try:
            date.fromisoformat(str(value))
        except ValueError:
            return False
        return True
    if kind == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, str) and bool(INTEGER.match(value))
        )
    if kind == "number":
        if isinstance(value, bool):
            return False
        if isinstance(value, int | float):
            return True
        try:
            return math.isfinite(float(value))
        except (TypeError, ValueError):
            return False
    if kind == "boolean":
        return isinstance(value, bool) or (isinstance(value, str) and value.lower() in TRUE_WORDS)
    return True  # string, json


def check(spec: TableSpec, record: dict[str, Any], parent: dict[str, Any] | None = None) -> tuple[bool, int]:
    """(kept?, warnings) for one record, following the catalog's rules."""
    warnings = 0
    present: set[str] = set()
    for f in spec.fields:
        value = lookup(record, f.lookup_paths)
        if value is None and parent is not None and f.name in parent:
            value = parent[f.name]
        if value is None:
            if f.required:
                return False, 0
            continue
        if f.type in ("email", "phone"):
            ok = valid_email(value) if f.type == "email" else e164(value) is not None
            if not ok:
                if f.required:
                    return False, 0
                warnings += 1
                continue
        elif not parses(f.type, value):
            return False, 0
        if f.values is not None and (str(value).lower() if f.lower else value) not in f.values:
            return False, 0
        present.add(f.name)
    if spec.require_one_of and not present.intersection(spec.require_one_of):
        return False, 0
    return True, warnings


def audit(landing: Path) -> dict[str, Counter[str]]:
    """Per table: lines, bad lines and warnings, counted independently of the generator."""
    tables = all_tables()
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for folder in sorted(p for p in landing.iterdir() if p.is_dir()):
        spec = tables[folder.name]
        for path in sorted(folder.iterdir()):
            for record in read_records(path):
                c = counts[spec.name]
                c["rows"] += 1
                if record is None:
                    c["bad"] += 1
                    continue
                ok, warnings = check(spec, record)
                if not ok:
                    c["bad"] += 1
                    continue
                c["warnings"] += warnings
                for key, child in spec.children.items():
                    for line in record.get(key) or []:
                        kept, _ = check(
                            tables[child], line, parent={"order_id": lookup(record, ("id", "order_id"))}
                        )
                        assert kept, (path, line)
                        counts[child]["rows"] += 1
    return counts


def records(landing: Path, table: str) -> Iterator[dict[str, Any]]:
    """The well-formed records of a table (none when it has no folder)."""
    folder = landing / table
    for path in sorted(folder.iterdir()) if folder.is_dir() else ():
        yield from (r for r in read_records(path) if r is not None)


def truth(truth_dir: Path) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    with (truth_dir / "identities.csv").open(newline="") as fh:
        identities = list(csv.DictReader(fh))
    with (truth_dir / "people.csv").open(newline="") as fh:
        people = list(csv.DictReader(fh))
    return identities, people


# -- fixtures ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[GenerateResult, Path, Path]:
    root = tmp_path_factory.mktemp("demo")
    result = generate(
        root / "landing", root / "truth", contacts=300, seed=7, end_date=END, rows_per_file=2500
    )
    return result, root / "landing", root / "truth"


# -- tests ---------------------------------------------------------------------------------------------


def test_same_arguments_give_the_same_bytes(tmp_path: Path) -> None:
    def snapshot(root: Path) -> dict[str, bytes]:
        return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

    for name in ("a", "b"):
        generate(tmp_path / name / "landing", tmp_path / name / "truth", contacts=60, seed=3, end_date=END)
    first, second = snapshot(tmp_path / "a"), snapshot(tmp_path / "b")
    assert first.keys() == second.keys()
    assert first == second
    generate(tmp_path / "c" / "landing", tmp_path / "c" / "truth", contacts=60, seed=4, end_date=END)
    assert snapshot(tmp_path / "c") != first


def test_rerun_replaces_previous_files(tmp_path: Path) -> None:
    generate(tmp_path / "landing", tmp_path / "truth", contacts=60, end_date=END, rows_per_file=200)
    result = generate(tmp_path / "landing", tmp_path / "truth", contacts=20, end_date=END)
    on_disk = sorted(p for p in (tmp_path / "landing").rglob("*") if p.is_file())
    assert on_disk == result.files


def test_an_increment_adds_new_files_with_new_ids(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    first = generate(landing, tmp_path / "truth", contacts=40, end_date=END)
    before = {p: p.read_bytes() for p in first.files}
    inc = generate(landing, tmp_path / "truth-inc1", events=400, end_date=END, increment=1)
    assert all(re.match(r"^(b2b|b2c)-inc1-\d{5}\.", p.name) for p in inc.files)
    assert {p: p.read_bytes() for p in first.files} == before  # the first run's files are untouched
    assert not any(p.parent.name in ("campaigns", "crm_owners", "campaign_costs") for p in inc.files)

    def keys(files: list[Path], table: str, column: str) -> set[str]:
        rows = [r for p in files if p.parent.name == table for r in csv.DictReader(p.open())]
        return {r[column] for r in rows}

    new_ids = keys(inc.files, "crm_contacts", "crm_contact_id")
    assert new_ids and not keys(first.files, "crm_contacts", "crm_contact_id") & new_ids
    # a first run again replaces the increments too
    again = generate(landing, tmp_path / "truth", contacts=40, end_date=END)
    assert sorted(p for p in landing.rglob("*") if p.is_file()) == sorted(again.files)
    with pytest.raises(ValueError, match="increment"):
        generate(landing, tmp_path / "truth", contacts=5, end_date=END, increment=-1)


def test_company_names_stay_unique_when_the_vocabulary_runs_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A vocabulary that makes two company names: the third company gets a numbered one (a large run
    # uses up the real vocabulary's names the same way; the generator once looped forever there).
    from sources.demo import vocab

    monkeypatch.setattr(vocab, "COMPANY_PREFIXES", ("Groupe",))
    monkeypatch.setattr(vocab, "LAST_NAMES_FR", ("Martin",))
    monkeypatch.setitem(vocab.CITIES, "FR", ("Lyon",))
    result = generate(tmp_path / "landing", tmp_path / "truth", contacts=80, end_date=END, brands=["b2b"])
    companies = [
        row
        for p in result.files
        if p.parent.name == "crm_companies"
        for row in csv.DictReader(p.open(encoding="utf-8"))
    ]
    assert len(companies) > 2
    assert len({row["domain"] for row in companies}) == len(companies)
    assert any(re.search(r" \d+", row["name"]) for row in companies)


def test_size_arguments_are_honoured(tmp_path: Path) -> None:
    by_people = generate(tmp_path / "p" / "landing", tmp_path / "p" / "truth", contacts=150, end_date=END)
    assert by_people.people == 150
    _, people = truth(tmp_path / "p" / "truth")
    assert len(people) == 150
    by_events = generate(tmp_path / "e" / "landing", tmp_path / "e" / "truth", events=8_000, end_date=END)
    assert 8_000 <= by_events.events <= 8_800
    assert by_events.events == sum(
        by_events.rows.get(t, 0) for t, s in all_tables().items() if s.kind == "event"
    )
    default = generate(tmp_path / "d" / "landing", tmp_path / "d" / "truth", end_date=END, brands=["b2c"])
    assert default.people == 600
    assert all(p.name.startswith("b2c-") for p in default.files)
    with pytest.raises(ValueError):
        generate(tmp_path / "x", tmp_path / "y", events=10, contacts=10)
    with pytest.raises(ValueError):
        generate(tmp_path / "x", tmp_path / "y", brands=["b2x"])


def test_layout_follows_the_catalog(run: tuple[GenerateResult, Path, Path]) -> None:
    result, landing, _ = run
    tables = all_tables()
    folders = {p.name for p in landing.iterdir()}
    assert folders <= {name for name, spec in tables.items() if spec.parent is None}
    assert {
        "web_events",
        "email_events",
        "form_submissions",
        "crm_contacts",
        "orders",
        "campaign_costs",
    } <= folders
    for path in result.files:
        assert path.parent.parent == landing
        assert re.fullmatch(r"(b2b|b2c)-\d{5}\.(jsonl|jsonl\.gz|csv|parquet)", path.name), path
    assert any(p.name.endswith(".jsonl.gz") for p in result.files)
    assert any(p.name.endswith(".csv") for p in result.files)
    assert any(p.name.endswith(".parquet") for p in result.files)
    # rotation: no file holds more lines than asked
    assert any(p.name.endswith("-00002.jsonl.gz") for p in result.files)
    for path in result.files:
        if path.suffix != ".parquet":
            assert sum(1 for _ in read_records(path)) <= 2500


def test_every_line_conforms_or_is_counted_as_bad(run: tuple[GenerateResult, Path, Path]) -> None:
    result, landing, _ = run
    counts = audit(landing)
    for table, c in counts.items():
        if table == "order_lines":
            continue
        assert c["rows"] == result.rows[table], table
        assert c["bad"] == result.bad_lines.get(table, 0), table
        assert c["warnings"] == result.warnings.get(table, 0), table
    assert set(result.rows) == {t for t in counts if t != "order_lines"}
    total_bad = sum(result.bad_lines.values())
    total = sum(result.rows.values())
    assert 0 < total_bad < total * 0.01
    assert sum(result.warnings.values()) > 0
    assert counts["order_lines"]["rows"] > counts["orders"]["rows"]


def test_mess_is_there(run: tuple[GenerateResult, Path, Path]) -> None:
    result, landing, truth_dir = run
    for kind in (
        "exact_duplicates",
        "duplicates_in_later_file",
        "late_events",
        "out_of_order_events",
        "stale_entity_versions",
        "kiosk_sessions",
        "test_address_uses",
    ):
        assert result.mess.get(kind, 0) > 0, kind
    ids = Counter(r.get("messageId") for r in records(landing, "web_events"))
    ids.pop(None, None)
    assert max(ids.values()) >= 2  # the same event sent twice
    raw_emails = [r["email"] for r in records(landing, "form_submissions") if isinstance(r.get("email"), str)]
    assert any(e != e.strip().lower() for e in raw_emails)  # case and whitespace vary
    raw_phones = [r["phone"] for r in records(landing, "calls") if r.get("phone")]
    assert len({p[:3] for p in raw_phones}) > 2  # several formats
    identities, _ = truth(truth_dir)
    shared = defaultdict(set)
    for row in identities:
        if row["shared"] == "true":
            shared[(row["identifier_type"], row["identifier_value"])].add(row["person_id"])
    kinds = {kind for (kind, _), people in shared.items() if len(people) >= 2}
    assert {"email", "phone", "anonymous_id"} <= kinds  # mailboxes/test addresses, switchboards, kiosks
    assert {"test@example.com", "noreply@example.com"} & {value for (_, value) in shared}


def test_truth_covers_every_identifier(run: tuple[GenerateResult, Path, Path]) -> None:
    result, landing, truth_dir = run
    identities, people = truth(truth_dir)
    known: dict[str, set[str]] = defaultdict(set)
    for row in identities:
        known[row["identifier_type"]].add(row["identifier_value"])
    assert len(people) == result.people == len({p["person_id"] for p in people})
    assert {row["person_id"] for row in identities} <= {p["person_id"] for p in people}
    for phone in known["phone"]:
        assert e164(phone) == phone  # normalised, valid numbers
    for email in known["email"]:
        assert email == email.strip().lower() and valid_email(email)

    def emails(table: str, key: str = "email") -> set[str]:
        values = {r[key] for r in records(landing, table) if isinstance(r.get(key), str) and r[key]}
        return {v.strip().lower() for v in values if valid_email(v)}

    def phones(table: str, key: str = "phone") -> set[str]:
        return {p for r in records(landing, table) if (p := e164(r.get(key))) is not None}

    assert emails("form_submissions") <= known["email"]
    assert emails("crm_contacts") <= known["email"]
    assert emails("email_events") <= known["email"]
    assert emails("offline_events") <= known["email"]
    assert phones("calls") <= known["phone"]
    assert phones("crm_contacts") <= known["phone"]
    assert phones("sms_events") <= known["phone"]
    assert {r["crm_contact_id"] for r in records(landing, "crm_contacts")} - {""} <= known["crm_contact_id"]
    assert {r["customer_number"] for r in records(landing, "orders") if r.get("customer_number")} <= known[
        "customer_number"
    ]
    assert {r["badge_id"] for r in records(landing, "offline_events") if r.get("badge_id")} <= known[
        "badge_id"
    ]
    web = list(records(landing, "web_events"))
    assert {r["anonymousId"] for r in web if r.get("anonymousId")} <= known["anonymous_id"]
    assert {r["userId"] for r in web if r.get("userId")} <= known["user_id"]
    referred = emails("feedback_events", "referred_email")
    assert referred <= known["email"]  # referred friends become people of their own


def test_stories_are_in_the_data(run: tuple[GenerateResult, Path, Path]) -> None:
    _, landing, truth_dir = run
    _, people = truth(truth_dir)
    segments = Counter((p["brand"], p["expected_temperature"] or p["segment"]) for p in people)
    for key in [("b2b", "hot"), ("b2b", "cold"), ("b2b", "customer"), ("b2c", "warm"), ("b2c", "visitor")]:
        assert segments[key] > 0, key
    assert any(p["churned"] == "true" for p in people)
    terminations = [r for r in records(landing, "feedback_events") if r.get("feedback_type") == "termination"]
    assert {r["reason"] for r in terminations} <= {"offer_mismatch", "after_sales", "price", "moved"}
    assert terminations
    paths = {r.get("context", {}).get("page", {}).get("path") for r in records(landing, "web_events")}
    for expected in (
        "/",
        "/pricing",
        "/demo",
        "/cart",
        "/checkout",
        "/search",
        "/legal/termination-conditions",
    ):
        assert expected in paths, expected
    for prefix in ("/products/", "/offers/", "/careers", "/blog/", "/investors"):
        assert any(p and p.startswith(prefix) for p in paths), prefix
    events = {r.get("event") for r in records(landing, "web_events")}
    assert {
        "Products Searched",
        "Simulator Used",
        "Popin Answered",
        "Chatbot Conversation Started",
        "Checkout Started",
        "Order Completed",
        "White Paper Downloaded",
        "Demo Requested",
    } <= events
    statuses = {(r.get("channel"), r.get("status")) for r in records(landing, "consent_events")}
    assert {("email", "opt_in"), ("email", "opt_out")} <= statuses
    campaigns = {r["campaign_id"] for r in records(landing, "campaigns")}
    costs = {r["campaign_id"] for r in records(landing, "campaign_costs")}
    utm = {r.get("context", {}).get("campaign", {}).get("name") for r in records(landing, "web_events")} - {
        None
    }
    assert costs <= campaigns and utm <= campaigns
    assert {r.get("campaign_id") for r in records(landing, "email_events")} - {None} <= campaigns


def test_churned_customers_go_silent(run: tuple[GenerateResult, Path, Path]) -> None:
    _, landing, truth_dir = run
    identities, people = truth(truth_dir)
    churned = {p["person_id"] for p in people if p["churned"] == "true"}
    owner: dict[tuple[str, str], str] = {}
    for row in identities:
        if row["shared"] == "false":
            owner[(row["identifier_type"], row["identifier_value"])] = row["person_id"]
    ended: dict[str, datetime] = {}
    for r in records(landing, "feedback_events"):
        if r.get("feedback_type") != "termination" or not parses("timestamp", r.get("occurred_at")):
            continue
        for kind in ("crm_contact_id", "customer_number"):
            person = owner.get((kind, r.get(kind) or ""))
            if person in churned:
                ended[person] = datetime.fromisoformat(r["occurred_at"])
    assert ended
    for r in records(landing, "web_events"):
        person = owner.get(("anonymous_id", r.get("anonymousId") or ""))
        if person in ended and parses("timestamp", r.get("timestamp")):
            assert datetime.fromisoformat(r["timestamp"]) <= ended[person] + timedelta(days=4), person
    for r in records(landing, "email_events"):
        email = r.get("email")
        person = owner.get(("email", email.strip().lower())) if isinstance(email, str) else None
        if person in ended and isinstance(r.get("timestamp"), int):
            assert datetime.fromtimestamp(r["timestamp"], tz=UTC) <= ended[person] + timedelta(days=4), person


def test_times_fall_in_the_window(run: tuple[GenerateResult, Path, Path]) -> None:
    _, landing, _ = run
    end = datetime(END.year, END.month, END.day, tzinfo=UTC)
    start = end - timedelta(days=550)
    checked = 0
    for folder in sorted(landing.iterdir()):
        spec = all_tables()[folder.name]
        if spec.time_field is None:
            continue
        paths = spec.field(spec.time_field).lookup_paths
        for record in records(landing, folder.name):
            value = lookup(record, paths)
            if value is None or not parses("timestamp", value):
                continue
            if isinstance(value, int):
                moment = datetime.fromtimestamp(value, tz=UTC)
            else:
                moment = datetime.fromisoformat(value)
                moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            assert start <= moment < end, (folder.name, value)
            checked += 1
    assert checked > 10_000


def test_clock_formats() -> None:
    from sources.demo import clock

    for ms in (0, 1_750_000_000_999, 1_750_000_059_999, 1_750_031_999_999, 1_735_689_599_999):
        expected = datetime.fromtimestamp(ms / 1000, tz=UTC)
        assert datetime.fromisoformat(clock.iso_ms(ms)) == expected
        first, later = clock.iso_ms_pair_bytes(ms, 700)
        assert first.decode() == clock.iso_ms(ms) and later.decode() == clock.iso_ms(ms + 700)
        ts = ms // 1000
        for text in (clock.iso_s(ts), clock.paris_s(ts), clock.naive_s(ts)):
            parsed = datetime.fromisoformat(text)
            parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)  # no offset means UTC
            assert parsed.timestamp() == ts, text


def test_end_date_defaults_to_today(tmp_path: Path) -> None:
    result = generate(tmp_path / "landing", tmp_path / "truth", contacts=5, brands=["b2b"])
    last = max(r["updated_at"] for r in records(tmp_path / "landing", "campaigns"))
    assert last < (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert result.people == 5


def test_clean_mode_has_no_mess(tmp_path: Path) -> None:
    result = generate(tmp_path / "landing", tmp_path / "truth", contacts=120, end_date=END, mess=False)
    assert not any(result.bad_lines.values())
    assert not result.warnings
    assert not result.mess.get("exact_duplicates")
    counts = audit(tmp_path / "landing")
    assert all(c["bad"] == 0 and c["warnings"] == 0 for c in counts.values())
    identities, _ = truth(tmp_path / "truth")
    assert not any(row["shared"] == "true" for row in identities)
    for r in records(tmp_path / "landing", "form_submissions"):
        assert r["email"] == r["email"].strip().lower()
