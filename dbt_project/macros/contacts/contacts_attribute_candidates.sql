{#-
    The common table expressions that compute the attribute candidates (see
    `int_contacts__attribute_candidates`), the last one `attribute_candidates`, to put in a model's
    `with`. `contact_scope`, a condition on `contact_id` (`nurture_in_contact_scope`): the records of
    those contacts only, filtered before their values are unpivoted and parsed.
-#}
{% macro contacts_attribute_candidate_ctes(contact_scope='true') -%}
{#- record source -> (staging model, primary key, time of the observation, where, {attribute: expression}) -#}
{%- set string = dbt.type_string() -%}
{%- set sources = [
    ('stg_crm__contacts', 'crm_contact_id', 'coalesce(updated_at, created_at, loaded_at)', 'true', {
        'first_name': 'first_name', 'last_name': 'last_name', 'email': 'email', 'phone': 'phone',
        'job_title': 'job_title', 'country': 'upper(country)', 'crm_company_id': 'crm_company_id',
        'crm_contact_id': 'crm_contact_id'}),
    ('stg_crm__leads', 'lead_id', 'coalesce(updated_at, created_at, loaded_at)', 'true', {
        'email': 'email', 'phone': 'phone', 'job_title': 'occupation', 'country': 'upper(country)'}),
    ('stg_forms__form_submissions', 'submission_id', 'occurred_at', 'true', {
        'first_name': 'first_name', 'last_name': 'last_name', 'email': 'email', 'phone': 'phone',
        'job_title': 'job_title', 'country': 'upper(country)', 'company_name': 'company_name'}),
    ('stg_offline__events', 'event_id', 'occurred_at', 'true', {
        'first_name': 'first_name', 'last_name': 'last_name', 'email': 'email', 'phone': 'phone',
        'job_title': 'job_title', 'company_name': 'company_name'}),
    ('stg_orders__orders', 'order_id', 'coalesce(updated_at, ordered_at)', 'true', {
        'email': 'email', 'phone': 'phone', 'country': 'upper(country)'}),
    ('stg_web__events', 'event_id', 'occurred_at', "event_type = 'identify'", {
        'first_name': "coalesce(" ~ nurture_json_str('traits', 'first_name') ~ ", "
            ~ nurture_json_str('traits', 'firstName') ~ ")",
        'last_name': "coalesce(" ~ nurture_json_str('traits', 'last_name') ~ ", "
            ~ nurture_json_str('traits', 'lastName') ~ ")",
        'email': 'email', 'phone': 'phone',
        'job_title': "coalesce(" ~ nurture_json_str('traits', 'title') ~ ", "
            ~ nurture_json_str('traits', 'job_title') ~ ")",
        'company_name': "coalesce(" ~ nurture_json_str('traits', 'company') ~ ", "
            ~ nurture_json_str('traits', 'company_name') ~ ")"}),
] -%}


candidate_record_contacts as (

    select * from {{ ref('int_identity__record_contacts') }}
    {%- if contact_scope != 'true' %}
    where {{ contact_scope }}
    {%- endif %}

),

{% for record_source, primary_key, observed_at, condition, attributes in sources %}
candidate_{{ record_source }} as (

    select * from {{ ref(record_source) }}
    where {{ condition }}
    {%- if contact_scope != 'true' %}
        and cast({{ primary_key }} as {{ string }}) in (
            select scoped.record_id from candidate_record_contacts as scoped
            where scoped.record_source = '{{ record_source }}'
        )
    {%- endif %}

),

candidate_{{ record_source }}_values as (
    {%- for attribute, expression in attributes.items() %}

    select
        '{{ record_source }}' as record_source,
        cast({{ primary_key }} as {{ string }}) as record_id,
        '{{ attribute }}' as attribute_name,
        nullif(trim(cast({{ expression }} as {{ string }})), '') as attribute_value,
        {{ observed_at }} as observed_at
    from candidate_{{ record_source }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

{% endfor -%}

candidate_values as (
    {%- for record_source, primary_key, observed_at, condition, attributes in sources %}

    select * from candidate_{{ record_source }}_values
    where attribute_value is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

attribute_candidates as (

    select
        record_contacts.contact_id,
        candidates.record_source,
        candidates.record_id,
        candidates.attribute_name,
        candidates.attribute_value,
        candidates.observed_at
    from candidate_values as candidates
    inner join candidate_record_contacts as record_contacts
        on
            candidates.record_source = record_contacts.record_source
            and candidates.record_id = record_contacts.record_id

)
{%- endmacro %}
