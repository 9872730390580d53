{#-
    Page views and screens with their page type, by the rules of the `page_types` seed.
    Incremental: each run classifies the page views staged since the last one (a page view never
    changes once staged); after editing `page_types`, rebuild with --full-refresh.
-#}
{{ config(
    materialized=nurture_incremental_materialization('table'),
    incremental_strategy='delete+insert',
    unique_key='event_id',
    on_schema_change='append_new_columns',
    meta={'test_scope': 'new_rows'}
) }}

with

events as (

    select * from {{ ref('stg_web__events') }}
    where {{ nurture_loaded_since_last_run('loaded_at') }}

),

page_types as (

    select * from {{ ref('page_types') }}

),

page_views as (

    select
        event_id,
        event_type,
        anonymous_id,
        user_id,
        email,
        is_identified,
        occurred_at,
        page_url,
        page_path,
        page_title,
        utm_campaign,
        source_file,
        source_line,
        loaded_at,
        lower(page_path) as normalized_path
    from events
    where event_type in {{ nurture_page_event_types() }}

),

-- the rules are matched once per distinct path, not once per page view: a site has a few hundred
-- paths and millions of views, and a LIKE join cannot use a hash
paths as (

    select distinct normalized_path
    from page_views
    where normalized_path is not null

),

matched as (

    select
        paths.normalized_path,
        page_types.page_type,
        page_types.path_pattern,
        row_number() over (
            partition by paths.normalized_path
            order by page_types.priority
        ) as match_rank
    from paths
    inner join page_types
        on paths.normalized_path like page_types.path_pattern

),

best_match as (

    select
        normalized_path,
        page_type,
        path_pattern
    from matched
    where match_rank = 1

),

final as (

    select
        page_views.event_id,
        page_views.event_type,
        page_views.anonymous_id,
        page_views.user_id,
        page_views.email,
        page_views.is_identified,
        page_views.occurred_at,
        page_views.page_url,
        page_views.page_path,
        page_views.page_title,
        page_views.loaded_at,
        page_views.utm_campaign,
        page_views.source_file,
        page_views.source_line,
        best_match.path_pattern as matched_pattern,
        coalesce(best_match.page_type, 'other') as page_type
    from page_views
    left join best_match
        on page_views.normalized_path = best_match.normalized_path

)

select * from final
