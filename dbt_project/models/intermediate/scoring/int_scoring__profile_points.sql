{#-
    Profile (fit) rules and negative profile rules (e.g. no decision power) matched against each
    scored contact's attributes: one row per contact x model x rule that matches.

    Operators (`operator`, `value`; text comparisons ignore case, numbers are read as double):
      equals, not_equals       the value
      in, not_in               one of the values separated by `|` (up to 12)
      like_any                 one of the LIKE patterns separated by `|` (up to 12; `%intern%|stagiaire`)
      gt, gte, lt, lte         a number
      between                  `low|high`, both included
      is_true, is_false        a boolean attribute
      is_null, is_not_null     (no value)
    The points count from the contact's first interaction in the model's brand (`first_active_on`)
    and do not fade: they describe who the contact is, not what they did.

    Per contact incremental (see `macros/nurture_contact_incremental.sql`): a run recomputes the
    contacts whose attributes or scoring models were recomputed and keeps the rows of the others.
-#}
{{ config(**nurture_contact_model_config(['int_scoring__contact_attributes', 'int_scoring__contact_models'])) }}

with

contact_models as (

    select * from {{ ref('int_scoring__contact_models') }}
    where {{ nurture_in_contact_scope('contact_id') }}

),

attributes as (

    select * from {{ ref('int_scoring__contact_attributes') }}
    where {{ nurture_in_contact_scope('contact_id') }}

),

profile_rules as (

    select
        scoring_model,
        rule_id,
        description,
        'profile' as rule_kind,
        attribute,
        operator,
        value,
        points
    from {{ ref('scoring_profile_rules') }}

),

negative_profile_rules as (

    select
        scoring_model,
        rule_id,
        description,
        'negative' as rule_kind,
        attribute,
        operator,
        value,
        points
    from {{ ref('scoring_negative_rules') }}
    where rule_type = 'profile'

),

rules as (

    select * from profile_rules
    union all
    select * from negative_profile_rules

),

candidates as (

    select
        contact_models.contact_id,
        contact_models.scoring_model,
        contact_models.first_active_on,
        rules.rule_id,
        rules.description,
        rules.rule_kind,
        rules.attribute,
        rules.operator,
        lower(cast(rules.value as {{ dbt.type_string() }})) as rule_value,
        rules.points,
        lower(attributes.attribute_value) as attribute_value,
        {{ scoring_try_number('attributes.attribute_value') }} as attribute_number
    from contact_models
    inner join rules
        on contact_models.scoring_model = rules.scoring_model
    left join attributes
        on
            contact_models.contact_id = attributes.contact_id
            and rules.attribute = attributes.attribute_name

),

evaluated as (

    select
        *,
        case
            when operator = 'equals' then attribute_value = rule_value
            when operator = 'not_equals' then attribute_value != rule_value
            when operator = 'in' then {{ scoring_any_part('rule_value', 'attribute_value = {part}') }}
            when operator = 'not_in' then not {{ scoring_any_part('rule_value', 'attribute_value = {part}') }}
            when operator = 'like_any' then {{ scoring_any_part('rule_value', 'attribute_value like {part}') }}
            when operator = 'gt' then attribute_number > {{ scoring_try_number('rule_value') }}
            when operator = 'gte' then attribute_number >= {{ scoring_try_number('rule_value') }}
            when operator = 'lt' then attribute_number < {{ scoring_try_number('rule_value') }}
            when operator = 'lte' then attribute_number <= {{ scoring_try_number('rule_value') }}
            when operator = 'between'
                then
                    attribute_number >= {{ scoring_try_number(dbt.split_part('rule_value', "'|'", 1)) }}
                    and attribute_number <= {{ scoring_try_number(dbt.split_part('rule_value', "'|'", 2)) }}
            when operator = 'is_true' then attribute_value = 'true'
            when operator = 'is_false' then attribute_value = 'false'
            when operator = 'is_null' then attribute_value is null
            when operator = 'is_not_null' then attribute_value is not null
        end as is_match
    from candidates

),

final as (

    select
        contact_id,
        scoring_model,
        rule_id,
        max(description) as rule_description,
        max(rule_kind) as rule_kind,
        max(attribute) as attribute_name,
        max(attribute_value) as attribute_value,
        max(points) as points,
        min(first_active_on) as first_active_on
    from evaluated
    where is_match = true
    group by contact_id, scoring_model, rule_id

)

select * from final
