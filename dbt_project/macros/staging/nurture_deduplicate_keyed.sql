{#-
    nurture_deduplicate_keyed(relation, key, order_by)

    The same rows as `nurture_deduplicate(relation, partition_by=key, order_by=order_by)`: one row
    per `key` (a single column), the first in `order_by`. Built for event tables, where nearly every
    key is unique: the keys seen more than once are found by a grouping on the key alone, the rows
    with a unique key pass through untouched, and only the duplicated keys (and a null key, which
    the window treats as one partition) are numbered. A window over every row would sort the whole
    table with all its columns (JSON payloads included); this sorts a handful of rows.
    Portable SQL; the helper column `nurture_row_number` stays in the output, as in
    `nurture_deduplicate`.
-#}
{% macro nurture_deduplicate_keyed(relation, key, order_by) -%}
select
    unique_rows.*,
    1 as nurture_row_number
from {{ relation }} as unique_rows
where
    unique_rows.{{ key }} is not null
    and not exists (
        select 1
        from (
            select counted.{{ key }}
            from {{ relation }} as counted
            group by counted.{{ key }}
            having count(*) > 1
        ) as duplicated_keys
        where duplicated_keys.{{ key }} = unique_rows.{{ key }}
    )
union all
select numbered.*
from (
    select
        candidates.*,
        row_number() over (
            partition by candidates.{{ key }}
            order by {{ order_by }}
        ) as nurture_row_number
    from (
        select repeated.*
        from {{ relation }} as repeated
        inner join (
            select counted.{{ key }}
            from {{ relation }} as counted
            group by counted.{{ key }}
            having count(*) > 1
        ) as duplicated_keys
            on repeated.{{ key }} = duplicated_keys.{{ key }}
        union all
        select keyless.*
        from {{ relation }} as keyless
        where keyless.{{ key }} is null
    ) as candidates
) as numbered
where numbered.nurture_row_number = 1
{%- endmacro %}
