{#-
    Inactive customers, for a reconnection campaign:
    retention status `inactive` in `dim_customer_retention`.
-#}

with

retention as (

    select * from {{ ref('dim_customer_retention') }}

),

final as (

    select
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(days_since_purchase as bigint) as days_since_purchase,
        cast(last_purchase_on as date) as last_purchase_on
    from retention
    where retention_status = 'inactive'

)

select * from final
