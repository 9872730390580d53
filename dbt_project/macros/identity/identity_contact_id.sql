{#-
    identity_contact_id(identifier_type, identifier_value)

    The contact id a new contact gets: 'c_' followed by the first 20 hex digits of the md5 of
    '<identifier_type>:<identifier_value>' of its founding identifier (the earliest seen of its
    component). Readable, deterministic, and the same on every engine (dbt.hash is md5).
-#}
{% macro identity_contact_id(identifier_type, identifier_value) -%}
    'c_' || substring({{ dbt.hash(identifier_type ~ " || ':' || " ~ identifier_value) }}, 1, 20)
{%- endmacro %}


{#- The time of this dbt invocation, as a timestamp literal (the run time of merge log rows). -#}
{% macro identity_run_time() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}


{#-
    The previous run's identifier -> contact_id assignment (int_identity__contact_state), or none on
    the first run and in unit tests. Read without ref(): the state model is downstream of the
    resolution that reads it (ref would be a cycle).
-#}
{% macro identity_previous_state() -%}
    {%- if not execute or model.resource_type != 'model' -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(adapter.get_relation(database=this.database, schema=this.schema,
                                   identifier='int_identity__contact_state')) }}
{%- endmacro %}
