{#-
    One row per unblocked identifier with its contact_id for this run, and the one it had before.

    Stability rules (the previous assignment is int_identity__contact_state, the state a build leaves):
    - a component whose identifiers carried no contact_id gets a new one (identity_contact_id of its
      founding identifier);
    - a component whose identifiers carried one contact_id keeps it (new identifiers join it);
    - a component whose identifiers carried several (a merge) keeps the oldest: the one whose
      identifiers were first seen earliest, ties by contact_id; the others are logged as merged;
    - a contact_id carried by identifiers that now sit in several components (a split, e.g. after
      blocklisting the identifier that bridged them) stays with the component holding its earliest
      seen identifier; the other components are treated as if they had not carried it.

    Incremental with the nodes (`macros/identity/identity_graph_scope.sql`): a run recomputes the
    scope's identifiers and keeps the others, whose previous contact_id becomes the one they kept;
    every identifier when a contact_id a scope identifier had is held outside the scope.
-#}
{%- set state = identity_previous_state() %}
{{ config(
    materialized=nurture_incremental_materialization('table'),
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook="{{ identity_resolution_scope_begin() }}",
    post_hook="{{ identity_graph_ran() }}"
) }}
{%- set scoped = identity_resolution_scoped() %}

with

nodes as (

    select * from {{ ref('int_identity__nodes') }}

),

components as (

    select * from {{ ref('int_identity__components') }}

),

previous_state as (

    {%- if state is not none %}
    select
        identifier_type,
        identifier_value,
        contact_id
    from {{ state }}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as identifier_type,
        cast(null as {{ dbt.type_string() }}) as identifier_value,
        cast(null as {{ dbt.type_string() }}) as contact_id
    where 1 = 0
    {%- endif %}

),

members as (

    select
        components.component_node_id,
        nodes.node_id,
        nodes.identifier_type,
        nodes.identifier_value,
        nodes.first_seen_at,
        previous_state.contact_id as previous_contact_id
    from components
    inner join nodes on components.node_id = nodes.node_id
    {%- if scoped %}
    inner join {{ identity_graph_scope() }} as scope
        on nodes.identifier_type = scope.identifier_type and nodes.identifier_value = scope.identifier_value
    {%- endif %}
    left join previous_state
        on
            nodes.identifier_type = previous_state.identifier_type
            and nodes.identifier_value = previous_state.identifier_value

),

claims as (

    select
        component_node_id,
        previous_contact_id,
        min(first_seen_at) as claimed_first_seen_at,
        min(node_id) as claimed_node_id
    from members
    where previous_contact_id is not null
    group by component_node_id, previous_contact_id

),

claims_ranked as (

    select
        component_node_id,
        previous_contact_id,
        claimed_first_seen_at,
        claimed_node_id,
        row_number() over (
            partition by previous_contact_id
            order by claimed_node_id
        ) as claim_rank
    from claims

),

survivors as (

    select
        component_node_id,
        previous_contact_id,
        row_number() over (
            partition by component_node_id
            order by claimed_first_seen_at, previous_contact_id
        ) as survivor_rank
    from claims_ranked
    where claim_rank = 1

),

founders as (

    select
        component_node_id,
        {{ identity_contact_id('identifier_type', 'identifier_value') }} as founded_contact_id
    from members
    where node_id = component_node_id

),

assigned as (

    select
        founders.component_node_id,
        coalesce(survivors.previous_contact_id, founders.founded_contact_id) as contact_id
    from founders
    left join survivors
        on
            founders.component_node_id = survivors.component_node_id
            and survivors.survivor_rank = 1

),

final as (

    select
        members.identifier_type,
        members.identifier_value,
        members.node_id,
        members.component_node_id,
        members.first_seen_at,
        members.previous_contact_id,
        assigned.contact_id
    from members
    inner join assigned on members.component_node_id = assigned.component_node_id

)

select * from final
