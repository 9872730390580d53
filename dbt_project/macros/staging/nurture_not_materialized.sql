{#-
    nurture_not_materialized()

    Written between a CTE's name and its body (`source as {{ nurture_not_materialized() }} (`): the
    CTE is inlined into each query that reads it instead of being computed once into a temporary
    result. DuckDB materializes a CTE read more than once; for a plain scan of a wide raw table
    (JSON payloads) that copy costs more than scanning the table again, each reader keeping only
    the columns it needs. On an incremental run the CTE holds only the new rows, found by an
    anti-join with the model's table: computed once, it is small, so it is left to DuckDB to
    materialize (inlined, each reader would run the anti-join again). Spark and other engines
    inline CTEs anyway: nothing there.
-#}
{% macro nurture_not_materialized() -%}
    {{ return(adapter.dispatch('nurture_not_materialized', 'nurture')()) }}
{%- endmacro %}

{% macro duckdb__nurture_not_materialized() -%}
    {%- if not is_incremental() %}not materialized{% endif -%}
{%- endmacro %}

{% macro default__nurture_not_materialized() -%}
{%- endmacro %}
