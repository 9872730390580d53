{#-
    Unconverted quote requests, for a follow-up journey: contacts who sent one of `meta.form_types`
    in the last `meta.lookback_days` days and have neither ordered nor won a deal since.
-#}

{%- set lookback_days = nurture_audience_param('lookback_days') %}
{%- set form_types = nurture_audience_param('form_types') or [] %}

with

interactions as (

    select * from {{ ref('fct_interactions') }}

),

requests as (

    select
        contact_id,
        content_theme as form_type,
        occurred_at as requested_at,
        row_number() over (partition by contact_id order by occurred_at desc, record_id asc) as request_rank
    from interactions
    where
        interaction_type = 'form_submitted'
        and content_theme in (
            '{{ form_types | join("', '") }}'
        )
        and occurred_at < {{ nurture_as_of_end() }}
        and occurred_at >= {{ dbt.dateadd('day', -1 * lookback_days, nurture_as_of_end()) }}

),

conversions as (

    select
        contact_id,
        max(occurred_at) as converted_at
    from interactions
    where
        occurred_at < {{ nurture_as_of_end() }}
        and (
            interaction_type = 'order_placed'
            or (interaction_type = 'deal_stage' and source_type = 'closedwon')
        )
    group by contact_id

),

final as (

    select
        cast(requests.contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(requests.form_type as {{ dbt.type_string() }}) as form_type,
        cast(requests.requested_at as {{ dbt.type_timestamp() }}) as requested_at
    from requests
    left join conversions
        on requests.contact_id = conversions.contact_id
    where
        requests.request_rank = 1
        and (conversions.converted_at is null or conversions.converted_at < requests.requested_at)

)

select * from final
