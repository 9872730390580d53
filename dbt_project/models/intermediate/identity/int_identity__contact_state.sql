{#-
    The identifier -> contact_id assignment that the next run starts from (what makes contact ids
    stable). Incremental and never fully refreshed (`full_refresh: false`): rows of identifiers that
    were blocked or disappeared are kept, so that an identifier coming back finds its old contact.
    Drop the table by hand to start ids afresh.
    Rows are replaced by key through macros/nurture_upsert.sql (delete+insert, or a full rewrite on
    Spark's Parquet tables): the table holds the same rows on every engine.
-#}
{{ config(
    materialized='incremental',
    unique_key=['identifier_type', 'identifier_value'],
    incremental_strategy=nurture_upsert_strategy(),
    pre_hook="{{ nurture_upsert_prepare() }}",
    post_hook="{{ nurture_upsert_cleanup() }}",
    full_refresh=false,
    on_schema_change='append_new_columns'
) }}

with

resolution as (

    select * from {{ ref('int_identity__resolution') }}

),

changed as (

    select
        identifier_type,
        identifier_value,
        contact_id,
        {{ identity_run_time() }} as assigned_at
    from resolution
    {%- if is_incremental() %}
    where previous_contact_id is null or previous_contact_id != contact_id
    {%- endif %}

),

final as (

    {{ nurture_upsert(
        'changed',
        ['identifier_type', 'identifier_value'],
        ['identifier_type', 'identifier_value', 'contact_id', 'assigned_at']
    ) | indent(4) }}

)

select * from final
