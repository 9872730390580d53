{#-
    The dated events the stage rules read, one row per contact, event and day: the lifecycle signals
    that move stages (known, lead, sales, purchase, advocacy, churn_signal, termination), the day a
    contact became marketing-qualified (`mql`) and win-back purchases (`win_back`).
-#}

with

signals as (

    select * from {{ ref('int_lifecycle__signals') }}

),

mql as (

    select * from {{ ref('int_lifecycle__mql') }}

),

purchases as (

    select * from {{ ref('int_lifecycle__purchases') }}

),

stage_signals as (

    select
        contact_id,
        signal as stage_event,
        signal_on as event_on,
        interaction_id
    from signals
    where signal in ('known', 'lead', 'sales', 'purchase', 'advocacy', 'churn_signal', 'termination')

),

mql_events as (

    select
        contact_id,
        'mql' as stage_event,
        mql_on as event_on,
        cast(null as {{ dbt.type_string() }}) as interaction_id
    from mql
    where mql_on <= {{ nurture_as_of() }}

),

win_backs as (

    select
        contact_id,
        'win_back' as stage_event,
        purchased_on as event_on,
        interaction_id
    from purchases
    where is_win_back = true

),

final as (

    select * from stage_signals
    union all
    select * from mql_events
    union all
    select * from win_backs

)

select * from final
