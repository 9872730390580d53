{#-
    Marketing-qualified contacts and the day they qualified.
    INTERIM RULE until the lead scores (`fct_lead_scores`) are merged: a contact qualifies on the day
    of its first intent signal (pricing, offer or demo page, cart, simulator, quote or demo request)
    on or after its first lead signal.
-#}

with

signals as (

    select * from {{ ref('int_lifecycle__signals') }}

),

first_lead as (

    select
        contact_id,
        min(signal_on) as first_lead_on
    from signals
    where signal = 'lead'
    group by contact_id

),

final as (

    select
        signals.contact_id,
        min(signals.signal_on) as mql_on
    from signals
    inner join first_lead
        on signals.contact_id = first_lead.contact_id
    where
        signals.signal = 'intent'
        and signals.signal_on >= first_lead.first_lead_on
    group by signals.contact_id

)

select * from final
