{#-
    Marketing-qualified contacts and the day they qualified: a contact whose lead score is hot (band
    `hot` in `fct_lead_scores`, any scoring model) is an mql since the first day of its current hot
    streak (`became_hot_at`; the as-of date when the scores do not give it). A contact that cools
    down is no longer marketing-qualified.
-#}

with

lead_scores as (

    select * from {{ ref('fct_lead_scores') }}

),

final as (

    select
        contact_id,
        min(coalesce(became_hot_at, {{ nurture_as_of() }})) as mql_on
    from lead_scores
    where band = 'hot'
    group by contact_id

)

select * from final
