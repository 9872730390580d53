{#-
    JSON access. Raw JSON columns are JSON on DuckDB and strings on Spark.

    nurture_json_str(column, path)  the value at `path` as a string (null when absent).
        `path` is dotted from the root: 'page.url', 'items[0].sku'; '' is the root itself.
    nurture_json_first(column)      the first element of an array, or the value itself when it
        is a single string (e.g. email categories: "promo" or ["promo", "spring"]).
-#}
{% macro nurture_json_path(path) -%}
    {%- if path == '' or path == '$' -%}
        '$'
    {%- elif path.startswith('$') -%}
        '{{ path }}'
    {%- elif path.startswith('[') -%}
        '${{ path }}'
    {%- else -%}
        '$.{{ path }}'
    {%- endif -%}
{%- endmacro %}

{% macro nurture_json_str(column, path) -%}
    {{ return(adapter.dispatch('nurture_json_str', 'nurture')(column, path)) }}
{%- endmacro %}

{% macro duckdb__nurture_json_str(column, path) -%}
    json_extract_string({{ column }}, {{ nurture.nurture_json_path(path) }})
{%- endmacro %}

{% macro spark__nurture_json_str(column, path) -%}
    get_json_object({{ column }}, {{ nurture.nurture_json_path(path) }})
{%- endmacro %}

{#- SQL:2016 JSON_VALUE, understood by most other engines. -#}
{% macro default__nurture_json_str(column, path) -%}
    json_value({{ column }}, {{ nurture.nurture_json_path(path) }})
{%- endmacro %}


{% macro nurture_json_first(column) -%}
    {{ return(adapter.dispatch('nurture_json_first', 'nurture')(column)) }}
{%- endmacro %}

{% macro duckdb__nurture_json_first(column) -%}
    case
        when json_type({{ column }}) = 'ARRAY' then json_extract_string({{ column }}, '$[0]')
        when json_type({{ column }}) = 'VARCHAR' then json_extract_string({{ column }}, '$')
    end
{%- endmacro %}

{% macro spark__nurture_json_first(column) -%}
    case
        when ltrim({{ column }}) like '[%' then get_json_object({{ column }}, '$[0]')
        when ltrim({{ column }}) like '"%' then get_json_object({{ column }}, '$')
    end
{%- endmacro %}

{% macro default__nurture_json_first(column) -%}
    coalesce(json_value({{ column }}, '$[0]'), json_value({{ column }}, '$'))
{%- endmacro %}
