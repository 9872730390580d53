{#-
    Each unblocked identifier's component: `component_node_id` is the smallest node id of its
    connected component in the identity graph, i.e. its founding (earliest seen) identifier.
    Computed by iterative label propagation (macros/identity/identity_connected_components.sql);
    the work tables are dropped after the build.
-#}
{{ config(
    materialized='table',
    post_hook="{{ identity_drop_work_relations() }}"
) }}

with

nodes as (

    select node_id from {{ ref('int_identity__nodes') }}
    where not is_blocked

),

final as (

    {{ identity_connected_components('nodes', ref('int_identity__edges')) | indent(4) }}

)

select * from final
