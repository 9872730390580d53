{#-
    The company of each contact, one row per linked contact:
      1. 'crm_account'  the contact's CRM record names a CRM company (golden `crm_company_id`);
      2. 'email_domain' the domain of the contact's golden email equals a CRM company's domain,
                        free-mail domains (seed `free_email_domains`) excluded on both sides.
    The first method that links wins; when one domain belongs to several CRM companies, the lowest
    crm_company_id wins. Contacts that neither method links are absent.

    A table: the contacts' mart reads it twice (the links that changed, then its contacts'), the
    companies' mart and four tests once each; as a view each of them linked every contact again.
-#}
{{ config(materialized='table') }}

with

golden_attributes as (

    select * from {{ ref('int_contacts__golden_attributes') }}

),

crm_companies as (

    select * from {{ ref('stg_crm__companies') }}

),

free_email_domains as (

    select * from {{ ref('free_email_domains') }}

),

companies as (

    select
        crm_company_id,
        case
            when lower(trim(domain)) like 'www.%' then substring(lower(trim(domain)), 5)
            else lower(trim(domain))
        end as company_domain
    from crm_companies

),

business_domains as (

    select
        companies.company_domain,
        min(companies.crm_company_id) as crm_company_id
    from companies
    left join free_email_domains
        on companies.company_domain like free_email_domains.domain_pattern
    where
        companies.company_domain is not null
        and free_email_domains.domain_pattern is null
    group by companies.company_domain

),

contact_crm_companies as (

    select
        contact_id,
        attribute_value as crm_company_id
    from golden_attributes
    where attribute_name = 'crm_company_id'

),

contact_email_domains as (

    select
        contact_id,
        {{ nurture_email_domain('lower(attribute_value)') }} as email_domain
    from golden_attributes
    where attribute_name = 'email'

),

crm_account_links as (

    select
        contact_crm_companies.contact_id,
        contact_crm_companies.crm_company_id,
        'crm_account' as link_method,
        1 as link_rank
    from contact_crm_companies
    inner join crm_companies
        on contact_crm_companies.crm_company_id = crm_companies.crm_company_id

),

email_domain_links as (

    select
        contact_email_domains.contact_id,
        business_domains.crm_company_id,
        'email_domain' as link_method,
        2 as link_rank
    from contact_email_domains
    inner join business_domains
        on contact_email_domains.email_domain = business_domains.company_domain

),

links as (

    select * from crm_account_links
    union all
    select * from email_domain_links

),

ranked as (

    select
        links.*,
        row_number() over (partition by links.contact_id order by links.link_rank) as link_order
    from links

),

final as (

    select
        contact_id,
        {{ nurture_surrogate_key(['crm_company_id']) }} as company_id,
        crm_company_id,
        link_method
    from ranked
    where link_order = 1

)

select * from final
