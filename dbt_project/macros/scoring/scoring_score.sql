{#-
    Score arithmetic shared by the scoring marts.

    scoring_history_unbounded_score: the score of a day in `fct_lead_score_history`, for a day and
    the day before it from the same row: `prefix` '' reads the row's own totals, 'previous_' those
    of the day before. Steady points, plus fading points halved every
    `half_life_days` from the window's first day (`fade` models), plus the inactivity penalty per
    full 30 days since the last action (`inactivity_penalty` models); before the long-inactivity
    rules, the floor and the ceiling.
-#}
{% macro scoring_history_unbounded_score(prefix, day, window_start) -%}
    {%- set days_into_window = dbt.datediff(window_start, day, 'day') -%}
    {%- set days_since_action = dbt.datediff('dated.' ~ prefix ~ 'last_action_on', day, 'day') -%}
    dated.{{ prefix }}steady_points
    + case
        when scoring_models.recency_method = 'fade'
            then dated.{{ prefix }}scaled_fading_points * power(
                0.5,
                cast({{ days_into_window }} as double)
                / cast(scoring_models.half_life_days as double)
            )
        else 0
    end
    + case
        when
            scoring_models.recency_method = 'inactivity_penalty'
            and dated.{{ prefix }}last_action_on is not null
            then -scoring_models.inactivity_points_per_month * floor(
                cast({{ days_since_action }} as double)
                / 30
            )
        else 0
    end
{%- endmacro %}


{#- The score kept within the model's floor and ceiling, rounded to cents. -#}
{% macro scoring_bounded_score(unbounded, floor='score_floor', ceiling='score_ceiling') -%}
    round(
        case
            when {{ unbounded }} < {{ floor }} then {{ floor }}
            when {{ unbounded }} > {{ ceiling }} then {{ ceiling }}
            else {{ unbounded }}
        end, 2
    )
{%- endmacro %}


{#- The band of a score: hot at `hot_threshold` or more, warm at `warm_threshold` or more, else cold. -#}
{% macro scoring_band(score, hot='hot_threshold', warm='warm_threshold') -%}
    case
        when {{ score }} >= {{ hot }} then 'hot'
        when {{ score }} >= {{ warm }} then 'warm'
        else 'cold'
    end
{%- endmacro %}
