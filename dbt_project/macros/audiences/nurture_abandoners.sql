{#-
    The most recent abandonment (cart or form started, not completed) of each contact, anonymous or
    identified as asked, within the audience's `meta.lookback_days`: the body of
    `aud_anonymous_abandoners` and `aud_identified_abandoners`, which differ only in `anonymous`.
-#}
{% macro nurture_abandoners(anonymous) -%}

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
        contacts.is_anonymous = {{ anonymous }}
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

{%- endmacro %}
