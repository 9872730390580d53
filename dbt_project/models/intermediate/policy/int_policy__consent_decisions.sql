{#-
    Every consent decision of every contact, one row per (decision record, consent channel): the
    preference centre's opt-ins, opt-outs and do-not-contact requests, unsubscribes and spam
    complaints from the sending tools (seed `consent_signals`), and the CRM's do-not-contact,
    do-not-email and do-not-call flags. A decision on channel `all`, and any do-not-contact request,
    applies to every consent channel of the `consent_requirements` seed.
-#}

with

interactions as (

    select * from {{ ref('fct_interactions') }}

),

consent_signals as (

    select * from {{ ref('consent_signals') }}

),

consent_requirements as (

    select * from {{ ref('consent_requirements') }}

),

consent_events as (

    select * from {{ ref('stg_consents__consent_events') }}

),

record_contacts as (

    select * from {{ ref('int_identity__record_contacts') }}

),

crm_contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

crm_leads as (

    select * from {{ ref('stg_crm__leads') }}

),

consent_channels as (

    select distinct channel as consent_channel
    from consent_requirements

),

signalled as (

    select
        interactions.contact_id,
        case
            when consent_signals.consent_channel = '*' then lower(consent_events.channel)
            else consent_signals.consent_channel
        end as decided_channel,
        consent_signals.consent_status,
        interactions.occurred_at as decided_at,
        coalesce(
            consent_events.consent_source,
            {{ dbt.concat(["interactions.source", "':'", "interactions.interaction_type"]) }}
        ) as decision_source,
        upper(consent_events.country) as decision_country,
        interactions.record_source,
        interactions.record_id
    from interactions
    inner join consent_signals
        on
            interactions.channel = consent_signals.interaction_channel
            and interactions.interaction_type = consent_signals.interaction_type
    left join consent_events
        on
            interactions.record_source = 'stg_consents__consent_events'
            and interactions.record_id = cast(consent_events.event_id as {{ dbt.type_string() }})

),

lead_flags as (

    select
        'email' as decided_channel,
        'crm:do_not_email' as decision_source
    union all
    select
        'phone' as decided_channel,
        'crm:do_not_call' as decision_source

),

crm_flags as (

    select
        record_contacts.contact_id,
        'all' as decided_channel,
        'do_not_contact' as consent_status,
        coalesce(crm_contacts.updated_at, crm_contacts.created_at) as decided_at,
        'crm:do_not_contact' as decision_source,
        upper(crm_contacts.country) as decision_country,
        record_contacts.record_source,
        record_contacts.record_id
    from crm_contacts
    inner join record_contacts
        on
            record_contacts.record_source = 'stg_crm__contacts'
            and record_contacts.record_id = cast(crm_contacts.crm_contact_id as {{ dbt.type_string() }})
    where crm_contacts.do_not_contact = true

    union all

    select
        record_contacts.contact_id,
        flags.decided_channel,
        'opt_out' as consent_status,
        coalesce(crm_leads.updated_at, crm_leads.created_at) as decided_at,
        flags.decision_source,
        upper(crm_leads.country) as decision_country,
        record_contacts.record_source,
        record_contacts.record_id
    from crm_leads
    inner join record_contacts
        on
            record_contacts.record_source = 'stg_crm__leads'
            and record_contacts.record_id = cast(crm_leads.lead_id as {{ dbt.type_string() }})
    inner join lead_flags as flags
        on
            (flags.decided_channel = 'email' and crm_leads.do_not_email = true)
            or (flags.decided_channel = 'phone' and crm_leads.do_not_call = true)

),

decisions as (

    select * from signalled
    union all
    select * from crm_flags

),

final as (

    select
        decisions.contact_id,
        consent_channels.consent_channel,
        decisions.consent_status,
        decisions.decided_at,
        decisions.decision_source,
        decisions.decision_country,
        decisions.decided_channel,
        decisions.record_source,
        decisions.record_id
    from decisions
    inner join consent_channels
        on
            decisions.decided_channel = consent_channels.consent_channel
            or decisions.decided_channel = 'all'
            or decisions.consent_status = 'do_not_contact'
    where decisions.decided_at < {{ nurture_as_of_end() }}

)

select * from final
