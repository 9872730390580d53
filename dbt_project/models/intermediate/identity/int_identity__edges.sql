{#-
    The identity graph's edges: two unblocked identifiers seen on the same record. Each record links
    its identifiers as a star around its smallest node (n - 1 edges instead of n * (n - 1) / 2; the
    components are the same). One row per edge (node_a < node_b), with how often and when it was seen.
    Incremental with the nodes (`macros/identity/identity_graph_scope.sql`): a run recomputes the
    edges of the records that carry an identifier of the scope (all their unblocked identifiers are
    in it) and keeps the others.
-#}
{{ config(
    materialized=nurture_incremental_materialization('table'),
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook="{{ identity_graph_forget(identity_graph_scoped(),
        'held.node_a in (select scope.old_node_id from ' ~ identity_graph_scope() ~ ' as scope)'
        ~ ' or held.node_b in (select scope.old_node_id from ' ~ identity_graph_scope() ~ ' as scope)') }}",
    post_hook="{{ identity_graph_ran() }}"
) }}
{%- set scoped = identity_graph_scoped() %}

with

observations as (

    select observations.* from {{ ref('int_identity__observations') }} as observations
    {%- if scoped %}
    inner join {{ identity_graph_scope() }} as scope
        on
            observations.identifier_type = scope.identifier_type
            and observations.identifier_value = scope.identifier_value
    {%- endif %}

),

nodes as (

    select * from {{ ref('int_identity__nodes') }}

),

record_nodes as (

    select distinct
        observations.record_source,
        observations.record_id,
        observations.occurred_at,
        nodes.node_id
    from observations
    inner join nodes
        on
            observations.identifier_type = nodes.identifier_type
            and observations.identifier_value = nodes.identifier_value
    where not nodes.is_blocked and {{ identity_linking_records('observations') }}

),

record_anchors as (

    select
        record_source,
        record_id,
        min(node_id) as anchor_node_id
    from record_nodes
    group by record_source, record_id

),

final as (

    select
        record_anchors.anchor_node_id as node_a,
        record_nodes.node_id as node_b,
        count(*) as record_count,
        min(record_nodes.occurred_at) as first_linked_at,
        max(record_nodes.occurred_at) as last_linked_at
    from record_nodes
    inner join record_anchors
        on
            record_nodes.record_source = record_anchors.record_source
            and record_nodes.record_id = record_anchors.record_id
    where record_nodes.node_id != record_anchors.anchor_node_id
    group by record_anchors.anchor_node_id, record_nodes.node_id

)

select * from final
