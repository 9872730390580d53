{#-
    Lifecycle signals: each interaction of `fct_interactions` (up to the as-of date) matched with
    the rules of `seeds/lifecycle/lifecycle_signals.csv`. One row per interaction and signal.
-#}

with

interactions as (

    select * from {{ ref('fct_interactions') }}
    where occurred_at < {{ nurture_as_of_end() }}

),

signal_rules as (

    select * from {{ ref('lifecycle_signals') }}

),

matched as (

    select distinct
        interactions.interaction_id,
        interactions.contact_id,
        signal_rules.signal,
        interactions.occurred_at,
        cast(interactions.occurred_at as date) as signal_on,
        interactions.channel,
        interactions.interaction_type,
        interactions.campaign_id,
        interactions.content_theme,
        interactions.value
    from interactions
    inner join signal_rules
        on
            (signal_rules.channel = '*' or signal_rules.channel = lower(interactions.channel))
            and (
                signal_rules.interaction_type = '*'
                or signal_rules.interaction_type = lower(interactions.interaction_type)
            )
            and (signal_rules.source_type = '*' or signal_rules.source_type = lower(interactions.source_type))
            and (
                signal_rules.content_theme = '*'
                or signal_rules.content_theme = lower(interactions.content_theme)
            )
            and (signal_rules.min_value is null or interactions.value >= signal_rules.min_value)
            and (signal_rules.max_value is null or interactions.value <= signal_rules.max_value)

),

final as (

    select * from matched

)

select * from final
