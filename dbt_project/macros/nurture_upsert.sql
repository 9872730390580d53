{#-
    Incremental "replace rows by key" on every engine.

    DuckDB (and most warehouses) use dbt's `delete+insert` strategy: the model selects the changed
    rows, dbt deletes their keys from the table and inserts them. Spark's `merge` needs Delta or
    Iceberg tables, and plain Parquet tables cannot delete rows; there the model is written with
    `insert_overwrite` (the whole table is rewritten) and selects the full new table: the changed
    rows plus the previous rows whose key did not change. Spark refuses to overwrite a table it
    reads from, so a pre-hook first copies the table to `<table>__previous` and a post-hook drops it.

    Use in an incremental model:
        config(incremental_strategy=nurture_upsert_strategy(),
               pre_hook="{{ nurture_upsert_prepare() }}", post_hook="{{ nurture_upsert_cleanup() }}")
        upserted as ( {{ nurture_upsert('changed', ['key_a', 'key_b'], ['key_a', 'key_b', 'value']) }} )
-#}
{% macro nurture_upsert_strategy() -%}
    {{ return(adapter.dispatch('nurture_upsert_strategy', 'nurture')()) }}
{%- endmacro %}

{% macro default__nurture_upsert_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{% macro spark__nurture_upsert_strategy() -%}
    {{ return('insert_overwrite') }}
{%- endmacro %}


{#- The rows to write: `changed` (a CTE name) on delete+insert engines; on Spark, all rows. -#}
{% macro nurture_upsert(changed, unique_key, columns) -%}
    {{ return(adapter.dispatch('nurture_upsert', 'nurture')(changed, unique_key, columns)) }}
{%- endmacro %}

{% macro default__nurture_upsert(changed, unique_key, columns) -%}
select * from {{ changed }}
{%- endmacro %}

{% macro spark__nurture_upsert(changed, unique_key, columns) -%}
select * from {{ changed }}
{%- if is_incremental() %}
union all
select
    {%- for column in columns %}
    previous.{{ column }}{% if not loop.last %},{% endif %}
    {%- endfor %}
from {{ nurture_upsert_previous_relation() }} as previous
left join {{ changed }} as changed_rows
    on
    {%- for key in unique_key %}
        {% if not loop.first %}and {% endif %}previous.{{ key }} = changed_rows.{{ key }}
    {%- endfor %}
where changed_rows.{{ unique_key[0] }} is null
{%- endif %}
{%- endmacro %}


{% macro nurture_upsert_previous_relation() -%}
    {{ return(this.incorporate(path={'identifier': this.identifier ~ '__previous'})) }}
{%- endmacro %}


{#- Pre-hook: on Spark, copy the existing table aside (nothing elsewhere). Returns no SQL. -#}
{% macro nurture_upsert_prepare() -%}
    {{ return(adapter.dispatch('nurture_upsert_prepare', 'nurture')()) }}
{%- endmacro %}

{% macro default__nurture_upsert_prepare() -%}
{%- endmacro %}

{% macro spark__nurture_upsert_prepare() -%}
    {%- if execute -%}
        {%- set previous = nurture_upsert_previous_relation() -%}
        {%- do run_query('drop table if exists ' ~ previous) -%}
        {%- if load_relation(this) is not none and not should_full_refresh() -%}
            {%- do run_query('create table ' ~ previous ~ ' using parquet as select * from ' ~ this) -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{% macro nurture_upsert_cleanup() -%}
    {{ return(adapter.dispatch('nurture_upsert_cleanup', 'nurture')()) }}
{%- endmacro %}

{% macro default__nurture_upsert_cleanup() -%}
{%- endmacro %}

{% macro spark__nurture_upsert_cleanup() -%}
    {%- if execute -%}
        {%- do run_query('drop table if exists ' ~ nurture_upsert_previous_relation()) -%}
    {%- endif -%}
{%- endmacro %}
