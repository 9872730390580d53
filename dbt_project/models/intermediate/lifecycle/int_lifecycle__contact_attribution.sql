{#-
    The acquisition touches of each contact, one row per contact and attribution model:
    `first_touch` is its first interaction; `last_touch` the last interaction carrying a campaign at
    or before its conversion (first purchase, else first lead signal, else the as-of date), or the
    last interaction before conversion when none carries a campaign.

    Per-contact incremental (`macros/nurture_contact_incremental.sql`): a run recomputes the
    contacts whose interactions changed and keeps the rows of the others.
-#}
{{ config(**nurture_contact_model_config(['int_lifecycle__signals'])) }}

with

interactions as (

    select * from {{ ref('fct_interactions') }}
    where occurred_at < {{ nurture_as_of_end() }} and {{ nurture_in_contact_scope('contact_id', key='contact_key') }}

),

signals as (

    select * from {{ ref('int_lifecycle__signals') }}
    where {{ nurture_in_contact_scope('contact_id', key='contact_key') }}

),

conversions as (

    select
        contact_id,
        coalesce(
            min(case when signal = 'purchase' then occurred_at end),
            min(case when signal = 'lead' then occurred_at end)
        ) as converted_at
    from signals
    group by contact_id

),

first_touches as (

    select
        contact_id,
        'first_touch' as attribution_model,
        channel,
        campaign_id,
        occurred_at
    from (
        select
            interactions.*,
            row_number() over (
                partition by interactions.contact_id
                order by interactions.occurred_at, interactions.interaction_id
            ) as touch_rank
        from interactions
    ) as ranked
    where touch_rank = 1

),

last_touches as (

    select
        contact_id,
        'last_touch' as attribution_model,
        channel,
        campaign_id,
        occurred_at
    from (
        select
            interactions.*,
            row_number() over (
                partition by interactions.contact_id
                order by
                    case when interactions.campaign_id is not null then 0 else 1 end,
                    interactions.occurred_at desc,
                    interactions.interaction_id desc
            ) as touch_rank
        from interactions
        left join conversions
            on interactions.contact_id = conversions.contact_id
        where
            conversions.converted_at is null
            or interactions.occurred_at <= conversions.converted_at
    ) as ranked
    where touch_rank = 1

),

final as (

    select * from first_touches
    union all
    select * from last_touches

)

select * from final
