{#-
    Contacts by preferred channel: the channel each contact engages on most over the last
    `meta.lookback_days` days; `meta.signals` maps the interaction types that count to a channel.
-#}

{%- set lookback_days = nurture_audience_param('lookback_days') %}
{%- set signals = nurture_audience_param('signals') or {} %}

with

interactions as (

    select * from {{ ref('fct_interactions') }}

),

signals as (

    select
        contact_id,
        case interaction_type
            {%- for interaction_type, channel in signals.items() | sort %}
            when '{{ interaction_type }}' then '{{ channel }}'
            {%- endfor %}
        end as preferred_channel
    from interactions
    where
        occurred_at < {{ nurture_as_of_end() }}
        and occurred_at >= {{ dbt.dateadd('day', -1 * lookback_days, nurture_as_of_end()) }}

),

channel_counts as (

    select
        contact_id,
        preferred_channel,
        count(*) as engagements
    from signals
    where preferred_channel is not null
    group by
        contact_id,
        preferred_channel

),

ranked as (

    select
        *,
        row_number() over (partition by contact_id order by engagements desc, preferred_channel asc) as channel_rank
    from channel_counts

),

final as (

    select
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(preferred_channel as {{ dbt.type_string() }}) as preferred_channel,
        cast(engagements as bigint) as engagements
    from ranked
    where channel_rank = 1

)

select * from final
