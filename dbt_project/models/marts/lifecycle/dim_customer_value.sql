{#-
    One row per contact with placed orders: revenue, orders, average basket, first and last order,
    RFM scores (quintiles, 5 = best), PMGTG value tier, historical CLV and, on DuckDB, the predicted
    CLV of `int_lifecycle__clv_predictions` (null on other engines).
-#}

{%- set predict_clv = target.type == 'duckdb' %}

with

orders as (

    select * from {{ ref('int_lifecycle__orders') }}

),

tiers as (

    select * from {{ ref('int_lifecycle__value_tier_snapshots') }}
    where snapshot_on = {{ nurture_as_of() }}

),

{%- if predict_clv %}

clv_predictions as (

    select * from {{ ref('int_lifecycle__clv_predictions') }}

),
{%- endif %}

customers as (

    select
        contact_id,
        sum(amount) as revenue,
        count(*) as order_count,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at
    from orders
    group by contact_id

),

scored as (

    select
        customers.*,
        ntile(5) over (order by customers.last_order_at, customers.contact_id) as recency_score,
        ntile(5) over (order by customers.order_count, customers.contact_id) as frequency_score,
        ntile(5) over (order by customers.revenue, customers.contact_id) as monetary_score
    from customers

),

final as (

    select
        cast(scored.contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(scored.revenue as double) as revenue,
        cast(tiers.revenue_12m as double) as revenue_12m,
        cast(scored.order_count as bigint) as order_count,
        cast(scored.revenue / cast(scored.order_count as double) as double) as avg_basket,
        cast(scored.first_order_at as timestamp) as first_order_at,
        cast(scored.last_order_at as timestamp) as last_order_at,
        cast(
            {{ dbt.datediff('cast(scored.last_order_at as date)', nurture_as_of(), 'day') }} as bigint  -- noqa: LT05
        ) as days_since_last_order,
        cast(scored.recency_score as integer) as recency_score,
        cast(scored.frequency_score as integer) as frequency_score,
        cast(scored.monetary_score as integer) as monetary_score,
        cast(
            {{ dbt.concat([
                'cast(scored.recency_score as ' ~ dbt.type_string() ~ ')',
                'cast(scored.frequency_score as ' ~ dbt.type_string() ~ ')',
                'cast(scored.monetary_score as ' ~ dbt.type_string() ~ ')',
            ]) }} as {{ dbt.type_string() }}
        ) as rfm_segment,
        cast(tiers.value_tier as {{ dbt.type_string() }}) as value_tier,
        cast(tiers.tier_label as {{ dbt.type_string() }}) as value_tier_label,
        scored.order_count > 1 as is_repeat_customer,
        cast(scored.revenue as double) as clv_historical,
        {%- if predict_clv %}
        cast(clv_predictions.clv_predicted as double) as clv_predicted,
        cast(clv_predictions.expected_purchases as double) as expected_purchases,
        cast(clv_predictions.probability_alive as double) as probability_alive,
        cast(clv_predictions.clv_model_status as {{ dbt.type_string() }}) as clv_model_status,
        {%- else %}
        cast(null as double) as clv_predicted,
        cast(null as double) as expected_purchases,
        cast(null as double) as probability_alive,
        cast('not computed on {{ target.type }}' as {{ dbt.type_string() }}) as clv_model_status,
        {%- endif %}
        cast({{ nurture_as_of() }} as date) as as_of
    from scored
    inner join tiers
        on scored.contact_id = tiers.contact_id
    {%- if predict_clv %}
    left join clv_predictions
        on scored.contact_id = clv_predictions.contact_id
    {%- endif %}

)

select * from final
