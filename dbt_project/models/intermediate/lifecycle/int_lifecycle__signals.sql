{#-
    Lifecycle signals: each interaction of `fct_interactions` (up to the as-of date) matched with
    the rules of `seeds/lifecycle/lifecycle_signals.csv`. One row per interaction and signal.
    The matching is kept incrementally in `int_lifecycle__signal_matches`; the contact (which a
    merge may change) and the as-of filter are applied here.

    Per-contact incremental (`macros/nurture_contact_incremental.sql`): a run recomputes the
    contacts whose interactions changed and keeps the rows of the others.
-#}
{{ config(**nurture_contact_model_config(['fct_interactions'])) }}

with

matches as (

    select * from {{ ref('int_lifecycle__signal_matches') }}

),

interactions as (

    select * from {{ ref('fct_interactions') }}
    where occurred_at < {{ nurture_as_of_end() }} and {{ nurture_in_contact_scope('contact_id', key='contact_key') }}

),

final as (

    select
        interactions.interaction_id,
        interactions.contact_id,
        interactions.contact_key,
        matches.signal,
        interactions.occurred_at,
        cast(interactions.occurred_at as date) as signal_on,
        interactions.channel,
        interactions.interaction_type,
        interactions.campaign_id,
        interactions.content_theme,
        interactions.value
    from matches
    inner join interactions
        on matches.interaction_id = interactions.interaction_id

)

select * from final
