{#-
    The interactions scoring reads: every row of `fct_interactions` up to the end of the as-of day,
    and the undated ones (`occurred_at` null: some exports carry no dates; they count as of the
    as-of day, `occurred_on`), with the brand its source file belongs to (seed `scoring_brand_sources`: LIKE patterns on the
    file; the first pattern in alphabetical order of brand wins when several match; null when none).
-#}

with

interactions as (

    select * from {{ ref('fct_interactions') }}

),

brand_sources as (

    select * from {{ ref('scoring_brand_sources') }}

),

interactions_as_of as (

    select
        interaction_id,
        contact_id,
        occurred_at,
        channel,
        interaction_type,
        content_theme,
        source_file
    from interactions
    where occurred_at < {{ nurture_as_of_end() }} or occurred_at is null

),

branded as (

    select
        interactions_as_of.*,
        brand_sources.brand,
        row_number() over (
            partition by interactions_as_of.interaction_id
            order by brand_sources.brand
        ) as brand_rank
    from interactions_as_of
    left join brand_sources
        on interactions_as_of.source_file like brand_sources.source_file_pattern

),

final as (

    select
        interaction_id,
        contact_id,
        occurred_at,
        -- Undated records (exports without dates) count as of the as-of day.
        coalesce(cast(occurred_at as date), {{ nurture_as_of() }}) as occurred_on,
        channel,
        interaction_type,
        content_theme,
        brand
    from branded
    where brand_rank = 1

)

select * from final
