{#-
    The attributes profile rules read, one row per contact x attribute (`attribute_name`), as text (`attribute_value`):
    the golden record (`dim_contacts`), its company (`dim_companies`) and, for contacts with CRM
    leads, any lead column or key of the lead's `attributes` JSON that a rule names as
    `lead.<key>` (aggregates such as visits or time on site). Booleans read 'true' / 'false'.
    A contact with several leads has several values: a rule matches when any of them matches.
    Only the attributes a profile rule or a negative profile rule names have rows (a change of the
    rules changes the fingerprint: every contact is recomputed).

    Per contact incremental (see `macros/nurture_contact_incremental.sql`): a run recomputes the
    contacts `dim_contacts` recomputed (their golden record, their company link), those whose
    interactions changed (a lead is one), and those whose company's values changed
    (`scoring_company_attribute_changes`: a company's record changes without any record of its
    contacts), and keeps the rows of the others.
-#}
{{ config(**nurture_contact_model_config(
    ['dim_contacts', 'fct_interactions'],
    scope_extra="extra=scoring_company_attribute_changes()"
)) }}

{%- set string = dbt.type_string() -%}
{%- set contact_columns = ['job_title', 'country', 'email_domain', 'company_name', 'order_count',
                           'source_count'] -%}
{%- set contact_flags = ['is_customer', 'has_crm_record', 'is_anonymous'] -%}
{%- set lead_columns = ['lead_origin', 'lead_source', 'lead_status', 'occupation', 'city', 'country'] -%}
{%- set lead_flags = ['do_not_email', 'do_not_call'] -%}

with

contacts as (

    select * from {{ ref('dim_contacts') }}
    where {{ nurture_in_contact_scope('contact_id') }}

),

companies as (

    select * from {{ ref('dim_companies') }}

),

record_contacts as (

    select * from {{ ref('int_identity__record_contacts') }}
    where {{ nurture_in_contact_scope('contact_id', key='contact_key') }}

),

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

profile_rules as (

    {{ scoring_profile_rule_attributes() | indent(4) }}

),

lead_keys as (

    select distinct
        attribute,
        substring(attribute, 6) as lead_key
    from profile_rules
    where attribute like 'lead.%'

),

contact_values as (

    {%- for column in contact_columns %}
    select
        contact_id,
        '{{ column }}' as attribute_name,
        cast({{ column }} as {{ string }}) as attribute_value
    from contacts
    union all
    {%- endfor %}
    {%- for column in contact_flags %}
    select
        contact_id,
        '{{ column }}' as attribute_name,
        case when {{ column }} = true then 'true' when {{ column }} = false then 'false' end as attribute_value
    from contacts
    union all
    {%- endfor %}
    {{ scoring_company_values('contacts', 'companies') | indent(4) }}

),

contact_leads as (

    select
        leads.*,
        record_contacts.contact_id
    from leads
    inner join record_contacts
        on
            record_contacts.record_source = 'stg_crm__leads'
            and record_contacts.record_id = cast(leads.lead_id as {{ string }})

),

lead_values as (

    select
        contact_leads.contact_id,
        lead_keys.attribute as attribute_name,
        case lead_keys.lead_key
            {%- for column in lead_columns %}
            when '{{ column }}' then cast(contact_leads.{{ column }} as {{ string }})
            {%- endfor %}
            {%- for column in lead_flags %}
            when '{{ column }}'
                then
                    case
                        when contact_leads.{{ column }} = true then 'true'
                        when contact_leads.{{ column }} = false then 'false'
                    end
            {%- endfor %}
            else {{ scoring_json_value('contact_leads.lead_attributes', 'lead_keys.lead_key') }}
        end as attribute_value
    from contact_leads
    cross join lead_keys

),

final as (

    select
        contact_values.contact_id,
        contact_values.attribute_name,
        contact_values.attribute_value
    from contact_values
    where contact_values.attribute_name in (select profile_rules.attribute from profile_rules)
    union all
    select
        contact_id,
        attribute_name,
        attribute_value
    from lead_values

)

select * from final
