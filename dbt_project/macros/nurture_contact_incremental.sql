{#-
    Per-contact incremental models.

    Some tables hold rows that each belong to one contact and are computed from that contact's data
    only (the points a contact's actions earn, its score ledger, its current score). A frequent run
    recomputes the contacts whose data changed since the model last ran and keeps the other rows.

    The change log (`nurture_contact_changes` in the target schema) records which contacts changed:
    - `fct_interactions` logs the contacts of the rows a run loads, and both the old and the new
      contact of every row it re-attributes (a merge, a split, a record that moved) or drops;
    - each per-contact model logs the contacts it recomputed, for the models that read it;
    - a row with no contact (`contact_id` null) means "every contact": a model rebuilt in full.

    A per-contact model declares which models' changes it follows (`contact_sources`):

        {{ config(**nurture_contact_model_config(['fct_interactions'])) }}

    and filters the rows it reads with `nurture_in_contact_scope('contact_id')`. A run of such a
    model recomputes every contact (its rows deleted, then written again) when it is not incremental
    (first build, `--full-refresh`), when the as-of day, its code or the code or rules of anything
    upstream changed since its last run (`nurture_contact_model_runs` keeps what each run saw), or
    when a source it follows was rebuilt in full. The as-of day changes every day: the first run of
    a day recomputes every contact, so a change the log could miss is mended within a day.
    Spark rebuilds these models in full (their fallback materialization): the macros do nothing.
-#}

{% macro nurture_contact_log() -%}
    {{ return(nurture_state_table('nurture_contact_changes')) }}
{%- endmacro %}

{% macro nurture_contact_runs() -%}
    {{ return(nurture_state_table('nurture_contact_model_runs')) }}
{%- endmacro %}

{#-
    The config of a per-contact model: incremental where the engine allows (rows appended after the
    pre-hook deleted those of the contacts recomputed), following the changes of `sources`;
    `scope_extra`, the Jinja arguments of `nurture_contact_scope_begin` (extra contacts to recompute);
    `contact_column`, the column that names a row's contact (`contact_id` unless the table keeps
    another, e.g. anonymous members' resolved contact).
-#}
{% macro nurture_contact_model_config(sources, scope_extra='', contact_column='contact_id') -%}
    {{ return({
        'materialized': nurture_incremental_materialization('table'),
        'incremental_strategy': 'append',
        'on_schema_change': 'append_new_columns',
        'contact_sources': sources,
        'contact_column': contact_column,
        'pre_hook': '{{ nurture_contact_scope_begin(' ~ scope_extra ~ ') }}',
        'post_hook': '{{ nurture_contact_scope_end() }}',
    }) }}
{%- endmacro %}

{#- The change log and the run records: created by the project's on-run-start hook (`dbt_project.yml`). -#}
{% macro nurture_contact_tables() -%}
    {{ return(adapter.dispatch('nurture_contact_tables', 'nurture')()) }}
{%- endmacro %}

{% macro default__nurture_contact_tables() -%}
create table if not exists {{ nurture_contact_log() }} (
    source_model varchar, contact_id varchar, changed_at timestamp, invocation_id varchar
);
create table if not exists {{ nurture_contact_runs() }} (
    model varchar, as_of date, fingerprint varchar, changes_through timestamp, recorded_at timestamp,
    invocation_id varchar, scope varchar
)
{%- endmacro %}

{% macro spark__nurture_contact_tables() -%}
{%- endmacro %}


{#-
    A SQL expression: the md5 of the code of this model and of every model upstream of it, and of
    the rows of every seed upstream (rule tables: edited files, or rows edited in the warehouse).
-#}
{% macro nurture_upstream_fingerprint() -%}
    {%- set memo = nurture_node_memo() -%}
    {%- if '_nurture_upstream_fingerprint' not in memo -%}
        {%- do memo.update({'_nurture_upstream_fingerprint': nurture_code_fingerprint(model.unique_id)}) -%}
    {%- endif -%}
    {{ memo['_nurture_upstream_fingerprint'] }}
{%- endmacro %}

{#-
    Where a node keeps what it computed once for the invocation (`{key: value}`): the invocation's
    graph entry of the node, which the context that compiles the node and the one that runs its
    hooks share (each builds its own `model`), so that a decision its SQL and its hooks both ask
    (asked before either changes anything) is queried once. Kept per invocation id, should a
    process run dbt again with the same graph; `model` itself where the node is not in the graph
    (when dbt parses). `node_id`: another node's (a test keeps its model's answers there).
-#}
{% macro nurture_node_memo(node_id=none) -%}
    {%- set node = (graph.get('nodes') or {}).get(node_id or model.unique_id) -%}
    {%- if node is none -%}
        {{ return(model) }}
    {%- endif -%}
    {%- if (node.get('_nurture_memo') or {}).get('invocation_id') != invocation_id -%}
        {%- do node.update({'_nurture_memo': {'invocation_id': invocation_id}}) -%}
    {%- endif -%}
    {{ return(node['_nurture_memo']) }}
{%- endmacro %}

{#- The same for the node `node_id` (a unique id) and what is upstream of it. -#}
{% macro nurture_code_fingerprint(node_id) -%}
    {%- set checksums = [] -%}
    {%- set seeds = [] -%}
    {%- do _nurture_collect_checksums(node_id, [], checksums, seeds) -%}
    md5('{{ local_md5(checksums | sort | join(',')) }}'
    {%- for seed in seeds | sort %}
        || coalesce((select md5(string_agg(cast(rule_rows as varchar), chr(10) order by cast(rule_rows as varchar))) from {{ seed }} as rule_rows), '')
    {%- endfor %})
{%- endmacro %}

{% macro _nurture_collect_checksums(node_id, seen, checksums, seeds) -%}
    {%- if node_id not in seen and node_id in graph.nodes -%}
        {%- do seen.append(node_id) -%}
        {%- set node = graph.nodes[node_id] -%}
        {%- do checksums.append(node_id ~ ':' ~ node.checksum.checksum) -%}
        {%- if node.resource_type == 'seed' -%}
            {%- do seeds.append(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias) | string) -%}
        {%- endif -%}
        {%- for parent in node.depends_on.nodes -%}
            {%- do _nurture_collect_checksums(parent, seen, checksums, seeds) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}


{#-
    How this run computes the model: `full` (a new table), `rebuild` (every contact again in the
    table there is) or `contacts` (the contacts changed since `since`, a timestamp literal).
-#}
{% macro nurture_contact_scope() -%}
    {{ return(adapter.dispatch('nurture_contact_scope', 'nurture')()) }}
{%- endmacro %}

{#-
    The answer is kept for the rest of the node's run (`nurture_node_memo`): the model's filters,
    its pre-hook and its post-hook ask it several times, and each asking queried the run records
    and walked the graph upstream again.
-#}
{% macro default__nurture_contact_scope() -%}
    {#- no `this` in a unit test: there the model computes every contact -#}
    {%- if not execute or this is none or not is_incremental() -%}
        {{ return({'mode': 'full'}) }}
    {%- endif -%}
    {%- set memo = nurture_node_memo() -%}
    {%- if '_nurture_contact_scope' not in memo -%}
        {%- do memo.update({'_nurture_contact_scope': _nurture_contact_scope_query()}) -%}
    {%- endif -%}
    {{ return(memo['_nurture_contact_scope']) }}
{%- endmacro %}

{% macro _nurture_contact_scope_query() -%}
    {%- if load_relation(nurture_contact_runs()) is none -%}
        {{ return({'mode': 'rebuild', 'reason': 'no earlier run recorded'}) }}
    {%- endif -%}
    {%- set source_list -%}
        {%- for source in config.get('contact_sources') or [] %}'{{ source }}'{% if not loop.last %}, {% endif %}{% endfor -%}
    {%- endset -%}
    {%- set last -%}
        select
            cast(last_run.as_of = {{ nurture_as_of() }} as integer) as same_day,
            cast(last_run.fingerprint = {{ nurture_upstream_fingerprint() }} as integer) as same_code,
            cast(last_run.recorded_at > {{ nurture_contact_log_horizon() }} as integer) as within_log,
            cast(last_run.changes_through as {{ dbt.type_string() }}) as since,
            (
                select count(*) from {{ nurture_contact_log() }} as rebuilt
                where
                    rebuilt.contact_id is null
                    and rebuilt.source_model in ({{ source_list or "''" }})
                    and rebuilt.changed_at > last_run.changes_through
            ) as sources_rebuilt
        from {{ nurture_contact_runs() }} as last_run
        where last_run.model = '{{ model.unique_id }}'
        order by last_run.recorded_at desc
        limit 1
    {%- endset -%}
    {%- set rows = run_query(last).rows -%}
    {%- if rows | length == 0 -%}
        {{ return({'mode': 'rebuild', 'reason': 'no earlier run recorded'}) }}
    {%- endif -%}
    {%- set row = rows[0] -%}
    {%- if not row[0] -%}
        {{ return({'mode': 'rebuild', 'reason': 'a new as-of day'}) }}
    {%- elif not row[1] -%}
        {{ return({'mode': 'rebuild', 'reason': 'code or rules changed'}) }}
    {%- elif not row[2] -%}
        {{ return({'mode': 'rebuild', 'reason': 'its last run is older than the change log keeps'}) }}
    {%- elif row[4] > 0 or row[3] is none -%}
        {{ return({'mode': 'rebuild', 'reason': 'a source it follows was rebuilt'}) }}
    {%- endif -%}
    {{ return({'mode': 'contacts', 'since': "cast('" ~ row[3] ~ "' as timestamp)", 'sources': source_list}) }}
{%- endmacro %}

{% macro spark__nurture_contact_scope() -%}
    {{ return({'mode': 'full'}) }}
{%- endmacro %}


{#- The temporary table of the contacts this run recomputes. -#}
{% macro nurture_contact_scope_table() -%}
    {{- 'nurture_scope__' ~ this.identifier -}}
{%- endmacro %}


{#-
    The condition on a contact column that keeps the contacts this run recomputes (`true`: all).
    `key`: the table's `contact_key` column (`nurture_contact_key` of the contact), on the event-sized
    tables that have one; where the engine gains from it (`nurture_filters_by_contact_key`), the rows
    are filtered on the key too, and the scan skips the other contacts' rows.
-#}
{% macro nurture_in_contact_scope(column, key=none) -%}
    {%- if nurture_contact_scope().mode == 'contacts' -%}
        {%- if key and nurture_filters_by_contact_key() -%}
        {{ key }} in (select scope.contact_key from {{ nurture_contact_scope_table() }} as scope) and
        {% endif -%}
        {{ column }} in (select scope.contact_id from {{ nurture_contact_scope_table() }} as scope)
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}


{#-
    Pre-hook: the contacts to recompute (the log's rows of `contact_sources` since the last run, and
    those of `extra`, a query of contact_ids the model adds, e.g. contacts whose attributes changed)
    into a temporary table, and their rows deleted; every row deleted on a rebuild.
-#}
{% macro nurture_contact_scope_begin(extra=none) -%}
    {{ return(adapter.dispatch('nurture_contact_scope_begin', 'nurture')(extra)) }}
{%- endmacro %}

{% macro default__nurture_contact_scope_begin(extra) -%}
    {%- set scope = nurture_contact_scope() -%}
    {%- if execute and scope.mode == 'rebuild' -%}
        {%- do log(this.identifier ~ ': every contact recomputed (' ~ scope.reason ~ ')', info=true) -%}
    {%- endif -%}
    {%- if scope.mode == 'rebuild' -%}
delete from {{ this }}
    {%- elif scope.mode == 'contacts' -%}
drop table if exists {{ nurture_contact_scope_table() }};
create temporary table {{ nurture_contact_scope_table() }} as
select scope.contact_id, {{ nurture_contact_key('scope.contact_id') }} as contact_key
from (
    select changes.contact_id
    from {{ nurture_contact_log() }} as changes
    where
        changes.source_model in ({{ scope.sources or "''" }})
        and changes.changed_at > {{ scope.since }}
        and changes.contact_id is not null
{%- if extra %}
    union
    select extra.contact_id from ({{ extra }}) as extra
    where extra.contact_id is not null
{%- endif %}
) as scope
group by scope.contact_id;
delete from {{ this }}
where {{ config.get('contact_column') }} in (
    select scope.contact_id from {{ nurture_contact_scope_table() }} as scope
)
    {%- endif -%}
{%- endmacro %}

{% macro spark__nurture_contact_scope_begin(extra) -%}
{%- endmacro %}


{#-
    The contacts (`contact_column` of the rows) of the rows that differ between `current` and `held`
    (two relations or CTE names with the same columns), in either direction, as a query of
    `contact_id`: the `extra` contacts of a per-contact model that compares what it would write with
    what it holds.
-#}
{% macro nurture_changed_contacts(current, held, contact_column='contact_id') -%}
select differences.{{ contact_column }} as contact_id
from (
    (select * from {{ current }} except select * from {{ held }})
    union all
    (select * from {{ held }} except select * from {{ current }})
) as differences
{%- endmacro %}


{#-
    Post-hook: log the contacts this run recomputed (every contact: a row with no contact_id) for
    the models that follow this one, and record the run (as-of day, code fingerprint, how far it
    read the log).
-#}
{% macro nurture_contact_scope_end() -%}
    {{ return(adapter.dispatch('nurture_contact_scope_end', 'nurture')()) }}
{%- endmacro %}

{% macro default__nurture_contact_scope_end() -%}
    {%- set scope = nurture_contact_scope() -%}
    {%- if scope.mode == 'contacts' -%}
insert into {{ nurture_contact_log() }} (source_model, contact_id, changed_at, invocation_id)
select '{{ this.identifier }}', scope.contact_id, current_timestamp, '{{ invocation_id }}'
from {{ nurture_contact_scope_table() }} as scope;
drop table {{ nurture_contact_scope_table() }};
    {%- else -%}
{{ nurture_log_rebuilt() }};
    {%- endif %}
insert into {{ nurture_contact_runs() }}
    (model, as_of, fingerprint, changes_through, recorded_at, invocation_id, scope)
select
    '{{ model.unique_id }}',
    {{ nurture_as_of() }},
    {{ nurture_upstream_fingerprint() }},
    (select max(changes.changed_at) from {{ nurture_contact_log() }} as changes),
    current_timestamp,
    '{{ invocation_id }}',
    '{{ scope.mode }}'
{%- endmacro %}

{% macro spark__nurture_contact_scope_end() -%}
{%- endmacro %}


{#-
    Log that every contact of this model changed (a rebuild): the per-contact models that follow it
    recompute every contact. Post-hook of tables per contact that are rebuilt in full (as-of-day
    histories read by a per-contact model).
-#}
{% macro nurture_log_rebuilt() -%}
    {{ return(adapter.dispatch('nurture_log_rebuilt', 'nurture')()) }}
{%- endmacro %}

{% macro default__nurture_log_rebuilt() -%}
insert into {{ nurture_contact_log() }} (source_model, contact_id, changed_at, invocation_id)
select '{{ this.identifier }}', cast(null as varchar), current_timestamp, '{{ invocation_id }}'
{%- endmacro %}

{% macro spark__nurture_log_rebuilt() -%}
{%- endmacro %}


{#-
    Hooks of `fct_interactions`: the pre-hook keeps the rows of the newest load already there (a
    temporary table); the post-hook logs the contacts of the rows loaded since (new contacts, new
    actions, newer versions of records), or a full rebuild. The re-attribution pre-hook logs the contacts it
    moves rows between (`nurture_reattribute_interactions`).
-#}
{% macro nurture_log_interactions_before() -%}
    {{ return(adapter.dispatch('nurture_log_interactions_before', 'nurture')()) }}
{%- endmacro %}

{% macro default__nurture_log_interactions_before() -%}
    {%- if is_incremental() -%}
drop table if exists nurture_interactions_before;
create temporary table nurture_interactions_before as
select interaction_id, contact_id, loaded_at
from {{ this }}
where loaded_at = (select max(newest.loaded_at) from {{ this }} as newest)
    {%- endif -%}
{%- endmacro %}

{% macro spark__nurture_log_interactions_before() -%}
{%- endmacro %}

{% macro nurture_log_interactions_after() -%}
    {{ return(adapter.dispatch('nurture_log_interactions_after', 'nurture')()) }}
{%- endmacro %}

{% macro default__nurture_log_interactions_after() -%}
    {%- if is_incremental() -%}
insert into {{ nurture_contact_log() }} (source_model, contact_id, changed_at, invocation_id)
select distinct '{{ this.identifier }}', interactions.contact_id, current_timestamp, '{{ invocation_id }}'
from {{ this }} as interactions
left join nurture_interactions_before as before
    on
        interactions.interaction_id = before.interaction_id
        and interactions.contact_id = before.contact_id
        and interactions.loaded_at = before.loaded_at
where
    before.interaction_id is null
    and interactions.loaded_at >= coalesce(
        (select max(newest.loaded_at) from nurture_interactions_before as newest),
        cast('1900-01-01' as timestamp)
    );
{#- the rows of records whose identifier is blocked no more: loaded before, written now #}
insert into {{ nurture_contact_log() }} (source_model, contact_id, changed_at, invocation_id)
select distinct '{{ this.identifier }}', interactions.contact_id, current_timestamp, '{{ invocation_id }}'
from {{ this }} as interactions
where {{ nurture_unblocked_condition('interactions') }};
drop table nurture_interactions_before;
delete from {{ nurture_contact_log() }} where changed_at < {{ nurture_contact_log_horizon() }};
delete from {{ nurture_contact_runs() }} where recorded_at < {{ nurture_contact_log_horizon() }}
    {%- else -%}
{{ nurture_log_rebuilt() }}
    {%- endif -%}
{%- endmacro %}

{% macro spark__nurture_log_interactions_after() -%}
{%- endmacro %}


{#-
    How long the change log keeps its rows (project var `contact_change_log_days`, default 2): a
    per-contact model whose last run is older recomputes every contact.
-#}
{% macro nurture_contact_log_horizon() -%}
    {{ dbt.dateadd('day', -(var('contact_change_log_days', 2) | int), 'current_timestamp') }}
{%- endmacro %}


{#-
    Part of the re-attribution pre-hook of `fct_interactions`: log the contact each moved or dropped
    row left and the one it joined (`reattributed`: interaction_id, previous_contact_id, contact_id).
-#}
{% macro nurture_log_reattributed(reattributed) -%}
insert into {{ nurture_contact_log() }} (source_model, contact_id, changed_at, invocation_id)
select distinct '{{ this.identifier }}', moved.contact_id, current_timestamp, '{{ invocation_id }}'
from (
    select previous_contact_id as contact_id from {{ reattributed }}
    union all
    select contact_id from {{ reattributed }}
) as moved
where moved.contact_id is not null
{%- endmacro %}
