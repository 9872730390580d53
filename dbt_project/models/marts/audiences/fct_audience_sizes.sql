{#-
    Audience sizes over time: one row per audience and as-of date a build ran for, empty audiences
    included (size 0). Incremental and never fully refreshed, like the membership snapshots.
-#}
{{ config(
    materialized='incremental',
    unique_key='as_of',
    incremental_strategy=('insert_overwrite' if target.type == 'spark' else 'delete+insert'),
    partition_by=('as_of' if target.type == 'spark' else none),
    full_refresh=false,
    on_schema_change='append_new_columns'
) }}

with

audience_destinations as (

    select * from {{ ref('int_audiences__destinations') }}

),

members as (

    select * from {{ ref('int_audiences__members') }}

),

audiences as (

    select distinct audience
    from audience_destinations

),

member_counts as (

    select
        audience,
        count(*) as members,
        sum(case when is_anonymous = true then 1 else 0 end) as anonymous_members
    from members
    group by audience

),

final as (

    select
        cast({{ nurture_as_of() }} as date) as as_of,
        cast(audiences.audience as {{ dbt.type_string() }}) as audience,
        cast(coalesce(member_counts.members, 0) as bigint) as members,
        cast(coalesce(member_counts.anonymous_members, 0) as bigint) as anonymous_members,
        cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }}) as snapshot_at
    from audiences
    left join member_counts
        on audiences.audience = member_counts.audience

)

select * from final
