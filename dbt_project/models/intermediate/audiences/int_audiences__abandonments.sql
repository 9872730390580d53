{#-
    Carts and forms started and not completed: one row per contact and abandonment type (seed
    `abandonment_steps`) whose latest start has no completion at or after it, before the as-of
    date's end. Anonymous visitors included: their events join their contact once they identify.
-#}

with

interactions as (

    select * from {{ ref('fct_interactions') }}

),

abandonment_steps as (

    select * from {{ ref('abandonment_steps') }}

),

steps as (

    select
        interactions.contact_id,
        abandonment_steps.abandonment_type,
        max(case when abandonment_steps.step = 'started' then interactions.occurred_at end) as last_started_at,
        max(case when abandonment_steps.step = 'completed' then interactions.occurred_at end) as last_completed_at
    from interactions
    inner join abandonment_steps
        on interactions.interaction_type = abandonment_steps.interaction_type
    where interactions.occurred_at < {{ nurture_as_of_end() }}
    group by
        interactions.contact_id,
        abandonment_steps.abandonment_type

),

final as (

    select
        contact_id,
        abandonment_type,
        last_started_at as abandoned_at,
        last_completed_at
    from steps
    where
        last_started_at is not null
        and (last_completed_at is null or last_completed_at < last_started_at)

)

select * from final
