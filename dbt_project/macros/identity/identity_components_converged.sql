{#-
    Generic test: the components have converged, i.e. no edge joins two different components.
    Returns the offending edges (none when every edge's ends share a component_node_id).
-#}
{% test identity_components_converged(model, edges) %}
select
    edges.node_a,
    edges.node_b
from {{ edges }} as edges
inner join {{ model }} as side_a on edges.node_a = side_a.node_id
inner join {{ model }} as side_b on edges.node_b = side_b.node_id
where side_a.component_node_id != side_b.component_node_id
{% endtest %}
