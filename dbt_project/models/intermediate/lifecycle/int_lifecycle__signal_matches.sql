{#-
    The lifecycle signals of each interaction of `fct_interactions` by the rules of
    `seeds/lifecycle/lifecycle_signals.csv`: one row per interaction and signal it carries. The
    match depends on the interaction alone (channel, type, source type, theme, value), not on its
    contact nor on the as-of date: `int_lifecycle__signals` adds those.

    Incremental on DuckDB: a run matches the interactions loaded since the last one (a new version
    of a record is matched again, its old signals forgotten by the pre-hook); when the rules change
    (`rules_fingerprint`), every interaction is matched again. Rows of interactions that left
    `fct_interactions` stay here and are dropped by the join in `int_lifecycle__signals`. A table
    rebuilt in full on Spark.
-#}
{%- set rule_columns = [
    'channel', 'interaction_type', 'source_type', 'content_theme', 'min_value', 'max_value', 'signal'
] -%}
{%- set fingerprint = nurture_rules_fingerprint(ref('lifecycle_signals'), rule_columns) -%}
{#- The pre-hook deletes every row of the interactions this run matches, so the run appends: a
    delete by key would scan the table again and find nothing left to delete. -#}
{{ config(
    materialized=nurture_incremental_materialization('table'),
    incremental_strategy='append',
    meta={'test_scope': 'new_rows'},
    pre_hook="{{ nurture_forget_reread(ref('fct_interactions'), 'interaction_id', nurture_rules_fingerprint(ref('lifecycle_signals'), ['channel', 'interaction_type', 'source_type', 'content_theme', 'min_value', 'max_value', 'signal'])) }}"
) }}

with

interactions as (

    select * from {{ ref('fct_interactions') }}
    where {{ nurture_loaded_since_last_run('loaded_at') }}

),

signal_rules as (

    select * from {{ ref('lifecycle_signals') }}

),

matched as (

    select distinct
        interactions.interaction_id,
        signal_rules.signal,
        interactions.loaded_at
    from interactions
    inner join signal_rules
        on
            (signal_rules.channel = '*' or signal_rules.channel = lower(interactions.channel))
            and (
                signal_rules.interaction_type = '*'
                or signal_rules.interaction_type = lower(interactions.interaction_type)
            )
            and (signal_rules.source_type = '*' or signal_rules.source_type = lower(interactions.source_type))
            and (
                signal_rules.content_theme = '*'
                or signal_rules.content_theme = lower(interactions.content_theme)
            )
            and (signal_rules.min_value is null or interactions.value >= signal_rules.min_value)
            and (signal_rules.max_value is null or interactions.value <= signal_rules.max_value)

),

final as (

    select
        interaction_id,
        signal,
        loaded_at,
        {{ fingerprint }} as rules_fingerprint
    from matched

)

select * from final
