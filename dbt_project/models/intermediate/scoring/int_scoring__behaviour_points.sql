{#-
    Behaviour (engagement) rules and negative rules on actions, matched against the interactions of
    each scored contact in the model's brand: one row per rule x interaction that earns points.

    - `scoring_behaviour_rules`: interaction type, optional content theme (a LIKE pattern on
      `content_theme`: the page type for page views, the form type for forms, the call type...),
      points, a cap per period (`day`, `week`, `month`, `year` or `ever`) and whether the points fade
      with age (`decays`, used by models whose recency method is `fade`).
    - `scoring_negative_rules` of type `interaction` (unsubscribe, do-not-contact, bounce, careers
      page...): the same, with negative points; they never fade.
    - `scoring_negative_rules` of type `no_answer_streak`: the `threshold`-th message in a row
      (`scoring_message_types`: messages and what counts as an answer) with no answer earns the
      points once per streak, dated at that message.
    The cap counts points in time order within the period; actions beyond it earn nothing and are
    left out of the ledger (`rule_points` is the rule's value, `raw_points` what the action earned).

    Per-contact incremental (`macros/nurture_contact_incremental.sql`): a run recomputes the
    contacts whose interactions changed since the last one and keeps the rows of the others.
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

contact_models as (

    select * from {{ ref('int_scoring__contact_models') }}
    where {{ nurture_in_contact_scope('contact_id') }}

),

message_types as (

    select * from {{ ref('scoring_message_types') }}

),

behaviour_rules as (

    select
        scoring_model,
        rule_id,
        description,
        'behaviour' as rule_kind,
        interaction_type,
        content_theme,
        points,
        cap_points,
        cap_period,
        coalesce(decays, false) as decays
    from {{ ref('scoring_behaviour_rules') }}

),

negative_interaction_rules as (

    select
        scoring_model,
        rule_id,
        description,
        'negative' as rule_kind,
        interaction_type,
        content_theme,
        points,
        cap_points,
        cap_period,
        false as decays
    from {{ ref('scoring_negative_rules') }}
    where rule_type = 'interaction'

),

streak_rules as (

    select
        scoring_model,
        rule_id,
        description,
        'negative' as rule_kind,
        cast(threshold as integer) as threshold,
        points,
        cap_points,
        cap_period,
        false as decays
    from {{ ref('scoring_negative_rules') }}
    where rule_type = 'no_answer_streak'

),

interaction_rules as (

    select * from behaviour_rules
    union all
    select * from negative_interaction_rules

),

-- The interactions each model reads: those of its brand ('*': all) of the contacts it scores.
model_interactions as (

    select
        interactions.*,
        contact_models.scoring_model
    from interactions
    inner join contact_models
        on interactions.contact_id = contact_models.contact_id
    inner join scoring_models
        on
            contact_models.scoring_model = scoring_models.scoring_model
            and (scoring_models.brand = '*' or interactions.brand = scoring_models.brand)

),

interaction_matches as (

    select
        model_interactions.contact_id,
        model_interactions.scoring_model,
        interaction_rules.rule_id,
        interaction_rules.description as rule_description,
        interaction_rules.rule_kind,
        model_interactions.interaction_id,
        model_interactions.occurred_at,
        model_interactions.occurred_on,
        interaction_rules.points,
        interaction_rules.cap_points,
        interaction_rules.cap_period,
        interaction_rules.decays
    from model_interactions
    inner join interaction_rules
        on
            model_interactions.scoring_model = interaction_rules.scoring_model
            and model_interactions.interaction_type = interaction_rules.interaction_type
            and (
                coalesce(interaction_rules.content_theme, '') = ''
                or lower(model_interactions.content_theme) like lower(interaction_rules.content_theme)
            )

),

-- Messages and answers in time order; a streak is the run of messages after the same answer count.
message_events as (

    select
        model_interactions.contact_id,
        model_interactions.scoring_model,
        model_interactions.interaction_id,
        model_interactions.occurred_at,
        model_interactions.occurred_on,
        message_types.message_role,
        sum(case when message_types.message_role = 'answer' then 1 else 0 end) over (
            partition by model_interactions.contact_id, model_interactions.scoring_model
            order by model_interactions.occurred_on, model_interactions.occurred_at, model_interactions.interaction_id
            rows between unbounded preceding and current row
        ) as answers_so_far
    from model_interactions
    inner join message_types
        on model_interactions.interaction_type = message_types.interaction_type

),

unanswered_messages as (

    select
        contact_id,
        scoring_model,
        interaction_id,
        occurred_at,
        occurred_on,
        row_number() over (
            partition by contact_id, scoring_model, answers_so_far
            order by occurred_on, occurred_at, interaction_id
        ) as position_in_streak
    from message_events
    where message_role = 'message'

),

streak_matches as (

    select
        unanswered_messages.contact_id,
        unanswered_messages.scoring_model,
        streak_rules.rule_id,
        streak_rules.description as rule_description,
        streak_rules.rule_kind,
        unanswered_messages.interaction_id,
        unanswered_messages.occurred_at,
        unanswered_messages.occurred_on,
        streak_rules.points,
        streak_rules.cap_points,
        streak_rules.cap_period,
        streak_rules.decays
    from unanswered_messages
    inner join streak_rules
        on
            unanswered_messages.scoring_model = streak_rules.scoring_model
            and unanswered_messages.position_in_streak = streak_rules.threshold

),

matches as (

    select * from interaction_matches
    union all
    select * from streak_matches

),

running as (

    select
        *,
        coalesce(sum(points) over (
            partition by
                contact_id, scoring_model, rule_id,
                {{ scoring_period_start('cap_period', 'occurred_on') }}
            order by occurred_on, occurred_at, interaction_id
            rows between unbounded preceding and 1 preceding
        ), 0) as points_before
    from matches

),

capped as (

    select
        *,
        case
            when cap_points is null then points
            when abs(points_before) >= abs(cap_points) then 0
            when abs(points_before) + abs(points) <= abs(cap_points) then points
            when points < 0 then -(abs(cap_points) - abs(points_before))
            else abs(cap_points) - abs(points_before)
        end as earned_points
    from running

),

final as (

    select
        contact_id,
        scoring_model,
        rule_id,
        rule_description,
        rule_kind,
        interaction_id,
        occurred_at,
        occurred_on,
        cast(points as double) as rule_points,
        cast(earned_points as double) as raw_points,
        decays
    from capped
    where earned_points != 0

)

select * from final
