{#-
    nurture_listagg_sorted(measure, delimiter)

    The distinct-free string aggregate of `measure`, in ascending order of the values themselves,
    joined by `delimiter` (a SQL string literal, e.g. "'; '"). dbt's listagg ignores its ORDER BY on
    Spark; sorting the collected values keeps the result identical across engines.
-#}
{% macro nurture_listagg_sorted(measure, delimiter) -%}
    {{ return(adapter.dispatch('nurture_listagg_sorted', 'nurture')(measure, delimiter)) }}
{%- endmacro %}

{% macro default__nurture_listagg_sorted(measure, delimiter) -%}
    {{ dbt.listagg(measure, delimiter, 'order by ' ~ measure) }}
{%- endmacro %}

{% macro spark__nurture_listagg_sorted(measure, delimiter) -%}
    array_join(array_sort(collect_list({{ measure }})), {{ delimiter }})
{%- endmacro %}
