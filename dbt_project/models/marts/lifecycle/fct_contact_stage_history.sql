{#-
    Lifecycle stage history: one row per contact and stage period, `valid_from` (inclusive) to
    `valid_to` (exclusive; null for the current period). The stage of a contact on a date D is the
    row with valid_from <= D and (valid_to > D or valid_to is null).
-#}

with

evaluations as (

    select * from {{ ref('int_lifecycle__stage_evaluations') }}

),

stages as (

    select * from {{ ref('lifecycle_stages') }}

),

compared as (

    select
        contact_id,
        evaluated_on,
        lifecycle_stage,
        lag(lifecycle_stage) over (partition by contact_id order by evaluated_on) as previous_stage
    from evaluations

),

changes as (

    select
        contact_id,
        lifecycle_stage,
        previous_stage,
        evaluated_on as valid_from
    from compared
    where previous_stage is null or previous_stage <> lifecycle_stage

),

periods as (

    select
        changes.*,
        lead(changes.valid_from) over (partition by changes.contact_id order by changes.valid_from) as valid_to,
        row_number() over (partition by changes.contact_id order by changes.valid_from) as stage_sequence
    from changes

),

final as (

    select
        cast(periods.contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(periods.lifecycle_stage as {{ dbt.type_string() }}) as lifecycle_stage,
        cast(periods.valid_from as date) as valid_from,
        cast(periods.valid_to as date) as valid_to,
        cast(periods.previous_stage as {{ dbt.type_string() }}) as previous_stage,
        cast(periods.stage_sequence as bigint) as stage_sequence,
        cast(stages.funnel_rank as bigint) as funnel_rank,
        cast(
            {{ dbt.datediff(
                'periods.valid_from',
                'coalesce(periods.valid_to, ' ~ dbt.dateadd('day', 1, nurture_as_of()) ~ ')',
                'day'
            ) }} as bigint
        ) as days_in_stage,
        periods.valid_to is null as is_current
    from periods
    inner join stages
        on periods.lifecycle_stage = stages.lifecycle_stage

)

select * from final
