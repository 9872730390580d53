{#-
    Personal events of known contacts: `birthday` (the next birthday on or after the as-of date, from
    the CRM's birth_date) and `move` (a CRM contact or lead record giving a city other than an
    earlier record of the same contact: dated by the later record).
-#}

with

record_contacts as (

    select * from {{ ref('int_identity__record_contacts') }}

),

crm_contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

crm_leads as (

    select * from {{ ref('stg_crm__leads') }}

),

birth_dates as (

    select
        record_contacts.contact_id,
        max(crm_contacts.birth_date) as birth_date
    from crm_contacts
    inner join record_contacts
        on
            record_contacts.record_source = 'stg_crm__contacts'
            and record_contacts.record_id = cast(crm_contacts.crm_contact_id as {{ dbt.type_string() }})
    where crm_contacts.birth_date is not null
    group by record_contacts.contact_id

),

birthdays_this_year as (

    select
        contact_id,
        birth_date,
        -- The interval in parentheses: dbt's Spark dateadd multiplies it by 12 as written.
        cast({{ dbt.dateadd(
            'year',
            '(extract(year from ' ~ nurture_as_of() ~ ') - extract(year from birth_date))',
            'birth_date') }} as date) as birthday_this_year
    from birth_dates

),

birthdays as (

    select
        contact_id,
        'birthday' as event_type,
        case
            when birthday_this_year >= {{ nurture_as_of() }} then birthday_this_year
            else cast({{ dbt.dateadd('year', 1, 'birthday_this_year') }} as date)
        end as event_on,
        cast(birth_date as {{ dbt.type_string() }}) as detail
    from birthdays_this_year

),

cities as (

    select
        record_contacts.contact_id,
        lower(trim(crm_contacts.city)) as city,
        coalesce(crm_contacts.updated_at, crm_contacts.created_at) as recorded_at
    from crm_contacts
    inner join record_contacts
        on
            record_contacts.record_source = 'stg_crm__contacts'
            and record_contacts.record_id = cast(crm_contacts.crm_contact_id as {{ dbt.type_string() }})
    where crm_contacts.city is not null

    union all

    select
        record_contacts.contact_id,
        lower(trim(crm_leads.city)) as city,
        coalesce(crm_leads.updated_at, crm_leads.created_at) as recorded_at
    from crm_leads
    inner join record_contacts
        on
            record_contacts.record_source = 'stg_crm__leads'
            and record_contacts.record_id = cast(crm_leads.lead_id as {{ dbt.type_string() }})
    where crm_leads.city is not null

),

city_sequence as (

    select
        contact_id,
        city,
        recorded_at,
        lag(city) over (partition by contact_id order by recorded_at, city) as previous_city
    from cities
    where recorded_at < {{ nurture_as_of_end() }}

),

moves as (

    select
        contact_id,
        'move' as event_type,
        cast(recorded_at as date) as event_on,
        {{ dbt.concat(["previous_city", "' -> '", "city"]) }} as detail
    from city_sequence
    where previous_city is not null and previous_city != city

),

final as (

    select * from birthdays
    union all
    select * from moves

)

select * from final
