{#-
    The golden record: one row per contact_id of identity resolution, with the surviving value of
    each attribute (see `int_contacts__golden_attributes` and the `survivorship_rules` seed), its
    company, where it was seen and whether it is a customer. Holds PII: restricted.

    Per contact incremental (see `macros/nurture_contact_incremental.sql`): a run recomputes the
    contacts whose golden attributes were recomputed, those `fct_interactions` logged (new records,
    orders, sightings, merges and splits: every record of a contact is an interaction) and those
    whose company link changed (`contacts_company_changes`), and keeps the rows of the others.
-#}
{{ config(**nurture_contact_model_config(
    ['int_contacts__golden_attributes', 'fct_interactions'],
    scope_extra="extra=contacts_company_changes()"
)) }}

{%- set string = dbt.type_string() -%}
{%- set attributes = ['first_name', 'last_name', 'email', 'phone', 'job_title', 'country',
                      'company_name', 'crm_contact_id'] -%}

with

identity_contacts as (

    select * from {{ ref('int_identity__contacts') }}
    where {{ nurture_in_contact_scope('contact_id') }}

),

record_contacts as (

    select * from {{ ref('int_identity__record_contacts') }}
    where {{ nurture_in_contact_scope('contact_id', key='contact_key') }}

),

golden_attributes as (

    select * from {{ ref('int_contacts__golden_attributes') }}
    where {{ nurture_in_contact_scope('contact_id') }}

),

contact_companies as (

    select * from {{ ref('int_contacts__companies') }}
    where {{ nurture_in_contact_scope('contact_id') }}

),

crm_companies as (

    select * from {{ ref('stg_crm__companies') }}

),

orders as (

    select * from {{ ref('stg_orders__orders') }}

),

interactions as (

    select * from {{ ref('fct_interactions') }}
    where {{ nurture_in_contact_scope('contact_id', key='contact_key') }}

),

golden as (

    select
        contact_id,
        {%- for attribute in attributes %}
        max(case when attribute_name = '{{ attribute }}' then attribute_value end) as {{ attribute }}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from golden_attributes
    group by contact_id

),

contact_sources as (

    select distinct
        contact_id,
        record_source
    from record_contacts

),

sources_present as (

    select
        contact_id,
        {{ nurture_listagg_sorted('record_source', "','") }} as sources_present,
        count(*) as source_count,
        max(case when record_source = 'stg_crm__contacts' then 1 else 0 end) as crm_record_flag
    from contact_sources
    group by contact_id

),

contact_orders as (

    select
        record_contacts.contact_id,
        count(*) as order_count,
        sum(case when orders.order_status != 'cancelled' then 1 else 0 end) as kept_order_count
    from record_contacts
    inner join orders
        on record_contacts.record_id = cast(orders.order_id as {{ string }})
    where record_contacts.record_source = 'stg_orders__orders'
    group by record_contacts.contact_id

),

-- When identity resolution leaves first/last seen empty, the contact's touchpoints give them:
-- its interactions (every attributed touchpoint, kept incrementally with its current contact).
contact_activity as (

    select
        contact_id,
        min(occurred_at) as first_occurred_at,
        max(occurred_at) as last_occurred_at
    from interactions
    group by contact_id

),

final as (

    select
        cast(identity_contacts.contact_id as {{ string }}) as contact_id,
        cast(golden.first_name as {{ string }}) as first_name,
        cast(golden.last_name as {{ string }}) as last_name,
        cast(golden.email as {{ string }}) as email,
        cast({{ nurture_email_domain('lower(golden.email)') }} as {{ string }}) as email_domain,
        cast(golden.phone as {{ string }}) as phone,
        cast(contact_companies.company_id as {{ string }}) as company_id,
        cast(coalesce(crm_companies.company_name, golden.company_name) as {{ string }}) as company_name,
        cast(contact_companies.link_method as {{ string }}) as company_link_method,
        cast(golden.job_title as {{ string }}) as job_title,
        cast(golden.country as {{ string }}) as country,
        cast(golden.crm_contact_id as {{ string }}) as crm_contact_id,
        cast(coalesce(identity_contacts.first_seen_at, contact_activity.first_occurred_at) as timestamp)
            as first_seen_at,
        cast(coalesce(identity_contacts.last_seen_at, contact_activity.last_occurred_at) as timestamp)
            as last_seen_at,
        cast(sources_present.sources_present as {{ string }}) as sources_present,
        cast(coalesce(sources_present.source_count, 0) as bigint) as source_count,
        cast(identity_contacts.identifier_count as bigint) as identifier_count,
        cast(identity_contacts.merged_from_count as bigint) as merged_from_count,
        cast(identity_contacts.is_anonymous as boolean) as is_anonymous,
        cast(coalesce(contact_orders.kept_order_count, 0) > 0 as boolean) as is_customer,
        cast(coalesce(contact_orders.order_count, 0) as bigint) as order_count,
        cast(coalesce(sources_present.crm_record_flag, 0) = 1 as boolean) as has_crm_record
    from identity_contacts
    left join golden
        on identity_contacts.contact_id = golden.contact_id
    left join sources_present
        on identity_contacts.contact_id = sources_present.contact_id
    left join contact_orders
        on identity_contacts.contact_id = contact_orders.contact_id
    left join contact_activity
        on identity_contacts.contact_id = contact_activity.contact_id
    left join contact_companies
        on identity_contacts.contact_id = contact_companies.contact_id
    left join crm_companies
        on contact_companies.crm_company_id = crm_companies.crm_company_id

)

select * from final
