{#-
  The date the warehouse is computed "as of": the project var `as_of` (YYYY-MM-DD) when set, today
  (UTC) otherwise. Every rule that depends on time (recency decay, inactivity, rolling windows, stages)
  uses it, so a past date can be rebuilt and tests are reproducible:
    dbt build --vars '{as_of: 2026-06-30}'
-#}
{% macro nurture_as_of() -%}
  {%- set as_of = var('as_of', none) -%}
  {%- if as_of -%}
    cast('{{ as_of }}' as date)
  {%- else -%}
    current_date
  {%- endif -%}
{%- endmacro %}

{#- The end of the as-of day as a timestamp: events up to (excluding) midnight after `as_of` count. -#}
{% macro nurture_as_of_end() -%}
  {{ dbt.dateadd('day', 1, 'cast(' ~ nurture_as_of() ~ ' as ' ~ dbt.type_timestamp() ~ ')') }}
{%- endmacro %}
