{#-
    Customers at risk of churn (churn signals since their last purchase), for retention:
    retention status `churn_risk` in `dim_customer_retention`.
-#}

with

retention as (

    select * from {{ ref('dim_customer_retention') }}

),

final as (

    select
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(churn_signals as {{ dbt.type_string() }}) as churn_signals,
        cast(days_since_purchase as bigint) as days_since_purchase
    from retention
    where retention_status = 'churn_risk'

)

select * from final
