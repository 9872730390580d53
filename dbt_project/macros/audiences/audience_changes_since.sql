{#-
    Incremental runs of `fct_audience_membership_changes`. The membership history grows by a
    snapshot per as-of date; a run compares again only the pairs of dates whose later date is on or
    after the earliest as-of date whose sizes (`fct_audience_sizes`, one row per audience and date,
    empty audiences included) were written after the newest `compared_at` the table holds: a
    frequent or daily run's own date, a backfill's date and the dates after it. The pre-hook deletes
    the changes of those dates; the model writes them again.

    `audience_changes_since(sizes)`: that earliest date as a SQL date literal, 'all' (a full build,
    an empty table, a table without `compared_at`) or none (no snapshot written since: nothing to
    compare again). Nothing of this on Spark, which rebuilds the table.
-#}
{% macro audience_changes_since(sizes) -%}
    {%- if not execute or not is_incremental() -%}
        {{ return('all') }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {%- if 'compared_at' not in columns -%}
        {{ return('all') }}  {#- a table an older version built -#}
    {%- endif -%}
    {%- set query -%}
        select
            (select max(compared_at) from {{ this }}) is null as is_empty,
            min(sizes.as_of) as since
        from {{ sizes }} as sizes
        where sizes.snapshot_at > (select max(held.compared_at) from {{ this }} as held)
    {%- endset -%}
    {%- set row = run_query(query).rows[0] -%}
    {%- if row[0] -%}
        {{ return('all') }}
    {%- elif row[1] is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return("cast('" ~ row[1].strftime('%Y-%m-%d') ~ "' as date)") }}
{%- endmacro %}

{#- The condition on a pair of compared dates (its later date `as_of`) that this run compares. -#}
{% macro audience_changes_in_scope(as_of, since) -%}
    {%- if since == 'all' -%}
    true
    {%- elif since is none -%}
    false
    {%- else -%}
    {{ as_of }} >= {{ since }}
    {%- endif -%}
{%- endmacro %}

{% macro audience_changes_forget(since) -%}
    {%- if is_incremental() and since is not none -%}
delete from {{ this }}{% if since != 'all' %} where changed_on >= {{ since }}{% endif %}
    {%- endif -%}
{%- endmacro %}
