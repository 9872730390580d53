{#-
    Which contacts each scoring model applies to: a model scores the contacts that have at least one
    interaction of its brand (`scoring_models.brand`, matched through `scoring_brand_sources`), or
    every contact with an interaction when its brand is `*`. A contact active in both brands is
    scored by both models. `first_active_on` is the day of its first interaction in that brand.
    Per contact incremental (see `macros/nurture_contact_incremental.sql`): a run recomputes the
    contacts whose interactions changed and keeps the rows of the others.
-#}
{{ config(**nurture_contact_model_config(['fct_interactions'])) }}

with

interactions as (

    select * from {{ ref('int_scoring__interactions') }}
    where {{ nurture_in_contact_scope('contact_id', key='contact_key') }}

),

scoring_models as (

    select * from {{ ref('scoring_models') }}

),

final as (

    select
        interactions.contact_id,
        scoring_models.scoring_model,
        min(interactions.occurred_on) as first_active_on
    from interactions
    inner join scoring_models
        on
            scoring_models.brand = '*'
            or interactions.brand = scoring_models.brand
    group by interactions.contact_id, scoring_models.scoring_model

)

select * from final
