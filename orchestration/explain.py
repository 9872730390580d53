"""``nurture explain CONTACT_ID``: why a contact has its lead score.

Reads the scoring marts of the warehouse (read-only): the score and band per scoring model
(``marts.fct_lead_scores``), the rules that made it, grouped and ranked by how many points they gave
(``marts.fct_score_ledger``), and the actions behind them (``marts.fct_interactions``).

The ledger is computed as of one date, the warehouse's ``as_of``. For another date (``--as-of``) the
score and band come from the daily history (``marts.fct_lead_score_history``, within its window);
the rule breakdown needs a rebuild as of that date, which the output says how to run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

SCORES = "marts.fct_lead_scores"
LEDGER = "marts.fct_score_ledger"
HISTORY = "marts.fct_lead_score_history"
INTERACTIONS = "marts.fct_interactions"
CONTACTS = "marts.dim_contacts"
MODELS = "seeds.scoring_models"


class ExplainError(Exception):
    """The contact, model or date cannot be explained (message says why)."""


@dataclass(frozen=True)
class RuleContribution:
    """One rule's total in a contact's score."""

    rule_id: str
    rule_kind: str
    description: str
    points: float
    rows: int
    latest_at: str | None


@dataclass(frozen=True)
class Action:
    """One ledger row with the interaction behind it."""

    occurred_at: str | None
    rule_id: str
    points: float
    raw_points: float
    interaction_id: str | None
    channel: str | None
    interaction_type: str | None
    content_theme: str | None
    source_file: str | None
    source_line: int | None


@dataclass
class ModelExplanation:
    """A contact's score in one scoring model."""

    scoring_model: str
    score: float
    band: str
    hot_threshold: float
    warm_threshold: float
    became_hot_at: date | None = None
    trend: str | None = None
    change_7_days: float | None = None
    rules: list[RuleContribution] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    from_history: bool = False


@dataclass
class Explanation:
    contact_id: str
    label: str
    as_of: date
    ledger_as_of: date | None
    models: list[ModelExplanation]


def _contact_label(con: duckdb.DuckDBPyConnection, contact_id: str) -> str:
    row = con.execute(
        f"select first_name, last_name, job_title, company_name, is_anonymous from {CONTACTS} "
        "where contact_id = ?",
        [contact_id],
    ).fetchone()
    if row is None:
        raise ExplainError(f"no contact {contact_id!r} in {CONTACTS}")
    first, last, title, company, anonymous = row
    name = " ".join(p for p in (first, last) if p) or ("anonymous visitor" if anonymous else "no name")
    extra = " at ".join(p for p in (title, company) if p)
    return f"{name} ({extra})" if extra else name


def _ledger_as_of(con: duckdb.DuckDBPyConnection) -> date | None:
    row = con.execute(f"select max(as_of) from {SCORES}").fetchone()
    return row[0] if row else None


def explain(
    warehouse: Path | str,
    contact_id: str,
    *,
    model: str | None = None,
    as_of: date | None = None,
    top: int = 5,
    actions: int = 10,
) -> Explanation:
    """Gather the explanation of ``contact_id``'s scores (every model, or ``model``)."""
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.IOException as exc:
        raise ExplainError(f"cannot open the warehouse {warehouse}: {exc}") from None
    with con:
        try:
            label = _contact_label(con, contact_id)
            ledger_as_of = _ledger_as_of(con)
        except duckdb.CatalogException as exc:
            raise ExplainError(f"the scoring marts are not built yet (run `nurture build`): {exc}") from None
        when = as_of or ledger_as_of
        if when is None:
            raise ExplainError("the scoring marts are empty: no contact is scored")
        known_models = [r[0] for r in con.execute(f"select scoring_model from {MODELS}").fetchall()]
        if model is not None and model not in known_models:
            raise ExplainError(f"no scoring model {model!r}; models: {', '.join(sorted(known_models))}")
        params: list[object] = [contact_id]
        model_filter = ""
        if model is not None:
            model_filter = " and s.scoring_model = ?"
            params.append(model)
        if when == ledger_as_of:
            rows = con.execute(
                f"""
                select s.scoring_model, s.score, s.band, m.hot_threshold, m.warm_threshold,
                       s.became_hot_at, s.trend, s.score_change_7_days
                from {SCORES} as s join {MODELS} as m using (scoring_model)
                where s.contact_id = ?{model_filter}
                order by s.score desc, s.scoring_model
                """,
                params,
            ).fetchall()
            models = [ModelExplanation(*r) for r in rows]
            for m in models:
                m.rules = _rules(con, contact_id, m.scoring_model, top)
                m.actions = _actions(con, contact_id, m.scoring_model, actions)
        else:
            rows = con.execute(
                f"""
                select s.scoring_model, s.score, s.band, m.hot_threshold, m.warm_threshold
                from {HISTORY} as s join {MODELS} as m using (scoring_model)
                where s.contact_id = ? {model_filter} and s.score_date = ?
                order by s.score desc, s.scoring_model
                """,
                [*params, when],
            ).fetchall()
            if not rows:
                bounds = con.execute(f"select min(score_date), max(score_date) from {HISTORY}").fetchone()
                raise ExplainError(
                    f"no score of {contact_id!r} on {when}: the history covers {bounds[0]} to {bounds[1]} "
                    "(from each contact's first interaction)"
                )
            models = [ModelExplanation(*r, from_history=True) for r in rows]
    if not models:
        raise ExplainError(f"contact {contact_id!r} is scored by no model" + (f" {model!r}" if model else ""))
    return Explanation(contact_id, label, when, ledger_as_of, models)


