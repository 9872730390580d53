"""Lead scoring end to end on a tiny warehouse: raw web events -> identity -> interactions -> scores.

The rules are data: the module writes its own scoring seeds (the worked examples of mission.md §3)
into a copy of the dbt project, then builds everything up to the scoring marts as of 2026-06-30:

- threshold 150: Martino at 215 is hot, Rajati at 140 warm, Beltrani at 30 cold;
- -5 points per month of inactivity: Martin and Nathalie both earned 250 points of demos, white
  papers and pricing pages, Martin in the last 10 days, Nathalie three months ago: 250 and 235.

Then: the ledger sums to the score, the cap leaves extra actions out, the daily history and the
threshold crossings, a backfill as of a past date agrees with the history, and ``nurture explain``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt_helpers import DBT_PROJECT_DIR, DBT_QUIET_ENV, create_raw_tables, failures, insert_rows, run_dbt

from orchestration.explain import ExplainError, explain, render

AS_OF = "2026-06-30"
MODEL = "seed_example"

SEEDS = {
    "scoring_models.csv": """\
scoring_model,description,brand,recency_method,half_life_days,inactivity_points_per_month,score_floor,score_ceiling,hot_threshold,warm_threshold
seed_example,The worked examples of mission.md,*,inactivity_penalty,,5,0,1000,150,50
""",
    "scoring_profile_rules.csv": """\
scoring_model,rule_id,description,attribute,operator,value,points
""",
    "scoring_behaviour_rules.csv": """\
scoring_model,rule_id,description,interaction_type,content_theme,points,cap_points,cap_period,decays
seed_example,demo_watched,Demo watched,demo_watched,,100,,,true
seed_example,white_paper,White paper downloaded,content_downloaded,,75,,,true
seed_example,pricing_page,Pricing page,page_view,pricing,25,75,ever,true
seed_example,blog_page,Blog article,page_view,blog,5,,,true
""",
    "scoring_negative_rules.csv": """\
