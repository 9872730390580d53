{#-
    Each identifier's activity: when a record first and last carried it, and how many records carry
    it. One row per identifier (identifier_type, identifier_value).

    Incremental (`macros/identity/identity_touched_identifiers.sql`): a run recomputes the
    identifiers the observations touched since its last run (new records, reloaded entity records'
    old and new identifiers) from all their observations, and keeps the others.
-#}
{{ config(
    materialized=nurture_incremental_materialization('table'),
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook="{{ identity_touched_begin() }}",
    post_hook="{{ identity_touched_end() }}"
) }}

with

observations as (

    select observations.* from {{ ref('int_identity__observations') }} as observations
    {{ identity_touched_join('observations') }}

),

final as (

    select
        identifier_type,
        identifier_value,
        min(occurred_at) as first_seen_at,
        max(occurred_at) as last_seen_at,
        count(*) as record_count,
        cast(current_timestamp as {{ dbt.type_timestamp() }}) as computed_at
    from observations
    group by identifier_type, identifier_value

)

select * from final
