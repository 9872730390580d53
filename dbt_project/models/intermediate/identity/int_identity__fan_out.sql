{#-
    How many identifiers of each other type each identifier is seen with on the same records (only
    records carrying more than one identifier link anything): one row per identifier and linked
    identifier type, for the fan-out rules (`identity_link_limits`). Role identifiers
    (`identity_role_identifiers`: a team's mailbox) do not count in another identifier's fan-out: a
    person's device seen with their own address and their team's is not a shared device.

    Incremental (`macros/identity/identity_touched_identifiers.sql`): a run recomputes the
    identifiers the observations touched since its last run (an identifier on a new record, or that a
    reloaded entity record gained or lost) and keeps the others; every identifier when the role
    identifiers change.
-#}
{{ config(
    materialized=nurture_incremental_materialization('table'),
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook="{{ identity_touched_begin(nurture_rules_fingerprint(ref('identity_role_identifiers'),"
    " ['identifier_type', 'value_pattern'])) }}",
    post_hook="{{ identity_touched_end() }}"
) }}
{%- set rules_fingerprint = nurture_rules_fingerprint(
    ref('identity_role_identifiers'), ['identifier_type', 'value_pattern']) %}

with

-- the two sides of the self-join read apart: a CTE read twice is written out in full first
observed as (

    select observations.* from {{ ref('int_identity__observations') }} as observations
    {{ identity_touched_join('observations', rules_fingerprint) }}
    where {{ identity_linking_records('observations') }}

),

linked as (

    select * from {{ ref('int_identity__observations') }} as observations
    where {{ identity_linking_records('observations') }}

),

role_identifiers as (

    select * from {{ ref('identity_role_identifiers') }}

),

pairs as (

    select distinct
        observed.identifier_type,
        observed.identifier_value,
        linked.identifier_type as linked_identifier_type,
        linked.identifier_value as linked_identifier_value
    from observed
    inner join linked
        on
            observed.record_source = linked.record_source
            and observed.record_id = linked.record_id
            and observed.identifier_type != linked.identifier_type

),

linked_role_values as (

    select distinct
        pairs.linked_identifier_type,
        pairs.linked_identifier_value
    from pairs
    inner join role_identifiers
        on
            pairs.linked_identifier_type = role_identifiers.identifier_type
            and pairs.linked_identifier_value like role_identifiers.value_pattern

),

final as (

    select
        pairs.identifier_type,
        pairs.identifier_value,
        pairs.linked_identifier_type,
        count(*) as linked_count,
        {{ rules_fingerprint }} as rules_fingerprint,
        cast(current_timestamp as {{ dbt.type_timestamp() }}) as computed_at
    from pairs
    left join linked_role_values
        on
            pairs.linked_identifier_type = linked_role_values.linked_identifier_type
            and pairs.linked_identifier_value = linked_role_values.linked_identifier_value
    where linked_role_values.linked_identifier_value is null
    group by pairs.identifier_type, pairs.identifier_value, pairs.linked_identifier_type

)

select * from final
