{#-
    identity_linking_records(alias)

    The condition that keeps the observations of records carrying more than one identifier: the only
    ones that link identifiers (fan-out counts, edges, merge bridges). Most records (a page view with
    its anonymous id, an email event) carry one, so the graph steps skip them. Rows observed before
    `record_identifiers` existed have it null and are kept (a full refresh fills it).
-#}
{% macro identity_linking_records(alias) -%}
({{ alias }}.record_identifiers > 1 or {{ alias }}.record_identifiers is null)
{%- endmacro %}
