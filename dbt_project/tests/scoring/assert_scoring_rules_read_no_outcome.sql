{#-
    No scoring rule may read the outcome or a field filled in after contact (seed
    `scoring_outcome_attributes`): the score must predict conversion, not repeat it.
-#}

with

outcome_attributes as (

    select lower(attribute) as attribute_name from {{ ref('scoring_outcome_attributes') }}

),

rule_attributes as (

    select
        'scoring_profile_rules' as rule_table,
        scoring_model,
        rule_id,
        lower(attribute) as attribute_name
    from {{ ref('scoring_profile_rules') }}
    union all
    select
        'scoring_negative_rules' as rule_table,
        scoring_model,
        rule_id,
        lower(attribute) as attribute_name
    from {{ ref('scoring_negative_rules') }}
    where rule_type = 'profile'

),

final as (

    select rule_attributes.*
    from rule_attributes
    inner join outcome_attributes
        on rule_attributes.attribute_name = outcome_attributes.attribute_name

)

select * from final
