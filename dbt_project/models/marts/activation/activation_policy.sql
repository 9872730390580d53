{#-
    The one policy the activation step reads: for each audience, each destination its metadata
    allows and each member, whether the member may be sent now and, if not, why. Reasons, the first
    that applies wins:
      do_not_contact      the contact asked not to be contacted (destinations that apply it)
      already_buyer       the audience excludes buyers (`meta.exclude_buyers`) and the contact bought
      missing_identifier  the destination needs an identifier the member lacks (seed `destinations`)
      no_consent          no marketing consent on the destination's channel (`dim_contact_consents`)
      pressure_cap        the contact is at a cap of the destination's channel or of all channels
      lower_priority      sending every audience would exceed a cap: higher-priority audiences
                          (lower `priority`, then audience and destination names) take the room left

    Per contact incremental (see `macros/nurture_contact_incremental.sql`): every reason is decided
    per contact (an anonymous member's contact is its resolved contact), so a run recomputes the
    contacts whose memberships, golden record, consents or marketing pressure changed, and the
    members of audiences whose destinations changed; it keeps the rows of the others.
-#}
{{ config(**nurture_contact_model_config(
    ['int_audiences__members', 'dim_contacts', 'dim_contact_consents', 'fct_marketing_pressure'],
    scope_extra="extra=audience_destination_changes()",
    contact_column='resolved_contact_id'
)) }}

with

members as (

    select * from {{ ref('int_audiences__members') }}
    where {{ nurture_in_contact_scope('resolved_contact_id') }}

),

audience_destinations as (

    select * from {{ ref('int_audiences__destinations') }}

),

destinations as (

    select * from {{ ref('destinations') }}

),

contacts as (

    select * from {{ ref('dim_contacts') }}
    where {{ nurture_in_contact_scope('contact_id') }}

),

consents as (

    select * from {{ ref('dim_contact_consents') }}
    where {{ nurture_in_contact_scope('contact_id') }}

),

pressure as (

    select * from {{ ref('fct_marketing_pressure') }}
    where {{ nurture_in_contact_scope('contact_id') }}

),

pressure_caps as (

    select * from {{ ref('pressure_caps') }}

),

do_not_contact as (

    select
        contact_id,
        max(case when is_do_not_contact = true then 1 else 0 end) as is_do_not_contact
    from consents
    group by contact_id

),

candidates as (

    select
        members.audience,
        audience_destinations.destination,
        members.member_key,
        members.resolved_contact_id,
        members.contact_id,
        members.anonymous_id,
        members.is_anonymous,
        members.priority,
        members.excludes_buyers,
        members.attributes,
        contacts.email,
        contacts.phone,
        contacts.first_name,
        contacts.last_name,
        contacts.crm_contact_id,
        destinations.consent_channel,
        destinations.pressure_channel,
        destinations.required_identifier,
        destinations.applies_do_not_contact,
        consents.may_market,
        coalesce(contacts.is_customer, false) as is_customer,
        coalesce(do_not_contact.is_do_not_contact, 0) as is_do_not_contact
    from members
    inner join audience_destinations
        on members.audience = audience_destinations.audience
    left join destinations
        on audience_destinations.destination = destinations.destination
    left join contacts
        on members.resolved_contact_id = contacts.contact_id
    left join do_not_contact
        on members.resolved_contact_id = do_not_contact.contact_id
    left join consents
        on
            members.resolved_contact_id = consents.contact_id
            and destinations.consent_channel = consents.consent_channel

),

base_reasons as (

    select
        *,
        case
            when required_identifier is null then 'unknown_destination'
            when applies_do_not_contact = true and is_do_not_contact = 1 then 'do_not_contact'
            when excludes_buyers = true and is_customer = true then 'already_buyer'
            when
                (required_identifier = 'email' and email is null)
                or (required_identifier = 'phone' and phone is null)
                or (required_identifier = 'email_or_crm_id' and email is null and crm_contact_id is null)
                or (required_identifier = 'email_or_phone' and email is null and phone is null)
                or (required_identifier = 'contact_or_anonymous' and contact_id is null and anonymous_id is null)
                or (required_identifier = 'contact_id' and contact_id is null)
                then 'missing_identifier'
            when consent_channel is not null and coalesce(may_market, false) = false then 'no_consent'
        end as base_reason
    from candidates

),

-- Every cap that applies to a send still allowed: its channel's and the all-channel ones.
capped_sends as (

    select
        base_reasons.audience,
        base_reasons.destination,
        base_reasons.member_key,
        base_reasons.resolved_contact_id,
        base_reasons.priority,
        pressure_caps.pressure_channel as cap_channel,
        pressure_caps.window_days,
        pressure_caps.max_messages - coalesce(pressure.messages_received, 0) as remaining_messages
    from base_reasons
    inner join pressure_caps
        on
            base_reasons.pressure_channel = pressure_caps.pressure_channel
            or pressure_caps.pressure_channel = 'all'
    left join pressure
        on
            base_reasons.resolved_contact_id = pressure.contact_id
            and pressure_caps.pressure_channel = pressure.pressure_channel
            and pressure_caps.window_days = pressure.window_days
    where
        base_reasons.base_reason is null
        and base_reasons.pressure_channel is not null

),

at_cap as (

    select
        audience,
        destination,
        member_key
    from capped_sends
    where remaining_messages <= 0
    group by
        audience,
        destination,
        member_key

),

-- Sends not at a cap compete, per contact and cap, for the room left: highest priority first.
ranked_sends as (

    select
        capped_sends.*,
        row_number() over (
            partition by capped_sends.resolved_contact_id, capped_sends.cap_channel, capped_sends.window_days
            order by capped_sends.priority, capped_sends.audience, capped_sends.destination
        ) as send_rank
    from capped_sends
    left join at_cap
        on
            capped_sends.audience = at_cap.audience
            and capped_sends.destination = at_cap.destination
            and capped_sends.member_key = at_cap.member_key
    where at_cap.member_key is null

),

over_room as (

    select
        audience,
        destination,
        member_key
    from ranked_sends
    where send_rank > remaining_messages
    group by
        audience,
        destination,
        member_key

),

decided as (

    select
        base_reasons.*,
        coalesce(
            base_reasons.base_reason,
            case
                when at_cap.member_key is not null then 'pressure_cap'
                when over_room.member_key is not null then 'lower_priority'
            end
        ) as hold_reason
    from base_reasons
    left join at_cap
        on
            base_reasons.audience = at_cap.audience
            and base_reasons.destination = at_cap.destination
            and base_reasons.member_key = at_cap.member_key
    left join over_room
        on
            base_reasons.audience = over_room.audience
            and base_reasons.destination = over_room.destination
            and base_reasons.member_key = over_room.member_key

),

final as (

    select
        cast(audience as {{ dbt.type_string() }}) as audience,
        cast(destination as {{ dbt.type_string() }}) as destination,
        cast(member_key as {{ dbt.type_string() }}) as member_key,
        cast(resolved_contact_id as {{ dbt.type_string() }}) as resolved_contact_id,
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(anonymous_id as {{ dbt.type_string() }}) as anonymous_id,
        cast(email as {{ dbt.type_string() }}) as email,
        cast(phone as {{ dbt.type_string() }}) as phone,
        cast(first_name as {{ dbt.type_string() }}) as first_name,
        cast(last_name as {{ dbt.type_string() }}) as last_name,
        cast(crm_contact_id as {{ dbt.type_string() }}) as crm_contact_id,
        cast(attributes as {{ dbt.type_string() }}) as attributes,
        cast(priority as integer) as priority,
        cast(hold_reason is null as boolean) as is_allowed,
        cast(hold_reason as {{ dbt.type_string() }}) as hold_reason,
        cast({{ nurture_as_of_end() }} as {{ dbt.type_timestamp() }}) as computed_at
    from decided

)

select * from final
