{#-
    One row per company known to the CRM, with its linked contacts counted by link method.
    Companies known only from a `company_name` typed in a form or on a badge are not added (see the
    model's description).
-#}

with

crm_companies as (

    select * from {{ ref('stg_crm__companies') }}

),

contact_companies as (

    select * from {{ ref('int_contacts__companies') }}

),

-- The parent, when `parent_company` holds a CRM id or (case-insensitively) a CRM company name.
parent_keys as (

    select
        lower(crm_company_id) as parent_key,
        crm_company_id as parent_crm_company_id
    from crm_companies
    union all
    select
        lower(company_name) as parent_key,
        min(crm_company_id) as parent_crm_company_id
    from crm_companies
    group by lower(company_name)

),

parents as (

    select
        parent_key,
        min(parent_crm_company_id) as parent_crm_company_id
    from parent_keys
    group by parent_key

),

contact_counts as (

    select
        crm_company_id,
        count(*) as contact_count,
        sum(case when link_method = 'crm_account' then 1 else 0 end) as crm_account_contact_count,
        sum(case when link_method = 'email_domain' then 1 else 0 end) as email_domain_contact_count
    from contact_companies
    group by crm_company_id

),

final as (

    select
        cast({{ nurture_surrogate_key(['crm_companies.crm_company_id']) }} as {{ dbt.type_string() }})
            as company_id,
        cast(crm_companies.crm_company_id as {{ dbt.type_string() }}) as crm_company_id,
        cast(crm_companies.company_name as {{ dbt.type_string() }}) as company_name,
        cast(lower(crm_companies.domain) as {{ dbt.type_string() }}) as company_domain,
        cast(crm_companies.industry as {{ dbt.type_string() }}) as industry,
        cast(crm_companies.employees as bigint) as employees,
        cast(crm_companies.annual_revenue as double) as annual_revenue,
        cast(crm_companies.country as {{ dbt.type_string() }}) as country,
        cast(crm_companies.parent_company as {{ dbt.type_string() }}) as parent_company,
        cast(
            case
                when parents.parent_crm_company_id is not null
                    then {{ nurture_surrogate_key(['parents.parent_crm_company_id']) }}
            end as {{ dbt.type_string() }}
        ) as parent_company_id,
        cast(crm_companies.has_foreign_subsidiaries as boolean) as has_foreign_subsidiaries,
        cast(crm_companies.expatriates as bigint) as expatriates,
        cast(crm_companies.year_established as bigint) as year_established,
        cast(coalesce(contact_counts.contact_count, 0) as bigint) as contact_count,
        cast(coalesce(contact_counts.crm_account_contact_count, 0) as bigint) as crm_account_contact_count,
        cast(coalesce(contact_counts.email_domain_contact_count, 0) as bigint) as email_domain_contact_count,
        cast(crm_companies.created_at as timestamp) as created_at,
        cast(crm_companies.updated_at as timestamp) as updated_at
    from crm_companies
    left join parents
        on lower(crm_companies.parent_company) = parents.parent_key
    left join contact_counts
        on crm_companies.crm_company_id = contact_counts.crm_company_id

)

select * from final