scoring_model,rule_id,description,rule_type,interaction_type,content_theme,attribute,operator,value,threshold,points,cap_points,cap_period
seed_example,careers_page,Careers page,interaction,page_view,careers,,,,,-20,,
seed_example,long_inactivity,No action for a year,inactivity,,,,,,365,-30,,
""",
}

# person -> [(day, what)]; what: demo | paper | pricing | blog | careers
STORIES: dict[str, list[tuple[str, str]]] = {
    "martino": [
        ("2026-06-25", "demo"),
        ("2026-06-26", "paper"),
        ("2026-06-27", "pricing"),
        ("2026-06-28", "blog"),
        ("2026-06-28", "blog"),
        ("2026-06-28", "blog"),
    ],
    "rajati": [
        ("2026-06-20", "paper"),
        ("2026-06-21", "pricing"),
        ("2026-06-21", "pricing"),
        ("2026-06-22", "blog"),
        ("2026-06-22", "blog"),
        ("2026-06-22", "blog"),
    ],
    "beltrani": [("2026-06-29", "pricing"), ("2026-06-29", "blog")],
    "martin": [
        ("2026-06-22", "demo"),
        ("2026-06-24", "paper"),
        ("2026-06-26", "pricing"),
        ("2026-06-26", "pricing"),
        ("2026-06-26", "pricing"),
        ("2026-06-27", "pricing"),  # beyond the cap of 75: earns nothing
    ],
    "nathalie": [
        ("2026-03-28", "demo"),
        ("2026-03-29", "paper"),
        ("2026-03-31", "pricing"),
        ("2026-03-31", "pricing"),
        ("2026-03-31", "pricing"),
    ],
}


def web_event(person: str, n: int, day: str, what: str) -> dict[str, Any]:
    base = {
        "event_id": f"{person}-{n}",
        "occurred_at": f"{day}T10:{n:02d}:00Z",
        "anonymous_id": f"cookie-{person}",
        "user_id": f"user-{person}",
        "email": f"{person}@example.org",
    }
    if what == "demo":
        return {**base, "event_type": "track", "event_name": "Demo Watched"}
    if what == "paper":
        return {**base, "event_type": "track", "event_name": "White Paper Downloaded"}
    path = {"pricing": "/pricing", "blog": "/blog/payroll-tips", "careers": "/careers"}[what]
    return {**base, "event_type": "page", "page_path": path, "page_url": f"https://www.example.org{path}"}


class Scored:
    def __init__(self, warehouse: Path, project: Path, root: Path) -> None:
        self.warehouse, self.project, self.root = warehouse, project, root
        with duckdb.connect(str(warehouse), read_only=True) as con:
            rows = con.execute(
                "select record_id, contact_id from intermediate.int_identity__record_contacts "
                "where record_source = 'stg_web__events' and record_id like '%-0'"
            ).fetchall()
        self.contact = {record_id.removesuffix("-0"): contact_id for record_id, contact_id in rows}
        assert sorted(self.contact) == sorted(STORIES)

    def query(self, sql: str, params: list[Any] | None = None, warehouse: Path | None = None) -> list[tuple]:
        with duckdb.connect(str(warehouse or self.warehouse), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def score(self, person: str, warehouse: Path | None = None) -> tuple[float, str]:
        rows = self.query(
            "select score, band from marts.fct_lead_scores where contact_id = ? and scoring_model = ?",
            [self.contact[person], MODEL],
            warehouse,
        )
        assert len(rows) == 1, rows
        return rows[0]


def copy_project(root: Path) -> Path:
    project = root / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    for name, text in SEEDS.items():
        (project / "seeds" / "scoring" / name).write_text(text)
    return project


@pytest.fixture(scope="module")
def scored(
    tmp_path_factory: pytest.TempPathFactory, module_monkeypatch: pytest.MonkeyPatch
) -> Iterator[Scored]:
    root = tmp_path_factory.mktemp("scoring")
    warehouse = root / "warehouse.duckdb"
    for key, value in DBT_QUIET_ENV.items():
        module_monkeypatch.setenv(key, value)
    module_monkeypatch.setenv("NURTURE_DBT_TARGET", "duckdb")
    module_monkeypatch.setenv("NURTURE_WAREHOUSE", str(warehouse))
    module_monkeypatch.delenv("NURTURE_DUCKDB_TEMP_DIR", raising=False)
    project = copy_project(root)
    with duckdb.connect(str(warehouse)) as con:
        create_raw_tables(con)
        rows = [
            web_event(p, n, day, what) for p, story in STORIES.items() for n, (day, what) in enumerate(story)
        ]
        insert_rows(con, "web_events", rows)
    result = run_dbt(
        [
            "build",
            "--select",
            "+tag:scoring",
            "--indirect-selection",
            "cautious",
            "--vars",
            f"{{as_of: '{AS_OF}'}}",
        ],
        root,
        project_dir=project,
    )
    assert result.success, failures(result)
    yield Scored(warehouse, project, root)


def test_seed_example_threshold_150(scored: Scored) -> None:
    assert scored.score("martino") == (215.0, "hot")
    assert scored.score("rajati") == (140.0, "warm")
    assert scored.score("beltrani") == (30.0, "cold")


def test_seed_example_inactivity_penalty_per_month(scored: Scored) -> None:
    assert scored.score("martin") == (250.0, "hot")
    assert scored.score("nathalie") == (235.0, "hot")
    penalty = scored.query(
        "select rule_kind, effective_points from marts.fct_score_ledger where contact_id = ? and rule_id = ?",
        [scored.contact["nathalie"], "recency_inactivity_penalty"],
    )
    assert penalty == [("recency", -15.0)]


def test_every_score_is_the_sum_of_its_ledger(scored: Scored) -> None:
    rows = scored.query(
        """
        select s.contact_id, s.score, coalesce(sum(l.effective_points), 0)
        from marts.fct_lead_scores as s
        left join marts.fct_score_ledger as l using (contact_id, scoring_model)
        group by s.contact_id, s.score
        """
    )
    assert len(rows) == 5
    assert all(abs(score - total) < 1e-9 for _, score, total in rows)


def test_ledger_and_scores_reference_existing_interactions_and_contacts(scored: Scored) -> None:
    orphans = scored.query(
        """
        select count(*) from marts.fct_score_ledger as l
        where l.interaction_id is not null
          and not exists (select 1 from marts.fct_interactions as i where i.interaction_id = l.interaction_id)
        """
    )
    assert orphans == [(0,)]
    unknown = scored.query(
        "select count(*) from marts.fct_lead_scores as s "
        "where not exists (select 1 from marts.dim_contacts as c where c.contact_id = s.contact_id)"
    )
    assert unknown == [(0,)]


def test_cap_leaves_the_extra_action_out_of_the_ledger(scored: Scored) -> None:
    rows = scored.query(
        "select raw_points from marts.fct_score_ledger where contact_id = ? and rule_id = 'pricing_page' "
        "order by occurred_at",
        [scored.contact["martin"]],
    )
    assert [r[0] for r in rows] == [25.0, 25.0, 25.0]


def test_history_gives_the_score_of_past_days(scored: Scored) -> None:
    def on(person: str, day: str) -> tuple[float, str] | None:
        rows = scored.query(
            "select score, band from marts.fct_lead_score_history where contact_id = ? and score_date = ?",
            [scored.contact[person], day],
        )
        return rows[0] if rows else None

    # the default window is 90 days: 2026-04-02 .. 2026-06-30
    assert on("nathalie", "2026-04-02") == (250.0, "hot")
    assert on("nathalie", "2026-04-30") == (245.0, "hot")  # 30 days after her last action
    assert on("nathalie", "2026-06-29") == (235.0, "hot")
    assert on("martino", "2026-06-25") == (100.0, "warm")
    assert on("martino", "2026-06-26") == (175.0, "hot")
    assert on("martino", "2026-06-24") is None  # not a contact yet
    assert on("nathalie", "2026-04-01") is None  # before the window


def test_history_carries_the_band_of_the_day_before(scored: Scored) -> None:
    """`previous_band` is computed with the day's own row (no window over the history): it must equal
    the band of the contact's previous row, null on its first day in the window."""
    mismatches = scored.query(
        """
        select contact_id, score_date, previous_band, day_before
        from (
            select
                contact_id,
                score_date,
                previous_band,
                lag(band) over (partition by contact_id, scoring_model order by score_date) as day_before
            from marts.fct_lead_score_history
        )
        where previous_band is distinct from day_before
        """
    )
    assert mismatches == []
    rows = scored.query(
        "select score_date, band, previous_band from marts.fct_lead_score_history "
        "where contact_id = ? and score_date between '2026-06-25' and '2026-06-26' order by score_date",
        [scored.contact["martino"]],
    )
    assert rows == [(date(2026, 6, 25), "warm", None), (date(2026, 6, 26), "hot", "warm")]
    first = scored.query(
        "select score_date, previous_band from marts.fct_lead_score_history where contact_id = ? "
        "order by score_date limit 1",
        [scored.contact["nathalie"]],
    )
    assert first == [(date(2026, 4, 2), None)]  # the window's first day has no day before


