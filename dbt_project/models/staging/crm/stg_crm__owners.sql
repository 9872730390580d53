{%- set source_relation = source('crm', 'crm_owners') -%}
{%- set primary_key = 'owner_id' -%}
{%- set newest_first = 'loaded_at desc, _file desc, _line desc' -%}

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
        owner_id,
        name as owner_name,
        email as owner_email,
        manager,
        team,
        _file as source_file,
        _line as source_line,
        {{ nurture_to_utc('loaded_at') }} as loaded_at,
        {{ nurture_optional_column(source_relation, '_dlt_load_id', dbt.type_string()) }} as load_id,
        _extra as extra_fields
    from deduplicated

)

select * from final