def _rules(con: duckdb.DuckDBPyConnection, contact_id: str, model: str, top: int) -> list[RuleContribution]:
    rows = con.execute(
        f"""
        select rule_id, any_value(rule_kind), any_value(rule_description), sum(effective_points),
               count(*), cast(max(occurred_at) as varchar)
        from {LEDGER}
        where contact_id = ? and scoring_model = ?
        group by rule_id
        order by abs(sum(effective_points)) desc, rule_id
        limit ?
        """,
        [contact_id, model, top],
    ).fetchall()
    return [RuleContribution(*r) for r in rows]


def _actions(con: duckdb.DuckDBPyConnection, contact_id: str, model: str, limit: int) -> list[Action]:
    rows = con.execute(
        f"""
        select cast(l.occurred_at as varchar), l.rule_id, l.effective_points, l.raw_points, l.interaction_id,
               i.channel, i.interaction_type, i.content_theme, i.source_file, i.source_line
        from {LEDGER} as l
        left join {INTERACTIONS} as i on l.interaction_id = i.interaction_id
        where l.contact_id = ? and l.scoring_model = ? and l.interaction_id is not null
        order by abs(l.effective_points) desc, l.occurred_at desc, l.interaction_id
        limit ?
        """,
        [contact_id, model, limit],
    ).fetchall()
    return [Action(*r) for r in rows]


def _points(value: float) -> str:
    return f"{value:+.1f}"


def render(explanation: Explanation) -> str:
    """The explanation as text for a terminal."""
    out = [f"contact {explanation.contact_id}: {explanation.label}", f"as of {explanation.as_of}"]
    for m in explanation.models:
        out.append("")
        head = (
            f"{m.scoring_model}: score {m.score:.1f}, {m.band.upper()} "
            f"(hot at {m.hot_threshold:g}, warm at {m.warm_threshold:g})"
        )
        out.append(head)
        if m.from_history:
            out.append(
                f"  (from the daily history; the rule breakdown is as of {explanation.ledger_as_of}: "
                f"rebuild scoring as of {explanation.as_of} to see it, e.g. "
                f"`cd dbt_project && dbt build --select tag:scoring --vars '{{as_of: {explanation.as_of}}}'`)"
            )
            continue
        facts = []
        if m.became_hot_at is not None:
            facts.append(f"hot since {m.became_hot_at}")
        if m.trend is not None:
            facts.append(f"trend {m.trend} ({_points(m.change_7_days or 0)} in 7 days)")
        if facts:
            out.append("  " + "; ".join(facts))
        out.append("  top contributing rules:")
        for r in m.rules:
            latest = f", latest {r.latest_at[:10]}" if r.latest_at else ""
            times = f"{r.rows} time{'s' if r.rows != 1 else ''}"
            out.append(
                f"    {_points(r.points):>8}  {r.rule_id} [{r.rule_kind}] {r.description} ({times}{latest})"
            )
        if m.actions:
            out.append("  actions behind them:")
            for a in m.actions:
                what = " / ".join(p for p in (a.channel, a.interaction_type, a.content_theme) if p)
                decay = f" (raw {_points(a.raw_points)})" if abs(a.raw_points - a.points) > 0.05 else ""
                where = f"  {Path(a.source_file).name}:{a.source_line}" if a.source_file else ""
                stamp = (a.occurred_at or "")[:16]
                out.append(f"    {stamp:16}  {_points(a.points):>8}{decay}  {a.rule_id}: {what}{where}")
    return "\n".join(out)
