{#-
    The rows a data test reads (dbt's `get_where_subquery`, overridden here): the test's `where`
    config as in dbt, and, for a per-contact incremental model (`contact_sources`, see
    `macros/nurture_contact_incremental.sql`) that recomputed only some contacts in this run, the rows
    of those contacts, in the tests that check rows or keys (unique, not null, accepted values,
    relationships, unique combinations). The rows of the other contacts did not change since the run that wrote and
    tested them. A run that recomputes every contact (the first run of each day, new code or rules,
    `--full-refresh`) tests every row; so does `dbt test` on its own.

    Event-sized models (one row per event, `meta: {test_scope: new_rows}`: staged events, their
    observations and interactions, and the views over them) are scoped only when the run asks for it
    with `test_scope: new_rows` (`nurture_test_scope_setting`: a var or an environment variable), as
    the frequent Dagster job does: their row tests then read the rows loaded after the newest load
    the run's event models had processed when it started (`nurture_new_rows_watermarks`, an
    on-run-start hook), the rows this run added. Events do not change once written and were tested
    by the run that wrote them; other runs (the daily job, `nurture build`) test every row, and so
    catch what a frequent run leaves out: rows an older load wrote again (an interaction re-attributed
    to another contact).
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
    {%- set row_tests = ['unique', 'not_null', 'not_null_columns', 'accepted_values', 'relationships', 'unique_combination_of_columns'] -%}
    {%- if (model.get('test_metadata') or {}).get('name') not in row_tests -%}
        {{ return('') }}
    {%- endif -%}
    {#- the same for every row test of the model: asked once per model and run (the model ran
        before its tests, so the answer no longer changes) -#}
    {%- set memo = nurture_node_memo(node_id) -%}
    {%- if '_nurture_test_scope' not in memo -%}
        {%- do memo.update({'_nurture_test_scope': _nurture_model_test_scope(node)}) -%}
    {%- endif -%}
    {{ return(memo['_nurture_test_scope']) }}
{%- endmacro %}

{% macro _nurture_model_test_scope(node) -%}
    {%- set node_id = node.unique_id -%}
    {%- set declared = (node.config.get('meta') or {}).get('test_scope') -%}
    {%- if declared == 'new_rows' -%}
        {{ return(nurture_new_rows_scope(node)) }}
    {%- elif declared == 'written_records' -%}
        {{ return(identity_record_contacts_test_scope()) }}
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


{#- The watermarks of this run's event models (one row each), kept for its tests. -#}
{% macro nurture_new_rows_table() -%}
    {{ return(nurture_state_table('nurture_test_watermarks')) }}
{%- endmacro %}

{#-
    The test scope the run asks for: the var `test_scope`, else the environment variable
    `NURTURE_TEST_SCOPE`, else `all`. The frequent Dagster job sets the environment variable: a var
    would make dbt parse the whole project again (vars are part of what its partial parsing checks),
    seconds on every run. Read only when executing, so that parsing never depends on it.
-#}
{% macro nurture_test_scope_setting() -%}
    {%- if not execute -%}
        {{ return('all') }}
    {%- endif -%}
    {%- set scope = var('test_scope', env_var('NURTURE_TEST_SCOPE', 'all')) -%}
    {%- if scope not in ('all', 'new_rows') -%}
        {{ exceptions.raise_compiler_error("test_scope (var or NURTURE_TEST_SCOPE): expected all or new_rows, got '" ~ scope ~ "'") }}
    {%- endif -%}
    {{ return(scope) }}
{%- endmacro %}

{#-
    On-run-start hook: with `test_scope: new_rows` (and no `--full-refresh`), the newest
    `loaded_at` of every event model (`meta: {test_scope: new_rows}`, incremental) the run selected,
    as it stands before the run; null for a model that is empty or not built yet (its rows are all
    new). Spark rebuilds event models in full: nothing to record there.
-#}
{% macro nurture_new_rows_watermarks() -%}
    {{ return(adapter.dispatch('nurture_new_rows_watermarks', 'nurture')()) }}
{%- endmacro %}

{% macro default__nurture_new_rows_watermarks() -%}
create table if not exists {{ nurture_new_rows_table() }} (
    invocation_id varchar, model varchar, relation varchar, watermark timestamp
);
delete from {{ nurture_new_rows_table() }};
{%- if execute and nurture_test_scope_setting() == 'new_rows' and not flags.FULL_REFRESH %}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.unique_id in selected_resources
        and (node.config.get('meta') or {}).get('test_scope') == 'new_rows'
        and node.config.get('materialized') == 'incremental' %}
        {%- set existing = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) %}
insert into {{ nurture_new_rows_table() }}
select '{{ invocation_id }}', '{{ node.unique_id }}', '{{ existing if existing is not none else '' }}',
    {%- if existing is not none and existing.type == 'table' %}
    (select max(processed.loaded_at) from {{ existing }} as processed)
    {%- else %}
    cast(null as timestamp)
    {%- endif %};
    {%- endfor %}
{%- endif %}
{%- endmacro %}

{% macro spark__nurture_new_rows_watermarks() -%}
{%- endmacro %}

{#-
    The condition on an event model's rows (graph node `node`) in a `test_scope: new_rows` run:
    loaded after the watermark that bounds them (less `incremental_lookback_hours`, the rows the
    models read again), or without a load time. The bound is the model's own watermark (an
    incremental event model: what it writes next comes from later loads), else the oldest of the
    event models it reads directly (a view over them), else the oldest of the run's. Empty (every
    row) when no watermark bounds it, or when one of those models that had none (new, empty, or
    rewritten in full by new rules) now holds rows: those are all new, whatever their load time. A
    model still empty changes nothing.
-#}
{% macro nurture_new_rows_scope(node) -%}
    {%- if nurture_test_scope_setting() != 'new_rows' or flags.FULL_REFRESH
        or load_relation(nurture_new_rows_table()) is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set recorded -%}
        select model, relation, watermark from {{ nurture_new_rows_table() }}
        where invocation_id = '{{ invocation_id }}'
    {%- endset -%}
    {%- set rows = run_query(recorded).rows -%}
    {%- set parents = (node.get('depends_on') or {}).get('nodes') or [] -%}
    {%- set bounding = [] -%}
    {%- for row in rows if row[0] == node.unique_id -%}
        {%- do bounding.append(row) -%}
    {%- endfor -%}
    {%- if not bounding -%}
        {%- for row in rows if row[0] in parents -%}
            {%- do bounding.append(row) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set watermarks = [] -%}
    {%- for row in (bounding or rows) -%}
        {%- if row[2] is not none -%}
            {%- do watermarks.append(row[2]) -%}
        {%- elif not row[1] or run_query('select count(*) from (select 1 from ' ~ row[1] ~ ' limit 1) as held').columns[0].values()[0] > 0 -%}
            {{ return('') }}
        {%- endif -%}
    {%- endfor -%}
    {%- if not watermarks -%}
        {{ return('') }}
    {%- endif -%}
    {{ return('(' ~ nurture_loaded_after('loaded_at', nurture_timestamp_literal(watermarks | min)) ~ ' or loaded_at is null)') }}
{%- endmacro %}
