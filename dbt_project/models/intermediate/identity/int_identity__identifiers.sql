{#-
    One row per identifier seen anywhere, with its contact (null when blocked) and its activity.

    Incremental with the identity graph (`macros/identity/identity_graph_scope.sql`): a run writes
    again the identifiers of the graph's scope, whose nodes and contacts it recomputed, and keeps the
    others; every identifier when the graph recomputed every identifier.
-#}
{{ config(
    materialized=nurture_incremental_materialization('table'),
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook="{{ identity_graph_forget(identity_graph_scoped(), identity_in_graph_scope('held')) }}",
    post_hook="{{ identity_graph_ran() }}"
) }}
{%- set scoped = identity_graph_scoped() %}

with

nodes as (

    select nodes.* from {{ ref('int_identity__nodes') }} as nodes
    {%- if scoped %}
    where {{ identity_in_graph_scope('nodes') }}
    {%- endif %}

),

resolution as (

    select resolution.* from {{ ref('int_identity__resolution') }} as resolution
    {%- if scoped %}
    where {{ identity_in_graph_scope('resolution') }}
    {%- endif %}

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
