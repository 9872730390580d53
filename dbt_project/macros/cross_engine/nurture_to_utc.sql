{#-
    nurture_to_utc(column)

    A point in time as a UTC timestamp WITHOUT time zone (the wall clock in UTC).
    Raw timestamps are TIMESTAMP WITH TIME ZONE; every staged timestamp goes through this
    macro so that downstream models compare plain timestamps on every engine.
-#}
{% macro nurture_to_utc(column) -%}
    {{ return(adapter.dispatch('nurture_to_utc', 'nurture')(column)) }}
{%- endmacro %}

{#- DuckDB: a naive input is read in the session time zone (UTC in profiles.yml). -#}
{% macro duckdb__nurture_to_utc(column) -%}
    timezone('UTC', cast({{ column }} as timestamp with time zone))
{%- endmacro %}

{#-
    Spark: TIMESTAMP is an instant shown in the session time zone; to_utc_timestamp with the
    session zone shifts it to the UTC wall clock, which is then kept without a zone.
-#}
{% macro spark__nurture_to_utc(column) -%}
    cast(to_utc_timestamp({{ column }}, current_timezone()) as timestamp_ntz)
{%- endmacro %}

{% macro default__nurture_to_utc(column) -%}
    cast({{ column }} at time zone 'UTC' as timestamp)
{%- endmacro %}
