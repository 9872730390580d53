{#-
    The URL parts of `nurture_url_path` / `nurture_url_param`, evaluated only on the rows that need
    them: regular expressions are the costly step of staging web events, and most rows already
    carry the part (the tracker sends the path and the utm fields) or have no query string.

    nurture_url_path_unless(url, given)   `given`, else the path parsed from `url`
    nurture_url_param_unless(url, name, given)
                                          `given`, else the query parameter `name` of `url`

    Same results as coalesce(given, nurture_url_path(url)): a CASE is evaluated lazily by the
    engines, where the arguments of a coalesce can be computed for every row (DuckDB hoists the
    regexp_extract inside nullif out of the coalesce). The parameter's regular expression runs only
    when the URL contains `name=` (a LIKE prefilter that matches at least every URL the expression
    can match).
-#}
{% macro nurture_url_path_unless(url, given) -%}
    case
        when {{ given }} is not null then {{ given }}
        else {{ nurture_url_path(url) }}
    end
{%- endmacro %}

{% macro nurture_url_param_unless(url, name, given) -%}
    case
        when {{ given }} is not null then {{ given }}
        when {{ url }} like '%{{ name }}=%' then {{ nurture_url_param(url, name) }}
    end
{%- endmacro %}
