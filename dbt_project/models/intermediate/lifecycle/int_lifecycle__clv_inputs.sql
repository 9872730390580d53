{#-
    The customer summary a BG/NBD and Gamma-Gamma model fits, in days, one row per customer with
    orders: `frequency` repeat purchase days (days with an order after the first), `recency` days
    from the first to the last purchase day, `t_days` days from the first purchase day to the as-of
    date, `monetary_value` the average revenue of the repeat purchase days (0 without any).
-#}

with

orders as (

    select * from {{ ref('int_lifecycle__orders') }}

),

settings as (

    select * from {{ ref('int_lifecycle__settings') }}

),

purchase_days as (

    select
        contact_id,
        ordered_on,
        sum(amount) as day_amount
    from orders
    group by contact_id, ordered_on

),

firsts as (

    select
        contact_id,
        min(ordered_on) as first_on
    from purchase_days
    group by contact_id

),

summary as (

    select
        purchase_days.contact_id,
        firsts.first_on,
        count(*) - 1 as frequency,
        {{ dbt.datediff('firsts.first_on', 'max(purchase_days.ordered_on)', 'day') }} as recency,  -- noqa: LT05
        {{ dbt.datediff('firsts.first_on', nurture_as_of(), 'day') }} + 1 as t_days,  -- noqa: LT05
        coalesce(
            sum(case when purchase_days.ordered_on > firsts.first_on then purchase_days.day_amount end)
            / nullif(cast(count(*) - 1 as double), 0),
            0
        ) as monetary_value
    from purchase_days
    inner join firsts
        on purchase_days.contact_id = firsts.contact_id
    group by purchase_days.contact_id, firsts.first_on

),

final as (

    select
        summary.contact_id,
        cast(summary.frequency as bigint) as frequency,
        cast(summary.recency as double) as recency,
        cast(summary.t_days as double) as t_days,
        cast(summary.monetary_value as double) as monetary_value,
        settings.clv_horizon_months
    from summary
    cross join settings

)

select * from final
