{#-
    Placed orders of contacts up to the as-of date (cancelled and returned orders excluded: their
    interaction type is not `order_placed`), with their amount and rank among the contact's orders.
-#}

with

interactions as (

    select * from {{ ref('fct_interactions') }}
    where
        interaction_type = 'order_placed'
        and occurred_at < {{ nurture_as_of_end() }}

),

final as (

    select
        interaction_id as order_interaction_id,
        record_id as order_id,
        contact_id,
        occurred_at as ordered_at,
        cast(occurred_at as date) as ordered_on,
        coalesce(value, 0) as amount,
        row_number() over (
            partition by contact_id order by occurred_at, interaction_id
        ) as order_number
    from interactions

)

select * from final
