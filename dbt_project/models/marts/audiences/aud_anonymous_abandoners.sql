{#-
    Anonymous visitors (cookie or device only) who started a cart or a form and did not complete it in the last
    `meta.lookback_days` days. Kept apart from the identified ones: a visitor who identifies moves
    from `aud_anonymous_abandoners` to `aud_identified_abandoners`.
-#}

{%- set lookback_days = nurture_audience_param('lookback_days') %}

with

abandonments as (

    select * from {{ ref('int_audiences__abandonments') }}

),

contacts as (

    select * from {{ ref('dim_contacts') }}

),

recent as (

    select
        abandonments.contact_id,
        abandonments.abandonment_type,
        abandonments.abandoned_at,
        row_number() over (
            partition by abandonments.contact_id
            order by abandonments.abandoned_at desc, abandonments.abandonment_type asc
        ) as abandonment_rank
    from abandonments
    inner join contacts
        on abandonments.contact_id = contacts.contact_id
    where
        contacts.is_anonymous = true
        and abandonments.abandoned_at
        >= {{ dbt.dateadd('day', -1 * lookback_days, nurture_as_of_end()) }}

),

final as (

    select
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(abandonment_type as {{ dbt.type_string() }}) as abandonment_type,
        cast(abandoned_at as {{ dbt.type_timestamp() }}) as abandoned_at
    from recent
    where abandonment_rank = 1

)

select * from final
