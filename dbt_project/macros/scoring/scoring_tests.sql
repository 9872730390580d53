{#-
    Generic test: every row satisfies the SQL `expression` (a null result fails).

        data_tests:
          - scoring_rule_holds:
              arguments:
                expression: "warm_threshold <= hot_threshold"
-#}
{% test scoring_rule_holds(model, expression) %}
    select *
    from {{ model }}
    where not coalesce({{ expression }}, false)
{% endtest %}


{#-
    Generic test on `fct_lead_scores`: each score equals the sum of its rows in the ledger (within
    `tolerance`: scores are rounded to 2 decimals, so one cent apart at most), and every ledger row
    belongs to a scored contact.
-#}
{% test scoring_score_is_ledger_sum(model, ledger, tolerance=0.011) %}
    with

    scores as (

        select contact_id, scoring_model, score from {{ model }}

    ),

    ledger_totals as (

        select
            contact_id,
            scoring_model,
            sum(effective_points) as ledger_score
        from {{ ledger }}
        group by contact_id, scoring_model

    )

    select
        coalesce(scores.contact_id, ledger_totals.contact_id) as contact_id,
        coalesce(scores.scoring_model, ledger_totals.scoring_model) as scoring_model,
        scores.score,
        ledger_totals.ledger_score
    from scores
    full outer join ledger_totals
        on
            scores.contact_id = ledger_totals.contact_id
            and scores.scoring_model = ledger_totals.scoring_model
    where
        scores.contact_id is null
        or abs(scores.score - coalesce(ledger_totals.ledger_score, 0)) > {{ tolerance }}
{% endtest %}


{#-
    Generic test on `fct_lead_score_history`: the as-of day's row of the daily history equals the
    score of `fct_lead_scores` (the two are computed separately: the ledger row by row, the history
    day by day). Both are rounded to cents from sums of doubles added in different orders: the same
    value can round to either side of a half cent, hence a tolerance of one cent (plus float
    noise), and bands may differ only when the two rounded scores differ (a threshold between them,
    seen at 10M events: 59.99 against 60.00 with hot at 60). A test of the history, not of the scores: the frequent run refreshes the scores but
    leaves the history to the daily run, which builds both and runs this test.
-#}
{% test scoring_history_matches_scores(model, scores, tolerance=0.011) %}
    select
        scores.contact_id,
        scores.scoring_model,
        scores.score,
        history.score as history_score
    from {{ scores }} as scores
    left join {{ model }} as history
        on
            scores.contact_id = history.contact_id
            and scores.scoring_model = history.scoring_model
            and scores.as_of = history.score_date
    where
        history.contact_id is null
        or abs(scores.score - history.score) > {{ tolerance }}
        or (scores.band != history.band and scores.score = history.score)
{% endtest %}
