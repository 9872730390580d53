{#-
    Incremental runs of `int_identity__record_contacts`. The records whose contact may have changed
    are those observed since the table's last run (`loaded_at` after its newest: new records, new
    versions of entity records), the records the table holds for the contacts whose identifiers
    changed contact or were blocked since the assignment it kept on its last run
    (`nurture_moved_contacts`: every record that moved is among them; the assignment is that of
    `int_identity__identifiers`, blocked identifiers included), the records of identifiers blocked
    then and not now (`nurture_unblocked_records`: they had no row), and the
    entity records left with no observation (a new version without identifiers, see
    `identity_entity_models`). The pre-hook puts them in a temporary table and deletes their rows;
    the model writes them again (none for a record left with no unblocked identifier); the post-hook
    keeps the assignment the table now follows, in the model's transaction (a run that fails keeps
    the last good one). A table without `loaded_at` (built by an
    older version) is written again in full. Nothing on a full build, nor on engines that rebuild
    the table.
    The records a run writes are kept with its invocation id (`nurture_record_contacts_written`,
    plus a row without a record: the run wrote only those): in a frequent run (`test_scope:
    new_rows`) the model's row tests (`meta: {test_scope: written_records}`) read those records
    only, the rows of the others being as the run that wrote them tested them; a run that wrote
    none tests none.
-#}
{% macro identity_record_contacts_kept() -%}
    {{ return(nurture_state_table('nurture_record_contacts_assignment')) }}
{%- endmacro %}

{% macro identity_record_contacts_written() -%}
    {{ return(nurture_state_table('nurture_record_contacts_written')) }}
{%- endmacro %}

