{#-
    Every staging record that is a touchpoint of a person, in one schema, one row per record
    (`record_source`, `record_id`), before attribution to a contact and before the type mapping.
    `loaded_at` is the record's load time (incremental models downstream read the newest only).
    `source_type` is the raw value the `interaction_types` seed maps (event type, status, ...).
-#}
{{ config(meta={'test_scope': 'new_rows'}) }}

with

web_events as (

    select * from {{ ref('stg_web__events') }}

),

web_pages as (

    select * from {{ ref('int_web_pages_classified') }}

),

email_events as (

    select * from {{ ref('stg_messaging__email_events') }}

),

sms_events as (

    select * from {{ ref('stg_messaging__sms_events') }}

),

campaigns as (

    select * from {{ ref('stg_messaging__campaigns') }}

),

form_submissions as (

    select * from {{ ref('stg_forms__form_submissions') }}

),

crm_contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

crm_leads as (

    select * from {{ ref('stg_crm__leads') }}

),

crm_deals as (

    select * from {{ ref('stg_crm__deals') }}

),

crm_activities as (

    select * from {{ ref('stg_crm__activities') }}

),

calls as (

    select * from {{ ref('stg_calls__calls') }}

),

offline_events as (

    select * from {{ ref('stg_offline__events') }}

),

orders as (

    select * from {{ ref('stg_orders__orders') }}

),

order_lines as (

    select * from {{ ref('stg_orders__order_lines') }}

),

consent_events as (

    select * from {{ ref('stg_consents__consent_events') }}

),

feedback_events as (

    select * from {{ ref('stg_feedback__events') }}

),

-- The product category of an order: that of its first line.
order_categories as (

    select
        order_id,
        product_category
    from (
        select
            order_id,
            product_category,
            row_number() over (partition by order_id order by line_number) as line_rank
        from order_lines
    ) as ranked_lines
    where line_rank = 1

),

-- Page views and screens come classified (their page type is the content theme); the other web
-- events straight from staging. Two reads, not a join on the event id: that join would hold a hash
-- table of every page view beside the attribution join of `fct_interactions`.
web_page_views as (

    select
        'stg_web__events' as record_source,
        cast(event_id as {{ dbt.type_string() }}) as record_id,
        'web' as source_name,
        event_type as source_type,
        occurred_at,
        utm_campaign as campaign_id,
        page_type as content_theme,
        cast(null as double) as interaction_value,
        source_file,
        source_line,
        loaded_at
    from web_pages

),

web_other_events as (

    select
        'stg_web__events' as record_source,
        cast(event_id as {{ dbt.type_string() }}) as record_id,
        'web' as source_name,
        case
            when event_type = 'track' then coalesce(event_name, event_type)
            else event_type
        end as source_type,
        occurred_at,
        utm_campaign as campaign_id,
        cast(null as {{ dbt.type_string() }}) as content_theme,
        cast(null as double) as interaction_value,
        source_file,
        source_line,
        loaded_at
    from web_events
    where event_type is null or event_type not in {{ nurture_page_event_types() }}

),

email as (

    select
        'stg_messaging__email_events' as record_source,
        cast(email_events.event_id as {{ dbt.type_string() }}) as record_id,
        'messaging' as source_name,
        email_events.event_type as source_type,
        email_events.occurred_at,
        email_events.campaign_id,
        coalesce(email_events.campaign_theme, campaigns.campaign_theme) as content_theme,
        cast(null as double) as interaction_value,
        email_events.source_file,
        email_events.source_line,
        email_events.loaded_at
    from email_events
    left join campaigns
        on email_events.campaign_id = campaigns.campaign_id

),

sms as (

    select
        'stg_messaging__sms_events' as record_source,
        cast(sms_events.event_id as {{ dbt.type_string() }}) as record_id,
        'messaging' as source_name,
        sms_events.event_type as source_type,
        sms_events.occurred_at,
        sms_events.campaign_id,
        campaigns.campaign_theme as content_theme,
        cast(null as double) as interaction_value,
        sms_events.source_file,
        sms_events.source_line,
        sms_events.loaded_at
    from sms_events
    left join campaigns
        on sms_events.campaign_id = campaigns.campaign_id

),

forms as (

    select
        'stg_forms__form_submissions' as record_source,
        cast(submission_id as {{ dbt.type_string() }}) as record_id,
        'forms' as source_name,
        form_type as source_type,
        occurred_at,
        utm_campaign as campaign_id,
        form_type as content_theme,
        cast(null as double) as interaction_value,
        source_file,
        source_line,
        loaded_at
    from form_submissions

),

crm_contact_records as (

    select
        'stg_crm__contacts' as record_source,
        cast(crm_contact_id as {{ dbt.type_string() }}) as record_id,
        'crm' as source_name,
        lifecycle_stage as source_type,
        coalesce(created_at, updated_at) as occurred_at,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        cast(null as {{ dbt.type_string() }}) as content_theme,
        cast(null as double) as interaction_value,
        source_file,
        source_line,
        loaded_at
    from crm_contacts

),

crm_lead_records as (

    select
        'stg_crm__leads' as record_source,
        cast(lead_id as {{ dbt.type_string() }}) as record_id,
        'crm' as source_name,
        lead_status as source_type,
        coalesce(created_at, updated_at) as occurred_at,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        lead_source as content_theme,
        cast(null as double) as interaction_value,
        source_file,
        source_line,
        loaded_at
    from crm_leads

),

crm_deal_records as (

    select
        'stg_crm__deals' as record_source,
        cast(deal_id as {{ dbt.type_string() }}) as record_id,
        'crm' as source_name,
        deal_stage as source_type,
        coalesce(updated_at, engaged_at, created_at) as occurred_at,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        product as content_theme,
        cast(deal_amount as double) as interaction_value,
        source_file,
        source_line,
        loaded_at
    from crm_deals

),

crm_activity_records as (

    select
        'stg_crm__activities' as record_source,
        cast(activity_id as {{ dbt.type_string() }}) as record_id,
        'crm' as source_name,
        activity_type as source_type,
        occurred_at,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        cast(null as {{ dbt.type_string() }}) as content_theme,
        cast(null as double) as interaction_value,
        source_file,
        source_line,
        loaded_at
    from crm_activities

),

call_records as (

    select
        'stg_calls__calls' as record_source,
        cast(call_id as {{ dbt.type_string() }}) as record_id,
        'calls' as source_name,
        call_outcome as source_type,
        occurred_at,
        campaign_id,
        call_type as content_theme,
        cast(duration_seconds as double) as interaction_value,
        source_file,
        source_line,
        loaded_at
    from calls

),

offline as (

    select
        'stg_offline__events' as record_source,
        cast(event_id as {{ dbt.type_string() }}) as record_id,
        'offline' as source_name,
        event_type as source_type,
        occurred_at,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        interest as content_theme,
        cast(null as double) as interaction_value,
        source_file,
        source_line,
        loaded_at
    from offline_events

),

order_records as (

    select
        'stg_orders__orders' as record_source,
        cast(orders.order_id as {{ dbt.type_string() }}) as record_id,
        'orders' as source_name,
        orders.order_status as source_type,
        orders.ordered_at as occurred_at,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        order_categories.product_category as content_theme,
        cast(orders.total_amount as double) as interaction_value,
        orders.source_file,
        orders.source_line,
        orders.loaded_at
    from orders
    left join order_categories
        on orders.order_id = order_categories.order_id

),

consent_records as (

    select
        'stg_consents__consent_events' as record_source,
        cast(event_id as {{ dbt.type_string() }}) as record_id,
        'consents' as source_name,
        consent_status as source_type,
        occurred_at,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        channel as content_theme,
        cast(null as double) as interaction_value,
        source_file,
        source_line,
        loaded_at
    from consent_events

),

feedback_records as (

    select
        'stg_feedback__events' as record_source,
        cast(feedback_id as {{ dbt.type_string() }}) as record_id,
        'feedback' as source_name,
        feedback_type as source_type,
        occurred_at,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        reason as content_theme,
        cast(rating as double) as interaction_value,
        source_file,
        source_line,
        loaded_at
    from feedback_events

),

final as (

    select * from web_page_views
    union all
    select * from web_other_events
    union all
    select * from email
    union all
    select * from sms
    union all
    select * from forms
    union all
    select * from crm_contact_records
    union all
    select * from crm_lead_records
    union all
    select * from crm_deal_records
    union all
    select * from crm_activity_records
    union all
    select * from call_records
    union all
    select * from offline
    union all
    select * from order_records
    union all
    select * from consent_records
    union all
    select * from feedback_records

)

select * from final
