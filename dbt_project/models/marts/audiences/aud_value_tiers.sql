{#- Customers by value tier (small, medium, large, very large), for cross-sell and up-sell. -#}

with

customer_value as (

    select * from {{ ref('dim_customer_value') }}

),

final as (

    select
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(value_tier as {{ dbt.type_string() }}) as value_tier,
        cast(revenue_12m as double) as revenue_12m,
        cast(order_count as bigint) as order_count,
        cast(avg_basket as double) as avg_basket
    from customer_value
    where value_tier is not null

)

select * from final
