{#-
    The lifecycle stage of each contact on each of its evaluation days, by the rules of
    `seeds/lifecycle/` (see the doc block `lifecycle_stage`): the stage events up to that day are
    summarised, then the first rule that holds gives the stage. The same rules give the current
    stage (the as-of date is always an evaluation day) and the history.

    Per-contact incremental (`macros/nurture_contact_incremental.sql`): a run recomputes the
    contacts whose evaluation days were recomputed and keeps the rows of the others.
-#}
{{ config(**nurture_contact_model_config(['int_lifecycle__evaluation_dates'])) }}

with

evaluation_dates as (

    select * from {{ ref('int_lifecycle__evaluation_dates') }}
    where {{ nurture_in_contact_scope('contact_id') }}

),

stage_events as (

    select * from {{ ref('int_lifecycle__stage_events') }}
    where {{ nurture_in_contact_scope('contact_id') }}

),

settings as (

    select * from {{ ref('int_lifecycle__settings') }}

),

-- Each contact's evaluation days and the days of its stage events on one timeline, in day order,
-- the events of a day before its evaluation (an evaluation counts the events up to and including
-- its day). Running aggregates then summarise, at each evaluation, every event up to it: one sort
-- of the timeline, where a join of each evaluation day with all the contact's earlier events grew
-- with their product. A purchase counts once, from the first day it appears.
first_purchase_days as (

    select
        contact_id,
        event_on,
        count(*) as first_purchases
    from (
        select
            contact_id,
            min(event_on) as event_on
        from stage_events
        where stage_event = 'purchase' and interaction_id is not null
        group by contact_id, interaction_id
    ) as first_purchases
    where event_on is not null
    group by contact_id, event_on

),

-- A first purchase's day is a day of one of its purchase events: every one is an event day.
event_days as (

    select
        day_flags.contact_id,
        day_flags.event_on,
        day_flags.has_known,
        day_flags.has_lead,
        day_flags.has_mql,
        day_flags.has_sales,
        day_flags.has_purchase,
        day_flags.has_advocacy,
        day_flags.has_churn_signal,
        day_flags.has_termination,
        day_flags.has_win_back,
        coalesce(first_purchase_days.first_purchases, 0) as first_purchases
    from (
        select
            contact_id,
            event_on,
            max(case when stage_event = 'known' then 1 else 0 end) as has_known,
            max(case when stage_event = 'lead' then 1 else 0 end) as has_lead,
            max(case when stage_event = 'mql' then 1 else 0 end) as has_mql,
            max(case when stage_event = 'sales' then 1 else 0 end) as has_sales,
            max(case when stage_event = 'purchase' then 1 else 0 end) as has_purchase,
            max(case when stage_event = 'advocacy' then 1 else 0 end) as has_advocacy,
            max(case when stage_event = 'churn_signal' then 1 else 0 end) as has_churn_signal,
            max(case when stage_event = 'termination' then 1 else 0 end) as has_termination,
            max(case when stage_event = 'win_back' then 1 else 0 end) as has_win_back
        from stage_events
        where event_on is not null
        group by contact_id, event_on
    ) as day_flags
    left join first_purchase_days
        on
            day_flags.contact_id = first_purchase_days.contact_id
            and day_flags.event_on = first_purchase_days.event_on

),

timeline as (

    select
        contact_id,
        evaluated_on as on_day,
        1 as is_evaluation,
        0 as has_known,
        0 as has_lead,
        0 as has_mql,
        0 as has_sales,
        0 as has_purchase,
        0 as has_advocacy,
        0 as has_churn_signal,
        0 as has_termination,
        0 as has_win_back,
        0 as first_purchases
    from evaluation_dates
    union all
    select
        contact_id,
        event_on as on_day,
        0 as is_evaluation,
        has_known,
        has_lead,
        has_mql,
        has_sales,
        has_purchase,
        has_advocacy,
        has_churn_signal,
        has_termination,
        has_win_back,
        first_purchases
    from event_days

),

running as (

    select
        contact_id,
        on_day as evaluated_on,
        is_evaluation,
        max(has_known) over up_to_here as is_known,
        max(case when has_lead = 1 then on_day end) over up_to_here as last_lead_on,
        max(case when has_mql = 1 then on_day end) over up_to_here as last_mql_on,
        max(case when has_sales = 1 then on_day end) over up_to_here as last_sales_on,
        cast(sum(first_purchases) over up_to_here as {{ dbt.type_bigint() }}) as purchase_count,
        min(case when has_purchase = 1 then on_day end) over up_to_here as first_purchase_on,
        max(case when has_purchase = 1 then on_day end) over up_to_here as last_purchase_on,
        max(case when has_advocacy = 1 then on_day end) over up_to_here as last_advocacy_on,
        max(case when has_churn_signal = 1 then on_day end) over up_to_here as last_churn_signal_on,
        max(case when has_termination = 1 then on_day end) over up_to_here as last_termination_on,
        max(case when has_win_back = 1 then on_day end) over up_to_here as last_win_back_on
    from timeline
    window up_to_here as (
        partition by contact_id
        order by on_day, is_evaluation
        rows between unbounded preceding and current row
    )

),

summarised as (

    select
        contact_id,
        evaluated_on,
        is_known,
        last_lead_on,
        last_mql_on,
        last_sales_on,
        purchase_count,
        first_purchase_on,
        last_purchase_on,
        last_advocacy_on,
        last_churn_signal_on,
        last_termination_on,
        last_win_back_on
    from running
    where is_evaluation = 1

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
