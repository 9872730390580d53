{#-
    Lost customers by the reason they left, for win-back:
    retention status `lost` in `dim_customer_retention`.
-#}

with

retention as (

    select * from {{ ref('dim_customer_retention') }}

),

final as (

    select
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(lost_reason as {{ dbt.type_string() }}) as lost_reason,
        cast(lost_on as date) as lost_on
    from retention
    where retention_status = 'lost'

)

select * from final
