{%- set source_relation = source('crm', 'crm_activities') -%}
{%- set primary_key = 'activity_id' -%}
{%- set first_loaded = 'loaded_at, _file, _line' -%}
{{ config(
    materialized=nurture_incremental_materialization('view'),
    incremental_strategy='append',
    meta={'test_scope': 'new_rows'}
) }}

with

source as {{ nurture_not_materialized() }} (

    -- Only the rows loaded since the last run whose key is not staged yet (all rows on a full build).
    {{ nurture_unstaged_events(source_relation, primary_key) | indent(4) }}

),

deduplicated as (

    -- Events can be delivered twice: keep the first one loaded.
    {{ nurture_deduplicate_keyed('source', key=primary_key, order_by=first_loaded) | indent(4) }}

),

final as (

    select
        activity_id,
        crm_contact_id,
        lead_id,
        activity_type,
        channel,
        subject,
        {{ nurture_to_utc('occurred_at') }} as occurred_at,
        _file as source_file,
        _line as source_line,
        {{ nurture_to_utc('loaded_at') }} as loaded_at,
        {{ nurture_optional_column(source_relation, '_dlt_load_id', dbt.type_string()) }} as load_id,
        _extra as extra_fields
    from deduplicated

)

select * from final
