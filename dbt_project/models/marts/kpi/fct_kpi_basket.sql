{#-
    Average basket of new vs existing customers per month: an order is a new customer's when it is
    the contact's first order, an existing customer's otherwise. `basket_uplift` on the existing
    customers' row is their average basket relative to the new customers' of the same month
    (0.2 = 20 % above).
-#}

with

orders as (

    select * from {{ ref('int_lifecycle__orders') }}

),

typed as (

    select
        cast({{ dbt.date_trunc('month', 'ordered_on') }} as date) as order_month,
        case when order_number = 1 then 'new' else 'existing' end as customer_type,
        contact_id,
        amount
    from orders

),

aggregated as (

    select
        order_month,
        customer_type,
        count(*) as orders,
        count(distinct contact_id) as customers,
        sum(amount) as revenue,
        avg(amount) as avg_basket
    from typed
    group by order_month, customer_type

),

new_baskets as (

    select
        order_month,
        avg_basket as new_avg_basket
    from aggregated
    where customer_type = 'new'

),

final as (

    select
        cast(aggregated.order_month as date) as order_month,
        cast(aggregated.customer_type as {{ dbt.type_string() }}) as customer_type,
        cast(aggregated.orders as bigint) as orders,
        cast(aggregated.customers as bigint) as customers,
        cast(aggregated.revenue as double) as revenue,
        cast(aggregated.avg_basket as double) as avg_basket,
        cast(
            case
                when aggregated.customer_type = 'existing'
                    then aggregated.avg_basket / nullif(new_baskets.new_avg_basket, 0) - 1
            end as double
        ) as basket_uplift
    from aggregated
    left join new_baskets
        on aggregated.order_month = new_baskets.order_month

)

select * from final
