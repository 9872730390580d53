{#-
    Value tier history: each customer's PMGTG tier at the end of each of the last months with orders
    and at the as-of date, with the tier it had at the snapshot before.
-#}

with

snapshots as (

    select * from {{ ref('int_lifecycle__value_tier_snapshots') }}

),

final as (

    select
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(snapshot_on as date) as snapshot_on,
        cast(revenue_12m as double) as revenue_12m,
        cast(revenue_to_date as double) as revenue_to_date,
        cast(revenue_12m_percent_rank as double) as revenue_12m_percent_rank,
        cast(value_tier as {{ dbt.type_string() }}) as value_tier,
        cast(
            lag(value_tier) over (partition by contact_id order by snapshot_on) as {{ dbt.type_string() }}
        ) as previous_value_tier
    from snapshots

)

select * from final
