{#-
    Every member of every audience: the union of the `aud_<name>` models of `models/marts/audiences/`
    (found in the dbt graph), one row per (audience, contact), with the audience's priority, whether
    it excludes buyers, and the member's attributes (its other columns) as a JSON object.
    An anonymous contact is keyed by its most recent anonymous id (`anonymous:<id>`), a known one by
    its contact_id.

    Adding an audience: its SQL file, its YAML entry, and one `depends_on` line below (dbt fills the
    graph only when it executes, so the build order needs it; dbt names the missing line otherwise).

    A table: the activation policy, the membership snapshots, the audience sizes and the tests all
    read it at the end of a run, at the same time; as a view each of them computed the union, the
    contacts' join and the anonymous ids' window again. The audiences are rebuilt in full on every
    run; the post-hook logs the contacts whose memberships changed (joined, left, another priority
    or other attributes), which the activation policy follows.
-#}
{{ config(materialized='table', post_hook="{{ nurture_log_changed_rows('resolved_contact_id') }}") }}
-- depends_on: {{ ref('aud_anonymous_abandoners') }}
-- depends_on: {{ ref('aud_birthdays') }}
-- depends_on: {{ ref('aud_buyers') }}
-- depends_on: {{ ref('aud_churn_risk') }}
-- depends_on: {{ ref('aud_high_potential_prospects') }}
-- depends_on: {{ ref('aud_hot_leads') }}
-- depends_on: {{ ref('aud_identified_abandoners') }}
-- depends_on: {{ ref('aud_inactive_customers') }}
-- depends_on: {{ ref('aud_lost_customers') }}
-- depends_on: {{ ref('aud_movers') }}
-- depends_on: {{ ref('aud_no_consent') }}
-- depends_on: {{ ref('aud_preferred_channel') }}
-- depends_on: {{ ref('aud_theme_affinity') }}
-- depends_on: {{ ref('aud_unconverted_quotes') }}
-- depends_on: {{ ref('aud_value_tiers') }}

with

members as (

    {{ nurture_audience_members_union() | indent(4) }}

),

contacts as (

    select * from {{ ref('dim_contacts') }}

),

resolution as (

    select * from {{ ref('int_identity__resolution') }}

),

anonymous_ids as (

    select
        contact_id,
        identifier_value as anonymous_id
    from (
        select
            contact_id,
            identifier_value,
            row_number() over (
                partition by contact_id
                order by first_seen_at desc, identifier_value desc
            ) as id_rank
        from resolution
        where identifier_type = 'anonymous_id'
    ) as ranked_ids
    where id_rank = 1

),

final as (

    select
        members.audience,
        members.contact_id as resolved_contact_id,
        coalesce(contacts.is_anonymous, false) as is_anonymous,
        case when contacts.is_anonymous = true then null else members.contact_id end as contact_id,
        case when contacts.is_anonymous = true then anonymous_ids.anonymous_id end as anonymous_id,
        case
            when contacts.is_anonymous = true and anonymous_ids.anonymous_id is not null
                then {{ dbt.concat(["'anonymous:'", "anonymous_ids.anonymous_id"]) }}
            else members.contact_id
        end as member_key,
        members.priority,
        members.excludes_buyers,
        members.attributes
    from members
    left join contacts
        on members.contact_id = contacts.contact_id
    left join anonymous_ids
        on members.contact_id = anonymous_ids.contact_id

)

select * from final
