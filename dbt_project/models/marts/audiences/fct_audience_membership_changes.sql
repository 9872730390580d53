{#-
    Who entered and who left each audience, and when: between two consecutive as-of dates of the
    membership history, a member present at the later date only `entered`, one present at the
    earlier only `left`. Members of an audience's first snapshot entered on that date. Who was in
    an audience as of any date: its `entered` rows up to that date not followed by a `left` one.
-#}

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
        lag(as_of) over (partition by audience order by as_of) as previous_as_of
    from (
        select distinct
            audience,
            as_of
        from sizes
    ) as audience_dates

),

-- each compared pair of dates twice: its later date (members now) and its earlier (members before)
compared_dates as (

    select
        audience,
        as_of,
        previous_as_of,
        as_of as seen_on,
        1 as is_current
    from snapshot_dates
    union all
    select
        audience,
        as_of,
        previous_as_of,
        previous_as_of as seen_on,
        0 as is_current
    from snapshot_dates
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
        max(compared_dates.is_current) as is_current
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
        cast(previous_as_of as date) as previous_as_of
    from changes

)

select * from final
