{#-
    The (audience, destination) pairs the audiences' metadata allows, read from the dbt graph: every
    `aud_<name>` model of `models/marts/audiences/` with its `meta.destinations` and `meta.priority`.
-#}

with

audience_destinations as (

    {{ nurture_audience_destinations_rows() | indent(4) }}

),

final as (

    select * from audience_destinations

)

select * from final
