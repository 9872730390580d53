{%- set source_relation = source('crm', 'crm_leads') -%}
{%- set primary_key = 'lead_id' -%}
{%- set newest_first = 'updated_at desc nulls last, loaded_at desc, _file desc, _line desc' -%}

with

source as (

    select * from {{ source_relation }}

),

deduplicated as (

    -- Entities are merged by the loader; keep the newest version, defensively.
    {{ nurture_deduplicate('source', partition_by=primary_key, order_by=newest_first) | indent(4) }}

),

final as (

    select
        lead_id,
        crm_contact_id,
        lead_number,
        lead_origin,
        lead_source,
        status as lead_status,
        converted as is_converted,
        email,
        {{ nurture_email_domain('email') }} as email_domain,
        phone,
        country,
        city,
        occupation,
        do_not_email,
        do_not_call,
        attributes as lead_attributes,
        {{ nurture_to_utc('created_at') }} as created_at,
        {{ nurture_to_utc('updated_at') }} as updated_at,
        _file as source_file,
        _line as source_line,
        {{ nurture_to_utc('loaded_at') }} as loaded_at,
        {{ nurture_optional_column(source_relation, '_dlt_load_id', dbt.type_string()) }} as load_id,
        _extra as extra_fields
    from deduplicated

)

select * from final
