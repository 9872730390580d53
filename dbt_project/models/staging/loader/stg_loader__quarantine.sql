{%- set source_relation = source('loader', 'quarantine') -%}
{%- set load_id_column = nurture_optional_column(source_relation, 'load_id', dbt.type_string()) -%}
{%- set dlt_load_id_column = nurture_optional_column(source_relation, '_dlt_load_id', dbt.type_string()) -%}
{%- set rejection = 'source, table_name, file, line, field, reason, disposition' -%}

with

source as (

    select * from {{ source_relation }}

),

deduplicated as (

    -- The same rejection can be written twice when a load is retried.
    {{ nurture_deduplicate('source', partition_by=rejection, order_by='quarantined_at, record') | indent(4) }}

),

final as (

    select
        {{ nurture_surrogate_key(['source', 'table_name', 'file', 'line', 'field', 'reason', 'disposition']) }}
            as quarantine_id,
        source as source_name,
        table_name,
        file as source_file,
        line as source_line,
        field as field_name,
        reason,
        disposition,
        disposition = 'rejected' as is_rejected,
        record as raw_record,
        coalesce({{ load_id_column }}, {{ dlt_load_id_column }}) as load_id,
        {{ nurture_to_utc('quarantined_at') }} as quarantined_at
    from deduplicated

)

select * from final
