{#-
    nurture_contact_key(contact_id)

    A whole number for a contact id: the first 15 hex digits (60 bits) of its md5, the same on every
    engine. The event-sized tables a per-contact model reads by contact (`fct_interactions`,
    `int_lifecycle__signals`, `int_identity__record_contacts`) keep it as `contact_key`, next to
    `contact_id`. On DuckDB, a scan filtered on a whole-number column by a join skips the rows the
    join cannot match (a bloom filter pushed into the scan); on a text column it reads every row. A
    frequent run that recomputes 1% of the contacts then reads their rows, not all the events
    (`nurture_in_contact_scope`). The key only narrows the scan: the rows are still matched on
    `contact_id`, so two contacts with the same key cost a few more rows read, never a wrong row.
-#}
{% macro nurture_contact_key(contact_id) -%}
    {{ return(adapter.dispatch('nurture_contact_key', 'nurture')(contact_id)) }}
{%- endmacro %}

{% macro duckdb__nurture_contact_key(contact_id) -%}
    cast(('0x' || substring(md5({{ contact_id }}), 1, 15)) as bigint)
{%- endmacro %}

{% macro spark__nurture_contact_key(contact_id) -%}
    cast(conv(substring(md5({{ contact_id }}), 1, 15), 16, 10) as bigint)
{%- endmacro %}

{#- Other engines: no key (a null bigint); their filters read contact_id alone. -#}
{% macro default__nurture_contact_key(contact_id) -%}
    cast(null as {{ dbt.type_bigint() }})
{%- endmacro %}


{#- Whether scoped reads filter on `contact_key` too: where the engine prunes the scan with it. -#}
{% macro nurture_filters_by_contact_key() -%}
    {{ return(adapter.dispatch('nurture_filters_by_contact_key', 'nurture')()) }}
{%- endmacro %}

{% macro duckdb__nurture_filters_by_contact_key() -%}
    {{ return(true) }}
{%- endmacro %}

{% macro default__nurture_filters_by_contact_key() -%}
    {{ return(false) }}
{%- endmacro %}


{#-
    Post-hook of a table with a `contact_key` column that is written incrementally: the rows without
    a key get theirs (rows written before the column existed; the run that adds the column fills
    it). Every other writer sets the key with the contact.
-#}
{% macro nurture_fill_contact_keys() -%}
    {%- if is_incremental() and nurture_filters_by_contact_key() -%}
update {{ this }} set contact_key = {{ nurture_contact_key('contact_id') }}
where contact_key is null and contact_id is not null
    {%- endif -%}
{%- endmacro %}
