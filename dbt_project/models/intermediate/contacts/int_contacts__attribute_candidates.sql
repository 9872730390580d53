{#-
    Every value a staging record gives for a contact attribute, one row per
    (record_source, record_id, attribute), attributed to its contact. The survivorship model
    picks one value per contact and attribute among these by the `survivorship_rules` seed.
    Values are trimmed; empty strings are dropped; countries are upper-cased.
-#}

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

with

record_contacts as (

    select * from {{ ref('int_identity__record_contacts') }}

),

{% for record_source, primary_key, observed_at, condition, attributes in sources %}
{{ record_source }} as (

    select * from {{ ref(record_source) }}
    where {{ condition }}

),

{{ record_source }}_values as (
    {%- for attribute, expression in attributes.items() %}

    select
        '{{ record_source }}' as record_source,
        cast({{ primary_key }} as {{ string }}) as record_id,
        '{{ attribute }}' as attribute_name,
        nullif(trim(cast({{ expression }} as {{ string }})), '') as attribute_value,
        {{ observed_at }} as observed_at
    from {{ record_source }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

{% endfor -%}

candidates as (
    {%- for record_source, primary_key, observed_at, condition, attributes in sources %}

    select * from {{ record_source }}_values
    where attribute_value is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

final as (

    select
        record_contacts.contact_id,
        candidates.record_source,
        candidates.record_id,
        candidates.attribute_name,
        candidates.attribute_value,
        candidates.observed_at
    from candidates
    inner join record_contacts
        on
            candidates.record_source = record_contacts.record_source
            and candidates.record_id = record_contacts.record_id

)

select * from final
