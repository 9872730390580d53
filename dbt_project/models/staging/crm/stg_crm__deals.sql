{%- set source_relation = source('crm', 'crm_deals') -%}
{%- set primary_key = 'deal_id' -%}
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
        deal_id,
        deal_name,
        crm_company_id,
        crm_contact_id,
        pipeline,
        stage as deal_stage,
        amount as deal_amount,
        currency,
        product,
        owner_id,
        {{ nurture_to_utc('created_at') }} as created_at,
        {{ nurture_to_utc('engaged_at') }} as engaged_at,
        close_date,
        {{ nurture_to_utc('updated_at') }} as updated_at,
        _file as source_file,
        _line as source_line,
        {{ nurture_to_utc('loaded_at') }} as loaded_at,
        {{ nurture_optional_column(source_relation, '_dlt_load_id', dbt.type_string()) }} as load_id,
        _extra as extra_fields
    from deduplicated

)

select * from final
