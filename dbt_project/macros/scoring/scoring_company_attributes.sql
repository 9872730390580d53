{#-
    The attributes profile rules read from the contacts' companies (`int_scoring__contact_attributes`).
-#}

{#- The attribute names a profile rule or a negative profile rule names, as a query (`attribute`). -#}
{% macro scoring_profile_rule_attributes() -%}
select attribute from {{ ref('scoring_profile_rules') }}
union
select attribute from {{ ref('scoring_negative_rules') }}
where rule_type = 'profile'
{%- endmacro %}

{#- The company columns the profile rules may name, and the boolean ones. -#}
{%- macro scoring_company_columns() -%}
    {{ return(['industry', 'employees', 'annual_revenue', 'expatriates', 'year_established']) }}
{%- endmacro -%}

{%- macro scoring_company_flags() -%}
    {{ return(['has_foreign_subsidiaries']) }}
{%- endmacro -%}

{#-
    The company attributes of the contacts of `contacts` (with contact_id, company_id) from
    `companies` (dim_companies' columns): rows of contact_id, attribute_name, attribute_value, one
    per attribute (booleans as 'true' / 'false'), for the contacts with a company.
-#}
{% macro scoring_company_values(contacts, companies) -%}
{%- set string = dbt.type_string() -%}
{%- set company_columns = scoring_company_columns() -%}
{%- set company_flags = scoring_company_flags() -%}
{%- for column in company_columns %}
select
    {{ contacts }}.contact_id,
    '{{ column }}' as attribute_name,
    cast({{ companies }}.{{ column }} as {{ string }}) as attribute_value
from {{ contacts }}
inner join {{ companies }}
    on {{ contacts }}.company_id = {{ companies }}.company_id
union all
{%- endfor %}
{%- for column in company_flags %}
select
    {{ contacts }}.contact_id,
    '{{ column }}' as attribute_name,
    case
        when {{ companies }}.{{ column }} = true then 'true'
        when {{ companies }}.{{ column }} = false then 'false'
    end as attribute_value
from {{ contacts }}
inner join {{ companies }}
    on {{ contacts }}.company_id = {{ companies }}.company_id
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
{%- endmacro %}

{#-
    The `extra` contacts of `int_scoring__contact_attributes`' per-contact runs: those whose company
    attributes (the ones the rules name) differ from the rows the table (`this`) holds, in both
    directions. A company's record can change without any record of its contacts, which
    `dim_contacts` and `fct_interactions` log.
-#}
{% macro scoring_company_attribute_changes() -%}
with

contacts as (

    select contact_id, company_id from {{ ref('dim_contacts') }}
    where company_id is not null

),

companies as (

    select * from {{ ref('dim_companies') }}

),

company_values as (

    {{ scoring_company_values('contacts', 'companies') | indent(4) }}

),

current_values as (

    select contact_id, attribute_name, attribute_value from company_values
    where attribute_name in ({{ scoring_profile_rule_attributes() }})

),

held_values as (

    select contact_id, attribute_name, attribute_value from {{ this }}
    where attribute_name in ('{{ (scoring_company_columns() + scoring_company_flags()) | join("', '") }}')

)

{{ nurture_changed_contacts('current_values', 'held_values') }}
{%- endmacro %}
