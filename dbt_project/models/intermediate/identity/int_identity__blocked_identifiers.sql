{#- The identifiers that create no edge, with why: blocklist patterns and fan-out rules (identity seeds). -#}
{{ config(materialized='table') }}

with

nodes as (

    select * from {{ ref('int_identity__nodes') }}

),

final as (

    select
        identifier_type,
        identifier_value,
        block_reason,
        first_seen_at,
        last_seen_at,
        record_count
    from nodes
    where is_blocked

)

select * from final
