{#-
    URL parts, by regular expression. DuckDB and Spark share regexp_extract(string, pattern, group)
    (an empty string when nothing matches); other engines override through adapter.dispatch.

    nurture_url_path(url)          '/fr/pricing' from 'https://example.com/fr/pricing?x=1#top'
    nurture_url_param(url, name)   the raw (still url-encoded) value of a query parameter
-#}
{% macro nurture_url_path(url) -%}
    {{ return(adapter.dispatch('nurture_url_path', 'nurture')(url)) }}
{%- endmacro %}

{% macro default__nurture_url_path(url) -%}
    nullif(regexp_extract({{ url }}, '^(?:[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*)?([^?#]*)', 1), '')
{%- endmacro %}


{% macro nurture_url_param(url, name) -%}
    {{ return(adapter.dispatch('nurture_url_param', 'nurture')(url, name)) }}
{%- endmacro %}

{% macro default__nurture_url_param(url, name) -%}
    nullif(regexp_extract({{ url }}, '[?&]{{ name }}=([^&#]*)', 1), '')
{%- endmacro %}
