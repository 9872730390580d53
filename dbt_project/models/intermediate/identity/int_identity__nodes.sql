{#-
    One row per identifier with its activity and its block status: a blocklist pattern match or a
    fan-out rule broken (see the identity seeds). `node_id` is an integer key for the graph steps,
    numbered by first sighting among the identifiers a run numbers, so that the smallest node of a
    component is its founding (earliest seen) identifier. It is not stable across runs: only
    `contact_id` is.

    Incremental (`macros/identity/identity_graph_scope.sql`): a run recomputes the identifiers of the
    contacts its new observations can change, numbered after the node ids the table holds, and keeps
    the others.
-#}
{{ config(
    materialized=nurture_incremental_materialization('table'),
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook="{{ identity_graph_scope_begin() }}",
    post_hook="{{ identity_graph_ran() }}"
) }}
{%- set scoped = identity_graph_nodes_scoped() %}

with

identifiers as (

    select
        activity.identifier_type,
        activity.identifier_value,
        activity.first_seen_at,
        activity.last_seen_at,
        activity.record_count
    from {{ ref('int_identity__identifier_activity') }} as activity
    {%- if scoped %}
    where exists (
        select 1 from {{ identity_graph_scope() }} as scope
        where scope.identifier_type = activity.identifier_type and scope.identifier_value = activity.identifier_value
    )
    {%- endif %}

),

blocks as (

    {{ identity_node_blocks('identifiers', ref('int_identity__fan_out')) | indent(4) }}

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
        ){% if scoped %} + (
            select coalesce(max(numbered.node_id), 0) from (
                select max(held.node_id) as node_id from {{ this }} as held
                union all
                select max(scope.old_node_id) as node_id from {{ identity_graph_scope() }} as scope
            ) as numbered
        ){% endif %} as node_id,
        blocks.block_reason is not null as is_blocked
    from identifiers
    left join blocks
        on
            identifiers.identifier_type = blocks.identifier_type
            and identifiers.identifier_value = blocks.identifier_value

)

select * from final