def test_became_hot_and_crossings(scored: Scored) -> None:
    became = scored.query(
        "select became_hot_at from marts.fct_lead_scores where contact_id = ?", [scored.contact["martino"]]
    )
    assert became == [(date(2026, 6, 26),)]
    crossings = scored.query(
        "select crossed_on, from_band, to_band, score, is_new_on_as_of "
        "from marts.fct_score_threshold_crossings where contact_id = ? order by crossed_on",
        [scored.contact["martino"]],
    )
    assert crossings == [
        (date(2026, 6, 25), "none", "warm", 100.0, False),
        (date(2026, 6, 26), "warm", "hot", 175.0, False),
    ]
    # Beltrani's first day is the as-of date: a crossing a daily run notifies
    new = scored.query(
        "select contact_id, to_band from marts.fct_score_threshold_crossings where is_new_on_as_of"
    )
    assert new == []  # Beltrani starts cold: no crossing; nobody else changed band on the as-of day
    # Nathalie was hot before the window and stayed hot: no crossing
    assert (
        scored.query(
            "select count(*) from marts.fct_score_threshold_crossings where contact_id = ?",
            [scored.contact["nathalie"]],
        )[0][0]
        == 0
    )


def test_backfill_as_of_a_past_date_agrees_with_the_history(
    scored: Scored, monkeypatch: pytest.MonkeyPatch
) -> None:
    past = scored.root / "past.duckdb"
    shutil.copy(scored.warehouse, past)
    monkeypatch.setenv("NURTURE_WAREHOUSE", str(past))
    result = run_dbt(
        ["build", "--select", "tag:scoring", "--vars", "{as_of: '2026-05-15'}"],
        scored.root / "past",
        project_dir=scored.project,
    )
    assert result.success, failures(result)
    assert scored.score("nathalie", past) == (245.0, "hot")
    scored_then = {r[0] for r in scored.query("select contact_id from marts.fct_lead_scores", warehouse=past)}
    assert scored_then == {scored.contact["nathalie"]}  # the others had done nothing yet
    history_now = scored.query(
        "select score from marts.fct_lead_score_history where contact_id = ? and score_date = '2026-05-15'",
        [scored.contact["nathalie"]],
    )
    assert history_now == [(245.0,)]


def test_explain_names_the_top_rules_and_actions(scored: Scored) -> None:
    explanation = explain(scored.warehouse, scored.contact["martino"], top=3)
    (model,) = explanation.models
    assert (model.scoring_model, model.score, model.band) == (MODEL, 215.0, "hot")
    assert [(r.rule_id, r.points, r.rows) for r in model.rules] == [
        ("demo_watched", 100.0, 1),
        ("white_paper", 75.0, 1),
        ("pricing_page", 25.0, 1),
    ]
    assert model.actions[0].interaction_type == "demo_watched"
    text = render(explanation)
    assert "seed_example: score 215.0, HOT (hot at 150, warm at 50)" in text
    assert "hot since 2026-06-26" in text
    assert "demo_watched: web / demo_watched" in text


def test_explain_a_past_date_reads_the_history(scored: Scored) -> None:
    explanation = explain(scored.warehouse, scored.contact["nathalie"], as_of=date(2026, 5, 15))
    (model,) = explanation.models
    assert (model.score, model.band, model.from_history) == (245.0, "hot", True)
    assert "rebuild scoring as of 2026-05-15" in render(explanation)


def test_explain_errors_name_what_is_wrong(scored: Scored) -> None:
    with pytest.raises(ExplainError, match="no contact 'nobody'"):
        explain(scored.warehouse, "nobody")
    with pytest.raises(ExplainError, match="no scoring model 'b2z'"):
        explain(scored.warehouse, scored.contact["martin"], model="b2z")
    with pytest.raises(ExplainError, match="the history covers"):
        explain(scored.warehouse, scored.contact["martin"], as_of=date(2025, 1, 1))
