"""The identity evaluation: pair counting (pure) and the SQL version against a tiny warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.identity_eval import (
    PairCounts,
    count_pairs,
    evaluate,
    pairs_in,
    reachable_groups,
    render,
    scores,
)


def test_pairs_in() -> None:
    assert [pairs_in(n) for n in range(5)] == [0, 0, 1, 3, 6]


def test_count_pairs_perfect_split_and_false_merge() -> None:
    perfect = [("p1", "c1"), ("p1", "c1"), ("p2", "c2")]
    assert count_pairs(perfect) == PairCounts(same_person=1, same_contact=1, both=1)
    split = [("p1", "c1"), ("p1", "c2"), ("p1", None)]  # None: blocked, a contact of its own
    assert count_pairs(split) == PairCounts(same_person=3, same_contact=0, both=0)
    merged = [("p1", "c1"), ("p1", "c1"), ("p2", "c1")]
    assert count_pairs(merged) == PairCounts(same_person=1, same_contact=3, both=1)


def test_reachable_groups_union_chains() -> None:
    groups = reachable_groups([("a", "b"), ("c", "d"), ("b", "c"), ("x", "y")])
    assert groups["a"] == groups["b"] == groups["c"] == groups["d"] != groups["x"] == groups["y"]


def test_scores() -> None:
    assert scores(PairCounts(same_person=4, same_contact=2, both=2)) == (1.0, 0.5)
    assert scores(PairCounts(0, 0, 0)) == (1.0, 1.0)


@pytest.fixture
def tiny(tmp_path: Path) -> tuple[Path, Path]:
    warehouse = tmp_path / "wh.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema intermediate")
        con.execute(
            "create table intermediate.int_identity__identifiers as select * from (values "
            "('email', 'a@x.com', 'c1', false), ('anonymous_id', 'k1', 'c1', false), "
            "('phone', '+331', 'c2', false), ('email', 'b@x.com', 'c1', false), "
            "('email', 'info@x.com', null, true), ('anonymous_id', 'k9', 'c9', false)"
            ") as t(identifier_type, identifier_value, contact_id, is_blocked)"
        )
        con.execute(  # the records: one joins p1's address and cookie; p1's phone is on a record alone
            "create table intermediate.int_identity__observations as select * from (values "
            "('web', 'r1', 'email', 'a@x.com'), ('web', 'r1', 'anonymous_id', 'k1'), "
            "('calls', 'r2', 'phone', '+331'), ('forms', 'r3', 'email', 'b@x.com'), "
            "('forms', 'r3', 'email', 'info@x.com')"
            ") as t(record_source, record_id, identifier_type, identifier_value)"
        )
    truth = tmp_path / "truth"
    truth.mkdir()
    (truth / "identities.csv").write_text(
        "person_id,brand,identifier_type,identifier_value,shared\n"
        "p1,b2b,email,a@x.com,false\n"
        "p1,b2b,anonymous_id,k1,false\n"
        "p1,b2b,phone,+331,false\n"  # p1's phone, never linked: a recall miss
        "p2,b2b,email,b@x.com,false\n"  # p2 merged into p1's contact: a precision miss
        "p1,b2b,email,info@x.com,true\n"
        "p2,b2b,email,info@x.com,true\n"
        "p3,b2b,email,never@x.com,false\n"
    )
    return warehouse, truth


def test_evaluate_matches_the_pure_count(tiny: tuple[Path, Path]) -> None:
    warehouse, truth = tiny
    result = evaluate(warehouse, truth)
    expected = count_pairs([("p1", "c1"), ("p1", "c1"), ("p1", "c2"), ("p2", "c1")])
    assert result.pairs == expected == PairCounts(same_person=3, same_contact=3, both=1)
    assert result.precision == pytest.approx(1 / 3) and result.recall == pytest.approx(1 / 3)
    assert (result.identifiers, result.missing, result.blocked) == (4, 1, 0)
    assert (result.shared, result.shared_blocked) == (1, 1)
    # the one pair records join (p1's address and cookie) is linked; p1's phone no record joins
    assert result.reachable_pairs == 1 and result.reachable_recall == pytest.approx(1.0)
    text = render(result)
    assert "precision 33.33%" in text and "1 of 1" in text


def test_evaluate_without_truth(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        evaluate(tmp_path / "wh.duckdb", tmp_path)
