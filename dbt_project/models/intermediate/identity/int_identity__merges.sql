{#-
    The merge log: one row per run and contact_id change, appended by every build (incremental,
    never fully refreshed).
    - `merge`: the identifiers of `previous_contact_id` now belong to `contact_id` (the surviving,
      oldest contact); `via_*` name an edge that joined them (the two identifiers and the latest
      record carrying both).
    - `split`: some identifiers of `previous_contact_id` (which another component kept) now form
      their own contact `contact_id`, e.g. after an identifier was blocklisted; no edge.
-#}
{{ config(
    materialized='incremental',
    full_refresh=false,
    on_schema_change='append_new_columns'
) }}

{#- Whether any identifier changed contact_id in this run (counted when the model runs; not when
    only compiling, e.g. for the linter, without a warehouse). -#}
{%- set any_change = true -%}
{%- if execute and load_relation(ref('int_identity__resolution')) is not none -%}
    {%- set counted -%}
        select count(*) from {{ ref('int_identity__resolution') }}
        where previous_contact_id is not null and previous_contact_id != contact_id
    {%- endset -%}
    {%- set any_change = run_query(counted).columns[0].values()[0] > 0 -%}
{%- endif %}

with

resolution as (

    select * from {{ ref('int_identity__resolution') }}

),

edges as (

    select * from {{ ref('int_identity__edges') }}

),

observations as (

    select * from {{ ref('int_identity__observations') }}

),

changes as (

    select
        component_node_id,
        previous_contact_id,
        contact_id,
        count(*) as identifier_count
    from resolution
    -- with no contact_id changed (a first build), `and false`: the joins below are not planned at all
    where previous_contact_id is not null and previous_contact_id != contact_id{{ '' if any_change else ' and false' }}
    group by component_node_id, previous_contact_id, contact_id

),

kept_ids as (

    select distinct contact_id from resolution

),

-- the identifiers of the components where a contact_id changed, and their edges (an edge joins two
-- identifiers of one component): the bridges are among them, and the joins below read those only
changed_components as (

    select resolution.*
    from resolution
    where resolution.component_node_id in (select changes.component_node_id from changes)

),

changed_edges as (

    select edges.*
    from edges
    where edges.node_a in (select changed_components.node_id from changed_components)

),

undirected_edges as (

    select
        node_a as node_id,
        node_b as other_node_id,
        last_linked_at
    from changed_edges
    union all
    select
        node_b as node_id,
        node_a as other_node_id,
        last_linked_at
    from changed_edges

),

-- edges from an identifier of the merged contact to one that was not in it
bridge_edges as (

    select
        changes.previous_contact_id,
        changes.contact_id,
        inside.identifier_type as type_a,
        inside.identifier_value as value_a,
        outside.identifier_type as type_b,
        outside.identifier_value as value_b,
        row_number() over (
            partition by changes.previous_contact_id, changes.contact_id
            order by undirected_edges.last_linked_at desc, outside.node_id asc, inside.node_id asc
        ) as bridge_rank
    from changes
    inner join changed_components as inside
        on
            changes.component_node_id = inside.component_node_id
            and changes.previous_contact_id = inside.previous_contact_id
    inner join undirected_edges on inside.node_id = undirected_edges.node_id
    inner join changed_components as outside
        on
            undirected_edges.other_node_id = outside.node_id
            and changes.previous_contact_id != coalesce(outside.previous_contact_id, '')

),

bridges as (

    select * from bridge_edges
    where bridge_rank = 1

),

-- the records carrying each side of the bridge: filtered through the (few) bridges first, so that
-- the observation table is never joined with itself, and read once (a CTE read twice is written
-- out in full first)
bridge_sides as (

    select
        previous_contact_id,
        contact_id,
        'a' as side,
        type_a as identifier_type,
        value_a as identifier_value
    from bridges
    union all
    select
        previous_contact_id,
        contact_id,
        'b' as side,
        type_b as identifier_type,
        value_b as identifier_value
    from bridges

),

bridge_observations as (

    select
        bridge_sides.previous_contact_id,
        bridge_sides.contact_id,
        bridge_sides.side,
        observations.record_source,
        observations.record_id,
        observations.occurred_at
    from bridge_sides
    inner join observations
        on
            bridge_sides.identifier_type = observations.identifier_type
            and bridge_sides.identifier_value = observations.identifier_value
    where {{ identity_linking_records('observations') }}

),

bridge_observations_a as (

    select * from bridge_observations
    where side = 'a'

),

bridge_observations_b as (

    select * from bridge_observations
    where side = 'b'

),

bridge_records as (

    select
        side_a.previous_contact_id,
        side_a.contact_id,
        side_a.record_source,
        side_a.record_id,
        row_number() over (
            partition by side_a.previous_contact_id, side_a.contact_id
            order by side_a.occurred_at desc, side_a.record_source asc, side_a.record_id asc
        ) as record_rank
    from bridge_observations_a as side_a
    inner join bridge_observations_b as side_b
        on
            side_a.previous_contact_id = side_b.previous_contact_id
            and side_a.contact_id = side_b.contact_id
            and side_a.record_source = side_b.record_source
            and side_a.record_id = side_b.record_id

),

final as (

    select
        {{ identity_run_time() }} as resolved_at,
        '{{ invocation_id }}' as invocation_id,
        case when kept_ids.contact_id is not null then 'split' else 'merge' end as event_type,
        changes.contact_id,
        changes.previous_contact_id,
        changes.identifier_count,
        bridges.type_a as via_identifier_type_a,
        bridges.value_a as via_identifier_value_a,
        bridges.type_b as via_identifier_type_b,
        bridges.value_b as via_identifier_value_b,
        bridge_records.record_source as via_record_source,
        bridge_records.record_id as via_record_id
    from changes
    left join kept_ids on changes.previous_contact_id = kept_ids.contact_id
    left join bridges
        on
            changes.previous_contact_id = bridges.previous_contact_id
            and changes.contact_id = bridges.contact_id
            and kept_ids.contact_id is null
    left join bridge_records
        on
            bridges.previous_contact_id = bridge_records.previous_contact_id
            and bridges.contact_id = bridge_records.contact_id
            and bridge_records.record_rank = 1

)

select * from final
