{#-
    Which contact each staging record belongs to: one row per record (record_source, record_id) that
    carries at least one unblocked identifier. A record whose only identifiers are blocked (e.g. a
    form filled with test@example.com and nothing else) has no row: it cannot be told whose it is.
    All unblocked identifiers of a record are linked by it, so they share one contact_id.
-#}
{{ config(materialized='table') }}

with

observations as (

    select * from {{ ref('int_identity__observations') }}

),

resolution as (

    select * from {{ ref('int_identity__resolution') }}

),

final as (

    select distinct
        observations.record_source,
        observations.record_id,
        resolution.contact_id
    from observations
    inner join resolution
        on
            observations.identifier_type = resolution.identifier_type
            and observations.identifier_value = resolution.identifier_value

)

select * from final
