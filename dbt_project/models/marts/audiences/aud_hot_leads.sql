{#-
    Hot leads, for sales and the call centre: contacts in the `hot` band of a scoring model
    (`fct_lead_scores`); with several models, the highest score.
-#}

with

lead_scores as (

    select * from {{ ref('fct_lead_scores') }}

),

ranked as (

    select
        *,
        row_number() over (partition by contact_id order by score desc, scoring_model asc) as score_rank
    from lead_scores
    where band = 'hot'

),

final as (

    select
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(scoring_model as {{ dbt.type_string() }}) as scoring_model,
        cast(score as double) as score,
        cast(band as {{ dbt.type_string() }}) as band,
        cast(became_hot_at as date) as became_hot_at
    from ranked
    where score_rank = 1

)

select * from final
