{#-
    Time spent per lifecycle stage: how many stage periods started in each stage, how many ended,
    and the average and longest days spent in the completed ones (the current periods are counted
    apart: they are not over).
-#}

with

history as (

    select * from {{ ref('fct_contact_stage_history') }}

),

stages as (

    select * from {{ ref('lifecycle_stages') }}

),

aggregated as (

    select
        lifecycle_stage,
        count(*) as periods,
        count(distinct contact_id) as contacts,
        sum(case when is_current = true then 1 else 0 end) as current_contacts,
        sum(case when is_current = false then 1 else 0 end) as completed_periods,
        avg(case when is_current = false then cast(days_in_stage as double) end) as avg_days_completed,
        max(case when is_current = false then days_in_stage end) as max_days_completed,
        avg(case when is_current = true then cast(days_in_stage as double) end) as avg_days_current
    from history
    group by lifecycle_stage

),

final as (

    select
        cast(stages.lifecycle_stage as {{ dbt.type_string() }}) as lifecycle_stage,
        cast(stages.funnel_rank as bigint) as funnel_rank,
        cast(coalesce(aggregated.periods, 0) as bigint) as periods,
        cast(coalesce(aggregated.contacts, 0) as bigint) as contacts,
        cast(coalesce(aggregated.current_contacts, 0) as bigint) as current_contacts,
        cast(coalesce(aggregated.completed_periods, 0) as bigint) as completed_periods,
        cast(aggregated.avg_days_completed as double) as avg_days_completed,
        cast(aggregated.max_days_completed as bigint) as max_days_completed,
        cast(aggregated.avg_days_current as double) as avg_days_current
    from stages
    left join aggregated
        on stages.lifecycle_stage = aggregated.lifecycle_stage

)

select * from final
