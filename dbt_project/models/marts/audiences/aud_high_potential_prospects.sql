{#-
    High-potential prospects, for targeted prospecting: contacts who have not bought, whose best
    score is in one of `meta.bands`, and whom qualification does not rule out (`not_a_fit`).
-#}

{%- set bands = nurture_audience_param('bands') or [] %}

with

lead_scores as (

    select * from {{ ref('fct_lead_scores') }}

),

stages as (

    select * from {{ ref('dim_contact_stages') }}

),

ranked as (

    select
        *,
        row_number() over (partition by contact_id order by score desc, scoring_model asc) as score_rank
    from lead_scores

),

final as (

    select
        cast(ranked.contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(ranked.scoring_model as {{ dbt.type_string() }}) as scoring_model,
        cast(ranked.score as double) as score,
        cast(ranked.band as {{ dbt.type_string() }}) as band,
        cast(stages.lifecycle_stage as {{ dbt.type_string() }}) as lifecycle_stage,
        cast(stages.persona as {{ dbt.type_string() }}) as persona
    from ranked
    inner join stages
        on ranked.contact_id = stages.contact_id
    where
        ranked.score_rank = 1
        and ranked.band in ('{{ bands | join("', '") }}')
        and stages.qualification not in ('customer', 'not_a_fit')

)

select * from final
