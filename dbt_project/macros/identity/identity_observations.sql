{#-
    identity_observations(relation, record_source, record_id, occurred_at, identifiers)

    The identifiers one staging model carries, unpivoted to one row per (record, identifier):
    record_source, record_id, identifier_type, identifier_value, occurred_at.
    `identifiers` maps identifier_type -> column. The relation is read once (a cross join with the
    list of types, then a CASE picks the column), which keeps the SQL portable and the scan single.
    `occurred_at` is a SQL expression (e.g. a coalesce with loaded_at for entities); `where`, an
    optional condition on the relation's rows (alias `src`). The record's `loaded_at` comes along,
    and `record_identifiers`, how many identifiers the record carries: a record with one links
    nothing, so the graph steps read only the records with more.
-#}
{% macro identity_observations(relation, record_source, record_id, occurred_at, identifiers, where=none) -%}
select
    unpivoted.record_source,
    unpivoted.record_id,
    unpivoted.identifier_type,
    unpivoted.identifier_value,
    unpivoted.occurred_at,
    unpivoted.loaded_at,
    unpivoted.record_identifiers
from (
    select
        '{{ record_source }}' as record_source,
        cast(src.{{ record_id }} as {{ dbt.type_string() }}) as record_id,
        id_types.identifier_type,
        case id_types.identifier_type
            {%- for identifier_type, column in identifiers.items() %}
            when '{{ identifier_type }}' then cast(src.{{ column }} as {{ dbt.type_string() }})
            {%- endfor %}
        end as identifier_value,
        {{ occurred_at }} as occurred_at,
        src.loaded_at,
        {%- for column in identifiers.values() %}
        case
            when cast(src.{{ column }} as {{ dbt.type_string() }}) != '' then 1 else 0
        end{{ ' +' if not loop.last else ' as record_identifiers' }}
        {%- endfor %}
    from {{ relation }} as src
    cross join (
        {%- for identifier_type in identifiers %}
        select '{{ identifier_type }}' as identifier_type
        {%- if not loop.last %}
        union all
        {%- endif %}
        {%- endfor %}
    ) as id_types
    {%- if where %}
    where {{ where }}
    {%- endif %}
) as unpivoted
where unpivoted.identifier_value is not null and unpivoted.identifier_value != ''
{%- endmacro %}
