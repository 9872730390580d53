{#-
    Touchpoints that identity resolution did not attribute to any contact (no usable identifier):
    the rows `fct_interactions` leaves out, kept here to be counted and inspected.
-#}
{{ config(meta={'test_scope': 'new_rows'}) }}

with

touchpoints as (

    select * from {{ ref('int_contacts__touchpoints_classified') }}

),

record_contacts as (

    select * from {{ ref('int_identity__record_contacts') }}

),

final as (

    select
        record_contacts.contact_id,
        touchpoints.record_source,
        touchpoints.record_id,
        touchpoints.source_name,
        touchpoints.source_type,
        touchpoints.channel,
        touchpoints.interaction_type,
        touchpoints.occurred_at,
        touchpoints.source_file,
        touchpoints.source_line,
        touchpoints.loaded_at
    from touchpoints
    left join record_contacts
        on
            touchpoints.record_source = record_contacts.record_source
            and touchpoints.record_id = record_contacts.record_id
    where record_contacts.contact_id is null

)

select * from final
