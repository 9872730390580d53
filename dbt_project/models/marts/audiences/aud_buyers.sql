{#- Buyers: contacts with at least one order that was not cancelled, to exclude from acquisition. -#}

with

contacts as (

    select * from {{ ref('dim_contacts') }}

),

final as (

    select
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(order_count as bigint) as order_count
    from contacts
    where is_customer = true

)

select * from final
