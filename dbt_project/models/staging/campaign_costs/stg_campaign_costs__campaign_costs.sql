{%- set source_relation = source('campaign_costs', 'campaign_costs') -%}
{%- set primary_key = 'cost_date, channel, campaign_id' -%}
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
        {{ nurture_surrogate_key(['cost_date', 'channel', 'campaign_id']) }} as campaign_cost_id,
        cost_date,
        channel,
        campaign_id,
        campaign_name,
        spend,
        currency,
        impressions,
        clicks,
        _file as source_file,
        _line as source_line,
        {{ nurture_to_utc('loaded_at') }} as loaded_at,
        {{ nurture_optional_column(source_relation, '_dlt_load_id', dbt.type_string()) }} as load_id,
        _extra as extra_fields
    from deduplicated

)

select * from final
