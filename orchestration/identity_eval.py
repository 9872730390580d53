"""How well identity resolution matches the demo generator's ground truth: pairwise precision and recall.

The generator writes who is who in ``<truth_dir>/identities.csv`` (person_id, brand, identifier_type,
identifier_value, shared). For every pair of truth identifiers, "same person" is compared with "same
contact_id" in ``intermediate.int_identity__identifiers``:

- TP = pairs in the same person and the same contact;
- precision = TP / pairs in the same contact; recall = TP / pairs in the same person.

Pairs are counted by grouping, never enumerated: a group of n identifiers holds n * (n - 1) / 2 pairs, so
TP is the sum of that over (person, contact) groups, and likewise for persons and for contacts.

Shared identifiers (a company mailbox, a switchboard, a kiosk cookie: ``shared = true``) belong to several
people, so "same person" is undefined for them: they are left out of the pairs, and reported apart as the
share of them the guards blocked. Truth identifiers the warehouse never saw (e.g. typed invalidly, or
never written to a source) are left out too and counted. A blocked unshared identifier has no contact:
it forms a contact of its own (it costs recall).

Many truth identifiers are never linked by any record (a cookie that never identified, a badge scanned
without an address): they are their own contact whatever the resolver does, so the plain recall has a
ceiling well below 100%. ``reachable_recall`` measures against what the data makes possible: two
identifiers of one person are "reachable" when a chain of records joins them, each record carrying two
unshared identifiers of that same person (``intermediate.int_identity__observations``). It is the recall
over reachable pairs: the share of the links a perfect resolver could make that this one made.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

IDENTIFIERS_TABLE = "intermediate.int_identity__identifiers"
OBSERVATIONS_TABLE = "intermediate.int_identity__observations"


@dataclass(frozen=True)
class PairCounts:
    """Pairs of identifiers: in the same person, in the same contact, in both."""

    same_person: int
    same_contact: int
    both: int


@dataclass(frozen=True)
class EvalResult:
    pairs: PairCounts
    precision: float
    recall: float
    identifiers: int  # unshared truth identifiers found in the warehouse (the ones paired)
    missing: int  # unshared truth identifiers the warehouse never saw
    blocked: int  # unshared truth identifiers the guards blocked (false blocks)
    shared: int  # shared truth identifiers found in the warehouse
    shared_blocked: int  # ... of which blocked (true blocks)
    people: int
    contacts: int
    # recall over the same-person pairs that records join (through the person's own unshared
    # identifiers): what a perfect resolver could link
    reachable_recall: float
    reachable_pairs: int


def pairs_in(n: int) -> int:
    """Pairs among ``n`` items."""
    return n * (n - 1) // 2


def scores(pairs: PairCounts) -> tuple[float, float]:
    """(precision, recall); 1.0 when there is nothing to get wrong."""
    precision = pairs.both / pairs.same_contact if pairs.same_contact else 1.0
    recall = pairs.both / pairs.same_person if pairs.same_person else 1.0
    return precision, recall


def count_pairs(assignments: Iterable[tuple[str, str | None]]) -> PairCounts:
    """Pair counts from (person, contact) per identifier; a None contact is a contact of its own.

    The reference implementation of what :func:`evaluate` computes in SQL (used by the tests).
    """
    people: Counter[str] = Counter()
    contacts: Counter[str] = Counter()
    both: Counter[tuple[str, str]] = Counter()
    for person, contact in assignments:
        people[person] += 1
        if contact is not None:
            contacts[contact] += 1
            both[(person, contact)] += 1
    return PairCounts(
        same_person=sum(pairs_in(n) for n in people.values()),
        same_contact=sum(pairs_in(n) for n in contacts.values()),
        both=sum(pairs_in(n) for n in both.values()),
    )


PAIRS_SQL = """
with truth as (
    select distinct person_id, identifier_type, identifier_value
    from truth_identities where not shared
),
contact_sizes as (
    select contact_id, count(*) as size from warehouse_identifiers
    where contact_id is not null group by contact_id
),
joined as (
    select truth.person_id, ids.contact_id
    from truth inner join warehouse_identifiers as ids using (identifier_type, identifier_value)
    left join contact_sizes using (contact_id)
    where {where}
),
by_person as (select count(*) as n from joined group by person_id),
by_contact as (select count(*) as n from joined where contact_id is not null group by contact_id),
by_both as (select count(*) as n from joined where contact_id is not null group by person_id, contact_id)
select
    (select coalesce(sum(n * (n - 1) // 2), 0) from by_person),
    (select coalesce(sum(n * (n - 1) // 2), 0) from by_contact),
    (select coalesce(sum(n * (n - 1) // 2), 0) from by_both),
    (select count(*) from joined),
    (select count(*) from truth) - (select count(*) from joined),
    (select count(*) from joined where contact_id is null),
    (select count(distinct person_id) from joined),
    (select count(distinct contact_id) from joined)
"""

# Record-level links between two unshared identifiers of the same person: the edges a perfect resolver
# could follow.
REACHABLE_EDGES_SQL = """
with truth as (
    select distinct person_id, identifier_type, identifier_value
    from truth_identities where not shared
),
observed as (
    select distinct obs.record_source, obs.record_id, truth.person_id,
        obs.identifier_type || ':' || obs.identifier_value as identifier
    from warehouse_observations as obs
    inner join truth using (identifier_type, identifier_value)
)
select distinct a.identifier, b.identifier
from observed as a
inner join observed as b
    on a.record_source = b.record_source and a.record_id = b.record_id
    and a.person_id = b.person_id and a.identifier < b.identifier
"""

REACHABLE_PAIRS_SQL = """
with truth as (
    select distinct person_id, identifier_type || ':' || identifier_value as identifier,
        identifier_type, identifier_value
    from truth_identities where not shared
),
joined as (
    select coalesce(groups.reach_group, truth.identifier) as reach_group, ids.contact_id
    from truth
    inner join warehouse_identifiers as ids using (identifier_type, identifier_value)
    left join reach_groups as groups using (identifier)
),
by_group as (select count(*) as n from joined group by reach_group),
by_both as (select count(*) as n from joined where contact_id is not null group by reach_group, contact_id)
select
    (select coalesce(sum(n * (n - 1) // 2), 0) from by_group),
    (select coalesce(sum(n * (n - 1) // 2), 0) from by_both)
"""


def reachable_groups(edges: Iterable[tuple[str, str]]) -> dict[str, str]:
    """identifier -> a representative of its connected component (union-find over the edges)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        root = x
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {x: find(x) for x in parent}


SHARED_SQL = """
select count(*), count(*) filter (where ids.is_blocked)
from (select distinct identifier_type, identifier_value from truth_identities where shared) as s
inner join warehouse_identifiers as ids using (identifier_type, identifier_value)
"""


def evaluate_connection(con: duckdb.DuckDBPyConnection) -> EvalResult:
    """Evaluate with views ``truth_identities``, ``warehouse_identifiers`` and ``warehouse_observations``
    already defined on ``con``."""
    same_person, same_contact, both, found, missing, blocked, people, contacts = con.execute(
        PAIRS_SQL.format(where="true")
    ).fetchone()
    groups = reachable_groups(con.execute(REACHABLE_EDGES_SQL).fetchall())
    reach_groups = pa.table(  # noqa: F841  (read by REACHABLE_PAIRS_SQL through DuckDB's replacement scan)
        {"identifier": list(groups.keys()), "reach_group": list(groups.values())},
        schema=pa.schema([("identifier", pa.string()), ("reach_group", pa.string())]),
    )
    reachable_pairs, reachable_both = con.execute(REACHABLE_PAIRS_SQL).fetchone()
    reachable_recall = reachable_both / reachable_pairs if reachable_pairs else 1.0
    shared, shared_blocked = con.execute(SHARED_SQL).fetchone()
    pairs = PairCounts(int(same_person), int(same_contact), int(both))
    precision, recall = scores(pairs)
    return EvalResult(
        pairs=pairs,
        precision=precision,
        recall=recall,
        identifiers=found,
        missing=missing,
        blocked=blocked,
        shared=shared,
        shared_blocked=shared_blocked,
        people=people,
        contacts=contacts,
        reachable_recall=reachable_recall,
        reachable_pairs=int(reachable_pairs),
    )


def _sql_text(path: Path | str) -> str:
    return str(path).replace("'", "''")


def evaluate(warehouse_path: Path | str, truth_dir: Path | str) -> EvalResult:
    """Pairwise precision and recall of the warehouse's contact ids against ``<truth_dir>/identities.csv``."""
    truth_csv = Path(truth_dir) / "identities.csv"
    if not truth_csv.exists():
        raise FileNotFoundError(f"no ground truth at {truth_csv} (generate demo data first)")
    con = duckdb.connect()
    try:
        con.execute(f"attach '{_sql_text(warehouse_path)}' as wh (read_only)")
        con.execute(
            "create temp view truth_identities as select person_id, identifier_type, identifier_value, "
            "lower(cast(shared as varchar)) = 'true' as shared "
            f"from read_csv('{_sql_text(truth_csv)}', header = true, all_varchar = true)"
        )
        con.execute(
            "create temp view warehouse_identifiers as select identifier_type, identifier_value, "
            f"contact_id, is_blocked from wh.{IDENTIFIERS_TABLE}"
        )
        con.execute(
            "create temp view warehouse_observations as select record_source, record_id, "
            f"identifier_type, identifier_value from wh.{OBSERVATIONS_TABLE}"
        )
        return evaluate_connection(con)
    finally:
        con.close()


def render(result: EvalResult) -> str:
    """A short text report."""
    p = result.pairs
    lines = [
        f"identity resolution vs ground truth: {result.people} people, {result.contacts} contacts",
        f"  precision {result.precision:.2%}  "
        f"({p.both} of {p.same_contact} same-contact pairs are one person)",
        f"  recall    {result.recall:.2%}  ({p.both} of {p.same_person} same-person pairs share a contact)",
        f"  recall over reachable pairs {result.reachable_recall:.2%}  (of {result.reachable_pairs} "
        "same-person pairs that records join through the person's own identifiers)",
        f"  identifiers paired: {result.identifiers} (not in the warehouse: {result.missing}, "
        f"blocked although unshared: {result.blocked})",
        f"  shared identifiers blocked by the guards: {result.shared_blocked} of {result.shared}",
    ]
    return "\n".join(lines)
