{#-
    Survivorship: one value per contact and attribute. Among the candidates whose
    (attribute, record_source) has a rule in the `survivorship_rules` seed, the value from the
    source with the lowest `priority` wins; within that source the most recent observation wins
    (then the greatest record_id, for a deterministic tie-break). Sources without a rule for an
    attribute never provide it.

    A table: the contact companies, the golden record and their tests read it, and a view would
    rank every candidate of every contact again for each of them. Per contact incremental (see
    `macros/nurture_contact_incremental.sql`): a run ranks again the candidates of the contacts
    `fct_interactions` logged, whose records are new, changed or attributed to another contact
    (every candidate record is a touchpoint, so an interaction), and keeps the other rows. The
    candidates are those `int_contacts__attribute_candidates` lists, computed then for the records
    of those contacts only (`contacts_attribute_candidate_ctes`): the view would unpivot and parse
    every record before the filter.
-#}
-- depends_on: {{ ref('fct_interactions') }}
{{ config(**nurture_contact_model_config(['fct_interactions'])) }}
{#- rendered on every parse, so that dbt sees the models it reads -#}
{%- set scoped_candidates = contacts_attribute_candidate_ctes(
    nurture_in_contact_scope('contact_id', key='contact_key')
) -%}
{%- set some_contacts = nurture_contact_scope().mode == 'contacts' %}

with

{% if some_contacts -%}
{{ scoped_candidates }},

{% endif -%}
candidates as (

    {%- if some_contacts %}
    select * from attribute_candidates
    {%- else %}
    select * from {{ ref('int_contacts__attribute_candidates') }}
    {%- endif %}

),

rules as (

    select * from {{ ref('survivorship_rules') }}

),

ranked as (

    select
        candidates.contact_id,
        candidates.attribute_name,
        candidates.attribute_value,
        candidates.record_source,
        candidates.record_id,
        candidates.observed_at,
        rules.priority as source_priority,
        row_number() over (
            partition by candidates.contact_id, candidates.attribute_name
            order by
                rules.priority asc,
                candidates.observed_at desc nulls last,
                candidates.record_id desc
        ) as value_rank
    from candidates
    inner join rules
        on
            candidates.attribute_name = rules.attribute
            and candidates.record_source = rules.record_source

),

final as (

    select
        contact_id,
        attribute_name,
        attribute_value,
        record_source,
        record_id,
        observed_at,
        source_priority
    from ranked
    where value_rank = 1

)

select * from final
