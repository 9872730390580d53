{#-
    The web event types that are page views (`page`, `screen`), as a SQL list: the events
    `int_web_pages_classified` classifies, and those the touchpoints take from it instead of from
    staging. One list, so that a web event is never counted twice nor left out.
-#}
{% macro nurture_page_event_types() -%}
    ('page', 'screen')
{%- endmacro %}
