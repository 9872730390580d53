{#-
    One row per customer (a contact with a purchase: an order or a won deal): retention status as of
    the build date, the churn signals since the last purchase, the reason a lost customer left, and
    when and how a customer was last won back.
-#}

with

evaluations as (

    select * from {{ ref('int_lifecycle__stage_evaluations') }}
    where
        evaluated_on = {{ nurture_as_of() }}
        and purchase_count > 0

),

signals as (

    select * from {{ ref('int_lifecycle__signals') }}

),

purchases as (

    select * from {{ ref('int_lifecycle__purchases') }}

),

settings as (

    select * from {{ ref('int_lifecycle__settings') }}

),

churn_signal_names as (

    select distinct
        signals.contact_id,
        case
            when signals.interaction_type = 'page_view'
                then {{ dbt.concat(["'page:'", 'signals.content_theme']) }}
            when signals.content_theme is not null and signals.channel = 'feedback'
                then {{ dbt.concat(['signals.interaction_type', "':'", 'signals.content_theme']) }}
            else signals.interaction_type
        end as signal_name
    from signals
    inner join evaluations
        on signals.contact_id = evaluations.contact_id
    where
        signals.signal = 'churn_signal'
        and signals.signal_on >= evaluations.last_purchase_on

),

churn_signals as (

    select
        contact_id,
        {{ nurture_listagg_sorted('signal_name', "', '") }} as churn_signals
    from churn_signal_names
    group by contact_id

),

last_terminations as (

    select
        contact_id,
        content_theme as termination_reason,
        signal_on as terminated_on
    from (
        select
            signals.*,
            row_number() over (
                partition by signals.contact_id order by signals.occurred_at desc, signals.interaction_id desc
            ) as termination_rank
        from signals
        where signals.signal = 'termination'
    ) as ranked
    where termination_rank = 1

),

last_win_backs as (

    select
        contact_id,
        occurred_at as won_back_at,
        won_back_via
    from (
        select
            purchases.*,
            row_number() over (
                partition by purchases.contact_id
                order by purchases.occurred_at desc, purchases.interaction_id desc
            ) as win_back_rank
        from purchases
        where purchases.is_win_back = true
    ) as ranked
    where win_back_rank = 1

),

final as (

    select
        cast(evaluations.contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(evaluations.retention_status as {{ dbt.type_string() }}) as retention_status,
        cast(evaluations.lifecycle_stage as {{ dbt.type_string() }}) as lifecycle_stage,
        cast(evaluations.purchase_count as bigint) as purchase_count,
        cast(evaluations.last_purchase_on as date) as last_purchase_on,
        cast(evaluations.days_since_purchase as bigint) as days_since_purchase,
        cast(churn_signals.churn_signals as {{ dbt.type_string() }}) as churn_signals,
        cast(
            case
                when evaluations.retention_status = 'lost' and evaluations.is_terminated
                    then coalesce(last_terminations.termination_reason, 'terminated (no reason given)')
                when evaluations.retention_status = 'lost' then 'inactivity'
            end as {{ dbt.type_string() }}
        ) as lost_reason,
        cast(
            case
                when evaluations.retention_status = 'lost' and evaluations.is_terminated
                    then last_terminations.terminated_on
                when evaluations.retention_status = 'lost'
                    then {{ dbt.dateadd('day', '1 + settings.lost_days', 'evaluations.last_purchase_on') }}
            end as date
        ) as lost_on,
        cast(last_win_backs.won_back_at as timestamp) as won_back_at,
        cast(last_win_backs.won_back_via as {{ dbt.type_string() }}) as won_back_via,
        cast({{ nurture_as_of() }} as date) as as_of
    from evaluations
    cross join settings
    left join churn_signals
        on evaluations.contact_id = churn_signals.contact_id
    left join last_terminations
        on evaluations.contact_id = last_terminations.contact_id
    left join last_win_backs
        on evaluations.contact_id = last_win_backs.contact_id

)

select * from final
