{#-
    Generic test: none of `column_names` holds a null. One test per model rather than one `not_null`
    per column: the same check, one node instead of several in every build (a frequent run's cost
    is largely dbt's own per-node work).

        data_tests:
          - not_null_columns:
              arguments:
                column_names: [contact_id, scoring_model, score]

    It returns one row per column that holds nulls (`column_name`, `null_rows`), and counts the null
    rows as its failures, as `not_null` does. A column whose nulls should only warn, or be allowed up
    to a threshold, keeps its own `not_null` test with that config.
-#}
{#- one count per column, each `where column is null`: the engine can answer from its statistics
    (DuckDB skips row groups without nulls); a single pass of `sum(case ...)` reads every row -#}
{% test not_null_columns(model, column_names) %}
    {{ config(fail_calc='coalesce(sum(null_rows), 0)') }}
select null_counts.column_name, null_counts.null_rows
from (
    {%- for column in column_names %}
    select '{{ column }}' as column_name, count(*) as null_rows
    from {{ model }}
    where {{ column }} is null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
) as null_counts
where null_counts.null_rows > 0
{% endtest %}
