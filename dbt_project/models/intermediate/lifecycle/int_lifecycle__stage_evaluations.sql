{#-
    The lifecycle stage of each contact on each of its evaluation days, by the rules of
    `seeds/lifecycle/` (see the doc block `lifecycle_stage`): the stage events up to that day are
    summarised, then the first rule that holds gives the stage. The same rules give the current
    stage (the as-of date is always an evaluation day) and the history.
-#}

with

evaluation_dates as (

    select * from {{ ref('int_lifecycle__evaluation_dates') }}

),

stage_events as (

    select * from {{ ref('int_lifecycle__stage_events') }}

),

settings as (

    select * from {{ ref('int_lifecycle__settings') }}

),

summarised as (

    select
        evaluation_dates.contact_id,
        evaluation_dates.evaluated_on,
        max(case when stage_events.stage_event = 'known' then 1 else 0 end) as is_known,
        max(case when stage_events.stage_event = 'lead' then stage_events.event_on end) as last_lead_on,
        max(case when stage_events.stage_event = 'mql' then stage_events.event_on end) as last_mql_on,
        max(case when stage_events.stage_event = 'sales' then stage_events.event_on end) as last_sales_on,
        count(
            distinct case when stage_events.stage_event = 'purchase' then stage_events.interaction_id end
        ) as purchase_count,
        min(case when stage_events.stage_event = 'purchase' then stage_events.event_on end) as first_purchase_on,
        max(case when stage_events.stage_event = 'purchase' then stage_events.event_on end) as last_purchase_on,
        max(case when stage_events.stage_event = 'advocacy' then stage_events.event_on end) as last_advocacy_on,
        max(case when stage_events.stage_event = 'churn_signal' then stage_events.event_on end) as last_churn_signal_on,
        max(case when stage_events.stage_event = 'termination' then stage_events.event_on end) as last_termination_on,
        max(case when stage_events.stage_event = 'win_back' then stage_events.event_on end) as last_win_back_on
    from evaluation_dates
    left join stage_events
        on
            evaluation_dates.contact_id = stage_events.contact_id
            and evaluation_dates.evaluated_on >= stage_events.event_on
    group by evaluation_dates.contact_id, evaluation_dates.evaluated_on

),

aged as (

    select
        summarised.*,
        {{ dbt.datediff('summarised.last_purchase_on', 'summarised.evaluated_on', 'day') }} as days_since_purchase,  -- noqa: LT05
        {{ dbt.datediff('summarised.last_lead_on', 'summarised.evaluated_on', 'day') }} as days_since_lead,  -- noqa: LT05
        {{ dbt.datediff('summarised.last_sales_on', 'summarised.evaluated_on', 'day') }} as days_since_sales,  -- noqa: LT05
        {{ dbt.datediff('summarised.last_advocacy_on', 'summarised.evaluated_on', 'day') }} as days_since_advocacy,  -- noqa: LT05
        {{ dbt.datediff('summarised.last_churn_signal_on', 'summarised.evaluated_on', 'day') }}  -- noqa: LT05
            as days_since_churn_signal,
        {{ dbt.datediff('summarised.last_win_back_on', 'summarised.evaluated_on', 'day') }} as days_since_win_back,  -- noqa: LT05
        coalesce(summarised.last_termination_on >= summarised.last_purchase_on, false) as is_terminated,
        coalesce(
            summarised.last_churn_signal_on >= summarised.last_purchase_on,
            false
        ) as has_churn_signal_since_purchase,
        settings.repeat_min_purchases,
        settings.lead_window_days,
        settings.sales_window_days,
        settings.ambassador_window_days,
        settings.churn_signal_window_days,
        settings.inactive_days,
        settings.lost_days,
        settings.won_back_days
    from summarised
    cross join settings

),

staged as (

    select
        aged.*,
        case
            when aged.purchase_count > 0
                then
                    case
                        when aged.is_terminated then 'lost'
                        when aged.days_since_purchase > aged.lost_days then 'lost'
                        when aged.days_since_purchase > aged.inactive_days then 'at_risk'
                        when
                            aged.has_churn_signal_since_purchase
                            and aged.days_since_churn_signal <= aged.churn_signal_window_days
                            then 'at_risk'
                        when aged.days_since_win_back <= aged.won_back_days then 'won_back'
                        when aged.days_since_advocacy <= aged.ambassador_window_days then 'ambassador'
                        when aged.purchase_count >= aged.repeat_min_purchases then 'repeat_customer'
                        else 'new_customer'
                    end
            when aged.days_since_sales <= aged.sales_window_days then 'sql'
            when aged.last_mql_on is not null then 'mql'
            when aged.days_since_lead <= aged.lead_window_days then 'lead'
            when aged.is_known = 1 then 'prospect'
            else 'suspect'
        end as lifecycle_stage
    from aged

),

final as (

    select
        contact_id,
        evaluated_on,
        lifecycle_stage,
        case
            when purchase_count = 0 then cast(null as {{ dbt.type_string() }})
            when lifecycle_stage = 'lost' then 'lost'
            when
                lifecycle_stage = 'at_risk'
                and has_churn_signal_since_purchase
                and days_since_churn_signal <= churn_signal_window_days
                then 'churn_risk'
            when lifecycle_stage = 'at_risk' then 'inactive'
            when lifecycle_stage = 'won_back' then 'won_back'
            else 'active'
        end as retention_status,
        purchase_count,
        first_purchase_on,
        last_purchase_on,
        days_since_purchase,
        last_lead_on,
        last_mql_on,
        last_sales_on,
        last_advocacy_on,
        last_churn_signal_on,
        last_termination_on,
        last_win_back_on,
        is_terminated
    from staged

)

select * from final
