{#-
    Every purchase (order placed, deal won) of a contact with the purchase before it, and whether it
    won the customer back: the customer was lost before it (no purchase for `lost_days`, or a
    termination since the previous purchase). A win-back purchase is credited to the last
    interaction carrying a campaign in the `won_back_touch_days` before it.

    Per-contact incremental (`macros/nurture_contact_incremental.sql`): a run recomputes the
    contacts whose signals or interactions changed and keeps the rows of the others.
-#}
{{ config(**nurture_contact_model_config(['int_lifecycle__signals', 'fct_interactions'])) }}

with

signals as (

    select * from {{ ref('int_lifecycle__signals') }}
    where {{ nurture_in_contact_scope('contact_id', key='contact_key') }}

),

interactions as (

    select * from {{ ref('fct_interactions') }}
    where {{ nurture_in_contact_scope('contact_id', key='contact_key') }}

),

settings as (

    select * from {{ ref('int_lifecycle__settings') }}

),

purchases as (

    select
        interaction_id,
        contact_id,
        occurred_at,
        signal_on as purchased_on,
        lag(signal_on) over (
            partition by contact_id order by occurred_at, interaction_id
        ) as previous_purchased_on
    from signals
    where signal = 'purchase'

),

terminations as (

    select
        contact_id,
        signal_on as terminated_on
    from signals
    where signal = 'termination'

),

terminated_between as (

    select distinct purchases.interaction_id
    from purchases
    inner join terminations
        on
            purchases.contact_id = terminations.contact_id
            and purchases.previous_purchased_on <= terminations.terminated_on
            and purchases.purchased_on >= terminations.terminated_on

),

flagged as (

    select
        purchases.*,
        coalesce(
            purchases.previous_purchased_on is not null
            and (
                {{ dbt.datediff('purchases.previous_purchased_on', 'purchases.purchased_on', 'day') }}
                > settings.lost_days
                or terminated_between.interaction_id is not null
            ),
            false
        ) as is_win_back,
        settings.won_back_touch_days
    from purchases
    cross join settings
    left join terminated_between
        on purchases.interaction_id = terminated_between.interaction_id

),

win_back_touches as (

    select
        flagged.interaction_id,
        interactions.channel,
        interactions.campaign_id,
        row_number() over (
            partition by flagged.interaction_id
            order by interactions.occurred_at desc, interactions.interaction_id desc
        ) as touch_rank
    from flagged
    inner join interactions
        on
            flagged.contact_id = interactions.contact_id
            and interactions.campaign_id is not null
            and flagged.occurred_at >= interactions.occurred_at
            and interactions.occurred_at
            >= {{ dbt.dateadd('day', '-1 * flagged.won_back_touch_days', 'flagged.occurred_at') }}
            and flagged.interaction_id <> interactions.interaction_id
    where flagged.is_win_back = true

),

final as (

    select
        flagged.interaction_id,
        flagged.contact_id,
        flagged.occurred_at,
        flagged.purchased_on,
        flagged.previous_purchased_on,
        flagged.is_win_back,
        case
            when flagged.is_win_back = true and win_back_touches.interaction_id is not null
                then {{ dbt.concat(['win_back_touches.channel', "' campaign '", 'win_back_touches.campaign_id']) }}
            when flagged.is_win_back = true then 'no campaign touch'
        end as won_back_via
    from flagged
    left join win_back_touches
        on
            flagged.interaction_id = win_back_touches.interaction_id
            and win_back_touches.touch_rank = 1

)

select * from final
