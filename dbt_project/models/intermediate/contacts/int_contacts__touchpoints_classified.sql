{#-
    Touchpoints with their `channel` and `interaction_type`, by the `interaction_types` seed:
    the row for (`record_source`, `source_type`) when there is one, else the record source's
    fallback row (`source_type` = '*'), else channel 'other' / type 'other'.
-#}
{{ config(meta={'test_scope': 'new_rows'}) }}

with

touchpoints as (

    select * from {{ ref('int_contacts__touchpoints') }}

),

interaction_types as (

    select * from {{ ref('interaction_types') }}

),

exact_types as (

    select * from interaction_types
    where source_type != '*'

),

fallback_types as (

    select * from interaction_types
    where source_type = '*'

),

final as (

    select
        touchpoints.record_source,
        touchpoints.record_id,
        touchpoints.source_name,
        touchpoints.source_type,
        touchpoints.occurred_at,
        touchpoints.campaign_id,
        touchpoints.content_theme,
        touchpoints.interaction_value,
        touchpoints.source_file,
        touchpoints.source_line,
        touchpoints.loaded_at,
        coalesce(exact_types.channel, fallback_types.channel, 'other') as channel,
        coalesce(exact_types.interaction_type, fallback_types.interaction_type, 'other') as interaction_type
    from touchpoints
    left join exact_types
        on
            touchpoints.record_source = exact_types.record_source
            and touchpoints.source_type = exact_types.source_type
    left join fallback_types
        on touchpoints.record_source = fallback_types.record_source

)

select * from final
