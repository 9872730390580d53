{#-
    Threshold crossings: one row per day a contact's band changed in a model (cold -> warm,
    warm -> hot, hot -> warm...), within the score history window, from `fct_lead_score_history`,
    whose rows carry the band of the day before (no window function over the history).

    "Since the last run": the warehouse is rebuilt from scratch and may be rebuilt for a past date,
    so this table keeps no state of its own. It is a pure function of the history: every crossing
    day by day, dated `crossed_on` (the first day in the new band). A daily run reads the crossings
    of the as-of day (`is_new_on_as_of`); a step that runs less often keeps its own watermark (the
    last `crossed_on` it notified) and reads `crossed_on > watermark`. Rebuilding the same date
    gives the same rows, so nothing is notified twice and nothing is lost when a run is skipped
    (as long as the gap is shorter than the history window). A contact's first day in a model
    counts as a crossing from `none` when it starts warm or hot (after the window's first day, which
    has no day before it).
-#}

{%- set string = dbt.type_string() -%}
{%- set window_start = dbt.dateadd('day', -(scoring_history_days() - 1), nurture_as_of()) -%}

with

history as (

    select * from {{ ref('fct_lead_score_history') }}

),

crossings as (

    select
        contact_id,
        scoring_model,
        score_date as crossed_on,
        band as to_band,
        score,
        coalesce(previous_band, 'none') as from_band
    from history
    where
        (previous_band is not null and band != previous_band)
        or (previous_band is null and band != 'cold' and score_date > cast({{ window_start }} as date))

),

final as (

    select
        cast(contact_id as {{ string }}) as contact_id,
        cast(scoring_model as {{ string }}) as scoring_model,
        cast(crossed_on as date) as crossed_on,
        cast(from_band as {{ string }}) as from_band,
        cast(to_band as {{ string }}) as to_band,
        cast(score as double) as score,
        cast(to_band = 'hot' as boolean) as is_hot_crossing,
        cast(crossed_on = {{ nurture_as_of() }} as boolean) as is_new_on_as_of
    from crossings

)

select * from final
