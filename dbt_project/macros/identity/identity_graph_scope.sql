{#-
    The identity graph kept incrementally: `int_identity__nodes`, `int_identity__edges`,
    `int_identity__components` and `int_identity__resolution` recompute the identifiers of the
    contacts a run can change and keep the rows of the others (engines other than Spark; Spark
    rebuilds them).

    The identifiers a run recomputes (the scope): those the observations touched since the graph's
    last run (new records, records gained or lost by a reloaded entity, see
    `identity_touched_identifiers.sql`) and every identifier of the contacts they belonged to. The
    scope is closed: an identifier that shares a record with one of them is touched (a new record)
    or belonged to the same contact (an old record), so the components of the scope are computed
    from the scope's own nodes and edges, exactly as a full build computes them. Its nodes are
    numbered again after every node id the table holds, by first sighting, so that the smallest
    node of each new component is still its founding identifier; node ids stay unique but are not
    the ranks a full build gives.

    `int_identity__nodes` decides, in its pre-hook, and writes the scope to
    `nurture_identity_graph_scope` (with the identifiers' old node ids and contacts, after a row with no
    identifier that says whether the run recomputes every identifier); the other three read it, and
    recompute every identifier when the nodes did not run in the same invocation. So do
    `int_identity__identifiers` and `int_identity__contacts`, which follow the scope (the contacts
    of its identifiers, before and after).
    Every identifier is recomputed on a full build, when any of the six did not complete the
    graph's last run, after the log's horizon (`contact_change_log_days`), when the observations
    were rebuilt, when the code of the graph or of anything upstream or the rows of an upstream rule
    table (blocklist, fan-out limits, role identifiers) changed (their fingerprint), or when a touched identifier that was blocked is blocked no more (its old records
    may link contacts outside the scope).
    `int_identity__resolution` also recomputes every identifier when a contact_id that a scope
    identifier held before is now held outside the scope. `nurture_identity_graph_runs` keeps the
    last run of each of the six.
-#}

{% macro identity_graph_runs() -%}
    {{ return(nurture_state_table('nurture_identity_graph_runs')) }}
{%- endmacro %}

{% macro identity_graph_scope_table() -%}
    {{ return(nurture_state_table('nurture_identity_graph_scope')) }}
{%- endmacro %}

{#- The graph's four models, and the two tables that follow its scope. -#}
{% macro identity_graph_models() -%}
    {{ return(['int_identity__nodes', 'int_identity__edges', 'int_identity__components',
               'int_identity__resolution', 'int_identity__identifiers', 'int_identity__contacts']) }}
{%- endmacro %}

{#- On-run-start: the tables exist before any run reads them. -#}
{% macro identity_graph_tables() -%}
    {{ return(adapter.dispatch('identity_graph_tables', 'nurture')()) }}
{%- endmacro %}

{% macro default__identity_graph_tables() -%}
create table if not exists {{ identity_graph_runs() }} (
    model varchar, invocation_id varchar, ran_at timestamp, rules_fingerprint varchar
);
create table if not exists {{ identity_graph_scope_table() }} (
    invocation_id varchar, identifier_type varchar, identifier_value varchar, old_node_id bigint,
    every_identifier boolean
);
alter table {{ identity_graph_scope_table() }} add column if not exists old_contact_id varchar
{%- endmacro %}

{% macro spark__identity_graph_tables() -%}
{%- endmacro %}

{#-
    The code of the graph's four models and of everything upstream of them, and the rows of the
    rule tables upstream (blocklist, fan-out limits, role identifiers): a change may change any
    identifier's block, edges or contact, touched or not.
-#}
{% macro identity_graph_fingerprint() -%}
    {{ nurture_code_fingerprint('model.' ~ project_name ~ '.int_identity__resolution') }}
{%- endmacro %}

{#-
    The block reasons of the identifiers of `identifiers` (a relation or subquery with
    identifier_type, identifier_value): blocklist patterns, and the fan-out rules `fan_out` breaks.
-#}
{% macro identity_node_blocks(identifiers, fan_out) -%}
select
    identifier_type,
    identifier_value,
    {{ nurture_listagg_sorted('block_reason', "'; '") }} as block_reason
from (
    select
        identifiers.identifier_type,
        identifiers.identifier_value,
        'blocklist: ' || blocklist.reason as block_reason
    from {{ identifiers }} as identifiers
    inner join {{ ref('identity_blocklist') }} as blocklist
        on
            identifiers.identifier_type = blocklist.identifier_type
            and identifiers.identifier_value like blocklist.value_pattern
    union all
    select
        fan_out.identifier_type,
        fan_out.identifier_value,
        'fan-out: '
        || cast(fan_out.linked_count as {{ dbt.type_string() }})
        || ' ' || fan_out.linked_identifier_type
        || ' > ' || cast(link_limits.max_linked as {{ dbt.type_string() }})
        || ' (' || link_limits.reason || ')' as block_reason
    from {{ fan_out }} as fan_out
    inner join {{ ref('identity_link_limits') }} as link_limits
        on
            fan_out.identifier_type = link_limits.identifier_type
            and fan_out.linked_identifier_type = link_limits.linked_identifier_type
            and fan_out.identifier_value like link_limits.value_pattern
    where fan_out.linked_count > link_limits.max_linked
) as reasons
group by identifier_type, identifier_value
{%- endmacro %}

{#-
    Whether `int_identity__nodes` recomputes only the scope (asked by its SQL and its pre-hook,
    before either changes anything, so both get the same answer; queried once, `nurture_node_memo`).
-#}
{% macro identity_graph_nodes_scoped() -%}
    {%- if not execute or model.resource_type != 'model' or not is_incremental() or target.type == 'spark' -%}
        {{ return(false) }}
    {%- endif -%}
    {%- if adapter.get_relation(database=this.database, schema=this.schema,
                                identifier='int_identity__resolution') is none -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set memo = nurture_node_memo() -%}
    {%- if '_identity_graph_nodes_scoped' in memo -%}
        {{ return(memo['_identity_graph_nodes_scoped']) }}
    {%- endif -%}
    {%- set runs = identity_graph_runs() -%}
    {%- set query -%}
        with last_run as (
            select max(ran_at) as ran_at, max(rules_fingerprint) as rules_fingerprint, max(invocation_id) as invocation_id
            from {{ runs }} where model = 'int_identity__nodes'
        ),
        touched as (
            {{ identity_touched_since('(select last_run.ran_at from last_run)') | indent(12) }}
        )
        select
            case
                when not {{ identity_touched_log_complete('last_run.ran_at') }} then 0
                when last_run.rules_fingerprint is distinct from {{ identity_graph_fingerprint() }} then 0
                when (
                    select count(*) from {{ runs }} as graph_run
                    where graph_run.invocation_id = last_run.invocation_id
                        and graph_run.model in ('{{ identity_graph_models() | join("', '") }}')
                ) < {{ identity_graph_models() | length }} then 0
                when exists (
                    select 1
                    from {{ this }} as held
                    inner join touched
                        on held.identifier_type = touched.identifier_type and held.identifier_value = touched.identifier_value
                    where held.is_blocked and not exists (
                        select 1 from ({{ identity_node_blocks('touched', ref('int_identity__fan_out')) }}) as blocks
                        where blocks.identifier_type = held.identifier_type and blocks.identifier_value = held.identifier_value
                    )
                ) then 0
                else 1
            end
        from last_run
    {%- endset -%}
    {%- do memo.update({'_identity_graph_nodes_scoped': run_query(query).columns[0].values()[0] == 1}) -%}
    {{ return(memo['_identity_graph_nodes_scoped']) }}
{%- endmacro %}

{#-
    Pre-hook of `int_identity__nodes`: the scope written (or the row that says "every identifier"),
    and the rows it recomputes deleted.
-#}
{% macro identity_graph_scope_begin() -%}
    {{ return(adapter.dispatch('identity_graph_scope_begin', 'nurture')()) }}
{%- endmacro %}

{% macro default__identity_graph_scope_begin() -%}
    {%- set scope = identity_graph_scope_table() -%}
    {#- the resolution of the graph's last run, by name: a ref would make it upstream of the nodes -#}
    {%- set resolution = adapter.get_relation(
        database=this.database, schema=this.schema, identifier='int_identity__resolution') -%}
delete from {{ scope }};
    {%- if identity_graph_nodes_scoped() %}
insert into {{ scope }} (invocation_id, identifier_type, identifier_value, old_node_id, every_identifier)
values ('{{ invocation_id }}', null, null, null, false);
insert into {{ scope }} (invocation_id, identifier_type, identifier_value, old_node_id, old_contact_id)
with touched as (
    {{ identity_touched_since(
        "(select max(graph_run.ran_at) from " ~ identity_graph_runs() ~ " as graph_run"
        ~ " where graph_run.model = 'int_identity__nodes')") | indent(4) }}
),
affected_contacts as (
    select distinct held.contact_id
    from {{ resolution }} as held
    inner join touched
        on held.identifier_type = touched.identifier_type and held.identifier_value = touched.identifier_value
),
affected as (
    select identifier_type, identifier_value from touched
    union
    select held.identifier_type, held.identifier_value
    from {{ resolution }} as held
    inner join affected_contacts on held.contact_id = affected_contacts.contact_id
)
select
    '{{ invocation_id }}', affected.identifier_type, affected.identifier_value, held.node_id,
    held_contact.contact_id
from affected
left join {{ this }} as held
    on affected.identifier_type = held.identifier_type and affected.identifier_value = held.identifier_value
left join {{ resolution }} as held_contact
    on
        affected.identifier_type = held_contact.identifier_type
        and affected.identifier_value = held_contact.identifier_value;
delete from {{ this }} as held
where exists (
    select 1 from {{ scope }} as scope
    where scope.identifier_type = held.identifier_type and scope.identifier_value = held.identifier_value
)
    {%- else %}
insert into {{ scope }} (invocation_id, identifier_type, identifier_value, old_node_id, every_identifier)
values ('{{ invocation_id }}', null, null, null, true)
        {%- if is_incremental() %};
delete from {{ this }}
        {%- endif %}
    {%- endif -%}
{%- endmacro %}

{% macro spark__identity_graph_scope_begin() -%}
{%- endmacro %}

{#-
    Whether this run of `int_identity__edges`, `_components` or `_resolution` recomputes only the
    scope `int_identity__nodes` wrote in this invocation. `extra_condition`: a SQL condition that
    sends the model back to every identifier when true (a model passes the same one each time it
    asks: the answer is queried once, `nurture_node_memo`).
-#}
{% macro identity_graph_scoped(extra_condition=none) -%}
    {%- if not execute or model.resource_type != 'model' or not is_incremental() or target.type == 'spark' -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set memo = nurture_node_memo() -%}
    {%- if '_identity_graph_scoped' in memo -%}
        {{ return(memo['_identity_graph_scoped']) }}
    {%- endif -%}
    {%- set query -%}
        select
            case
                when not exists (
                    select 1 from {{ identity_graph_scope_table() }}
                    where invocation_id = '{{ invocation_id }}' and every_identifier = false
                ) then 0
                {%- if extra_condition %}
                when {{ extra_condition }} then 0
                {%- endif %}
                else 1
            end
    {%- endset -%}
    {%- do memo.update({'_identity_graph_scoped': run_query(query).columns[0].values()[0] == 1}) -%}
    {{ return(memo['_identity_graph_scoped']) }}
{%- endmacro %}

{#-
    The scope's identifiers (identifier_type, identifier_value, old_node_id), as a subquery; nothing
    on Spark, where the hooks that name it do nothing.
-#}
{% macro identity_graph_scope() -%}
    {%- if target.type == 'spark' -%}
        {{ return('') }}
    {%- endif -%}
(
    select identifier_type, identifier_value, old_node_id from {{ identity_graph_scope_table() }}
    where invocation_id = '{{ invocation_id }}' and identifier_type is not null
)
{%- endmacro %}

{#-
    The condition that keeps the rows (alias `alias`, with identifier_type and identifier_value) of
    the scope's identifiers.
-#}
{% macro identity_in_graph_scope(alias) -%}
exists (
    select 1 from {{ identity_graph_scope() }} as scope
    where scope.identifier_type = {{ alias }}.identifier_type and scope.identifier_value = {{ alias }}.identifier_value
)
{%- endmacro %}

{#-
    The contacts the scope's identifiers belong to now or belonged to after the graph's last run
    (`old_contact_id`), as a subquery: every identifier of each of them is in the scope, or keeps its
    contact. Nothing on Spark, as `identity_graph_scope`.
-#}
{% macro identity_graph_scope_contacts() -%}
    {%- if target.type == 'spark' -%}
        {{ return('') }}
    {%- endif -%}
(
    select contact_id from (
        select resolution.contact_id from {{ ref('int_identity__resolution') }} as resolution
        where {{ identity_in_graph_scope('resolution') }}
        union
        select scope.old_contact_id from {{ identity_graph_scope_table() }} as scope
        where scope.invocation_id = '{{ invocation_id }}' and scope.old_contact_id is not null
    ) as scope_contacts
)
{%- endmacro %}

{#- The scope's nodes as `int_identity__nodes` now numbers them (node_id), as a subquery. -#}
{% macro identity_graph_scope_nodes() -%}
(
    select nodes.node_id
    from {{ ref('int_identity__nodes') }} as nodes
    inner join {{ identity_graph_scope() }} as scope
        on nodes.identifier_type = scope.identifier_type and nodes.identifier_value = scope.identifier_value
)
{%- endmacro %}

{#-
    Pre-hook of the others: the rows of the scope deleted (`condition` names a row of it, alias
    `held`), or every row when the model recomputes every identifier.
-#}
{% macro identity_graph_forget(scoped, condition) -%}
    {%- if execute and is_incremental() and target.type != 'spark' -%}
        {%- if scoped %}
delete from {{ this }} as held where {{ condition }}
        {%- else %}
delete from {{ this }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- Post-hook of the six: the run recorded (the nodes' with the rules' fingerprint). -#}
{% macro identity_graph_ran() -%}
    {{ return(adapter.dispatch('identity_graph_ran', 'nurture')()) }}
{%- endmacro %}

{% macro default__identity_graph_ran() -%}
delete from {{ identity_graph_runs() }} where model = '{{ this.identifier }}';
insert into {{ identity_graph_runs() }} (model, invocation_id, ran_at, rules_fingerprint)
select
    '{{ this.identifier }}',
    '{{ invocation_id }}',
    current_timestamp,
    {% if this.identifier == 'int_identity__nodes' %}{{ identity_graph_fingerprint() }}{% else %}null{% endif %}
{%- endmacro %}

{% macro spark__identity_graph_ran() -%}
{%- endmacro %}

{#-
    Whether this run of `int_identity__resolution` recomputes only the scope: not when a contact_id
    that an unblocked scope identifier had before (the state) is held by an identifier outside the
    scope (a full build would weigh both claims). A blocked identifier keeps its old contact_id in
    the state but claims nothing.
-#}
{% macro identity_resolution_scoped() -%}
    {%- set state = identity_previous_state() -%}
    {%- if state is none -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set conflict -%}
    exists (
        select 1
        from {{ this }} as held
        inner join {{ state }} as claimed on held.contact_id = claimed.contact_id
        inner join {{ identity_graph_scope() }} as claimant
            on
                claimed.identifier_type = claimant.identifier_type
                and claimed.identifier_value = claimant.identifier_value
        inner join {{ ref('int_identity__nodes') }} as claimant_node
            on
                claimant.identifier_type = claimant_node.identifier_type
                and claimant.identifier_value = claimant_node.identifier_value
                and not claimant_node.is_blocked
        where not exists (
            select 1 from {{ identity_graph_scope() }} as scope
            where scope.identifier_type = held.identifier_type and scope.identifier_value = held.identifier_value
        )
    )
    {%- endset -%}
    {{ return(identity_graph_scoped(conflict)) }}
{%- endmacro %}

{#-
    Pre-hook of `int_identity__resolution`: the scope's rows deleted, and the previous contact_id of
    the others set to the one the state now gives them (what a full build reads); every row deleted
    when it recomputes every identifier.
-#}
{% macro identity_resolution_scope_begin() -%}
    {{ return(adapter.dispatch('identity_resolution_scope_begin', 'nurture')()) }}
{%- endmacro %}

{% macro default__identity_resolution_scope_begin() -%}
    {%- set scoped = identity_resolution_scoped() -%}
    {%- set state = identity_previous_state() -%}
    {{ identity_graph_forget(scoped, identity_in_graph_scope('held')) }}
    {%- if scoped -%};
update {{ this }} as held
set previous_contact_id = state.contact_id
from {{ state }} as state
where
    held.identifier_type = state.identifier_type
    and held.identifier_value = state.identifier_value
    and held.previous_contact_id is distinct from state.contact_id;
update {{ this }} as held
set previous_contact_id = null
where
    held.previous_contact_id is not null
    and not exists (
        select 1 from {{ state }} as state
        where state.identifier_type = held.identifier_type and state.identifier_value = held.identifier_value
    )
    {%- endif -%}
{%- endmacro %}

{% macro spark__identity_resolution_scope_begin() -%}
{%- endmacro %}
