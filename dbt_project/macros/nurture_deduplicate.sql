{#-
    nurture_deduplicate(relation, partition_by, order_by)

    One row per `partition_by` (a column list as SQL text): the first row in `order_by`.
    Portable SQL (row_number in a subquery, no QUALIFY). The helper column
    `nurture_row_number` stays in the output: select the columns you need after it.

    Events keep the first delivery:   order_by='loaded_at, _file, _line'
    Entities keep the newest version: order_by='updated_at desc nulls last, loaded_at desc, ...'
-#}
{% macro nurture_deduplicate(relation, partition_by, order_by) -%}
select numbered.*
from (
    select
        {{ relation }}.*,
        row_number() over (
            partition by {{ partition_by }}
            order by {{ order_by }}
        ) as nurture_row_number
    from {{ relation }}
) as numbered
where numbered.nurture_row_number = 1
{%- endmacro %}
