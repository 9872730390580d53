{#-
    Marketing pressure: messages each contact received per pressure channel over each rolling window
    of the `pressure_caps` seed (the `window_days` days before the as-of date's end), against its
    cap. `all` counts every channel together. One row per (contact, channel, window) for contacts
    that received at least one message in the window; a contact without a row received none.
    Per contact incremental (see `macros/nurture_contact_incremental.sql`): the windows end with the
    as-of day (a new day recomputes every contact), so within a day a contact's counts change only
    with its interactions; a run recomputes the contacts whose interactions changed.
-#}
{{ config(**nurture_contact_model_config(['fct_interactions'])) }}

with

interactions as (

    select * from {{ ref('fct_interactions') }}
    where {{ nurture_in_contact_scope('contact_id', key='contact_key') }}

),

pressure_messages as (

    select * from {{ ref('pressure_messages') }}

),

pressure_caps as (

    select * from {{ ref('pressure_caps') }}

),

messages as (

    select
        interactions.contact_id,
        pressure_messages.pressure_channel,
        interactions.occurred_at
    from interactions
    inner join pressure_messages
        on
            interactions.channel = pressure_messages.interaction_channel
            and interactions.interaction_type = pressure_messages.interaction_type
    where interactions.occurred_at < {{ nurture_as_of_end() }}

),

counted as (

    select
        messages.contact_id,
        pressure_caps.pressure_channel,
        pressure_caps.window_days,
        pressure_caps.max_messages,
        count(*) as messages_received,
        max(messages.occurred_at) as last_message_at
    from messages
    inner join pressure_caps
        on
            (messages.pressure_channel = pressure_caps.pressure_channel or pressure_caps.pressure_channel = 'all')
            and messages.occurred_at
            >= {{ dbt.dateadd('day', '-1 * pressure_caps.window_days', nurture_as_of_end()) }}
    group by
        messages.contact_id,
        pressure_caps.pressure_channel,
        pressure_caps.window_days,
        pressure_caps.max_messages

),

final as (

    select
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(pressure_channel as {{ dbt.type_string() }}) as pressure_channel,
        cast(window_days as integer) as window_days,
        cast(messages_received as bigint) as messages_received,
        cast(max_messages as integer) as max_messages,
        cast(max_messages - messages_received as bigint) as remaining_messages,
        cast(messages_received >= max_messages as boolean) as is_at_cap,
        cast(last_message_at as {{ dbt.type_timestamp() }}) as last_message_at,
        cast({{ nurture_as_of() }} as date) as as_of
    from counted

)

select * from final
