{#-
    Every touchpoint of every contact across channels, one row per attributed staging record.
    Records that identity resolution could not attribute to a contact (no usable identifier) are
    left out; `int_contacts__unattributed_touchpoints` lists them.

    Incremental: a run adds the records loaded since the last one (`loaded_at`; a newer version of
    a CRM record or an order replaces its row, or removes it when it is left with no identifier).
    Before that, the pre-hooks re-attribute the rows already there to their record's current
    contact (two contacts merged, a merge split), remove those identity resolution no longer
    attributes, and remove the rows of entity records loaded again; the run also adds the records
    of identifiers blocked no more (they had no contact), so the table matches a full rebuild.
    The hooks log the contacts whose interactions a run changed, for the per-contact models
    (`macros/nurture_contact_incremental.sql`).
-#}
{{ config(
    materialized=nurture_incremental_materialization('table'),
    incremental_strategy=nurture_upsert_strategy(),
    unique_key='interaction_id',
    on_schema_change='append_new_columns',
    meta={'test_scope': 'new_rows'},
    pre_hook=[
        "{{ nurture_log_interactions_before() }}",
        "{{ nurture_reattribute_interactions(ref('int_identity__record_contacts'),"
        " ref('int_identity__identifiers'), ref('int_identity__observations')) }}",
        "{{ nurture_forget_reloaded_interactions(ref('int_contacts__touchpoints_classified')) }}",
    ],
    post_hook=[
        "{{ nurture_log_interactions_after() }}",
        "{{ nurture_remember_attribution(ref('int_identity__identifiers')) }}",
        "{{ nurture_forget_unblocked_records() }}",
        "{{ nurture_fill_contact_keys() }}",
    ]
) }}
-- depends_on: {{ ref('int_identity__identifiers') }}
-- depends_on: {{ ref('int_identity__observations') }}
{#- one watermark query: the touchpoints and their record contacts keep the same load times -#}
{%- set loaded_since_last_run = nurture_loaded_since_last_run('loaded_at') %}

with

touchpoints as (

    select
        *,
        {{ nurture_surrogate_key(['record_source', 'record_id']) }} as interaction_key
    -- the alias names the rows for the condition on unblocked records (`false` on a full build)
    from {{ ref('int_contacts__touchpoints_classified') }} as classified  -- noqa: AL05
    where {{ loaded_since_last_run }} or {{ nurture_unblocked_condition('classified') }}

),

-- The contacts of those records only: a record's row carries the load time of its staging row, the
-- touchpoint's own, so the same condition keeps them without reading every record (rows written
-- before the column existed: all; and the records of identifiers blocked no more, loaded before).
record_contacts as (

    select * from {{ ref('int_identity__record_contacts') }} as record_contacts  -- noqa: AL05
    where
        {{ loaded_since_last_run }}
        or loaded_at is null
        or {{ nurture_unblocked_condition('record_contacts') }}

),

final as (

    select
        cast(touchpoints.interaction_key as {{ dbt.type_string() }}) as interaction_id,
        cast(record_contacts.contact_id as {{ dbt.type_string() }}) as contact_id,
        {{ nurture_contact_key('record_contacts.contact_id') }} as contact_key,
        cast(touchpoints.occurred_at as timestamp) as occurred_at,
        cast(touchpoints.channel as {{ dbt.type_string() }}) as channel,
        cast(touchpoints.interaction_type as {{ dbt.type_string() }}) as interaction_type,
        cast(touchpoints.source_type as {{ dbt.type_string() }}) as source_type,
        cast(touchpoints.source_name as {{ dbt.type_string() }}) as source,  -- noqa: RF04
        cast(touchpoints.campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(touchpoints.content_theme as {{ dbt.type_string() }}) as content_theme,
        cast(touchpoints.interaction_value as double) as value,  -- noqa: RF04
        cast(touchpoints.record_source as {{ dbt.type_string() }}) as record_source,
        cast(touchpoints.record_id as {{ dbt.type_string() }}) as record_id,
        cast(touchpoints.source_file as {{ dbt.type_string() }}) as source_file,
        cast(touchpoints.source_line as bigint) as source_line,
        cast(touchpoints.loaded_at as timestamp) as loaded_at
    from touchpoints
    inner join record_contacts
        on
            touchpoints.record_source = record_contacts.record_source
            and touchpoints.record_id = record_contacts.record_id

)

select * from final
