{#-
    The rows a data test reads (dbt's `get_where_subquery`, overridden here): the test's `where`
    config as in dbt, and, for a per-contact incremental model (`contact_sources`, see
    `macros/nurture_contact_incremental.sql`) that recomputed only some contacts in this run, the rows
    of those contacts, in the tests that check rows or keys (unique, not null, accepted values,
    relationships, unique combinations). The rows of the other contacts did not change since the run that wrote and
    tested them. A run that recomputes every contact (the first run of each day, new code or rules,
    `--full-refresh`) tests every row; so does `dbt test` on its own.
-#}
{% macro default__get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do conditions.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {#- dispatched: this macro runs in dbt's namespace, where the project's macros have no short name -#}
    {%- set scope = adapter.dispatch('nurture_test_scope', 'nurture')() -%}
    {%- if scope -%}
        {%- do conditions.append(scope) -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ conditions | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}


{#- The condition on the tested model's rows (empty: every row). -#}
{% macro default__nurture_test_scope() -%}
    {%- set node_id = model.get('attached_node') if execute else none -%}
    {%- if not node_id or node_id not in graph.nodes -%}
        {{ return('') }}
    {%- endif -%}
    {%- set node = graph.nodes[node_id] -%}
    {#- only tests that read the model's rows one by one or by key; a test that compares the model
        with another table (the scores with the ledger) needs every row -#}
    {%- set row_tests = ['unique', 'not_null', 'accepted_values', 'relationships', 'unique_combination_of_columns'] -%}
    {%- if (model.get('test_metadata') or {}).get('name') not in row_tests -%}
        {{ return('') }}
    {%- endif -%}
    {%- if not node.config.get('contact_sources') or node.config.get('materialized') != 'incremental' -%}
        {{ return('') }}
    {%- endif -%}
    {%- if load_relation(nurture_contact_runs()) is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set runs -%}
        select count(*) from {{ nurture_contact_runs() }}
        where model = '{{ node_id }}' and invocation_id = '{{ invocation_id }}' and scope = 'contacts'
    {%- endset -%}
    {%- if run_query(runs).columns[0].values()[0] == 0 -%}
        {{ return('') }}
    {%- endif -%}
    {%- set scope -%}
        contact_id in (
            select changes.contact_id from {{ nurture_contact_log() }} as changes
            where changes.source_model = '{{ node.alias }}' and changes.invocation_id = '{{ invocation_id }}'
        )
    {%- endset -%}
    {{ return(scope) }}
{%- endmacro %}

{% macro spark__nurture_test_scope() -%}
    {{ return('') }}
{%- endmacro %}
