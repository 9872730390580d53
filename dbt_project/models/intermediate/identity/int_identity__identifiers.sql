{#- One row per identifier seen anywhere, with its contact (null when blocked) and its activity. -#}
{{ config(materialized='table') }}

with

nodes as (

    select * from {{ ref('int_identity__nodes') }}

),

resolution as (

    select * from {{ ref('int_identity__resolution') }}

),

final as (

    select
        nodes.identifier_type,
        nodes.identifier_value,
        resolution.contact_id,
        nodes.is_blocked,
        nodes.block_reason,
        nodes.first_seen_at,
        nodes.last_seen_at,
        nodes.record_count
    from nodes
    left join resolution on nodes.node_id = resolution.node_id

)

select * from final
