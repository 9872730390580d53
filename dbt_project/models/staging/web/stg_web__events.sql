{%- set source_relation = source('web', 'web_events') -%}
{%- set primary_key = 'event_id' -%}
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
        event_id,
        event_type,
        event_name,
        anonymous_id,
        user_id,
        (user_id is not null or email is not null or phone is not null) as is_identified,
        {{ nurture_to_utc('occurred_at') }} as occurred_at,
        {{ nurture_to_utc('sent_at') }} as sent_at,
        page_url,
        {{ nurture_url_path_unless('page_url', 'page_path') }} as page_path,
        page_title,
        page_referrer,
        {{ nurture_url_param_unless('page_url', 'utm_source', 'utm_source') }} as utm_source,
        {{ nurture_url_param_unless('page_url', 'utm_medium', 'utm_medium') }} as utm_medium,
        {{ nurture_url_param_unless('page_url', 'utm_campaign', 'utm_campaign') }} as utm_campaign,
        {{ nurture_url_param_unless('page_url', 'utm_content', 'utm_content') }} as utm_content,
        {{ nurture_url_param_unless('page_url', 'utm_term', 'utm_term') }} as utm_term,
        user_agent,
        device_type,
        locale,
        email,
        {{ nurture_email_domain('email') }} as email_domain,
        phone,
        properties,
        {{ nurture_json_str('properties', 'query') }} as search_query,
        traits,
        _file as source_file,
        _line as source_line,
        {{ nurture_to_utc('loaded_at') }} as loaded_at,
        {{ nurture_optional_column(source_relation, '_dlt_load_id', dbt.type_string()) }} as load_id,
        _extra as extra_fields
    from deduplicated

)

select * from final
