{#-
    Current lead scores: one row per contact x scoring model the model applies to, as of the as-of
    date. `score` is the sum of the contact's rows in `fct_score_ledger`; its band comes from the
    model's thresholds (`scoring_models`: hot at `hot_threshold` or more, warm at `warm_threshold` or
    more, else cold). `became_hot_at` and the trend come from `fct_lead_score_history` (within its
    window): its days before the as-of date, and the as-of day's band from the score here. The
    history is left to the daily run (tag `daily`), this model is refreshed by the frequent runs
    (tag `current`): between two daily runs it reads the history the last one built.

    Per-contact incremental (`macros/nurture_contact_incremental.sql`): a run recomputes the
    contacts whose ledger rows were recomputed, and every contact when the history was rebuilt.
-#}
{{ config(**nurture_contact_model_config(['fct_score_ledger', 'fct_lead_score_history'])) }}

{%- set double = "double" -%}
{%- set string = dbt.type_string() -%}

with

scoring_models as (

    select * from {{ ref('scoring_models') }}

),

contact_models as (

    select * from {{ ref('int_scoring__contact_models') }}
    where {{ nurture_in_contact_scope('contact_id') }}

),

ledger as (

    select * from {{ ref('fct_score_ledger') }}
    where {{ nurture_in_contact_scope('contact_id') }}

),

history as (

    select * from {{ ref('fct_lead_score_history') }}
    where {{ nurture_in_contact_scope('contact_id') }}

),

ledger_totals as (

    select
        contact_id,
        scoring_model,
        round(sum(effective_points), 2) as score,
        count(*) as ledger_rows
    from ledger
    group by contact_id, scoring_model

),

current_bands as (

    select
        contact_models.contact_id,
        contact_models.scoring_model,
        {{ scoring_band(
            'coalesce(ledger_totals.score, 0)', 'scoring_models.hot_threshold', 'scoring_models.warm_threshold'
        ) }} as band
    from contact_models
    inner join scoring_models
        on contact_models.scoring_model = scoring_models.scoring_model
    left join ledger_totals
        on
            contact_models.contact_id = ledger_totals.contact_id
            and contact_models.scoring_model = ledger_totals.scoring_model
    where contact_models.first_active_on <= {{ nurture_as_of() }}

),

-- The history's days before the as-of date (the daily run may have built it a day or more ago).
-- became_hot_at: the first day of the latest hot streak within the window, the as-of day counted
-- with its band as scored here (below). `previous_band` is the history's own: no window function.
history_summary as (

    select
        contact_id,
        scoring_model,
        max(
            case when band = 'hot' and coalesce(previous_band, '') != 'hot' then score_date end
        ) as became_hot_at,
        max(score_date) as last_history_date,
        max(case when band = 'hot' then score_date end) as last_hot_date,
        max(case when score_date = {{ dbt.dateadd('day', -7, nurture_as_of()) }} then score end)
            as score_7_days_ago,
        max(case when score_date = {{ dbt.dateadd('day', -30, nurture_as_of()) }} then score end)
            as score_30_days_ago
    from history
    where score_date < {{ nurture_as_of() }}
    group by contact_id, scoring_model

),

scored as (

    select
        contact_models.contact_id,
        contact_models.scoring_model,
        scoring_models.hot_threshold,
        scoring_models.warm_threshold,
        case
            when
                current_bands.band = 'hot'
                and (
                    history_summary.last_hot_date is null
                    or history_summary.last_hot_date < history_summary.last_history_date
                )
                then {{ nurture_as_of() }}
            else history_summary.became_hot_at
        end as became_hot_at,
        coalesce(ledger_totals.score, 0) as score,
        coalesce(ledger_totals.ledger_rows, 0) as ledger_rows,
        coalesce(history_summary.score_7_days_ago, 0) as score_7_days_ago,
        coalesce(history_summary.score_30_days_ago, 0) as score_30_days_ago
    from contact_models
    inner join scoring_models
        on contact_models.scoring_model = scoring_models.scoring_model
    left join ledger_totals
        on
            contact_models.contact_id = ledger_totals.contact_id
            and contact_models.scoring_model = ledger_totals.scoring_model
    left join history_summary
        on
            contact_models.contact_id = history_summary.contact_id
            and contact_models.scoring_model = history_summary.scoring_model
    left join current_bands
        on
            contact_models.contact_id = current_bands.contact_id
            and contact_models.scoring_model = current_bands.scoring_model

),

final as (

    select
        cast(contact_id as {{ string }}) as contact_id,
        cast(scoring_model as {{ string }}) as scoring_model,
        cast(score as {{ double }}) as score,
        cast({{ scoring_band('score') }} as {{ string }}) as band,
        cast(became_hot_at as date) as became_hot_at,
        cast(score - score_7_days_ago as {{ double }}) as score_change_7_days,
        cast(score - score_30_days_ago as {{ double }}) as score_change_30_days,
        cast(
            case
                when score - score_7_days_ago > 0 then 'rising'
                when score - score_7_days_ago < 0 then 'falling'
                else 'steady'
            end as {{ string }}
        ) as trend,
        cast(ledger_rows as bigint) as ledger_rows,
        cast({{ nurture_as_of() }} as date) as as_of
    from scored

)

select * from final
