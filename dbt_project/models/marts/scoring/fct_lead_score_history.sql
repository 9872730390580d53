{#-
    Daily score history: the score and band of each scored contact in each model at the end of each
    day of the history window, the `scoring_history_days` days up to the as-of date (project var,
    default 90). Rebuilding with `--vars '{as_of: ...}'` gives the history as of any past date.

    Same rules as the ledger, computed for every day D of the window: profile points from the
    contact's first interaction; actions up to D (with their caps); `fade` models halve decaying
    points every `half_life_days` by age at D; the inactivity penalty and long-inactivity rules use
    the last positive action up to D; then the floor and ceiling. Cost: one row per contact x model x
    day of the window (from its first interaction); actions before the window are folded into the
    window's first day, so the cost does not grow with the length of the event history.
    Profile attributes are today's (the warehouse keeps no attribute history).
-#}

{%- set double = "double" -%}
{%- set days = scoring_history_days() -%}
{%- set window_start = dbt.dateadd('day', -(days - 1), nurture_as_of()) -%}
{%- set age_at_window_start = dbt.datediff('point_rows.occurred_on', window_start, 'day') -%}
{%- set days_into_window = dbt.datediff(window_start, 'cumulated.score_date', 'day') -%}
{%- set days_since_action = dbt.datediff('cumulated.last_action_on', 'cumulated.score_date', 'day') -%}
{%- set days_inactive = dbt.datediff(
    'coalesce(cumulated.last_action_on, cumulated.first_active_on)', 'cumulated.score_date', 'day'
) -%}

with

scoring_models as (

    select * from {{ ref('scoring_models') }}

),

contact_models as (

    select * from {{ ref('int_scoring__contact_models') }}

),

profile_points as (

    select * from {{ ref('int_scoring__profile_points') }}

),

behaviour_points as (

    select * from {{ ref('int_scoring__behaviour_points') }}

),

inactivity_rules as (

    select * from {{ ref('scoring_negative_rules') }}
    where rule_type = 'inactivity'

),

day_numbers as (

    {{ scoring_day_numbers(days) }}

),

window_days as (

    select cast({{ dbt.dateadd('day', 'day_number', window_start) }} as date) as score_date
    from day_numbers

),

-- Every point-earning row with its day; profile points count from the first interaction.
point_rows as (

    select
        contact_id,
        scoring_model,
        first_active_on as occurred_on,
        cast(points as {{ double }}) as raw_points,
        false as decays,
        false as is_action
    from profile_points
    union all
    select
        contact_id,
        scoring_model,
        occurred_on,
        raw_points,
        decays,
        (rule_kind = 'behaviour' and raw_points > 0) as is_action
    from behaviour_points

),

-- Fading points are stored scaled to the window's first day: value at D = scaled x 0.5^((D - start) / h).
bucketed as (

    select
        point_rows.contact_id,
        point_rows.scoring_model,
        case
            when point_rows.occurred_on < cast({{ window_start }} as date) then cast({{ window_start }} as date)
            else point_rows.occurred_on
        end as bucket_on,
        case
            when scoring_models.recency_method = 'fade' and point_rows.decays = true then 0
            else point_rows.raw_points
        end as steady_points,
        case
            when scoring_models.recency_method = 'fade' and point_rows.decays = true
                then point_rows.raw_points * power(
                    0.5,
                    cast({{ age_at_window_start }} as {{ double }})
                    / cast(scoring_models.half_life_days as {{ double }})
                )
            else 0
        end as scaled_fading_points,
        case when point_rows.is_action = true then point_rows.occurred_on end as action_on
    from point_rows
    inner join scoring_models
        on point_rows.scoring_model = scoring_models.scoring_model
    where point_rows.occurred_on <= {{ nurture_as_of() }}

),

daily as (

    select
        contact_id,
        scoring_model,
        bucket_on,
        sum(steady_points) as steady_points,
        sum(scaled_fading_points) as scaled_fading_points,
        max(action_on) as action_on
    from bucketed
    group by contact_id, scoring_model, bucket_on

),

spine as (

    select
        contact_models.contact_id,
        contact_models.scoring_model,
        contact_models.first_active_on,
        window_days.score_date
    from contact_models
    inner join window_days
        on contact_models.first_active_on <= window_days.score_date

),

cumulated as (

    select
        spine.contact_id,
        spine.scoring_model,
        spine.first_active_on,
        spine.score_date,
        sum(coalesce(daily.steady_points, 0)) over (
            partition by spine.contact_id, spine.scoring_model
            order by spine.score_date
            rows between unbounded preceding and current row
        ) as steady_points,
        sum(coalesce(daily.scaled_fading_points, 0)) over (
            partition by spine.contact_id, spine.scoring_model
            order by spine.score_date
            rows between unbounded preceding and current row
        ) as scaled_fading_points,
        max(daily.action_on) over (
            partition by spine.contact_id, spine.scoring_model
            order by spine.score_date
            rows between unbounded preceding and current row
        ) as last_action_on
    from spine
    left join daily
        on
            spine.contact_id = daily.contact_id
            and spine.scoring_model = daily.scoring_model
            and spine.score_date = daily.bucket_on

),

with_recency as (

    select
        cumulated.*,
        scoring_models.score_floor,
        scoring_models.score_ceiling,
        scoring_models.hot_threshold,
        scoring_models.warm_threshold,
        case
            when scoring_models.recency_method = 'fade'
                then cumulated.scaled_fading_points * power(
                    0.5,
                    cast({{ days_into_window }} as {{ double }})
                    / cast(scoring_models.half_life_days as {{ double }})
                )
            else 0
        end as fading_points,
        case
            when
                scoring_models.recency_method = 'inactivity_penalty'
                and cumulated.last_action_on is not null
                then -scoring_models.inactivity_points_per_month * floor(
                    cast({{ days_since_action }} as {{ double }})
                    / 30
                )
            else 0
        end as penalty_points,
        {{ days_inactive }}
            as days_inactive
    from cumulated
    inner join scoring_models
        on cumulated.scoring_model = scoring_models.scoring_model

),

with_inactivity as (

    select
        with_recency.contact_id,
        with_recency.scoring_model,
        with_recency.score_date,
        max(with_recency.score_floor) as score_floor,
        max(with_recency.score_ceiling) as score_ceiling,
        max(with_recency.hot_threshold) as hot_threshold,
        max(with_recency.warm_threshold) as warm_threshold,
        max(with_recency.steady_points + with_recency.fading_points + with_recency.penalty_points)
        + coalesce(sum(inactivity_rules.points), 0) as unbounded_score
    from with_recency
    left join inactivity_rules
        on
            with_recency.scoring_model = inactivity_rules.scoring_model
            and with_recency.days_inactive >= inactivity_rules.threshold
    group by with_recency.contact_id, with_recency.scoring_model, with_recency.score_date

),

scored as (

    select
        *,
        round(
            case
                when unbounded_score < score_floor then score_floor
                when unbounded_score > score_ceiling then score_ceiling
                else unbounded_score
            end, 2
        ) as score
    from with_inactivity

),

final as (

    select
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(scoring_model as {{ dbt.type_string() }}) as scoring_model,
        cast(score_date as date) as score_date,
        cast(score as {{ double }}) as score,
        cast(
            case
                when score >= hot_threshold then 'hot'
                when score >= warm_threshold then 'warm'
                else 'cold'
            end as {{ dbt.type_string() }}
        ) as band
    from scored

)

select * from final
