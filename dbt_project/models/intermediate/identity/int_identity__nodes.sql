{#-
    One row per identifier (identifier_type, identifier_value) with its activity and its block
    status: a blocklist pattern match or a fan-out rule broken (see the identity seeds). `node_id`
    is a run-local integer key for the graph steps, numbered by first sighting so that the smallest
    node of a component is its founding (earliest seen) identifier. It is not stable across runs:
    only `contact_id` is.
-#}
{{ config(materialized='table') }}

with

observations as (

    select * from {{ ref('int_identity__observations') }}

),

-- read apart from `observations` (the self-join below reads it twice): a CTE read more than once
-- is written out in full first, and these are a third of the observations
linking_observations as (

    select * from {{ ref('int_identity__observations') }} as observations
    where {{ identity_linking_records('observations') }}

),

blocklist as (

    select * from {{ ref('identity_blocklist') }}

),

link_limits as (

    select * from {{ ref('identity_link_limits') }}

),

role_identifiers as (

    select * from {{ ref('identity_role_identifiers') }}

),

identifiers as (

    select
        identifier_type,
        identifier_value,
        min(occurred_at) as first_seen_at,
        max(occurred_at) as last_seen_at,
        count(*) as record_count
    from observations
    group by identifier_type, identifier_value

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

-- role mailboxes speak for a team: a person's device or phone seen with their own address and their
-- team's is not a shared device, so role identifiers do not count in another identifier's fan-out
-- (they have tight limits of their own in the link limits)
role_values as (

    select distinct
        identifiers.identifier_type,
        identifiers.identifier_value
    from identifiers
    inner join role_identifiers
        on
            identifiers.identifier_type = role_identifiers.identifier_type
            and identifiers.identifier_value like role_identifiers.value_pattern

),

linked_pairs as (

    select distinct
        observed.identifier_type,
        observed.identifier_value,
        linked.identifier_type as linked_identifier_type,
        linked.identifier_value as linked_identifier_value
    from linking_observations as observed
    inner join linking_observations as linked
        on
            observed.record_source = linked.record_source
            and observed.record_id = linked.record_id
            and observed.identifier_type != linked.identifier_type
    left join role_values
        on
            linked.identifier_type = role_values.identifier_type
            and linked.identifier_value = role_values.identifier_value
    where
        role_values.identifier_value is null

),

fan_out as (

    select
        identifier_type,
        identifier_value,
        linked_identifier_type,
        count(*) as linked_count
    from linked_pairs
    group by identifier_type, identifier_value, linked_identifier_type

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
