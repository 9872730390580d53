{#-
    nurture_to_utc(column)

    A point in time as a UTC timestamp WITHOUT time zone (the wall clock in UTC).
    Raw timestamps are TIMESTAMP WITH TIME ZONE; every staged timestamp goes through this
    macro so that downstream models compare plain timestamps on every engine.
-#}
{% macro nurture_to_utc(column) -%}
    {{ return(adapter.dispatch('nurture_to_utc', 'nurture')(column)) }}
{%- endmacro %}

{#-
    DuckDB: a naive input is read in the session time zone (UTC in profiles.yml). A finite instant
    is its microseconds since the epoch, which are the UTC wall clock: no time zone lookup (eight
    times cheaper than timezone('UTC', ...) on the event tables). The infinities keep timezone().
-#}
{% macro duckdb__nurture_to_utc(column) -%}
    case
        when isfinite(cast({{ column }} as timestamp with time zone))
            then make_timestamp(epoch_us(cast({{ column }} as timestamp with time zone)))
        else timezone('UTC', cast({{ column }} as timestamp with time zone))
    end
{%- endmacro %}

{#-
    Spark: TIMESTAMP is an instant shown in the session time zone, which the `spark` profile sets
    to UTC (spark.sql.session.timeZone), so the UTC wall clock is the value itself. It stays a
    plain `timestamp` so that mart contracts declare the same type on every engine.
-#}
{% macro spark__nurture_to_utc(column) -%}
    cast({{ column }} as timestamp)
{%- endmacro %}

{% macro default__nurture_to_utc(column) -%}
    cast({{ column }} at time zone 'UTC' as timestamp)
{%- endmacro %}
