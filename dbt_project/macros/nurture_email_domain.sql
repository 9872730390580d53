{#- The domain of an (already lower-cased) email address: 'acme.com' for 'jane@acme.com'. -#}
{% macro nurture_email_domain(email) -%}
    nullif({{ dbt.split_part(email, "'@'", 2) }}, '')
{%- endmacro %}
