{#-
    Funnel per monthly cohort and acquisition channel (first touch): contacts first seen in the
    month, how many reached each stage (or a later one) by the as-of date, conversion rates and the
    average days from first seen to lead and to customer.
-#}

with

history as (

    select * from {{ ref('fct_contact_stage_history') }}

),

attribution as (

    select * from {{ ref('int_lifecycle__contact_attribution') }}
    where attribution_model = 'first_touch'

),

stages as (

    select * from {{ ref('lifecycle_stages') }}

),

ranks as (

    select
        max(case when lifecycle_stage = 'prospect' then funnel_rank end) as prospect_rank,
        max(case when lifecycle_stage = 'lead' then funnel_rank end) as lead_rank,
        max(case when lifecycle_stage = 'mql' then funnel_rank end) as mql_rank,
        max(case when lifecycle_stage = 'sql' then funnel_rank end) as sql_rank,
        max(case when lifecycle_stage = 'new_customer' then funnel_rank end) as customer_rank,
        max(case when lifecycle_stage = 'repeat_customer' then funnel_rank end) as repeat_rank
    from stages

),

contact_paths as (

    select
        history.contact_id,
        min(history.valid_from) as first_seen_on,
        max(history.funnel_rank) as max_funnel_rank,
        min(case when history.funnel_rank >= ranks.lead_rank then history.valid_from end) as lead_on,
        min(case when history.funnel_rank >= ranks.customer_rank then history.valid_from end) as customer_on,
        max(case when history.lifecycle_stage in ('repeat_customer', 'ambassador') then 1 else 0 end)
            as was_repeat
    from history
    cross join ranks
    group by history.contact_id

),

cohorts as (

    select
        cast({{ dbt.date_trunc('month', 'contact_paths.first_seen_on') }} as date) as cohort_month,
        attribution.channel as acquisition_channel,
        contact_paths.*
    from contact_paths
    inner join attribution
        on contact_paths.contact_id = attribution.contact_id

),

aggregated as (

    select
        cohorts.cohort_month,
        cohorts.acquisition_channel,
        count(*) as contacts,
        sum(case when cohorts.max_funnel_rank >= ranks.prospect_rank then 1 else 0 end) as prospects,
        sum(case when cohorts.max_funnel_rank >= ranks.lead_rank then 1 else 0 end) as leads,
        sum(case when cohorts.max_funnel_rank >= ranks.mql_rank then 1 else 0 end) as mqls,
        sum(case when cohorts.max_funnel_rank >= ranks.sql_rank then 1 else 0 end) as sqls,
        sum(case when cohorts.max_funnel_rank >= ranks.customer_rank then 1 else 0 end) as customers,
        sum(case when cohorts.was_repeat = 1 then 1 else 0 end) as repeat_customers,
        avg(
            cast({{ dbt.datediff('cohorts.first_seen_on', 'cohorts.lead_on', 'day') }} as double)  -- noqa: LT05
        ) as avg_days_to_lead,
        avg(
            cast({{ dbt.datediff('cohorts.first_seen_on', 'cohorts.customer_on', 'day') }} as double)  -- noqa: LT05
        ) as avg_days_to_customer
    from cohorts
    cross join ranks
    group by cohorts.cohort_month, cohorts.acquisition_channel

),

final as (

    select
        cast(cohort_month as date) as cohort_month,
        cast(acquisition_channel as {{ dbt.type_string() }}) as acquisition_channel,
        cast(contacts as bigint) as contacts,
        cast(prospects as bigint) as prospects,
        cast(leads as bigint) as leads,
        cast(mqls as bigint) as mqls,
        cast(sqls as bigint) as sqls,
        cast(customers as bigint) as customers,
        cast(repeat_customers as bigint) as repeat_customers,
        cast(leads / cast(contacts as double) as double) as lead_rate,
        cast(mqls / nullif(cast(leads as double), 0) as double) as lead_to_mql_rate,
        cast(customers / nullif(cast(leads as double), 0) as double) as lead_to_customer_rate,
        cast(customers / cast(contacts as double) as double) as customer_rate,
        cast(avg_days_to_lead as double) as avg_days_to_lead,
        cast(avg_days_to_customer as double) as avg_days_to_customer
    from aggregated

)

select * from final
