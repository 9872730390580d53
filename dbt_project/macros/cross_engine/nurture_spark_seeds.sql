{#-
    spark__load_csv_rows(model, agate_table)   (overrides dbt-spark's seed loader)

    dbt-spark inserts seed rows with bindings, and its local `session` connection turns every
    binding into a quoted string: an empty CSV cell (None) becomes the text 'None', so a string
    column reads 'None' instead of null (e.g. an optional `content_theme` no longer counts as
    empty, and the rule never matches). Here the rows are rendered as SQL literals instead: null
    for an empty cell, numbers and booleans as such, text quoted with `\` and `'` escaped (Spark
    string literals process backslash escapes). The seed's `column_types` still decide the types.
-#}
{% macro spark__load_csv_rows(model, agate_table) %}

    {%- set batch_size = get_batch_size() -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set types = [] -%}
    {%- for col_name in agate_table.column_names -%}
        {%- do types.append(column_override.get(col_name, adapter.convert_type(agate_table, loop.index0))) -%}
    {%- endfor -%}

    {%- set statements = [] -%}

    {%- for chunk in agate_table.rows | batch(batch_size) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                (
                {%- for value in row -%}
                    cast({{ nurture_spark_literal(value) }} as {{ types[loop.index0] }})
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%}
                )
                {%- if not loop.last %},{% endif %}
            {% endfor -%}
        {%- endset -%}

        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}

        {%- if loop.index0 == 0 -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}

    {#- The SQL of the first batch, rendered into the compiled files. -#}
    {{ return(statements[0]) }}
{% endmacro %}


{#- One seed value as a Spark SQL literal. -#}
{% macro nurture_spark_literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is sameas true -%}
        true
    {%- elif value is sameas false -%}
        false
    {%- elif value is number -%}
        {{ value }}
    {%- else -%}
        '{{ (value | string) | replace("\\", "\\\\") | replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}
