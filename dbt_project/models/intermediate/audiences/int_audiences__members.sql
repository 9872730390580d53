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
    run; this table is per contact incremental (`macros/nurture_contact_incremental.sql`, keyed by
    `resolved_contact_id`): a run compares the members the audiences give now with the rows it holds
    (`audience_members_changes`), writes again the contacts whose memberships changed (joined, left,
    another priority or other attributes) and logs them, which the activation policy follows; it
    keeps the rows of the others instead of writing every member again.
-#}
{{ config(**nurture_contact_model_config(
    [],
    scope_extra="extra=audience_members_changes()",
    contact_column='resolved_contact_id'
)) }}
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

{{ audience_members_ctes() }}

select
    {{ audience_member_columns() | join(',\n    ') }}
from final
where {{ nurture_in_contact_scope('resolved_contact_id') }}
