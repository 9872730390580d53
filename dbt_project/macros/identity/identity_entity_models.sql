{#-
    The staging models of entity records (CRM contacts, leads, deals, orders) and the column that
    identifies a record of each. Unlike an event, an entity record can come again in a newer version
    that changes or drops an identifier: `int_identity__observations` observes it again when its
    staging row was loaded since the last run, after `identity_forget_reloaded_records` removed what
    the older version carried (a version with no identifier left has no rows).
-#}
{% macro identity_entity_models() -%}
    {{ return({
        'stg_crm__contacts': 'crm_contact_id',
        'stg_crm__leads': 'lead_id',
        'stg_crm__deals': 'deal_id',
        'stg_orders__orders': 'order_id',
    }) }}
{%- endmacro %}

{#-
    Pre-hook of `int_identity__observations` on an incremental run: delete the observations of the
    entity records whose staging row was loaded since the run that observed them (the same watermark
    the model reads them with), which the run then observes again. Nothing on a full build, nor on
    engines that rebuild the table.
-#}
{% macro identity_forget_reloaded_records() -%}
    {{ return(adapter.dispatch('identity_forget_reloaded_records', 'nurture')()) }}
{%- endmacro %}

{% macro default__identity_forget_reloaded_records() -%}
    {%- if is_incremental() -%}
        {%- for entity_model, id_column in identity_entity_models().items() %}
delete from {{ this }}
where
    record_source = '{{ entity_model }}'
    and record_id in (
        select cast(src.{{ id_column }} as {{ dbt.type_string() }}) from {{ ref(entity_model) }} as src
        where {{ nurture_loaded_since_last_run(
            'src.loaded_at', where="processed.record_source = '" ~ entity_model ~ "'") }}
    );
        {%- endfor %}
    {%- endif -%}
{%- endmacro %}

{% macro spark__identity_forget_reloaded_records() -%}
{%- endmacro %}
