{#-
    The score ledger: one row per scoring rule applied to a contact as of the as-of date, with the
    action behind it. The score of a contact in a model is the sum of its `effective_points`
    (`fct_lead_scores.score`; a dbt test checks it).

    rule_kind   what produced the row
      profile     a profile (fit) rule matched the contact's attributes (no action; dated at the
                  contact's first interaction in the brand)
      behaviour   an action earned points (after the rule's cap per period)
      negative    a negative rule: an action (unsubscribe, bounce...), a profile (intern), the N-th
                  unanswered message in a row, or long inactivity (dated at the last action)
      recency     the model's inactivity penalty: `inactivity_points_per_month` per full 30 days
                  since the last scored positive action (models with recency_method
                  `inactivity_penalty`); for models with `fade`, each decaying action's points are
                  halved every `half_life_days` instead, shown in `decay_points`
      bounds      the adjustment that keeps the score between the model's floor and ceiling

    Per-contact incremental (`macros/nurture_contact_incremental.sql`): a run recomputes the
    contacts whose behaviour points or profile points were recomputed (their actions, their
    attributes, their company) and keeps the rows of the others.
-#}
{{ config(**nurture_contact_model_config(['int_scoring__behaviour_points', 'int_scoring__profile_points'])) }}

{%- set string = dbt.type_string() -%}
{%- set double = "double" -%}
{%- set action_age_days = dbt.datediff('behaviour_points.occurred_on', nurture_as_of(), 'day') -%}

with

scoring_models as (

    select * from {{ ref('scoring_models') }}

),

contact_models as (

    select * from {{ ref('int_scoring__contact_models') }}
    where {{ nurture_in_contact_scope('contact_id') }}

),

profile_points as (

    select * from {{ ref('int_scoring__profile_points') }}
    where {{ nurture_in_contact_scope('contact_id') }}

),

behaviour_points as (

    select * from {{ ref('int_scoring__behaviour_points') }}
    where {{ nurture_in_contact_scope('contact_id') }}

),

inactivity_rules as (

    select * from {{ ref('scoring_negative_rules') }}
    where rule_type = 'inactivity'

),

profile_rows as (

    select
        contact_id,
        scoring_model,
        rule_id,
        rule_kind,
        rule_description,
        cast(null as {{ string }}) as interaction_id,
        cast(first_active_on as timestamp) as occurred_at,
        cast(points as {{ double }}) as raw_points,
        cast(0 as {{ double }}) as decay_points,
        cast(points as {{ double }}) as effective_points
    from profile_points

),

behaviour_rows as (

    select
        behaviour_points.contact_id,
        behaviour_points.scoring_model,
        behaviour_points.rule_id,
        behaviour_points.rule_kind,
        behaviour_points.rule_description,
        behaviour_points.interaction_id,
        behaviour_points.occurred_at,
        behaviour_points.raw_points,
        case
            when scoring_models.recency_method = 'fade' and behaviour_points.decays = true
                then behaviour_points.raw_points * power(
                    0.5,
                    cast({{ action_age_days }} as {{ double }})
                    / cast(scoring_models.half_life_days as {{ double }})
                )
            else behaviour_points.raw_points
        end as effective_points
    from behaviour_points
    inner join scoring_models
        on behaviour_points.scoring_model = scoring_models.scoring_model

),

-- The last positive action of each contact in each model, and its interaction.
last_actions as (

    select
        contact_id,
        scoring_model,
        interaction_id,
        occurred_at,
        occurred_on
    from (
        select
            contact_id,
            scoring_model,
            interaction_id,
            occurred_at,
            occurred_on,
            row_number() over (
                partition by contact_id, scoring_model
                order by occurred_at desc, interaction_id desc
            ) as action_rank
        from behaviour_points
        where rule_kind = 'behaviour' and raw_points > 0
    ) as ranked
    where action_rank = 1

),

inactivity as (

    select
        contact_models.contact_id,
        contact_models.scoring_model,
        last_actions.interaction_id,
        last_actions.occurred_on as last_action_on,
        coalesce(last_actions.occurred_at, cast(contact_models.first_active_on as timestamp)) as occurred_at,
        {{ dbt.datediff('coalesce(last_actions.occurred_on, contact_models.first_active_on)', nurture_as_of(), 'day') }}
            as days_inactive
    from contact_models
    left join last_actions
        on
            contact_models.contact_id = last_actions.contact_id
            and contact_models.scoring_model = last_actions.scoring_model

),

recency_rows as (

    select
        inactivity.contact_id,
        inactivity.scoring_model,
        'recency_inactivity_penalty' as rule_id,
        'recency' as rule_kind,
        {{ dbt.concat(["'Inactivity: '", "cast(scoring_models.inactivity_points_per_month as " ~ string ~ ")",
                       "' points per month without action'"]) }} as rule_description,
        inactivity.interaction_id,
        inactivity.occurred_at,
        -scoring_models.inactivity_points_per_month
        * floor(cast(inactivity.days_inactive as {{ double }}) / 30) as raw_points
    from inactivity
    inner join scoring_models
        on inactivity.scoring_model = scoring_models.scoring_model
    where
        scoring_models.recency_method = 'inactivity_penalty'
        and inactivity.last_action_on is not null
        and inactivity.days_inactive >= 30

),

long_inactivity_rows as (

    select
        inactivity.contact_id,
        inactivity.scoring_model,
        inactivity_rules.rule_id,
        'negative' as rule_kind,
        inactivity_rules.description as rule_description,
        inactivity.interaction_id,
        inactivity.occurred_at,
        inactivity_rules.points as raw_points
    from inactivity
    inner join inactivity_rules
        on inactivity.scoring_model = inactivity_rules.scoring_model
    where inactivity.days_inactive >= inactivity_rules.threshold

),

rule_rows as (

    select * from profile_rows
    union all
    select
        contact_id,
        scoring_model,
        rule_id,
        rule_kind,
        rule_description,
        interaction_id,
        occurred_at,
        raw_points,
        effective_points - raw_points as decay_points,
        effective_points
    from behaviour_rows
    union all
    select
        contact_id,
        scoring_model,
        rule_id,
        rule_kind,
        rule_description,
        interaction_id,
        occurred_at,
        cast(raw_points as {{ double }}) as raw_points,
        cast(0 as {{ double }}) as decay_points,
        cast(raw_points as {{ double }}) as effective_points
    from recency_rows
    union all
    select
        contact_id,
        scoring_model,
        rule_id,
        rule_kind,
        rule_description,
        interaction_id,
        occurred_at,
        cast(raw_points as {{ double }}) as raw_points,
        cast(0 as {{ double }}) as decay_points,
        cast(raw_points as {{ double }}) as effective_points
    from long_inactivity_rows

),

totals as (

    select
        contact_models.contact_id,
        contact_models.scoring_model,
        coalesce(sum(round(rule_rows.effective_points, 4)), 0) as unbounded_score
    from contact_models
    left join rule_rows
        on
            contact_models.contact_id = rule_rows.contact_id
            and contact_models.scoring_model = rule_rows.scoring_model
    group by contact_models.contact_id, contact_models.scoring_model

),

bounds_rows as (

    select
        totals.contact_id,
        totals.scoring_model,
        case
            when totals.unbounded_score < scoring_models.score_floor then 'score_floor'
            else 'score_ceiling'
        end as rule_id,
        'bounds' as rule_kind,
        case
            when totals.unbounded_score < scoring_models.score_floor then 'Score raised to the model floor'
            else 'Score lowered to the model ceiling'
        end as rule_description,
        cast(null as {{ string }}) as interaction_id,
        cast(null as timestamp) as occurred_at,
        case
            when totals.unbounded_score < scoring_models.score_floor
                then scoring_models.score_floor - totals.unbounded_score
            else scoring_models.score_ceiling - totals.unbounded_score
        end as raw_points
    from totals
    inner join scoring_models
        on totals.scoring_model = scoring_models.scoring_model
    where
        totals.unbounded_score < scoring_models.score_floor
        or totals.unbounded_score > scoring_models.score_ceiling

),

all_rows as (

    select * from rule_rows
    union all
    select
        contact_id,
        scoring_model,
        rule_id,
        rule_kind,
        rule_description,
        interaction_id,
        occurred_at,
        cast(raw_points as {{ double }}) as raw_points,
        cast(0 as {{ double }}) as decay_points,
        cast(raw_points as {{ double }}) as effective_points
    from bounds_rows

),

final as (

    select
        cast(
            {{ nurture_surrogate_key(['contact_id', 'scoring_model', 'rule_id', 'interaction_id']) }}
            as {{ string }}
        ) as ledger_id,
        cast(contact_id as {{ string }}) as contact_id,
        cast(scoring_model as {{ string }}) as scoring_model,
        cast(rule_id as {{ string }}) as rule_id,
        cast(rule_kind as {{ string }}) as rule_kind,
        cast(rule_description as {{ string }}) as rule_description,
        cast(interaction_id as {{ string }}) as interaction_id,
        cast(occurred_at as timestamp) as occurred_at,
        cast(round(raw_points, 4) as {{ double }}) as raw_points,
        cast(round(effective_points, 4) - round(raw_points, 4) as {{ double }}) as decay_points,
        cast(round(effective_points, 4) as {{ double }}) as effective_points,
        cast({{ nurture_as_of() }} as date) as as_of
    from all_rows

)

select * from final