{#-
    On-run-start: the table of records written exists before any run writes it, so that the tests of
    the first incremental run after a full build find it (dbt knows the relations that exist when a
    run starts, not those a hook creates).
-#}
{% macro identity_record_contacts_tables() -%}
    {{ return(adapter.dispatch('identity_record_contacts_tables', 'nurture')()) }}
{%- endmacro %}

{% macro default__identity_record_contacts_tables() -%}
create table if not exists {{ identity_record_contacts_written() }} (
    invocation_id varchar, record_source varchar, record_id varchar
)
{%- endmacro %}

{% macro spark__identity_record_contacts_tables() -%}
{%- endmacro %}

{% macro identity_record_contacts_scoped() -%}
    {%- if not execute or not is_incremental() or target.type == 'spark' -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {{ return('loaded_at' in columns) }}
{%- endmacro %}

{% macro identity_record_contacts_scope_begin(current, observations) -%}
    {%- set entity_sources = identity_entity_sources() -%}
    {%- if identity_record_contacts_scoped() %}
drop table if exists nurture_scope__record_contacts;
create temporary table nurture_scope__record_contacts as
{{ identity_records_of_moved_contacts(identity_record_contacts_kept(), current, observations) }}
union
select observed.record_source, observed.record_id
from {{ observations }} as observed
where {{ identity_observed_since_last_run('observed') }}
union
select held.record_source, held.record_id
from {{ this }} as held
where
    held.record_source in ({{ entity_sources }})
    and not exists (
        select 1 from {{ observations }} as observed
        where
            observed.record_source in ({{ entity_sources }})
            and observed.record_source = held.record_source
            and observed.record_id = held.record_id
    );
create or replace table {{ identity_record_contacts_written() }} as
select '{{ invocation_id }}' as invocation_id, record_source, record_id
from nurture_scope__record_contacts
union all
select '{{ invocation_id }}' as invocation_id, null as record_source, null as record_id;
delete from {{ this }} as held
where exists (
    select 1 from nurture_scope__record_contacts as scope
    where scope.record_source = held.record_source and scope.record_id = held.record_id
)
    {%- elif is_incremental() and target.type != 'spark' %}
delete from {{ this }}
    {%- endif -%}
{%- endmacro %}

{#-
    The condition that keeps the observations (alias `alias`) loaded after the newest `loaded_at`
    `this` holds for their record source (each source has its own load times; less the project var
    `incremental_lookback_hours`), and every observation of a source it holds nothing of.
-#}
{% macro identity_observed_since_last_run(alias) -%}
    {%- set newest -%}
        select record_source, max(loaded_at) from {{ this }} where loaded_at is not null group by record_source
    {%- endset -%}
    {{ return(identity_loaded_since(alias, newest)) }}
{%- endmacro %}

{#-
    The condition that keeps the rows (alias `alias`, with `record_source` and `loaded_at`) loaded
    after the newest load time of their record source that the query `newest` returns (rows of
    record_source, loaded_at; less `incremental_lookback_hours`), and every row of a source it does
    not return.
-#}
{% macro identity_loaded_since(alias, newest) -%}
    {%- set conditions = [] -%}
    {%- set sources = [] -%}
    {%- for row in run_query(newest).rows -%}
        {%- do sources.append("'" ~ row[0] ~ "'") -%}
        {%- do conditions.append("(" ~ alias ~ ".record_source = '" ~ row[0] ~ "' and "
            ~ nurture_loaded_after(alias ~ '.loaded_at', nurture_timestamp_literal(row[1])) ~ ")") -%}
    {%- endfor -%}
    {%- if sources -%}
        {%- do conditions.append(alias ~ ".record_source not in (" ~ sources | join(', ') ~ ")") -%}
        {{ return('(' ~ conditions | join(' or ') ~ ')') }}
    {%- else -%}
        {{ return('true') }}
    {%- endif -%}
{%- endmacro %}

{#-
    The records `this` holds for the contacts that `kept` gave to identifiers whose contact changed
    in `current` (`int_identity__identifiers`; `nurture_moved_contacts`), and the records of
    identifiers blocked then and not now, which had no row (`nurture_unblocked_records`); every
    record it holds without a kept assignment (the first run after an upgrade).
-#}
{% macro identity_records_of_moved_contacts(kept, current, observations) -%}
select held.record_source, held.record_id
from {{ this }} as held
    {%- if load_relation(kept) is not none %}
where held.contact_id in (
    select moved.contact_id from ({{ nurture_moved_contacts(kept, current) | indent(4) }}) as moved
    where moved.held_before
)
union
{{ nurture_unblocked_records(kept, current, observations) }}
    {%- endif %}
{%- endmacro %}

{#- The condition that keeps the observations of the records this run writes (alias `observations`). -#}
{% macro identity_record_contacts_in_scope() -%}
    {%- if identity_record_contacts_scoped() -%}
    exists (
        select 1 from nurture_scope__record_contacts as scope
        where scope.record_source = observations.record_source and scope.record_id = observations.record_id
    )
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}

{% macro identity_record_contacts_scope_end(current) -%}
    {%- if target.type != 'spark' -%}
drop table if exists nurture_scope__record_contacts;
{{ nurture_remember_attribution(current, identity_record_contacts_kept()) }}
    {%- endif -%}
{%- endmacro %}

{#-
    The condition on `int_identity__record_contacts`' rows in its row tests, in a run with
    `test_scope: new_rows` (the frequent job; other runs test every row): the records this invocation
    wrote, when it wrote only some (none when it wrote none; empty, every row, when it rebuilt the
    table). A key written twice shows in the records written, whichever of its rows is the older.
-#}
{% macro identity_record_contacts_test_scope() -%}
    {%- set written = identity_record_contacts_written() -%}
    {%- if nurture_test_scope_setting() != 'new_rows' or load_relation(written) is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set counted -%}
        select count(*) from {{ written }} where invocation_id = '{{ invocation_id }}'
    {%- endset -%}
    {%- if run_query(counted).columns[0].values()[0] == 0 -%}
        {{ return('') }}
    {%- endif -%}
    {%- set scope -%}
        (record_source, record_id) in (
            select written.record_source, written.record_id from {{ written }} as written
            where written.invocation_id = '{{ invocation_id }}' and written.record_source is not null
        )
    {%- endset -%}
    {{ return(scope) }}
{%- endmacro %}
