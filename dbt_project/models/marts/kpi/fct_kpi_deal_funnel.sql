{#-
    Funnel of the CRM deals per pipeline and cohort month (the month the deal was engaged, else
    created): for each deal stage of `seeds/lifecycle/deal_stages.csv` used by the pipeline, the
    deals at that stage now and the deals that reached it: at it or at a later stage. The CRM
    export keeps only the current stage, so a closed deal (won or lost) counts as having passed
    every open stage. A deal whose stage is not in the seed is counted under its own stage with a
    null rank (a warning test names it).
-#}

with

deals as (

    select * from {{ ref('stg_crm__deals') }}

),

deal_stages as (

    select * from {{ ref('deal_stages') }}

),

typed as (

    select
        deals.deal_id,
        coalesce(deals.pipeline, 'default') as pipeline,
        cast(
            {{ dbt.date_trunc('month', 'coalesce(cast(deals.engaged_at as date), cast(deals.created_at as date))') }}
            as date
        ) as cohort_month,
        lower(deals.deal_stage) as deal_stage,
        deal_stages.funnel_rank,
        deal_stages.deal_status,
        deals.deal_amount,
        {{ dbt.datediff(
            'coalesce(cast(deals.engaged_at as date), cast(deals.created_at as date))',
            'deals.close_date',
            'day'
        ) }} as days_to_close
    from deals
    left join deal_stages
        on lower(deals.deal_stage) = deal_stages.deal_stage

),

stage_grid as (

    select distinct
        typed.pipeline,
        typed.cohort_month,
        deal_stages.deal_stage,
        deal_stages.funnel_rank,
        deal_stages.deal_status
    from typed
    cross join deal_stages
    where
        exists (
            select 1 from typed as present
            where present.pipeline = typed.pipeline and present.deal_stage = deal_stages.deal_stage
        )
    union all
    select distinct
        typed.pipeline,
        typed.cohort_month,
        typed.deal_stage,
        typed.funnel_rank,
        typed.deal_status
    from typed
    where typed.funnel_rank is null

),

final as (

    select
        cast(stage_grid.pipeline as {{ dbt.type_string() }}) as pipeline,
        cast(stage_grid.cohort_month as date) as cohort_month,
        cast(stage_grid.deal_stage as {{ dbt.type_string() }}) as deal_stage,
        cast(stage_grid.funnel_rank as bigint) as funnel_rank,
        cast(stage_grid.deal_status as {{ dbt.type_string() }}) as deal_status,
        cast(sum(case when typed.deal_stage = stage_grid.deal_stage then 1 else 0 end) as bigint) as deals_at_stage,
        cast(
            sum(
                case
                    when typed.deal_stage = stage_grid.deal_stage then 1
                    when stage_grid.deal_status = 'open' and typed.funnel_rank >= stage_grid.funnel_rank then 1
                    else 0
                end
            ) as bigint
        ) as deals_reached,
        cast(
            sum(case when typed.deal_stage = stage_grid.deal_stage then typed.deal_amount else 0 end) as double
        ) as amount_at_stage,
        cast(
            avg(case when typed.deal_stage = stage_grid.deal_stage then cast(typed.days_to_close as double) end)
            as double
        ) as avg_days_to_close
    from stage_grid
    inner join typed
        on
            stage_grid.pipeline = typed.pipeline
            and (
                stage_grid.cohort_month = typed.cohort_month
                or (stage_grid.cohort_month is null and typed.cohort_month is null)
            )
    group by
        stage_grid.pipeline,
        stage_grid.cohort_month,
        stage_grid.deal_stage,
        stage_grid.funnel_rank,
        stage_grid.deal_status

)

select * from final
