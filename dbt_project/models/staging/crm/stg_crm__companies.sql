{%- set source_relation = source('crm', 'crm_companies') -%}
{%- set primary_key = 'crm_company_id' -%}
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
        crm_company_id,
        name as company_name,
        domain,
        industry,
        employees,
        annual_revenue,
        country,
        parent_company,
        has_foreign_subsidiaries,
        expatriates,
        year_established,
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
