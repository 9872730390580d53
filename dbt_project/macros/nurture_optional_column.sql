{#-
    nurture_optional_column(relation, column, data_type)

    `column` when the relation has it, otherwise a typed null. For loader metadata that not every
    loader version or engine writes (e.g. dlt's `_dlt_load_id`), so that a staging model does not
    fail on a column that carries no business meaning. The check runs against the warehouse at
    compile time (one metadata query per model); while parsing, and for relations that cannot be
    inspected (unit-test fixtures), the column name is returned / null is used as appropriate.
-#}
{% macro nurture_optional_column(relation, column, data_type) -%}
    {%- if not execute -%}
        {{ return(column) }}
    {%- endif -%}
    {%- set found = [] -%}
    {#- unit-test fixtures are CTEs named __dbt__cte__*: nothing to inspect -#}
    {%- if relation is not string and relation.identifier is not none
          and not relation.identifier.startswith('__dbt__cte__') -%}
        {%- for existing in adapter.get_columns_in_relation(relation) -%}
            {%- if existing.name | lower == column | lower -%}{%- do found.append(existing.name) -%}{%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if found -%}
        {{ return(column) }}
    {%- else -%}
        {{ return('cast(null as ' ~ data_type ~ ')') }}
    {%- endif -%}
{%- endmacro %}
