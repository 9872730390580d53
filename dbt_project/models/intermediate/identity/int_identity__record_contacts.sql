{#-
    Which contact each staging record belongs to: one row per record (record_source, record_id) that
    carries at least one unblocked identifier. A record whose only identifiers are blocked (e.g. a
    form filled with test@example.com and nothing else) has no row: it cannot be told whose it is.
    All unblocked identifiers of a record are linked by it, so they share one contact_id.
    `loaded_at`: the newest load time of the record's observations. `contact_key`: see
    `macros/nurture_contact_key.sql`.

    Incremental (see `macros/identity/identity_record_contacts_scope.sql`): a run writes again the
    records observed since its last run (new records, new versions of entity records) and the
    records of identifiers whose contact changed (a merge, a split), that were blocked or that are
    blocked no more; it keeps the others. In a frequent run
    (`test_scope: new_rows`) its row tests read the records the run wrote.
-#}
{{ config(
    materialized=nurture_incremental_materialization('table'),
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    meta={'test_scope': 'written_records'},
    pre_hook="{{ identity_record_contacts_scope_begin(ref('int_identity__identifiers'), ref('int_identity__observations')) }}",
    post_hook=[
        "{{ identity_record_contacts_scope_end(ref('int_identity__identifiers')) }}",
        "{{ nurture_fill_contact_keys() }}",
    ]
) }}
-- depends_on: {{ ref('int_identity__identifiers') }}

with

observations as (

    select * from {{ ref('int_identity__observations') }}

),

resolution as (

    select * from {{ ref('int_identity__resolution') }}

),

final as (

    select
        observations.record_source,
        observations.record_id,
        resolution.contact_id,
        {{ nurture_contact_key('resolution.contact_id') }} as contact_key,
        max(observations.loaded_at) as loaded_at
    from observations
    inner join resolution
        on
            observations.identifier_type = resolution.identifier_type
            and observations.identifier_value = resolution.identifier_value
    where {{ identity_record_contacts_in_scope() }}
    group by observations.record_source, observations.record_id, resolution.contact_id

)

select * from final
