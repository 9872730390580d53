{#-
    Every identifier seen on every staging record that carries one: one row per
    (record_source, record_id, identifier_type, identifier_value). The graph's raw material.
    feedback's `referred_email` is someone else (a referral) and is deliberately not an identifier
    of the record's person.

    Incremental: a record is observed when its staging row is loaded (a run reads the rows loaded
    since the newest `loaded_at` it holds for their source). A newer version of an entity record
    (CRM contact, lead, deal, order) replaces the identifiers the older one carried: the pre-hook
    removes them (`identity_forget_reloaded_records`), even when the new version carries none.
    The hooks log the identifiers a run touches, for the identifier-sized tables kept incrementally
    (`macros/identity/identity_touched_identifiers.sql`).
-#}
{{ config(
    materialized=nurture_incremental_materialization('table'),
    incremental_strategy=nurture_upsert_strategy(),
    unique_key=['record_source', 'record_id'],
    on_schema_change='append_new_columns',
    meta={'test_scope': 'new_rows'},
    pre_hook=["{{ identity_observations_before() }}", "{{ identity_forget_reloaded_records() }}"],
    post_hook="{{ identity_log_touched_identifiers() }}"
) }}

{%- set sources = [
    {'model': 'stg_web__events', 'id': 'event_id', 'at': 'occurred_at',
     'ids': {'anonymous_id': 'anonymous_id', 'user_id': 'user_id', 'email': 'email', 'phone': 'phone'}},
    {'model': 'stg_forms__form_submissions', 'id': 'submission_id', 'at': 'occurred_at',
     'ids': {'anonymous_id': 'anonymous_id', 'email': 'email', 'phone': 'phone'}},
    {'model': 'stg_crm__contacts', 'id': 'crm_contact_id', 'at': 'created_at',
     'ids': {'crm_contact_id': 'crm_contact_id', 'email': 'email', 'phone': 'phone'}},
    {'model': 'stg_crm__leads', 'id': 'lead_id', 'at': 'created_at',
     'ids': {'lead_id': 'lead_id', 'crm_contact_id': 'crm_contact_id', 'email': 'email', 'phone': 'phone'}},
    {'model': 'stg_crm__deals', 'id': 'deal_id', 'at': 'created_at',
     'ids': {'crm_contact_id': 'crm_contact_id'}},
    {'model': 'stg_crm__activities', 'id': 'activity_id', 'at': 'occurred_at',
     'ids': {'crm_contact_id': 'crm_contact_id', 'lead_id': 'lead_id'}},
    {'model': 'stg_offline__events', 'id': 'event_id', 'at': 'occurred_at',
     'ids': {'badge_id': 'badge_id', 'email': 'email', 'phone': 'phone'}},
    {'model': 'stg_orders__orders', 'id': 'order_id', 'at': 'ordered_at',
     'ids': {'customer_number': 'customer_number', 'email': 'email', 'phone': 'phone',
             'anonymous_id': 'anonymous_id'}},
    {'model': 'stg_calls__calls', 'id': 'call_id', 'at': 'occurred_at',
     'ids': {'phone': 'phone', 'crm_contact_id': 'crm_contact_id'}},
    {'model': 'stg_consents__consent_events', 'id': 'event_id', 'at': 'occurred_at',
     'ids': {'email': 'email', 'phone': 'phone', 'crm_contact_id': 'crm_contact_id',
             'customer_number': 'customer_number', 'anonymous_id': 'anonymous_id'}},
    {'model': 'stg_feedback__events', 'id': 'feedback_id', 'at': 'occurred_at',
     'ids': {'email': 'email', 'phone': 'phone', 'customer_number': 'customer_number',
             'crm_contact_id': 'crm_contact_id'}},
    {'model': 'stg_messaging__email_events', 'id': 'event_id', 'at': 'occurred_at',
     'ids': {'email': 'email'}},
    {'model': 'stg_messaging__sms_events', 'id': 'event_id', 'at': 'occurred_at',
     'ids': {'phone': 'phone'}},
] -%}

with

{% for src in sources %}
{{ src.model }} as (

    {{ identity_observations(
        ref(src.model), src.model, src.id, 'coalesce(src.' ~ src.at ~ ', src.loaded_at)', src.ids,
        where=nurture_loaded_since_last_run(
            'src.loaded_at', where="processed.record_source = '" ~ src.model ~ "'")
    ) | indent(4) }}

),

{% endfor %}
final as (

    {%- for src in sources %}
    select * from {{ src.model }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

)

select * from final
