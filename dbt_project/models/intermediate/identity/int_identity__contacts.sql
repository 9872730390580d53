{#-
    One row per contact (unified person). `is_anonymous`: all its identifiers are cookies
    (anonymous_id), i.e. a visitor who never identified. `merged_from_count`: how many other contact
    ids were merged into this one over all runs (from the merge log).

    Incremental with the identity graph (`macros/identity/identity_graph_scope.sql`): a run writes
    again the contacts the scope's identifiers belong to or belonged to (from all of their
    identifiers) and keeps the others; every contact when the graph recomputed every identifier.
-#}
{{ config(
    materialized=nurture_incremental_materialization('table'),
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook="{{ identity_graph_forget(identity_graph_scoped(),
        'held.contact_id in ' ~ identity_graph_scope_contacts()) }}",
    post_hook="{{ identity_graph_ran() }}"
) }}
{%- set scoped = identity_graph_scoped() %}

with

resolution as (

    select * from {{ ref('int_identity__resolution') }}
    {%- if scoped %}
    where contact_id in {{ identity_graph_scope_contacts() }}
    {%- endif %}

),

merge_log as (

    select * from {{ ref('int_identity__merges') }}

),

merged_from as (

    select
        contact_id,
        count(distinct previous_contact_id) as merged_from_count
    from merge_log
    where event_type = 'merge'
    group by contact_id

),

contacts as (

    select
        contact_id,
        min(first_seen_at) as first_seen_at,
        count(*) as identifier_count,
        sum(case when identifier_type = 'anonymous_id' then 0 else 1 end) as known_identifier_count
    from resolution
    group by contact_id

),

last_seen as (

    select
        resolution.contact_id,
        max(nodes.last_seen_at) as last_seen_at
    from resolution
    inner join {{ ref('int_identity__nodes') }} as nodes on resolution.node_id = nodes.node_id
    group by resolution.contact_id

),

final as (

    select
        contacts.contact_id,
        contacts.first_seen_at,
        last_seen.last_seen_at,
        contacts.identifier_count,
        coalesce(contacts.known_identifier_count = 0, false) as is_anonymous,
        coalesce(merged_from.merged_from_count, 0) as merged_from_count
    from contacts
    inner join last_seen on contacts.contact_id = last_seen.contact_id
    left join merged_from on contacts.contact_id = merged_from.contact_id

)

select * from final
