{#-
    Audience quality checks on a size history (`fct_audience_sizes`: audience, as_of, members),
    comparing each audience's latest as-of date with the one before.

    audience_size_jump: sizes that grew or shrank by more than `max_change_ratio` (0.5 = 50%) of
    the previous size, when that was at least `min_previous_size` members. Meant for `warn`.
    audience_not_emptied: audiences that had members and now have none. Meant for `error`.
-#}

{% macro nurture_audience_size_pairs(model) %}
    select
        audience,
        as_of,
        members,
        previous_members,
        previous_as_of
    from (
        select
            audience,
            as_of,
            members,
            lag(members) over (partition by audience order by as_of) as previous_members,
            lag(as_of) over (partition by audience order by as_of) as previous_as_of,
            row_number() over (partition by audience order by as_of desc) as recency
        from {{ model }}
    ) as sized
    where recency = 1 and previous_as_of is not null
{% endmacro %}

{% test audience_size_jump(model, max_change_ratio=0.5, min_previous_size=20) %}
    select *
    from ({{ nurture_audience_size_pairs(model) }}) as pairs
    where
        previous_members >= {{ min_previous_size }}
        and abs(cast(members as double) - cast(previous_members as double))
        > {{ max_change_ratio }} * cast(previous_members as double)
{% endtest %}

{% test audience_not_emptied(model) %}
    select *
    from ({{ nurture_audience_size_pairs(model) }}) as pairs
    where previous_members > 0 and members = 0
{% endtest %}
