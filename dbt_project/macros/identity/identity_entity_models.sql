{#-
    The staging models of entity records (CRM contacts, leads, deals, orders): they can change or
    lose an identifier, so every run observes them again (they grow with people, not with events),
    where events are observed once, when they are staged.
-#}
{% macro identity_entity_models() -%}
    {{ return(['stg_crm__contacts', 'stg_crm__leads', 'stg_crm__deals', 'stg_orders__orders']) }}
{%- endmacro %}
