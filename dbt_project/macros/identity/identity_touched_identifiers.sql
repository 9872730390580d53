{#-
    Identifier-sized tables kept incrementally (`int_identity__identifier_activity`,
    `int_identity__fan_out`): a run recomputes the identifiers whose observations changed and keeps
    the rows of the others.

    `int_identity__observations` logs the identifiers it touches in `nurture_touched_identifiers`
    (target schema): those of the rows a run writes (post-hook, `identity_log_touched_identifiers`)
    and those of the rows it removes (the older versions of reloaded entity records, pre-hook); a
    full build of it logs a row with no identifier, "every identifier". A model kept this way
    recomputes the identifiers logged since its newest `computed_at`, and every identifier when it is
    not incremental, is empty, last ran before the log's horizon (`contact_change_log_days`), when
    the log says "every identifier" or when the rules it applies changed (`fingerprint`, a SQL
    expression, see `nurture_rules_fingerprint`, compared with its column `rules_fingerprint`).
    Spark rebuilds these tables in full: the macros do nothing there.
-#}

{% macro identity_touched_log() -%}
    {{ return(nurture_state_table('nurture_touched_identifiers')) }}
{%- endmacro %}

{#- On-run-start: the log exists before any run writes or reads it. -#}
{% macro identity_touched_tables() -%}
    {{ return(adapter.dispatch('identity_touched_tables', 'nurture')()) }}
{%- endmacro %}

{% macro default__identity_touched_tables() -%}
create table if not exists {{ identity_touched_log() }} (
    identifier_type varchar, identifier_value varchar, touched_at timestamp
)
{%- endmacro %}

{% macro spark__identity_touched_tables() -%}
{%- endmacro %}


{#-
    Pre-hook of `int_identity__observations` (before it writes): the newest load time it holds per
    record source, which the other hooks compare rows with (`identity_observations_before_newest`):
    the entity records loaded since, the rows the run wrote.
-#}
{% macro identity_observations_before() -%}
    {{ return(adapter.dispatch('identity_observations_before', 'nurture')()) }}
{%- endmacro %}

{% macro default__identity_observations_before() -%}
    {%- if is_incremental() -%}
drop table if exists nurture_observations_before;
create temporary table nurture_observations_before as
select record_source, max(loaded_at) as loaded_at
from {{ this }}
where loaded_at is not null
group by record_source
    {%- endif -%}
{%- endmacro %}

{% macro spark__identity_observations_before() -%}
{%- endmacro %}

{% macro identity_observations_before_newest() -%}
    {{ return('select record_source, loaded_at from nurture_observations_before') }}
{%- endmacro %}

{#- Post-hook of `int_identity__observations`: log the identifiers of the rows the run wrote. -#}
{% macro identity_log_touched_identifiers() -%}
    {{ return(adapter.dispatch('identity_log_touched_identifiers', 'nurture')()) }}
{%- endmacro %}

{% macro default__identity_log_touched_identifiers() -%}
    {%- if is_incremental() %}
insert into {{ identity_touched_log() }} (identifier_type, identifier_value, touched_at)
select distinct written.identifier_type, written.identifier_value, current_timestamp
from {{ this }} as written
where {{ identity_loaded_since('written', identity_observations_before_newest()) }};
drop table nurture_observations_before;
    {%- else %}
insert into {{ identity_touched_log() }} (identifier_type, identifier_value, touched_at)
values (null, null, current_timestamp);
    {%- endif %}
delete from {{ identity_touched_log() }} where touched_at < {{ nurture_contact_log_horizon() }}
{%- endmacro %}

{% macro spark__identity_log_touched_identifiers() -%}
{%- endmacro %}


{#- The identifiers the log says the observations touched after `since` (a SQL timestamp). -#}
{% macro identity_touched_since(since) -%}
select distinct logged.identifier_type, logged.identifier_value
from {{ identity_touched_log() }} as logged
where logged.identifier_type is not null and logged.touched_at > {{ since }}
{%- endmacro %}

{#-
    A SQL condition: the log names every identifier touched after `since` (a SQL timestamp): `since`
    is known, within the log's horizon, and no full build of the observations logged "every
    identifier" after it.
-#}
{% macro identity_touched_log_complete(since) -%}
(
    {{ since }} is not null
    and {{ since }} >= {{ nurture_contact_log_horizon() }}
    and not exists (
        select 1 from {{ identity_touched_log() }} as logged
        where logged.identifier_type is null and logged.touched_at > {{ since }}
    )
)
{%- endmacro %}

{#-
    Whether this run of an identifier-sized model recomputes only the identifiers logged since its
    last run (true) or every identifier (false): asked by the model's SQL and by its pre-hook, before
    either changes the table, so both get the same answer.
-#}
{% macro identity_touched_only(fingerprint=none) -%}
    {%- if not execute or this is none or not is_incremental() or target.type == 'spark' -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set query -%}
        with last_run as (
            select max(computed_at) as computed_at from {{ this }}
        )
        select
            case
                when not {{ identity_touched_log_complete('last_run.computed_at') }} then 0
                {%- if fingerprint %}
                when exists (
                    select 1 from {{ this }} as held where held.rules_fingerprint is distinct from {{ fingerprint }}
                ) then 0
                {%- endif %}
                else 1
            end
        from last_run
    {%- endset -%}
    {{ return(run_query(query).columns[0].values()[0] == 1) }}
{%- endmacro %}

{% macro identity_touched_relation() -%}
    {{ return('nurture_touched__' ~ this.identifier) }}
{%- endmacro %}

{#-
    Pre-hook: the identifiers to recompute in a temporary table, and their rows deleted (every row
    when the model recomputes every identifier). Nothing on a full build, nor on Spark.
-#}
{% macro identity_touched_begin(fingerprint=none) -%}
    {%- if not execute or not is_incremental() or target.type == 'spark' -%}
        {{ return('') }}
    {%- endif -%}
    {%- if identity_touched_only(fingerprint) %}
drop table if exists {{ identity_touched_relation() }};
create temporary table {{ identity_touched_relation() }} as
{{ identity_touched_since('(select max(held.computed_at) from ' ~ this ~ ' as held)') }};
delete from {{ this }} as held
where exists (
    select 1 from {{ identity_touched_relation() }} as touched
    where touched.identifier_type = held.identifier_type and touched.identifier_value = held.identifier_value
)
    {%- else %}
delete from {{ this }}
    {%- endif -%}
{%- endmacro %}

{#-
    A join that keeps the rows (alias `alias`) of the identifiers this run recomputes (nothing when
    it recomputes every identifier). A join rather than a filter: the engine then reads the few
    touched identifiers' rows before it joins them with anything else.
-#}
{% macro identity_touched_join(alias, fingerprint=none) -%}
    {%- if identity_touched_only(fingerprint) -%}
inner join {{ identity_touched_relation() }} as touched
    on
        {{ alias }}.identifier_type = touched.identifier_type
        and {{ alias }}.identifier_value = touched.identifier_value
    {%- endif -%}
{%- endmacro %}

{% macro identity_touched_end() -%}
    {%- if execute and is_incremental() and target.type != 'spark' -%}
drop table if exists {{ identity_touched_relation() }}
    {%- endif -%}
{%- endmacro %}
