{#-
    Contacts who moved in the last `meta.lookback_days` days: a new city in the CRM
    (`int_audiences__personal_events`), or feedback whose reason is one of `meta.feedback_reasons`
    (e.g. a termination because the customer moved).
-#}

{%- set lookback_days = nurture_audience_param('lookback_days') %}
{%- set feedback_reasons = nurture_audience_param('feedback_reasons') or [] %}

with

personal_events as (

    select * from {{ ref('int_audiences__personal_events') }}

),

interactions as (

    select * from {{ ref('fct_interactions') }}

),

signals as (

    select
        contact_id,
        event_on as moved_on,
        'city_change' as move_signal
    from personal_events
    where event_type = 'move'

    union all

    select
        contact_id,
        cast(occurred_at as date) as moved_on,
        {{ dbt.concat(["'feedback:'", "interaction_type"]) }} as move_signal
    from interactions
    where
        channel = 'feedback'
        and lower(content_theme) in ('{{ feedback_reasons | join("', '") }}')
        and occurred_at < {{ nurture_as_of_end() }}

),

ranked as (

    select
        *,
        row_number() over (partition by contact_id order by moved_on desc, move_signal asc) as signal_rank
    from signals
    where moved_on >= {{ dbt.dateadd('day', -1 * lookback_days, nurture_as_of()) }}

),

final as (

    select
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(moved_on as date) as moved_on,
        cast(move_signal as {{ dbt.type_string() }}) as move_signal
    from ranked
    where signal_rank = 1

)

select * from final
