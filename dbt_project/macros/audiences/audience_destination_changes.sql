{#-
    The `extra` contacts of `activation_policy`'s per-contact runs: the members of the audiences whose
    destinations (their `meta.destinations`) differ from those the table holds, in both directions:
    an audience sent somewhere new, or no longer. Audience metadata is not in any table the change
    log follows.
-#}
{% macro audience_destination_changes() -%}
with

held as (

    select distinct audience, destination from {{ this }}

),

current_pairs as (

    select audience, destination from {{ ref('int_audiences__destinations') }}

),

changed_audiences as (

    select audience from (select * from current_pairs except select * from held) as added
    union
    select audience from (select * from held except select * from current_pairs) as removed

)

select members.resolved_contact_id as contact_id
from {{ ref('int_audiences__members') }} as members
inner join changed_audiences on members.audience = changed_audiences.audience
{%- endmacro %}
