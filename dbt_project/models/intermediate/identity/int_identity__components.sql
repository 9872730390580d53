{#-
    Each unblocked identifier's component: `component_node_id` is the smallest node id of its
    connected component in the identity graph, i.e. its founding (earliest seen) identifier.
    Computed by iterative label propagation (macros/identity/identity_connected_components.sql);
    the work tables are dropped after the build.
    Incremental with the nodes (`macros/identity/identity_graph_scope.sql`): a run recomputes the
    components of the scope's nodes from their edges (the scope holds whole components) and keeps
    the others.
-#}
{{ config(
    materialized=nurture_incremental_materialization('table'),
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook="{{ identity_graph_forget(identity_graph_scoped(),
        'held.node_id in (select scope.old_node_id from ' ~ identity_graph_scope() ~ ' as scope)') }}",
    post_hook=["{{ identity_drop_work_relations() }}", "{{ identity_graph_ran() }}"]
) }}
{%- set scoped = identity_graph_scoped() %}
{%- set edges = ref('int_identity__edges') %}
{%- if scoped %}
    {%- set edges = '(select * from ' ~ edges ~ ' where node_a in ' ~ identity_graph_scope_nodes() ~ ') as scoped_edges' %}
{%- endif %}

with

nodes as (

    select node_id from {{ ref('int_identity__nodes') }}
    where not is_blocked
    {%- if scoped %} and node_id in {{ identity_graph_scope_nodes() }}{% endif %}

),

final as (

    {{ identity_connected_components('nodes', edges) | indent(4) }}

)

select * from final
