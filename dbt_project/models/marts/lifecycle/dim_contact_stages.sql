{#-
    One row per contact: its current lifecycle stage (as of the build date) and since when, with its
    qualification, maturity and persona.

    The stage period is derived from the evaluations as `fct_contact_stage_history` derives its
    periods (same rules, same rows), not read from it: the history is left to the daily run
    (tag `daily`), the current stage is refreshed by every frequent run.

    Per-contact incremental (`macros/nurture_contact_incremental.sql`): a run recomputes the
    contacts whose stage evaluations, interactions or persona changed and keeps the rows of the others.
-#}
{{ config(**nurture_contact_model_config(
    ['int_lifecycle__stage_evaluations', 'int_lifecycle__signals', 'int_lifecycle__personas']
)) }}

with

all_evaluations as (

    select * from {{ ref('int_lifecycle__stage_evaluations') }}
    where {{ nurture_in_contact_scope('contact_id') }}

),

stages as (

    select * from {{ ref('lifecycle_stages') }}

),

evaluations as (

    select * from all_evaluations
    where evaluated_on = {{ nurture_as_of() }}

),

compared as (

    select
        contact_id,
        evaluated_on,
        lifecycle_stage,
        lag(lifecycle_stage) over (partition by contact_id order by evaluated_on) as previous_stage
    from all_evaluations

),

-- The current stage period: the contact's last stage change.
stage_periods as (

    select
        contact_id,
        lifecycle_stage,
        previous_stage,
        evaluated_on as valid_from,
        row_number() over (partition by contact_id order by evaluated_on desc) as recency
    from compared
    where previous_stage is null or previous_stage <> lifecycle_stage

),

history as (

    select
        stage_periods.contact_id,
        stage_periods.lifecycle_stage,
        stage_periods.previous_stage,
        stage_periods.valid_from
    from stage_periods
    inner join stages
        on stage_periods.lifecycle_stage = stages.lifecycle_stage
    where stage_periods.recency = 1

),

signals as (

    select * from {{ ref('int_lifecycle__signals') }}
    where {{ nurture_in_contact_scope('contact_id', key='contact_key') }}

),

personas as (

    select * from {{ ref('int_lifecycle__personas') }}
    where {{ nurture_in_contact_scope('contact_id') }}

),

settings as (

    select * from {{ ref('int_lifecycle__settings') }}

),

contact_signals as (

    select
        contact_id,
        max(case when signal = 'intent' then signal_on end) as last_intent_on,
        max(case when signal = 'not_a_fit' then signal_on end) as last_not_a_fit_on,
        max(case when signal in ('lead', 'sales') then signal_on end) as last_interest_on
    from signals
    group by contact_id

),

final as (

    select
        cast(history.contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(history.lifecycle_stage as {{ dbt.type_string() }}) as lifecycle_stage,
        cast(history.valid_from as date) as stage_since,
        cast(history.previous_stage as {{ dbt.type_string() }}) as previous_stage,
        cast(
            case
                when evaluations.purchase_count > 0 then 'customer'
                when
                    contact_signals.last_not_a_fit_on is not null
                    and (
                        contact_signals.last_interest_on is null
                        or contact_signals.last_not_a_fit_on >= contact_signals.last_interest_on
                    )
                    then 'not_a_fit'
                when history.lifecycle_stage in ('mql', 'sql') then 'ready_for_sales'
                else 'needs_more_qualification'
            end as {{ dbt.type_string() }}
        ) as qualification,
        cast(
            case
                when history.lifecycle_stage = 'sql' then 'close_to_buying'
                when
                    {{ dbt.datediff('contact_signals.last_intent_on', nurture_as_of(), 'day') }}
                    <= settings.intent_window_days
                    then 'close_to_buying'
                else 'researching'
            end as {{ dbt.type_string() }}
        ) as maturity,
        cast(personas.persona as {{ dbt.type_string() }}) as persona,
        cast(personas.persona_source as {{ dbt.type_string() }}) as persona_source,
        cast(evaluations.purchase_count as bigint) as purchase_count,
        cast(evaluations.last_lead_on as date) as last_lead_on,
        cast(evaluations.last_mql_on as date) as mql_on,
        cast(evaluations.last_sales_on as date) as last_sales_on,
        cast(evaluations.first_purchase_on as date) as first_purchase_on,
        cast(evaluations.last_purchase_on as date) as last_purchase_on,
        cast(contact_signals.last_intent_on as date) as last_intent_on,
        cast({{ nurture_as_of() }} as date) as as_of
    from history
    inner join evaluations
        on history.contact_id = evaluations.contact_id
    cross join settings
    left join contact_signals
        on history.contact_id = contact_signals.contact_id
    left join personas
        on history.contact_id = personas.contact_id

)

select * from final
