{#-
    Audience membership history: the members of every audience as of each as-of date a build ran
    for. Incremental and never fully refreshed (`full_refresh: false`), so history survives full
    rebuilds; a build replaces only the rows of its own as-of date. Drop the table by hand to start
    history afresh.
-#}
{{ config(
    materialized='incremental',
    unique_key='as_of',
    incremental_strategy=('insert_overwrite' if target.type == 'spark' else 'delete+insert'),
    partition_by=('as_of' if target.type == 'spark' else none),
    full_refresh=false,
    on_schema_change='append_new_columns'
) }}

with

members as (

    select * from {{ ref('int_audiences__members') }}

),

final as (

    select
        cast({{ nurture_as_of() }} as date) as as_of,
        cast(audience as {{ dbt.type_string() }}) as audience,
        cast(member_key as {{ dbt.type_string() }}) as member_key,
        cast(resolved_contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(is_anonymous as boolean) as is_anonymous,
        cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }}) as snapshot_at
    from members

)

select * from final
