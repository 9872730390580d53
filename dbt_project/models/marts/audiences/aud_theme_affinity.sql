{#-
    Contacts by product-category or content-theme affinity: each contact's strongest theme over the
    last `meta.lookback_days` days, the sum of `meta.weights` (points per interaction type) of its
    interactions with that theme (email campaign themes, ordered product categories, trade-show
    interests...), when it reaches `meta.min_score`.
-#}

{%- set lookback_days = nurture_audience_param('lookback_days') %}
{%- set min_score = nurture_audience_param('min_score') %}
{%- set weights = nurture_audience_param('weights') or {} %}

with

interactions as (

    select * from {{ ref('fct_interactions') }}

),

weighted as (

    select
        contact_id,
        lower(content_theme) as content_theme,
        case interaction_type
            {%- for interaction_type, points in weights.items() | sort %}
            when '{{ interaction_type }}' then {{ points | float }}
            {%- endfor %}
        end as points
    from interactions
    where
        content_theme is not null
        and occurred_at < {{ nurture_as_of_end() }}
        and occurred_at >= {{ dbt.dateadd('day', -1 * lookback_days, nurture_as_of_end()) }}

),

theme_scores as (

    select
        contact_id,
        content_theme,
        sum(points) as affinity_score
    from weighted
    where points is not null
    group by
        contact_id,
        content_theme

),

ranked as (

    select
        *,
        row_number() over (partition by contact_id order by affinity_score desc, content_theme asc) as theme_rank
    from theme_scores

),

final as (

    select
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(content_theme as {{ dbt.type_string() }}) as content_theme,
        cast(affinity_score as double) as affinity_score
    from ranked
    where theme_rank = 1 and affinity_score >= {{ min_score }}

)

select * from final
