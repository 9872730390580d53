{#-
    Value tier of each customer at each snapshot date: the last day of each of the last
    `value_tier_history_months` months with orders, and the as-of date. Trailing-12-month revenue
    is the revenue of the 365 days up to the snapshot; the tier follows `value_tier_method`
    (`quantile`: percent rank among the customers of the snapshot; `amount`: revenue cut-offs).
-#}

with

orders as (

    select * from {{ ref('int_lifecycle__orders') }}

),

settings as (

    select * from {{ ref('int_lifecycle__settings') }}

),

value_tiers as (

    select * from {{ ref('value_tiers') }}

),

order_months as (

    select distinct cast({{ dbt.date_trunc('month', 'ordered_on') }} as date) as month_start
    from orders

),

month_ends as (

    select
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'month_start')) }} as date) as snapshot_on,
        row_number() over (order by month_start desc) as months_back
    from order_months

),

snapshots as (

    select month_ends.snapshot_on
    from month_ends
    cross join settings
    where
        month_ends.snapshot_on < {{ nurture_as_of() }}
        and month_ends.months_back <= settings.value_tier_history_months + 1
    union all
    select {{ nurture_as_of() }} as snapshot_on

),

customer_revenue as (

    select
        snapshots.snapshot_on,
        orders.contact_id,
        sum(
            case
                when orders.ordered_on > {{ dbt.dateadd('day', -365, 'snapshots.snapshot_on') }}
                    then orders.amount
                else 0
            end
        ) as revenue_12m,
        sum(orders.amount) as revenue_to_date
    from snapshots
    inner join orders
        on snapshots.snapshot_on >= orders.ordered_on
    group by snapshots.snapshot_on, orders.contact_id

),

ranked as (

    select
        customer_revenue.*,
        percent_rank() over (
            partition by customer_revenue.snapshot_on order by customer_revenue.revenue_12m
        ) as revenue_12m_percent_rank
    from customer_revenue

),

tiered as (

    select
        ranked.snapshot_on,
        ranked.contact_id,
        ranked.revenue_12m,
        ranked.revenue_to_date,
        ranked.revenue_12m_percent_rank,
        max(value_tiers.tier_rank) as tier_rank
    from ranked
    cross join settings
    inner join value_tiers
        on
            (settings.value_tier_method = 'quantile' and ranked.revenue_12m_percent_rank >= value_tiers.min_quantile)
            or (settings.value_tier_method = 'amount' and ranked.revenue_12m >= value_tiers.min_revenue_12m)
            -- the first tier takes everyone below every cut-off (a net negative revenue included)
            or value_tiers.tier_rank = 1
    group by
        ranked.snapshot_on,
        ranked.contact_id,
        ranked.revenue_12m,
        ranked.revenue_to_date,
        ranked.revenue_12m_percent_rank

),

final as (

    select
        tiered.snapshot_on,
        tiered.contact_id,
        tiered.revenue_12m,
        tiered.revenue_to_date,
        tiered.revenue_12m_percent_rank,
        value_tiers.value_tier,
        value_tiers.tier_label
    from tiered
    inner join value_tiers
        on tiered.tier_rank = value_tiers.tier_rank

)

select * from final
