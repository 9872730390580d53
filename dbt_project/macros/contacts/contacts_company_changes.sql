{#-
    The `extra` contacts of `dim_contacts`' per-contact runs: those whose company, link method or
    company name differ from what the table holds. A company record that changed, a new company
    whose domain matches contacts' emails, a link that left: none of them is a change of the
    contact's own records, which `fct_interactions` and the golden attributes log. Compares the
    contacts' company links as they are now (the golden attributes already recomputed) with the
    table, in both directions.
-#}
{% macro contacts_company_changes() -%}
{%- set string = dbt.type_string() -%}
with

current_links as (

    select
        cast(companies.contact_id as {{ string }}) as contact_id,
        cast(companies.company_id as {{ string }}) as company_id,
        cast(companies.link_method as {{ string }}) as link_method,
        cast(coalesce(crm_companies.company_name, golden.attribute_value) as {{ string }}) as company_name
    from {{ ref('int_contacts__companies') }} as companies
    left join {{ ref('stg_crm__companies') }} as crm_companies
        on companies.crm_company_id = crm_companies.crm_company_id
    left join {{ ref('int_contacts__golden_attributes') }} as golden
        on
            companies.contact_id = golden.contact_id
            and golden.attribute_name = 'company_name'

),

held_links as (

    select contact_id, company_id, company_link_method as link_method, company_name
    from {{ this }}
    where company_id is not null

)

{{ nurture_changed_contacts('current_links', 'held_links') }}
{%- endmacro %}
