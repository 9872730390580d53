{#-
    One row per identifier (identifier_type, identifier_value) with its activity and its block
    status: a blocklist pattern match or a fan-out rule broken (see the identity seeds). `node_id`
    is a run-local integer key for the graph steps, numbered by first sighting so that the smallest
    node of a component is its founding (earliest seen) identifier. It is not stable across runs:
    only `contact_id` is.
-#}
{{ config(materialized='table') }}

with

identifiers as (

    select
        identifier_type,
        identifier_value,
        first_seen_at,
        last_seen_at,
        record_count
    from {{ ref('int_identity__identifier_activity') }}

),

fan_out as (

    select
        identifier_type,
        identifier_value,
        linked_identifier_type,
        linked_count
    from {{ ref('int_identity__fan_out') }}

),

blocklist as (

    select * from {{ ref('identity_blocklist') }}

),

link_limits as (

    select * from {{ ref('identity_link_limits') }}

),

pattern_blocks as (

    select
        identifiers.identifier_type,
        identifiers.identifier_value,
        'blocklist: ' || blocklist.reason as block_reason
    from identifiers
    inner join blocklist
        on
            identifiers.identifier_type = blocklist.identifier_type
            and identifiers.identifier_value like blocklist.value_pattern

),

fan_out_blocks as (

    select
        fan_out.identifier_type,
        fan_out.identifier_value,
        'fan-out: '
        || cast(fan_out.linked_count as {{ dbt.type_string() }})
        || ' ' || fan_out.linked_identifier_type
        || ' > ' || cast(link_limits.max_linked as {{ dbt.type_string() }})
        || ' (' || link_limits.reason || ')' as block_reason
    from fan_out
    inner join link_limits
        on
            fan_out.identifier_type = link_limits.identifier_type
            and fan_out.linked_identifier_type = link_limits.linked_identifier_type
            and fan_out.identifier_value like link_limits.value_pattern
    where fan_out.linked_count > link_limits.max_linked

),

blocks as (

    select
        identifier_type,
        identifier_value,
        {{ nurture_listagg_sorted('block_reason', "'; '") }} as block_reason
    from (
        select * from pattern_blocks
        union all
        select * from fan_out_blocks
    ) as reasons
    group by identifier_type, identifier_value

),

final as (

    select
        identifiers.identifier_type,
        identifiers.identifier_value,
        identifiers.first_seen_at,
        identifiers.last_seen_at,
        identifiers.record_count,
        blocks.block_reason,
        row_number() over (
            order by
                identifiers.first_seen_at,
                identifiers.identifier_type,
                identifiers.identifier_value
        ) as node_id,
        blocks.block_reason is not null as is_blocked
    from identifiers
    left join blocks
        on
            identifiers.identifier_type = blocks.identifier_type
            and identifiers.identifier_value = blocks.identifier_value

)

select * from final
