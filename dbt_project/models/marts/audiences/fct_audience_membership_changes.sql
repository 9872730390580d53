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

current_members as (

    select
        snapshot_dates.audience,
        snapshot_dates.as_of,
        snapshot_dates.previous_as_of,
        snapshots.member_key,
        snapshots.contact_id
    from snapshot_dates
    inner join snapshots
        on
            snapshot_dates.audience = snapshots.audience
            and snapshot_dates.as_of = snapshots.as_of

),

previous_members as (

    select
        snapshot_dates.audience,
        snapshot_dates.as_of,
        snapshot_dates.previous_as_of,
        snapshots.member_key,
        snapshots.contact_id
    from snapshot_dates
    inner join snapshots
        on
            snapshot_dates.audience = snapshots.audience
            and snapshot_dates.previous_as_of = snapshots.as_of

),

entered as (

    select
        current_members.audience,
        current_members.member_key,
        current_members.contact_id,
        'entered' as change_type,
        current_members.as_of as changed_on,
        current_members.previous_as_of
    from current_members
    left join previous_members
        on
            current_members.audience = previous_members.audience
            and current_members.as_of = previous_members.as_of
            and current_members.member_key = previous_members.member_key
    where previous_members.member_key is null

),

exited as (

    select
        previous_members.audience,
        previous_members.member_key,
        previous_members.contact_id,
        'left' as change_type,
        previous_members.as_of as changed_on,
        previous_members.previous_as_of
    from previous_members
    left join current_members
        on
            previous_members.audience = current_members.audience
            and previous_members.as_of = current_members.as_of
            and previous_members.member_key = current_members.member_key
    where current_members.member_key is null

),

final as (

    select
        cast(audience as {{ dbt.type_string() }}) as audience,
        cast(member_key as {{ dbt.type_string() }}) as member_key,
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(change_type as {{ dbt.type_string() }}) as change_type,
        cast(changed_on as date) as changed_on,
        cast(previous_as_of as date) as previous_as_of
    from entered
    union all
    select
        cast(audience as {{ dbt.type_string() }}) as audience,
        cast(member_key as {{ dbt.type_string() }}) as member_key,
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(change_type as {{ dbt.type_string() }}) as change_type,
        cast(changed_on as date) as changed_on,
        cast(previous_as_of as date) as previous_as_of
    from exited

)

select * from final
