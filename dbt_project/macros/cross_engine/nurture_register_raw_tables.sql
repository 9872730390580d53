{#-
    nurture_register_raw_tables()   (on-run-start, dbt_project.yml)

    Makes the raw tables the sources read visible to the engine. On DuckDB the loader writes them
    into the warehouse itself: nothing to do. On Spark (a lakehouse) the loader writes Parquet files
    to a filesystem destination, one folder per table under `<lake>/raw/` (env NURTURE_LAKE); each
    source table is declared as an external table of its source schema over its folder
    (`create table ... using parquet location ...`), re-declared on every run so that new columns
    are seen. Dropping an external table never deletes its files.
-#}
{% macro nurture_register_raw_tables() -%}
    {{ return(adapter.dispatch('nurture_register_raw_tables', 'nurture')()) }}
{%- endmacro %}

{% macro default__nurture_register_raw_tables() -%}
{%- endmacro %}

{% macro spark__nurture_register_raw_tables() -%}
    {%- if execute -%}
        {%- set lake = env_var('NURTURE_LAKE', '') -%}
        {%- if not lake -%}
            {%- do exceptions.raise_compiler_error(
                'target spark: set NURTURE_LAKE to the folder the loader wrote Parquet raw tables to '
                ~ '(NURTURE_DESTINATION=filesystem nurture load)') -%}
        {%- endif -%}
        {%- set schemas = [] -%}
        {%- for node in graph.sources.values() if node.package_name == project_name -%}
            {%- if node.schema not in schemas -%}
                {%- do schemas.append(node.schema) -%}
                {%- do run_query('create database if not exists ' ~ node.schema) -%}
            {%- endif -%}
            {%- set location = lake.rstrip('/') ~ '/' ~ node.schema ~ '/' ~ node.identifier -%}
            {%- do run_query('drop table if exists ' ~ node.schema ~ '.' ~ node.identifier) -%}
            {%- do run_query('create table ' ~ node.schema ~ '.' ~ node.identifier
                             ~ " using parquet options (mergeSchema 'true') location '" ~ location ~ "'") -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
