{#-
    scoring_json_value(column, key_sql): the value of the top-level JSON key named by the SQL
    expression `key_sql` (a column, not a literal), as a string. Profile rules read lead attributes
    (`lead.<key>`) whose keys are data, so the path cannot be a literal as in `nurture_json_str`.
-#}
{% macro scoring_json_value(column, key_sql) -%}
    {{ return(adapter.dispatch('scoring_json_value', 'nurture')(column, key_sql)) }}
{%- endmacro %}

{% macro duckdb__scoring_json_value(column, key_sql) -%}
    json_extract_string({{ column }}, {{ dbt.concat(["'$.'", key_sql]) }})
{%- endmacro %}

{% macro spark__scoring_json_value(column, key_sql) -%}
    get_json_object({{ column }}, {{ dbt.concat(["'$.'", key_sql]) }})
{%- endmacro %}

{% macro default__scoring_json_value(column, key_sql) -%}
    json_value({{ column }}, {{ dbt.concat(["'$.'", key_sql]) }})
{%- endmacro %}


{#-
    scoring_day_numbers(n): a relation of integers `day_number` 0 .. n-1 (n <= 10000), built from
    digits so that it runs on any engine (no generate_series).
-#}
{% macro scoring_day_numbers(n) -%}
    select day_number from (
        select
            ones.digit + 10 * tens.digit + 100 * hundreds.digit + 1000 * thousands.digit as day_number
        from (
            {%- for d in range(10) %}
            select {{ d }} as digit{% if not loop.last %} union all{% endif %}
            {%- endfor %}
        ) as ones
        cross join (
            {%- for d in range(10) %}
            select {{ d }} as digit{% if not loop.last %} union all{% endif %}
            {%- endfor %}
        ) as tens
        cross join (
            {%- for d in range(10) %}
            select {{ d }} as digit{% if not loop.last %} union all{% endif %}
            {%- endfor %}
        ) as hundreds
        cross join (
            {%- for d in range(10) %}
            select {{ d }} as digit{% if not loop.last %} union all{% endif %}
            {%- endfor %}
        ) as thousands
    ) as numbers
    where day_number < {{ n }}
{%- endmacro %}


{#- The number of days of daily score history (project var `scoring_history_days`, default 90). -#}
{% macro scoring_history_days() -%}
    {{ return(var('scoring_history_days', 90) | int) }}
{%- endmacro %}


{#- scoring_period_start(period_sql, ts): the start of the cap period (day, week, month; null = ever). -#}
{% macro scoring_period_start(period_sql, ts) -%}
    case {{ period_sql }}
        when 'day' then cast({{ dbt.date_trunc('day', ts) }} as date)
        when 'week' then cast({{ dbt.date_trunc('week', ts) }} as date)
        when 'month' then cast({{ dbt.date_trunc('month', ts) }} as date)
        when 'year' then cast({{ dbt.date_trunc('year', ts) }} as date)
    end
{%- endmacro %}


{#-
    scoring_any_part(list_sql, condition): true when `condition` holds for one of the parts of the
    `|`-separated list `list_sql` (up to 12 parts); `{part}` in `condition` stands for each part.
    Portable: dbt.split_part, no list functions.
-#}
{% macro scoring_any_part(list_sql, condition, max_parts=12) -%}
    (
    {%- for k in range(1, max_parts + 1) %}
        {%- set part = dbt.split_part(list_sql, "'|'", k) %}
        ({{ part }} != '' and {{ condition | replace('{part}', part) }})
        {%- if not loop.last %} or{% endif %}
    {%- endfor %}
    )
{%- endmacro %}


{#- scoring_try_number(expr): the text `expr` as a double, null when it is not a number. -#}
{% macro scoring_try_number(expr) -%}
    {{ return(adapter.dispatch('scoring_try_number', 'nurture')(expr)) }}
{%- endmacro %}

{% macro duckdb__scoring_try_number(expr) -%}
    try_cast({{ expr }} as double)
{%- endmacro %}

{% macro spark__scoring_try_number(expr) -%}
    try_cast({{ expr }} as double)
{%- endmacro %}

{% macro default__scoring_try_number(expr) -%}
    {{ dbt.safe_cast(expr, 'double') }}
{%- endmacro %}
