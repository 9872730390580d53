{#-
    Daily score history: the score and band of each scored contact in each model at the end of each
    day of the history window, the `scoring_history_days` days up to the as-of date (project var,
    default 90), and the band of the day before (`previous_band`, null on the contact's first day in
    the window). Rebuilding with `--vars '{as_of: ...}'` gives the history as of any past date.

    Same rules as the ledger, computed for every day D of the window: profile points from the
    contact's first interaction; actions up to D (with their caps); `fade` models halve decaying
    points every `half_life_days` by age at D; the inactivity penalty and long-inactivity rules use
    the last positive action up to D; then the floor and ceiling. Actions before the window are
    folded into the window's first day, so the cost does not grow with the length of the event
    history. Profile attributes are today's (the warehouse keeps no attribute history).

    How it is computed, so that the cost is one pass over the output (a row per contact x model x
    day): the days on which a contact earned points split its history into segments; running sums
    over those few rows give each segment's totals, and each segment is then spread over its days
    by a join with the window's days (a table of at most `scoring_history_days` rows). No window
    function or aggregate runs over the day-by-day rows, which at 100M events are ~250M: sorting or
    hashing them spilled tens of GB. The day before each day is scored from the same segment (or
    the one before, on a segment's first day), which gives `previous_band` without a `lag` over
    the history: `fct_score_threshold_crossings` and `fct_lead_scores` read it.
-#}

{%- set double = "double" -%}
{%- set string = dbt.type_string() -%}
{%- set days = scoring_history_days() -%}
{%- set window_start = 'cast(' ~ dbt.dateadd('day', -(days - 1), nurture_as_of()) ~ ' as date)' -%}
{%- set age_at_window_start = dbt.datediff('point_rows.occurred_on', window_start, 'day') -%}
{%- set by_segment = 'partition by contact_id, scoring_model order by segment_start' -%}

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

-- The long-inactivity rules as bands of days inactive: from one threshold to the next, the points
-- of every rule reached (so that a day matches one band at most, with no aggregate over the days).
inactivity_thresholds as (

    select
        scoring_model,
        threshold
    from inactivity_rules
    group by scoring_model, threshold

),

inactivity_bands as (

    select
        inactivity_thresholds.scoring_model,
        inactivity_thresholds.threshold as from_days,
        sum(inactivity_rules.points) as points
    from inactivity_thresholds
    inner join inactivity_rules
        on
            inactivity_thresholds.scoring_model = inactivity_rules.scoring_model
            and inactivity_thresholds.threshold >= inactivity_rules.threshold
    group by inactivity_thresholds.scoring_model, inactivity_thresholds.threshold

),

inactivity_ranges as (

    select
        scoring_model,
        from_days,
        points,
        lead(from_days) over (partition by scoring_model order by from_days) as to_days
    from inactivity_bands

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
            when point_rows.occurred_on < {{ window_start }} then {{ window_start }}
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

-- Each scored contact's first day in the window: its history starts there, with no points yet.
history_starts as (

    select
        contact_id,
        scoring_model,
        first_active_on,
        case
            when first_active_on < {{ window_start }} then {{ window_start }}
            else first_active_on
        end as start_on
    from contact_models
    where first_active_on <= {{ nurture_as_of() }}

),

-- The days that start a segment: the first day, and every day with points (none before the first day).
segment_points as (

    select
        contact_id,
        scoring_model,
        first_active_on,
        start_on as segment_start,
        cast(0 as {{ double }}) as steady_points,
        cast(0 as {{ double }}) as scaled_fading_points,
        cast(null as date) as action_on
    from history_starts
    union all
    select
        history_starts.contact_id,
        history_starts.scoring_model,
        history_starts.first_active_on,
        bucketed.bucket_on as segment_start,
        bucketed.steady_points,
        bucketed.scaled_fading_points,
        bucketed.action_on
    from bucketed
    inner join history_starts
        on
            bucketed.contact_id = history_starts.contact_id
            and bucketed.scoring_model = history_starts.scoring_model
            and bucketed.bucket_on >= history_starts.start_on

),

daily as (

    select
        contact_id,
        scoring_model,
        first_active_on,
        segment_start,
        sum(steady_points) as steady_points,
        sum(scaled_fading_points) as scaled_fading_points,
        max(action_on) as action_on
    from segment_points
    group by contact_id, scoring_model, first_active_on, segment_start

),

-- Running totals up to each segment, and up to the segment before (for its first day's day before).
segments as (

    select
        contact_id,
        scoring_model,
        first_active_on,
        segment_start,
        coalesce(
            lead(segment_start) over ({{ by_segment }}),
            cast({{ dbt.dateadd('day', 1, nurture_as_of()) }} as date)
        ) as segment_end,
        lag(segment_start) over ({{ by_segment }}) as previous_segment_start,
        sum(steady_points) over (
            {{ by_segment }} rows between unbounded preceding and current row
        ) as steady_points,
        sum(scaled_fading_points) over (
            {{ by_segment }} rows between unbounded preceding and current row
        ) as scaled_fading_points,
        max(action_on) over (
            {{ by_segment }} rows between unbounded preceding and current row
        ) as last_action_on,
        sum(steady_points) over (
            {{ by_segment }} rows between unbounded preceding and 1 preceding
        ) as segment_previous_steady_points,
        sum(scaled_fading_points) over (
            {{ by_segment }} rows between unbounded preceding and 1 preceding
        ) as segment_previous_scaled_fading_points,
        max(action_on) over (
            {{ by_segment }} rows between unbounded preceding and 1 preceding
        ) as segment_previous_last_action_on
    from daily

),

-- Each segment spread over its days; the day before a day is in the same segment but on its first day.
spread as (

    select
        segments.contact_id,
        segments.scoring_model,
        segments.first_active_on,
        window_days.score_date,
        segments.steady_points,
        segments.scaled_fading_points,
        segments.last_action_on,
        (
            window_days.score_date > segments.segment_start
            or segments.previous_segment_start is not null
        ) as has_previous_day,
        case
            when window_days.score_date > segments.segment_start then segments.steady_points
            else segments.segment_previous_steady_points
        end as previous_steady_points,
        case
            when window_days.score_date > segments.segment_start then segments.scaled_fading_points
            else segments.segment_previous_scaled_fading_points
        end as previous_scaled_fading_points,
        case
            when window_days.score_date > segments.segment_start then segments.last_action_on
            else segments.segment_previous_last_action_on
        end as previous_last_action_on,
        cast({{ dbt.dateadd('day', -1, 'window_days.score_date') }} as date) as previous_date
    from segments
    inner join window_days
        on
            segments.segment_start <= window_days.score_date
            and segments.segment_end > window_days.score_date

),

-- Days since the last action (the first interaction without one), for the long-inactivity rules.
dated as (

    select
        *,
        {{ dbt.datediff('coalesce(last_action_on, first_active_on)', 'score_date', 'day') }}
            as days_inactive,
        {{ dbt.datediff('coalesce(previous_last_action_on, first_active_on)', 'previous_date', 'day') }}
            as previous_days_inactive
    from spread

),

unbounded as (

    select
        dated.contact_id,
        dated.scoring_model,
        dated.score_date,
        dated.has_previous_day,
        scoring_models.score_floor,
        scoring_models.score_ceiling,
        scoring_models.hot_threshold,
        scoring_models.warm_threshold,
        ({{ scoring_history_unbounded_score('', 'dated.score_date', window_start) }})
        + coalesce(today_inactivity.points, 0) as unbounded_score,
        ({{ scoring_history_unbounded_score('previous_', 'dated.previous_date', window_start) }})
        + coalesce(previous_inactivity.points, 0) as previous_unbounded_score
    from dated
    inner join scoring_models
        on dated.scoring_model = scoring_models.scoring_model
    left join inactivity_ranges as today_inactivity
        on
            dated.scoring_model = today_inactivity.scoring_model
            and dated.days_inactive >= today_inactivity.from_days
            and (today_inactivity.to_days is null or dated.days_inactive < today_inactivity.to_days)
    left join inactivity_ranges as previous_inactivity
        on
            dated.scoring_model = previous_inactivity.scoring_model
            and dated.previous_days_inactive >= previous_inactivity.from_days
            and (
                previous_inactivity.to_days is null
                or dated.previous_days_inactive < previous_inactivity.to_days
            )

),

scored as (

    select
        contact_id,
        scoring_model,
        score_date,
        has_previous_day,
        hot_threshold,
        warm_threshold,
        {{ scoring_bounded_score('unbounded_score') }} as score,
        {{ scoring_bounded_score('previous_unbounded_score') }} as previous_score
    from unbounded

),

final as (

    select
        cast(contact_id as {{ string }}) as contact_id,
        cast(scoring_model as {{ string }}) as scoring_model,
        cast(score_date as date) as score_date,
        cast(score as {{ double }}) as score,
        cast({{ scoring_band('score') }} as {{ string }}) as band,
        cast(
            case when has_previous_day then {{ scoring_band('previous_score') }} end as {{ string }}
        ) as previous_band
    from scored

)

select * from final
