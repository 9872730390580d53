{#-
    The interactions scoring reads: every row of `fct_interactions` up to the end of the as-of day,
    and the undated ones (`occurred_at` null: some exports carry no dates; they count as of the
    as-of day, `occurred_on`), with the brand its source file belongs to (seed `scoring_brand_sources`: LIKE patterns on the
    file; the first pattern in alphabetical order of brand wins when several match; null when none).
    The patterns are matched once per distinct source file, not once per interaction.

    A view on DuckDB: a copy of `fct_interactions` (all the events) written on every run cost more
    than its two readers scanning `fct_interactions` (columns, with the as-of filter) themselves; a
    table on Spark, as before.
-#}
{{ config(materialized=('table' if target.type == 'spark' else 'view'), meta={'test_scope': 'new_rows'}) }}

with

interactions as (

    select * from {{ ref('fct_interactions') }}

),

-- read apart from `interactions`: a CTE read twice is written out in full (every interaction)
-- before a reader's filter on contacts applies; each read once, the readers' filters reach the scan
interaction_files as (

    select source_file from {{ ref('fct_interactions') }}

),

brand_sources as (

    select * from {{ ref('scoring_brand_sources') }}

),

interactions_as_of as (

    select
        interaction_id,
        contact_id,
        contact_key,
        occurred_at,
        channel,
        interaction_type,
        content_theme,
        source_file,
        loaded_at
    from interactions
    where occurred_at < {{ nurture_as_of_end() }} or occurred_at is null

),

source_files as (

    -- every file's brand (the as-of filter is the interactions' business: a later file has a
    -- brand too, and no interaction of it passes)
    select distinct source_file
    from interaction_files
    where source_file is not null

),

file_brands_ranked as (

    select
        source_files.source_file,
        brand_sources.brand,
        row_number() over (
            partition by source_files.source_file
            order by brand_sources.brand
        ) as brand_rank
    from source_files
    inner join brand_sources
        on source_files.source_file like brand_sources.source_file_pattern

),

file_brands as (

    select
        source_file,
        brand
    from file_brands_ranked
    where brand_rank = 1

),

final as (

    select
        interactions_as_of.interaction_id,
        interactions_as_of.contact_id,
        interactions_as_of.contact_key,
        interactions_as_of.occurred_at,
        -- Undated records (exports without dates) count as of the as-of day.
        coalesce(cast(interactions_as_of.occurred_at as date), {{ nurture_as_of() }}) as occurred_on,
        interactions_as_of.channel,
        interactions_as_of.interaction_type,
        interactions_as_of.content_theme,
        file_brands.brand,
        interactions_as_of.loaded_at
    from interactions_as_of
    left join file_brands
        on interactions_as_of.source_file = file_brands.source_file

)

select * from final
