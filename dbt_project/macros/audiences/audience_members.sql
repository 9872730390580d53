{#-
    The common table expressions that compute the members of every audience as the audiences give
    them now, the last one `final` (`int_audiences__members`' rows), to put in a model's `with`: the
    union of the audiences, each member's contact and, for an anonymous one, its most recent
    anonymous id.
-#}
{% macro audience_members_ctes() -%}
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
{%- endmacro %}

{#- The columns of `int_audiences__members`, in order. -#}
{% macro audience_member_columns() -%}
    {{ return(['audience', 'resolved_contact_id', 'is_anonymous', 'contact_id', 'anonymous_id', 'member_key',
               'priority', 'excludes_buyers', 'attributes']) }}
{%- endmacro %}

{#-
    The `extra` contacts of `int_audiences__members`' per-contact runs: those whose rows the
    audiences give now differ from the rows the table (`this`) holds, in both directions (a member
    joined or left, another priority, other attributes).
-#}
{% macro audience_members_changes() -%}
{%- set columns = audience_member_columns() | join(', ') -%}
with

{{ audience_members_ctes() }},

current_members as (

    select {{ columns }} from final

),

held_members as (

    select {{ columns }} from {{ this }}

)

{{ nurture_changed_contacts('current_members', 'held_members', 'resolved_contact_id') }}
{%- endmacro %}
