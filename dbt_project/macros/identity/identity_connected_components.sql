{#-
    Connected components of the identity graph by min-label propagation with pointer jumping.

    Every node starts with its own id as label (a pointer to its parent; roots point to themselves).
    One step: each node takes the smallest label among itself and its neighbours, and a node that is
    the label of others also takes the smallest neighbour label of any node pointing to it (hooking:
    a whole tree moves at once); then each node jumps to the label of its new label (shortcutting).
    Labels only decrease and stay inside the component; hooking + shortcutting shrinks chains
    geometrically, so the number of steps grows with the log of the component diameter. The labels have converged
    when a step changes nothing; as labels only decrease, "nothing changed" is "the sum of labels is
    the same", one scan instead of a join. The result labels each node with the smallest node id of
    its component.

    Two modes, the same step SQL (identity_label_step):
    - iterative (dbt run / build of the model): each step is a table (`create table as`, portable
      through get_create_table_as_sql), run with run_query until converged or
      `identity_max_iterations` (var, default 40) is reached, which raises an error.
      Only nodes that have an edge take part; isolated nodes keep their own id.
    - unrolled (unit tests, compile, lint): `identity_unrolled_iterations` (var, default 4) steps as
      CTEs, enough for the small graphs of unit tests (a chain of 2^4 nodes).

    Returns the SQL of a select with columns node_id, component_node_id for every node of `nodes`
    (a relation or CTE name with node_id) given `edges` (node_a, node_b).
-#}
{% macro identity_connected_components(nodes, edges) -%}
    {%- if execute and model.resource_type == 'model' and flags.WHICH in ('run', 'build') -%}
        {{ return(identity_components_iterative(nodes, edges)) }}
    {%- else -%}
        {{ return(identity_components_unrolled(nodes, edges)) }}
    {%- endif -%}
{%- endmacro %}


{% macro identity_label_step(labels, directed_edges) -%}
with lower_edges as (
    {{ identity_lower_edges(labels, directed_edges) | indent(4) }}
),

proposed as (
    {{ identity_label_proposal(labels, directed_edges) | indent(4) }}
)
select
    proposed.node_id,
    case when jumped.label < proposed.label then jumped.label else proposed.label end as label
from proposed
inner join proposed as jumped on proposed.label = jumped.node_id
{%- endmacro %}


{#-
    One hook step: a node's label becomes the smallest of its own label, its neighbours' labels (min
    propagation) and, when the node is itself a label (a root of others), the smallest neighbour label
    of any node pointing to it (hooking: whole trees move at once, which halves chains quickly).
-#}
{% macro identity_label_proposal(labels, directed_edges) -%}
select
    current_label.node_id,
    case
        when hooked.label < current_label.label then hooked.label else current_label.label
    end as label
from {{ labels }} as current_label
left join (
    select
        candidates.node_id,
        min(candidates.label) as label
    from (
        select
            lower_edges.src as node_id,
            lower_edges.dst_label as label
        from lower_edges
        union all
        select
            lower_edges.src_label as node_id,
            lower_edges.dst_label as label
        from lower_edges
    ) as candidates
    group by candidates.node_id
) as hooked on current_label.node_id = hooked.node_id
{%- endmacro %}


{#- The edges whose far end has a smaller label than the near end (the only ones that move labels). -#}
{% macro identity_lower_edges(labels, directed_edges) -%}
select
    edge.src,
    near.label as src_label,
    far.label as dst_label
from {{ directed_edges }} as edge
inner join {{ labels }} as near on edge.src = near.node_id
inner join {{ labels }} as far on edge.dst = far.node_id
where far.label < near.label
{%- endmacro %}


{% macro identity_directed_edges(edges) -%}
select node_a as src, node_b as dst from {{ edges }}
union all
select node_b as src, node_a as dst from {{ edges }}
{%- endmacro %}


{% macro identity_work_relation(suffix) -%}
    {{ return(api.Relation.create(
        database=this.database, schema=this.schema, identifier=this.identifier ~ '__' ~ suffix, type='table'
    )) }}
{%- endmacro %}


{% macro identity_drop_work_relations() -%}
    {%- if execute and model.resource_type == 'model' -%}
        {%- for suffix in ['edges', 'labels_a', 'labels_b'] -%}
            {%- do adapter.drop_relation(identity_work_relation(suffix)) -%}
        {%- endfor -%}
    {%- endif -%}
    select 1 as done
{%- endmacro %}


{% macro identity_components_iterative(nodes, edges) -%}
    {%- set max_iterations = var('identity_max_iterations', 40) | int -%}
    {%- set edge_rel = identity_work_relation('edges') -%}
    {%- set slots = [identity_work_relation('labels_a'), identity_work_relation('labels_b')] -%}
    {%- for rel in [edge_rel] + slots -%}
        {%- do adapter.drop_relation(rel) -%}
    {%- endfor -%}
    {%- do run_query(get_create_table_as_sql(False, edge_rel, identity_directed_edges(edges))) -%}
    {%- set start_sql -%}
        select distinct src as node_id, src as label from {{ edge_rel }}
    {%- endset -%}
    {%- do run_query(get_create_table_as_sql(False, slots[0], start_sql)) -%}
    {%- set sum_sql = 'select count(*) as n, coalesce(sum(cast(label as ' ~ dbt.type_numeric() ~ ')), 0) as s from ' -%}
    {%- set previous = run_query(sum_sql ~ slots[0]).rows[0] -%}
    {%- set state = {'sum': previous[1], 'converged': (previous[0] == 0), 'iterations': 0, 'current': 0} -%}
    {%- for i in range(max_iterations) if not state.converged -%}
        {%- set source_slot = slots[state.current] -%}
        {%- set target_slot = slots[1 - state.current] -%}
        {%- do adapter.drop_relation(target_slot) -%}
        {%- do run_query(get_create_table_as_sql(False, target_slot, identity_label_step(source_slot, edge_rel))) -%}
        {%- set label_sum = run_query(sum_sql ~ target_slot).rows[0][1] -%}
        {%- do state.update({'iterations': i + 1, 'current': 1 - state.current,
                              'converged': label_sum == state.sum, 'sum': label_sum}) -%}
        {%- do log('identity components: iteration ' ~ (i + 1) ~ ', label sum ' ~ label_sum, info=True) -%}
    {%- endfor -%}
    {%- if not state.converged -%}
        {%- do exceptions.raise_compiler_error(
            'identity components did not converge in ' ~ max_iterations
            ~ ' iterations (var identity_max_iterations)') -%}
    {%- endif -%}
    {%- do log('identity components: converged after ' ~ state.iterations ~ ' iterations', info=True) -%}
select
    nodes.node_id,
    coalesce(labels.label, nodes.node_id) as component_node_id,
    {{ state.iterations }} as iterations
from {{ nodes }} as nodes
left join {{ slots[state.current] }} as labels on nodes.node_id = labels.node_id
{%- endmacro %}


{% macro identity_components_unrolled(nodes, edges) -%}
    {%- set steps = var('identity_unrolled_iterations', 4) | int -%}
select
    nodes.node_id,
    coalesce(labels.label, nodes.node_id) as component_node_id,
    {{ steps }} as iterations
from {{ nodes }} as nodes
left join (
    with
    directed_edges as (
        {{ identity_directed_edges(edges) | indent(8) }}
    ),
    labels_0 as (
        select distinct src as node_id, src as label from directed_edges
    ),
    {%- for i in range(steps) %}
    labels_{{ i + 1 }} as (
        {{ identity_label_step('labels_' ~ i, 'directed_edges') | indent(8) }}
    ){% if not loop.last %},{% endif %}
    {%- endfor %}
    select * from labels_{{ steps }}
) as labels on nodes.node_id = labels.node_id
{%- endmacro %}
