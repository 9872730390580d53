{#-
    The days on which a contact's stage may change, up to the as-of date: its first interaction, each
    day with a stage event, each day a window of the rules ends (a lead, a sales contact, a churn
    signal, a referral or a win-back expiring; a purchase growing old enough to be inactive or lost),
    and the as-of date itself. The stage is evaluated on each (`int_lifecycle__stage_evaluations`).

    Per-contact incremental (`macros/nurture_contact_incremental.sql`): a run recomputes the
    contacts whose interactions, signals or scores changed and keeps the rows of the others.
-#}
{{ config(**nurture_contact_model_config(['int_lifecycle__signals', 'fct_lead_scores'])) }}

with

interactions as (

    select * from {{ ref('fct_interactions') }}
    where {{ nurture_in_contact_scope('contact_id', key='contact_key') }}

),

stage_events as (

    select * from {{ ref('int_lifecycle__stage_events') }}
    where {{ nurture_in_contact_scope('contact_id') }}

),

settings as (

    select * from {{ ref('int_lifecycle__settings') }}

),

first_seen as (

    select
        contact_id,
        cast(min(occurred_at) as date) as first_seen_on
    from interactions
    where occurred_at < {{ nurture_as_of_end() }}
    group by contact_id

),

window_ends as (

    select
        stage_events.contact_id,
        cast({{ dbt.dateadd(
            'day',
            "1 + case stage_events.stage_event
                when 'lead' then settings.lead_window_days
                when 'sales' then settings.sales_window_days
                when 'churn_signal' then settings.churn_signal_window_days
                when 'advocacy' then settings.ambassador_window_days
                when 'win_back' then settings.won_back_days
                when 'purchase' then settings.inactive_days
            end",
            'stage_events.event_on'
        ) }} as date) as evaluated_on
    from stage_events
    cross join settings
    where stage_events.stage_event in ('lead', 'sales', 'churn_signal', 'advocacy', 'win_back', 'purchase')

),

lost_ends as (

    select
        stage_events.contact_id,
        cast({{ dbt.dateadd('day', '1 + settings.lost_days', 'stage_events.event_on') }} as date) as evaluated_on
    from stage_events
    cross join settings
    where stage_events.stage_event = 'purchase'

),

candidates as (

    select
        contact_id,
        first_seen_on as evaluated_on
    from first_seen
    union all
    select
        contact_id,
        {{ nurture_as_of() }} as evaluated_on
    from first_seen
    union all
    select
        contact_id,
        event_on as evaluated_on
    from stage_events
    union all
    select * from window_ends
    union all
    select * from lost_ends

),

final as (

    select distinct
        candidates.contact_id,
        candidates.evaluated_on
    from candidates
    inner join first_seen
        on candidates.contact_id = first_seen.contact_id
    where
        candidates.evaluated_on <= {{ nurture_as_of() }}
        and candidates.evaluated_on >= first_seen.first_seen_on

)

select * from final
