{#-
    Contacts without consent, for a consent-completion campaign: not on do-not-contact, with no
    decision recorded on at least one of `meta.channels` where their country requires an opt-in.
-#}

{%- set channels = nurture_audience_param('channels') or [] %}

with

consents as (

    select * from {{ ref('dim_contact_consents') }}

),

missing as (

    select
        contact_id,
        consent_channel
    from consents
    where
        consent_status = 'unknown'
        and requires_opt_in = true
        and is_do_not_contact = false
        and consent_channel in (
            '{{ channels | join("', '") }}'
        )

),

final as (

    select
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(
            {{ nurture_listagg_sorted('consent_channel', "','") }} as {{ dbt.type_string() }}
        ) as missing_consent_channels
    from missing
    group by contact_id

)

select * from final
