{#-
    Persona per contact: inferred from the page types browsed (the persona of `persona_rules` with
    the most page views; ties by name), confirmed or overridden by the latest `buyer_type` declared
    in a form.

    Per-contact incremental (`macros/nurture_contact_incremental.sql`): a run recomputes the
    contacts whose interactions changed and keeps the rows of the others.
-#}
{{ config(**nurture_contact_model_config(['fct_interactions'])) }}

with

interactions as (

    select * from {{ ref('fct_interactions') }}
    where occurred_at < {{ nurture_as_of_end() }} and {{ nurture_in_contact_scope('contact_id', key='contact_key') }}

),

form_submissions as (

    select * from {{ ref('stg_forms__form_submissions') }}

),

persona_rules as (

    select * from {{ ref('persona_rules') }}

),

browsed as (

    select
        interactions.contact_id,
        persona_rules.persona,
        count(*) as page_views
    from interactions
    inner join persona_rules
        on
            persona_rules.evidence = 'page_type'
            and lower(interactions.content_theme) = persona_rules.evidence_value
    where interactions.interaction_type = 'page_view'
    group by interactions.contact_id, persona_rules.persona

),

inferred as (

    select
        contact_id,
        persona,
        page_views
    from (
        select
            browsed.*,
            row_number() over (
                partition by browsed.contact_id order by browsed.page_views desc, browsed.persona asc
            ) as persona_rank
        from browsed
    ) as ranked
    where persona_rank = 1

),

declared_all as (

    select
        interactions.contact_id,
        persona_rules.persona,
        interactions.occurred_at,
        row_number() over (
            partition by interactions.contact_id
            order by interactions.occurred_at desc, interactions.interaction_id desc
        ) as declared_rank
    from interactions
    inner join form_submissions
        on
            interactions.record_source = 'stg_forms__form_submissions'
            and interactions.record_id = cast(form_submissions.submission_id as {{ dbt.type_string() }})
    inner join persona_rules
        on
            persona_rules.evidence = 'buyer_type'
            and lower(trim(form_submissions.buyer_type)) = persona_rules.evidence_value

),

declared as (

    select * from declared_all
    where declared_rank = 1

),

final as (

    select
        inferred.persona as inferred_persona,
        declared.persona as declared_persona,
        coalesce(declared.contact_id, inferred.contact_id) as contact_id,
        coalesce(declared.persona, inferred.persona) as persona,
        case
            when declared.persona is not null and declared.persona = inferred.persona then 'confirmed'
            when declared.persona is not null and inferred.persona is not null then 'declared_override'
            when declared.persona is not null then 'declared'
            else 'inferred'
        end as persona_source
    from inferred
    full outer join declared
        on inferred.contact_id = declared.contact_id

)

select * from final
