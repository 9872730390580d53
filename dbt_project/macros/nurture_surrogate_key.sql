{#-
    nurture_surrogate_key(columns)

    A stable hash key (md5 as hex text, through dbt.hash) for a composite natural key.
    Nulls become a marker so that ('a', null) and (null, 'a') differ.
-#}
{% macro nurture_surrogate_key(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '_nurture_null_')") -%}
        {%- if not loop.last -%}{%- do parts.append("'-'") -%}{%- endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
