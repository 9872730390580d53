{#-
    Who entered and who left each audience, and when: between two consecutive as-of dates of the
    membership history, a member present at the later date only `entered`, one present at the
    earlier only `left`. Members of an audience's first snapshot entered on that date. Who was in
    an audience as of any date: its `entered` rows up to that date not followed by a `left` one.

    Incremental on DuckDB (`macros/audiences/audience_changes_since.sql`): a run compares again the
    dates whose snapshot was written since its last run and keeps the changes of the others, so a
    frequent run reads one or two days of the history, not all of it. `compared_at`: when the later
    date's sizes were written. A table rebuilt in full on Spark.
-#}
{{ config(
    materialized=nurture_incremental_materialization('table'),
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook="{{ audience_changes_forget(audience_changes_since(ref('fct_audience_sizes'))) }}"
) }}

{%- set since = audience_changes_since(ref('fct_audience_sizes')) %}

with

snapshots as (

    select * from {{ ref('fct_audience_membership_snapshots') }}

),

sizes as (

    select * from {{ ref('fct_audience_sizes') }}

),

snapshot_dates as (

    select
        audience,
        as_of,
        snapshot_at,
        lag(as_of) over (partition by audience order by as_of) as previous_as_of
    from (
        select
            audience,
            as_of,
            max(snapshot_at) as snapshot_at
        from sizes
        group by audience, as_of
    ) as audience_dates

),

compared_pairs as (

    select * from snapshot_dates
    where {{ audience_changes_in_scope('as_of', since) }}

),

-- each compared pair of dates twice: its later date (members now) and its earlier (members before)
compared_dates as (

    select
        audience,
        as_of,
        previous_as_of,
        snapshot_at,
        as_of as seen_on,
        1 as is_current
    from compared_pairs
    union all
    select
        audience,
        as_of,
        previous_as_of,
        snapshot_at,
        previous_as_of as seen_on,
        0 as is_current
    from compared_pairs
    where previous_as_of is not null

),

-- a member seen on only one date of the pair changed: entered if that is the later date, else left
changes as (

    select
        compared_dates.audience,
        compared_dates.as_of,
        compared_dates.previous_as_of,
        snapshots.member_key,
        max(snapshots.contact_id) as contact_id,
        max(compared_dates.is_current) as is_current,
        max(compared_dates.snapshot_at) as compared_at
    from compared_dates
    inner join snapshots
        on
            compared_dates.audience = snapshots.audience
            and compared_dates.seen_on = snapshots.as_of
    group by
        compared_dates.audience,
        compared_dates.as_of,
        compared_dates.previous_as_of,
        snapshots.member_key
    having count(*) = 1

),

final as (

    select
        cast(audience as {{ dbt.type_string() }}) as audience,
        cast(member_key as {{ dbt.type_string() }}) as member_key,
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(case when is_current = 1 then 'entered' else 'left' end as {{ dbt.type_string() }})
            as change_type,
        cast(as_of as date) as changed_on,
        cast(previous_as_of as date) as previous_as_of,
        cast(compared_at as {{ dbt.type_timestamp() }}) as compared_at
    from changes

)

select * from final
