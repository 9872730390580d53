{#-
    The attributes profile rules read, one row per contact x attribute (`attribute_name`), as text (`attribute_value`):
    the golden record (`dim_contacts`), its company (`dim_companies`) and, for contacts with CRM
    leads, any lead column or key of the lead's `attributes` JSON that a rule names as
    `lead.<key>` (aggregates such as visits or time on site). Booleans read 'true' / 'false'.
    A contact with several leads has several values: a rule matches when any of them matches.
    Only the attributes a profile rule or a negative profile rule names have rows (the table is
    rebuilt on every run, so a rule naming another attribute finds it on the next run).
-#}

{%- set string = dbt.type_string() -%}
{%- set contact_columns = ['job_title', 'country', 'email_domain', 'company_name', 'order_count',
                           'source_count'] -%}
{%- set contact_flags = ['is_customer', 'has_crm_record', 'is_anonymous'] -%}
{%- set company_columns = ['industry', 'employees', 'annual_revenue', 'expatriates', 'year_established'] -%}
{%- set company_flags = ['has_foreign_subsidiaries'] -%}
{%- set lead_columns = ['lead_origin', 'lead_source', 'lead_status', 'occupation', 'city', 'country'] -%}
{%- set lead_flags = ['do_not_email', 'do_not_call'] -%}

with

contacts as (

    select * from {{ ref('dim_contacts') }}

),

companies as (

    select * from {{ ref('dim_companies') }}

),

record_contacts as (

    select * from {{ ref('int_identity__record_contacts') }}

),

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

profile_rules as (

    select attribute from {{ ref('scoring_profile_rules') }}
    union
    select attribute from {{ ref('scoring_negative_rules') }}
    where rule_type = 'profile'

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
    {%- for column in company_columns %}
    select
        contacts.contact_id,
        '{{ column }}' as attribute_name,
        cast(companies.{{ column }} as {{ string }}) as attribute_value
    from contacts
    inner join companies
        on contacts.company_id = companies.company_id
    union all
    {%- endfor %}
    {%- for column in company_flags %}
    select
        contacts.contact_id,
        '{{ column }}' as attribute_name,
        case
            when companies.{{ column }} = true then 'true'
            when companies.{{ column }} = false then 'false'
        end as attribute_value
    from contacts
    inner join companies
        on contacts.company_id = companies.company_id
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

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
