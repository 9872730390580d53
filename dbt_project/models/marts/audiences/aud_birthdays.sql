{#- Contacts whose birthday falls in the next `meta.days_ahead` days (as-of date included). -#}

{%- set days_ahead = nurture_audience_param('days_ahead') %}

with

personal_events as (

    select * from {{ ref('int_audiences__personal_events') }}

),

final as (

    select
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(event_on as date) as birthday_on
    from personal_events
    where
        event_type = 'birthday'
        and event_on <= {{ dbt.dateadd('day', days_ahead, nurture_as_of()) }}

)

select * from final
