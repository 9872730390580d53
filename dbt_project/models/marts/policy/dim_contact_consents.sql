{#-
    Consent per contact and channel: one row per contact of `dim_contacts` and consent channel of
    the `consent_requirements` seed. The latest decision wins (on a tie the stricter one:
    do_not_contact, then opt_out); no decision recorded means no marketing on a channel that
    requires an opt-in in the contact's country.
    Per contact incremental (see `macros/nurture_contact_incremental.sql`): a run recomputes the
    contacts `dim_contacts` recomputed (every consent decision comes from one of the contact's
    records, an interaction, so a new decision changes its golden record run too) and keeps the
    rows of the others.
-#}
{{ config(**nurture_contact_model_config(['dim_contacts'])) }}

with

contacts as (

    select * from {{ ref('dim_contacts') }}
    where {{ nurture_in_contact_scope('contact_id') }}

),

decisions as (

    select * from {{ ref('int_policy__consent_decisions') }}
    where {{ nurture_in_contact_scope('contact_id') }}

),

consent_requirements as (

    select * from {{ ref('consent_requirements') }}

),

consent_channels as (

    select distinct channel as consent_channel
    from consent_requirements

),

ranked_decisions as (

    select
        *,
        row_number() over (
            partition by contact_id, consent_channel
            order by
                decided_at desc,
                case consent_status when 'do_not_contact' then 0 when 'opt_out' then 1 else 2 end asc,
                record_source asc,
                record_id asc
        ) as decision_rank
    from decisions

),

latest_decisions as (

    select * from ranked_decisions
    where decision_rank = 1

),

-- A do-not-contact request holds until the contact opts in again, on any channel, afterwards.
do_not_contact as (

    select
        contact_id,
        max(case when consent_status = 'do_not_contact' then decided_at end) as do_not_contact_at,
        max(case when consent_status = 'opt_in' then decided_at end) as last_opt_in_at
    from decisions
    group by contact_id

),

contact_channels as (

    select
        contacts.contact_id,
        contacts.country as contact_country,
        consent_channels.consent_channel
    from contacts
    cross join consent_channels

),

joined as (

    select
        contact_channels.contact_id,
        contact_channels.consent_channel,
        latest_decisions.decided_at,
        latest_decisions.decision_source,
        latest_decisions.record_source as decision_record_source,
        latest_decisions.record_id as decision_record_id,
        do_not_contact.do_not_contact_at,
        coalesce(latest_decisions.consent_status, 'unknown') as consent_status,
        upper(coalesce(contact_channels.contact_country, latest_decisions.decision_country)) as country,
        coalesce(by_country.requires_opt_in, by_default.requires_opt_in, true) as requires_opt_in,
        coalesce(
            do_not_contact.do_not_contact_at is not null
            and (
                do_not_contact.last_opt_in_at is null
                or do_not_contact.last_opt_in_at <= do_not_contact.do_not_contact_at
            ),
            false
        ) as is_do_not_contact
    from contact_channels
    left join latest_decisions
        on
            contact_channels.contact_id = latest_decisions.contact_id
            and contact_channels.consent_channel = latest_decisions.consent_channel
    left join consent_requirements as by_country
        on
            contact_channels.consent_channel = by_country.channel
            and upper(coalesce(contact_channels.contact_country, latest_decisions.decision_country))
            = upper(by_country.country)
    left join consent_requirements as by_default
        on
            contact_channels.consent_channel = by_default.channel
            and by_default.country = '*'
    left join do_not_contact
        on contact_channels.contact_id = do_not_contact.contact_id

),

final as (

    select
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(consent_channel as {{ dbt.type_string() }}) as consent_channel,
        cast(consent_status as {{ dbt.type_string() }}) as consent_status,
        cast(decided_at as {{ dbt.type_timestamp() }}) as decided_at,
        cast(decision_source as {{ dbt.type_string() }}) as decision_source,
        cast(decision_record_source as {{ dbt.type_string() }}) as decision_record_source,
        cast(decision_record_id as {{ dbt.type_string() }}) as decision_record_id,
        cast(country as {{ dbt.type_string() }}) as country,
        cast(requires_opt_in as boolean) as requires_opt_in,
        cast(is_do_not_contact as boolean) as is_do_not_contact,
        cast(do_not_contact_at as {{ dbt.type_timestamp() }}) as do_not_contact_at,
        cast(
            not is_do_not_contact
            and (
                consent_status = 'opt_in'
                or (consent_status = 'unknown' and not requires_opt_in)
            )
            as boolean
        ) as may_market
    from joined

)

select * from final
