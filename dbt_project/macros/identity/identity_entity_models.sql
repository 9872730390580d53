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

{#- The entity models as a SQL list of record sources: 'stg_crm__contacts', ... -#}
{% macro identity_entity_sources() -%}
    {{ return("'" ~ identity_entity_models() | join("', '") ~ "'") }}
{%- endmacro %}

{#-
    Pre-hook of `int_identity__observations` on an incremental run, after
    `identity_observations_before`: delete the observations of the entity records whose staging row
    was loaded since the run that observed them (the same load times the model reads them after),
    which the run then observes again, and log their identifiers as
    touched (`identity_touched_log`). Nothing on a full build, nor on engines that rebuild the
    table.
-#}
{% macro identity_forget_reloaded_records() -%}
    {{ return(adapter.dispatch('identity_forget_reloaded_records', 'nurture')()) }}
{%- endmacro %}

{% macro default__identity_forget_reloaded_records() -%}
    {%- if is_incremental() -%}
drop table if exists nurture_reloaded_records;
create temporary table nurture_reloaded_records as
select reloaded.record_source, reloaded.record_id
from (
        {%- for entity_model, id_column in identity_entity_models().items() %}
    select
        '{{ entity_model }}' as record_source,
        cast(src.{{ id_column }} as {{ dbt.type_string() }}) as record_id,
        src.loaded_at
    from {{ ref(entity_model) }} as src
            {%- if not loop.last %}
    union all
            {%- endif %}
        {%- endfor %}
) as reloaded
where {{ identity_loaded_since('reloaded', identity_observations_before_newest()) }};
insert into {{ identity_touched_log() }} (identifier_type, identifier_value, touched_at)
select distinct held.identifier_type, held.identifier_value, current_timestamp
from {{ this }} as held
inner join nurture_reloaded_records as reloaded
    on held.record_source = reloaded.record_source and held.record_id = reloaded.record_id;
delete from {{ this }} as held
where exists (
    select 1 from nurture_reloaded_records as reloaded
    where reloaded.record_source = held.record_source and reloaded.record_id = held.record_id
);
drop table nurture_reloaded_records
    {%- endif -%}
{%- endmacro %}

{% macro spark__identity_forget_reloaded_records() -%}
{%- endmacro %}
