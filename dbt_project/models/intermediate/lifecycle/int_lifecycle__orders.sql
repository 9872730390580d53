{#-
    Placed orders of contacts up to the as-of date (cancelled and returned orders excluded: their
    interaction type is not `order_placed`), with their amount: the order total, or the sum of its
    lines when the source gives no total (exports with one row per invoice line), and their rank
    among the contact's orders.
-#}

with

interactions as (

    select * from {{ ref('fct_interactions') }}
    where
        interaction_type = 'order_placed'
        and occurred_at < {{ nurture_as_of_end() }}

),

order_lines as (

    select * from {{ ref('stg_orders__order_lines') }}

),

line_totals as (

    select
        cast(order_id as {{ dbt.type_string() }}) as order_id,
        sum(amount) as lines_amount
    from order_lines
    group by order_id

),

final as (

    select
        interactions.interaction_id as order_interaction_id,
        interactions.record_id as order_id,
        interactions.contact_id,
        interactions.occurred_at as ordered_at,
        cast(interactions.occurred_at as date) as ordered_on,
        coalesce(interactions.value, line_totals.lines_amount, 0) as amount,
        row_number() over (
            partition by interactions.contact_id order by interactions.occurred_at, interactions.interaction_id
        ) as order_number
    from interactions
    left join line_totals
        on interactions.record_id = line_totals.order_id

)

select * from final
