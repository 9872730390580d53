{#-
    Incremental processing of event-sized models.

    Event tables grow with every load; the models whose rows are one per event (staged events,
    identity observations, interactions) process only what was loaded since their last run. They
    use `nurture_incremental_materialization(fallback)` in their config:

        config(materialized=nurture_incremental_materialization('view'),
               incremental_strategy=nurture_upsert_strategy(), unique_key=[...])

    DuckDB: `incremental` (dbt's `delete+insert` where rows can change, plain inserts where they
    cannot). Spark on plain Parquet tables has no delete nor merge: there the model keeps its
    `fallback` materialization (the view or table it always was) and is recomputed in full, so both
    engines give the same rows. `nurture build --full-refresh` (or `dbt build --full-refresh`)
    rebuilds every incremental model from scratch.

    The cut-off is the load time (`loaded_at`, one value per table and load), never the event
    time: a late event (old `occurred_at`) loaded today is picked up. A run reads the rows loaded
    after the newest `loaded_at` it processed, and nothing older: the load that filled the table
    is not read again. That is exact because staging reads only the rows of completed loads (see
    `nurture_completed_loads`): a load's rows of one table become visible at once, so none can
    arrive later with a `loaded_at` already passed. The project var `incremental_lookback_hours`
    (default 0) re-reads that many hours before it, for loaders that commit out of order; rows
    read again are kept out by their key.
-#}
{% macro nurture_incremental_materialization(fallback) -%}
    {{ return(adapter.dispatch('nurture_incremental_materialization', 'nurture')(fallback)) }}
{%- endmacro %}

{% macro default__nurture_incremental_materialization(fallback) -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__nurture_incremental_materialization(fallback) -%}
    {{ return(fallback) }}
{%- endmacro %}


{#-
    The condition on a row's load time (`loaded_at_expression`, a timestamp in UTC) that keeps the
    rows not yet processed into `this`: `true` on a full build. `where` filters `this` (e.g. to one
    record source) when the model holds several sources with their own load times.
    The watermark (the newest `loaded_at` in `this`) is read when the model runs and written into
    the SQL as a literal: a constant lets the engine skip the older row groups and push the
    condition below the joins and unions of the views it filters, which a subquery does not.
-#}
{% macro nurture_loaded_since_last_run(loaded_at_expression, where=none) -%}
    {%- if is_incremental() -%}
        {%- set watermark = nurture_watermark(where) -%}
        {%- if watermark is none -%}
            true
        {%- else -%}
            {{ nurture_loaded_after(loaded_at_expression, watermark) }}
        {%- endif -%}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}


{#-
    The condition that keeps the rows loaded after `watermark` (a SQL timestamp): `loaded_at_expression`
    later than it, or, with the project var `incremental_lookback_hours`, at most that many hours
    earlier (the rows a run reads again for loaders that commit out of order).
-#}
{% macro nurture_loaded_after(loaded_at_expression, watermark) -%}
    {%- set lookback = var('incremental_lookback_hours', 0) | int -%}
    {%- if lookback -%}
    ({{ loaded_at_expression }} >= {{ dbt.dateadd('hour', -lookback, watermark) }})
    {%- else -%}
    ({{ loaded_at_expression }} > {{ watermark }})
    {%- endif -%}
{%- endmacro %}

{#- A timestamp read from the warehouse, as a SQL literal. -#}
{% macro nurture_timestamp_literal(value) -%}
    {{ return("cast('" ~ value.strftime('%Y-%m-%d %H:%M:%S.%f') ~ "' as timestamp)") }}
{%- endmacro %}


{#-
    The newest `loaded_at` of `this` (rows matching `where`, alias `processed`) as a SQL timestamp
    literal, or none when the table holds no such row (every row is then new). While dbt only
    parses or compiles without a warehouse, the subquery that computes it.
-#}
{% macro nurture_watermark(where=none) -%}
    {%- set query -%}
        select max(processed.loaded_at) from {{ this }} as processed
        {%- if where %} where {{ where }}{% endif %}
    {%- endset -%}
    {%- if not execute -%}
        {{ return('(' ~ query ~ ')') }}
    {%- endif -%}
    {%- set newest = run_query(query).columns[0].values()[0] -%}
    {%- if newest is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(nurture_timestamp_literal(newest)) }}
{%- endmacro %}


{#-
    The raw rows of an event table a staging model has not staged yet: rows of completed loads,
    loaded since its last run, with a key it does not hold. Events keep their first delivery, so a
    key already staged is never replaced and a re-run after a crash cannot add a row twice. On a
    full build: every raw row of a completed load.
-#}
{% macro nurture_unstaged_events(relation, primary_key) -%}
select src.*
from {{ relation }} as src
where
    {{ nurture_completed_loads(relation, 'src') }}
{%- if is_incremental() %}
    and {{ nurture_loaded_since_last_run(nurture_to_utc('src.loaded_at')) }}
    and not exists (
        select 1 from {{ this }} as staged
        where staged.{{ primary_key }} = src.{{ primary_key }}
    )
{%- endif %}
{%- endmacro %}


{#-
    The condition that keeps the rows of `relation` (alias `alias`) written by a completed dlt load:
    its `_dlt_load_id` is in the loads table (`_dlt_loads`, status 0) of the relation's schema. dlt
    records a load there once every table of it is written, so a load that stopped half-way (a
    crash, a failed file) stays invisible until its retry completes it, and an incremental run never
    passes a `loaded_at` whose rows are still coming. Rows without a load id (written by another
    loader) are kept. `true` where there is nothing to check: no `_dlt_load_id` column, no loads
    table, and on engines that rebuild event models in full on every run (Spark).
-#}
{% macro nurture_completed_loads(relation, alias) -%}
    {{ return(adapter.dispatch('nurture_completed_loads', 'nurture')(relation, alias)) }}
{%- endmacro %}

{% macro default__nurture_completed_loads(relation, alias) -%}
    {%- set load_id = nurture_optional_column(relation, '_dlt_load_id', dbt.type_string()) -%}
    {%- set loads = none -%}
    {%- if execute and load_id == '_dlt_load_id' -%}
        {%- set loads = adapter.get_relation(
            database=relation.database, schema=relation.schema, identifier='_dlt_loads') -%}
    {%- endif -%}
    {%- if loads is none -%}
        true
    {%- else -%}
        ({{ alias }}._dlt_load_id is null or {{ alias }}._dlt_load_id in (
        select completed.load_id from {{ loads }} as completed where completed.status = 0
    ))
    {%- endif -%}
{%- endmacro %}

{% macro spark__nurture_completed_loads(relation, alias) -%}
    true
{%- endmacro %}


{#-
    Pre-hook of `fct_interactions` on an incremental run: the rows already in the table follow
    identity resolution. A row whose record now belongs to another contact (a merge, a split) gets
    that contact; a row whose record resolution no longer attributes is removed. Only the rows that
    changed are written.

    A record's contact is the contact of its identifiers, so only the records of identifiers whose
    contact changed since the table was last attributed can move: the identifiers of the assignment
    the table was attributed with (`nurture_attributed`, kept by `nurture_remember_attribution`)
    whose contact in `resolution` differs, or that left it (blocked). An identifier seen for the
    first time belongs to records loaded in this run, which the run writes with their contact; when
    it merges contacts, the identifiers already known change contact. The rows of the contacts those
    identifiers had (`nurture_moved_contacts`) are joined with the record contacts of those contacts
    and of the ones they have now, not the whole table. Without a kept assignment (the first run
    after an upgrade) every row of the table is. Nothing on a full build, nor on engines that rebuild
    the table.

    The assignments compared are those of `int_identity__identifiers` (every identifier, a blocked
    one without contact). The records of identifiers blocked then and not now
    (`nurture_unblocked_records`) go to a temporary table, which the model reads with the records
    loaded since (`nurture_unblocked_condition`): they had no row and have one now.
-#}
{% macro nurture_reattribute_interactions(record_contacts, current, observations) -%}
    {{ return(adapter.dispatch('nurture_reattribute_interactions', 'nurture')(record_contacts, current, observations)) }}
{%- endmacro %}

{% macro default__nurture_reattribute_interactions(record_contacts, current, observations) -%}
    {%- if is_incremental() -%}
        {%- set kept = nurture_attributed() -%}
        {%- set every_record = load_relation(kept) is none -%}
drop table if exists nurture_moved_contacts;
drop table if exists {{ nurture_unblocked_records_table() }};
create temporary table nurture_moved_contacts as
        {%- if every_record %}
select null as contact_id, true as held_before where false;
        {%- else %}
{{ nurture_moved_contacts(kept, current) }};
        {%- endif %}
        {%- if nurture_has_unblocked() %}
create temporary table {{ nurture_unblocked_records_table() }} as
{{ nurture_unblocked_records(kept, current, observations) }};
        {%- endif %}
drop table if exists nurture_reattributed;
create temporary table nurture_reattributed as
with interactions as (
    select interactions.interaction_id, interactions.record_source, interactions.record_id, interactions.contact_id
    from {{ this }} as interactions
    {%- if not every_record %}
    where interactions.contact_id in (
        select moved.contact_id from nurture_moved_contacts as moved where moved.held_before
    )
    {%- endif %}
),
current_contacts as (
    select current_contacts.record_source, current_contacts.record_id, current_contacts.contact_id
    from {{ record_contacts }} as current_contacts
    {%- if not every_record %}
    where current_contacts.contact_id in (select moved.contact_id from nurture_moved_contacts as moved)
    {%- endif %}
)
select
    interactions.interaction_id,
    interactions.contact_id as previous_contact_id,
    current_contacts.contact_id
from interactions
left join current_contacts
    on
        interactions.record_source = current_contacts.record_source
        and interactions.record_id = current_contacts.record_id
where current_contacts.contact_id is distinct from interactions.contact_id;
update {{ this }} as interactions
set
    contact_id = cast(reattributed.contact_id as {{ dbt.type_string() }})
    {%- if 'contact_key' in adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list %},
    contact_key = {{ nurture_contact_key('reattributed.contact_id') }}
    {%- endif %}
from nurture_reattributed as reattributed
where
    interactions.interaction_id = reattributed.interaction_id
    and reattributed.contact_id is not null;
delete from {{ this }}
where interaction_id in (
    select reattributed.interaction_id from nurture_reattributed as reattributed
    where reattributed.contact_id is null
);
{{ nurture_log_reattributed('nurture_reattributed') }};
drop table nurture_reattributed;
drop table nurture_moved_contacts
    {%- endif -%}
{%- endmacro %}

{% macro spark__nurture_reattribute_interactions(record_contacts, current, observations) -%}
{%- endmacro %}

{#-
    Pre-hook of `fct_interactions` on an incremental run, after the re-attribution: delete the rows
    of the entity records (CRM contacts, leads, deals, orders) a newer version of which was loaded
    since the last run, and log their contacts. The run writes each new version again if identity
    resolution attributes it, to whichever contact it now belongs (a version left with no
    identifier belongs to no one, and its interaction leaves the table, as in a full rebuild).
-#}
{% macro nurture_forget_reloaded_interactions(touchpoints) -%}
    {{ return(adapter.dispatch('nurture_forget_reloaded_interactions', 'nurture')(touchpoints)) }}
{%- endmacro %}

{% macro default__nurture_forget_reloaded_interactions(touchpoints) -%}
    {%- if is_incremental() -%}
        {%- set entity_sources = identity_entity_sources() -%}
drop table if exists nurture_reloaded_interactions;
create temporary table nurture_reloaded_interactions as
select held.interaction_id, held.contact_id
from {{ this }} as held
inner join {{ touchpoints }} as reloaded
    on
        held.record_source = reloaded.record_source
        and held.record_id = reloaded.record_id
where
    held.record_source in ({{ entity_sources }})
    and reloaded.record_source in ({{ entity_sources }})
    and {{ nurture_loaded_since_last_run('reloaded.loaded_at') }};
insert into {{ nurture_contact_log() }} (source_model, contact_id, changed_at, invocation_id)
select distinct '{{ this.identifier }}', contact_id, current_timestamp, '{{ invocation_id }}'
from nurture_reloaded_interactions
where contact_id is not null;
delete from {{ this }}
where interaction_id in (select reloaded.interaction_id from nurture_reloaded_interactions as reloaded);
drop table nurture_reloaded_interactions
    {%- endif -%}
{%- endmacro %}

{% macro spark__nurture_forget_reloaded_interactions(touchpoints) -%}
{%- endmacro %}


{#-
    A table of the project's own bookkeeping (kept assignments, change logs, watermarks) in the
    target schema, by name.
-#}
{% macro nurture_state_table(identifier) -%}
    {{ return(api.Relation.create(database=target.database, schema=target.schema, identifier=identifier)) }}
{%- endmacro %}

{#- The temporary table of the records `fct_interactions` adds because an identifier of theirs is blocked no more. -#}
{% macro nurture_unblocked_records_table() -%}
    {{- 'nurture_unblocked_records' -}}
{%- endmacro %}

{#-
    Whether an incremental run of `fct_interactions` (engines other than Spark) has records of
    identifiers blocked no more to add: asked once per run (`nurture_node_memo`), before the
    pre-hook writes them, so that a run without any (nearly every run) reads only the records loaded
    since (an `or exists` would read every record).
-#}
{% macro nurture_has_unblocked() -%}
    {%- if not execute or not is_incremental() or target.type == 'spark' -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set memo = nurture_node_memo() -%}
    {%- if '_nurture_has_unblocked' not in memo -%}
        {%- set kept = nurture_attributed() -%}
        {%- set any = false -%}
        {%- if load_relation(kept) is not none -%}
            {%- set counted -%}
                select count(*) from (
                    {{ nurture_unblocked_identifiers(kept, ref('int_identity__identifiers')) }}
                    limit 1
                ) as unblocked
            {%- endset -%}
            {%- set any = run_query(counted).columns[0].values()[0] > 0 -%}
        {%- endif -%}
        {%- do memo.update({'_nurture_has_unblocked': any}) -%}
    {%- endif -%}
    {{ return(memo['_nurture_has_unblocked']) }}
{%- endmacro %}

{#-
    The condition that keeps, in an incremental run of `fct_interactions` that has some
    (`nurture_has_unblocked`), the rows of the records of identifiers blocked no more (alias
    `alias`, with record_source and record_id); `false` otherwise.
-#}
{% macro nurture_unblocked_condition(alias) -%}
    {%- if nurture_has_unblocked() -%}
exists (
    select 1 from {{ nurture_unblocked_records_table() }} as unblocked
    where unblocked.record_source = {{ alias }}.record_source and unblocked.record_id = {{ alias }}.record_id
)
    {%- else -%}
false
    {%- endif -%}
{%- endmacro %}

{#- Post-hook of `fct_interactions`: the temporary table of the records of identifiers blocked no more dropped. -#}
{% macro nurture_forget_unblocked_records() -%}
    {%- if is_incremental() and target.type != 'spark' -%}
drop table if exists {{ nurture_unblocked_records_table() }}
    {%- endif -%}
{%- endmacro %}

{#- The identifier -> contact assignment `fct_interactions` was last attributed with. -#}
{% macro nurture_attributed() -%}
    {{ return(nurture_state_table('nurture_attributed')) }}
{%- endmacro %}

{#-
    Post-hook of `fct_interactions` (every build, full or incremental): keep the assignment of
    `resolution` its rows now follow, for the next run's re-attribution. Written in the model's
    transaction: a run that fails keeps the assignment of the last one that succeeded. Once the
    table exists, only its differences with `resolution` are written (the identifiers whose contact
    changed, that left or that are new), not every identifier again.
-#}
{% macro nurture_remember_attribution(resolution, kept=none) -%}
    {{ return(adapter.dispatch('nurture_remember_attribution', 'nurture')(resolution, kept)) }}
{%- endmacro %}

{% macro default__nurture_remember_attribution(resolution, kept) -%}
    {%- set kept = kept or nurture_attributed() -%}
    {%- if execute and load_relation(kept) is not none %}
delete from {{ kept }} as kept_assignment
where not exists (
    select 1 from {{ resolution }} as current_assignment
    where
        current_assignment.identifier_type = kept_assignment.identifier_type
        and current_assignment.identifier_value = kept_assignment.identifier_value
        and current_assignment.contact_id is not distinct from kept_assignment.contact_id
);
insert into {{ kept }} (identifier_type, identifier_value, contact_id)
select current_assignment.identifier_type, current_assignment.identifier_value, current_assignment.contact_id
from {{ resolution }} as current_assignment
where not exists (
    select 1 from {{ kept }} as kept_assignment
    where
        kept_assignment.identifier_type = current_assignment.identifier_type
        and kept_assignment.identifier_value = current_assignment.identifier_value
)
    {%- else %}
create or replace table {{ kept }} as
select identifier_type, identifier_value, contact_id from {{ resolution }}
    {%- endif %}
{%- endmacro %}

{% macro spark__nurture_remember_attribution(resolution, kept) -%}
{%- endmacro %}


{#-
    The contacts whose records may have changed contact since `kept` (an identifier -> contact
    assignment a model kept, see `nurture_remember_attribution`) was written, with whether the
    model's rows carry them (`held_before`): the contacts `kept` gave the identifiers whose contact in
    `current` (`int_identity__identifiers`: every identifier, a blocked one without contact) differs
    or that left it (blocked), and the contacts `current` now gives them.
    A record's identifiers share one contact, so a record that moved was held by one of the first,
    and now belongs to one of the second or to none; a record that did not move still belongs to
    its contact. A model reads the rows of those contacts (one narrow column to filter on) rather
    than looking the identifiers up among every observation. An identifier seen for the first time
    belongs to records loaded since, which the caller reads anyway.
-#}
{% macro nurture_moved_contacts(kept, current) -%}
with moved_identifiers as (
    select
        kept_assignment.contact_id as previous_contact_id,
        current_assignment.contact_id
    from {{ kept }} as kept_assignment
    left join {{ current }} as current_assignment
        on
            kept_assignment.identifier_type = current_assignment.identifier_type
            and kept_assignment.identifier_value = current_assignment.identifier_value
    where current_assignment.contact_id is distinct from kept_assignment.contact_id
)
select previous_contact_id as contact_id, true as held_before from moved_identifiers
where previous_contact_id is not null
union
select contact_id, false as held_before from moved_identifiers
where contact_id is not null
{%- endmacro %}

{#-
    The records (record_source, record_id) of the identifiers that were blocked when `kept` was
    written (kept without a contact) and have a contact in `current` now (a fan-out that fell, a
    rule that changed): a record whose identifiers were all blocked belonged to no one and had no
    row; it has one now, though nothing of it was loaded again. Usually none.
-#}
{% macro nurture_unblocked_records(kept, current, observations) -%}
select distinct observations.record_source, observations.record_id
from {{ observations }} as observations
inner join (
    {{ nurture_unblocked_identifiers(kept, current) | indent(4) }}
) as unblocked
    on
        observations.identifier_type = unblocked.identifier_type
        and observations.identifier_value = unblocked.identifier_value
{%- endmacro %}

{#-
    The identifiers (identifier_type, identifier_value) that `kept` kept without a contact (blocked)
    and that have a contact in `current` now.
-#}
{% macro nurture_unblocked_identifiers(kept, current) -%}
select current_assignment.identifier_type, current_assignment.identifier_value
from {{ kept }} as kept_assignment
inner join {{ current }} as current_assignment
    on
        kept_assignment.identifier_type = current_assignment.identifier_type
        and kept_assignment.identifier_value = current_assignment.identifier_value
where kept_assignment.contact_id is null and current_assignment.contact_id is not null
{%- endmacro %}


{#-
    A fingerprint of a rule seed (`relation`, its `columns`): the md5 of its rows in order. An
    incremental model that applies rules when a row is loaded stores it with each row; when the
    rules change, `nurture_forget_reread` empties the model so that the run applies the new rules to
    every row. Spark rebuilds such models in full: null there.
-#}
{% macro nurture_rules_fingerprint(relation, columns) -%}
    {{ return(adapter.dispatch('nurture_rules_fingerprint', 'nurture')(relation, columns)) }}
{%- endmacro %}

{% macro default__nurture_rules_fingerprint(relation, columns) -%}
    {%- set row -%}
        concat_ws('|', {% for column in columns %}coalesce(cast({{ column }} as varchar), '<null>'){% if not loop.last %}, {% endif %}{% endfor %})
    {%- endset -%}
    (select md5(coalesce(string_agg({{ row }}, chr(10) order by {{ row }}), '')) from {{ relation }})
{%- endmacro %}

{% macro spark__nurture_rules_fingerprint(relation, columns) -%}
    cast(null as string)
{%- endmacro %}


{#-
    Pre-hook of an incremental model keyed by `key` that keeps derived rows of `source` (e.g. the
    signals matched for each interaction): on an incremental run, delete the rows of every `key`
    the run reads again (loaded since the last run: a new version of a record may match other
    rules), and every row when `fingerprint` (see `nurture_rules_fingerprint`, stored in the
    column `rules_fingerprint`) changed. Nothing on a full build, nor on engines that rebuild the
    table.
-#}
{% macro nurture_forget_reread(source, key, fingerprint) -%}
    {{ return(adapter.dispatch('nurture_forget_reread', 'nurture')(source, key, fingerprint)) }}
{%- endmacro %}

{% macro default__nurture_forget_reread(source, key, fingerprint) -%}
    {%- if is_incremental() -%}
{#- rows rewritten whatever their load time: this run's tests read every row (`nurture_new_rows_scope`) #}
update {{ nurture_new_rows_table() }} set watermark = null
where model = '{{ model.unique_id }}'
    and exists (select 1 from {{ this }} where rules_fingerprint is distinct from {{ fingerprint }});
delete from {{ this }}
where rules_fingerprint is distinct from {{ fingerprint }};
delete from {{ this }}
where {{ key }} in (
    select reread.{{ key }} from {{ source }} as reread
    where {{ nurture_loaded_since_last_run('reread.loaded_at') }}
)
    {%- endif -%}
{%- endmacro %}

{% macro spark__nurture_forget_reread(source, key, fingerprint) -%}
{%- endmacro %}
