{#-
    Audiences are discovered from the dbt graph: every model named `aud_<name>` under
    `models/marts/audiences/`. Its `config.meta` (in `_audiences__models.yml`) gives its priority,
    destinations, owner and refresh; its documented columns other than `contact_id` become the
    member's `attributes` (a JSON object, keys sorted).

    The graph is only filled when dbt executes, not while it parses: the model that unions the
    audiences (`int_audiences__members`) also names each one in a `-- depends_on:` line so that dbt
    orders the build; dbt stops with an error naming the line to add when one is missing.
-#}

{% macro nurture_audience_nodes() -%}
    {%- set nodes = [] -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values()
                if node.resource_type == 'model'
                and node.package_name == project_name
                and node.name.startswith('aud_')
                and node.fqn[1:3] == ['marts', 'audiences'] -%}
            {%- do nodes.append(node) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(nodes | sort(attribute='name')) }}
{%- endmacro %}


{#- The audience's name: the model name without its `aud_` prefix. -#}
{% macro nurture_audience_name(node) -%}
    {{ return(node.name[4:]) }}
{%- endmacro %}


{#- A metadata value of an audience, with a clear error when a required one is missing. -#}
{% macro nurture_audience_meta(node, key, default=none) -%}
    {%- set meta = node.config.get('meta', {}) or {} -%}
    {%- set value = meta.get(key, default) -%}
    {%- if value is none -%}
        {{ exceptions.raise_compiler_error(
            "audience model " ~ node.name ~ " (" ~ node.original_file_path ~ "): `config: meta: " ~ key
            ~ "` is missing in _audiences__models.yml") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{#-
    An audience's parameter (`config: meta: <key>` in its YAML) inside its own model, e.g. a
    look-back window. Missing: an error when dbt executes (while parsing, a placeholder 0). In a dbt
    unit test, give the parameters as `overrides: vars:` (the test does not see the model's meta).
-#}
{% macro nurture_audience_param(key) -%}
    {%- set meta = config.get('meta', {}) or {} -%}
    {%- set value = meta.get(key) -%}
    {%- if value is none and execute and model.resource_type == 'unit_test' -%}
        {#- A dbt unit test renders the model with the test's config, without the model's meta. -#}
        {%- set value = var(key, none) -%}
    {%- endif -%}
    {%- if value is none -%}
        {%- if execute -%}
            {{ exceptions.raise_compiler_error(
                "model " ~ model.name ~ ": `config: meta: " ~ key ~ "` is missing in its YAML") }}
        {%- endif -%}
        {{ return(0) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{#- One JSON value (text) from a SQL expression: a string, number or boolean; null stays null. -#}
{% macro nurture_json_value(expression, data_type='string') -%}
    {{ return(adapter.dispatch('nurture_json_value', 'nurture')(expression, data_type)) }}
{%- endmacro %}

{% macro duckdb__nurture_json_value(expression, data_type='string') -%}
    cast(to_json({{ expression }}) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro default__nurture_json_value(expression, data_type='string') -%}
    {%- set kind = (data_type or 'string') | lower -%}
    {%- if kind in ['boolean', 'bool'] -%}
        case when {{ expression }} = true then 'true' when {{ expression }} = false then 'false' end
    {%- elif kind.startswith('int') or kind.startswith('bigint') or kind.startswith('double')
          or kind.startswith('float') or kind.startswith('decimal') or kind.startswith('numeric') -%}
        cast({{ expression }} as {{ dbt.type_string() }})
    {%- else -%}
        {{ dbt.concat(["'\"'", nurture.nurture_json_escape("cast(" ~ expression ~ " as " ~ dbt.type_string() ~ ")"), "'\"'"]) }}
    {%- endif -%}
{%- endmacro %}

{% macro nurture_json_escape(expression) -%}
    {{ return(adapter.dispatch('nurture_json_escape', 'nurture')(expression)) }}
{%- endmacro %}

{#- Standard SQL literals: a backslash is itself. -#}
{% macro default__nurture_json_escape(expression) -%}
    replace(replace({{ expression }}, '\', '\\'), '"', '\"')
{%- endmacro %}

{#- Spark SQL literals escape backslashes. -#}
{% macro spark__nurture_json_escape(expression) -%}
    replace(replace({{ expression }}, '\\', '\\\\'), '"', '\\"')
{%- endmacro %}


{#-
    A JSON object (text) from `columns`, a list of (key, SQL expression, data type); keys are sorted
    so that the text is stable from run to run. Null values are written as JSON null.
-#}
{% macro nurture_json_object(columns) -%}
    {%- set parts = ["'{'"] -%}
    {%- for key, expression, data_type in columns | sort(attribute=0) -%}
        {%- if not loop.first -%}{%- do parts.append("','") -%}{%- endif -%}
        {%- do parts.append("'\"" ~ key ~ "\":'") -%}
        {%- do parts.append("coalesce(" ~ nurture.nurture_json_value(expression, data_type) ~ ", 'null')") -%}
    {%- endfor -%}
    {%- do parts.append("'}'") -%}
    {{ dbt.concat(parts) }}
{%- endmacro %}


{#-
    The union of every audience: one row per (audience, contact_id) with the audience's priority,
    whether it excludes buyers, and the member's attributes as JSON. An audience whose table does
    not exist yet is left out with a warning in the log: one added since the last daily run, which
    builds the audiences refreshed daily or weekly (a frequent run leaves them), joins then.
-#}
{% macro nurture_audience_members_union() -%}
    {%- set nodes = [] -%}
    {%- for node in nurture.nurture_audience_nodes() -%}
        {%- if load_relation(ref(node.name)) is none -%}
            {%- do exceptions.warn(
                "audience " ~ nurture.nurture_audience_name(node) ~ ": its table " ~ ref(node.name)
                ~ " is not built yet, its members are left out of this run (the daily run builds"
                ~ " audiences refreshed daily or weekly)"
            ) -%}
        {%- else -%}
            {%- do nodes.append(node) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set string = dbt.type_string() -%}
    {%- if nodes | length == 0 %}
    select
        cast(null as {{ string }}) as audience,
        cast(null as {{ string }}) as contact_id,
        cast(null as integer) as priority,
        cast(null as boolean) as excludes_buyers,
        cast(null as {{ string }}) as attributes
    where 1 = 0
    {%- endif %}
    {%- for node in nodes %}
    {%- set columns = [] -%}
    {%- for column in node.columns.values() if column.name != 'contact_id' -%}
        {%- do columns.append((column.name, 'members.' ~ column.name, column.data_type)) -%}
    {%- endfor %}
    select
        cast('{{ nurture.nurture_audience_name(node) }}' as {{ string }}) as audience,
        cast(members.contact_id as {{ string }}) as contact_id,
        cast({{ nurture.nurture_audience_meta(node, 'priority') | int }} as integer) as priority,
        {{ 'true' if nurture.nurture_audience_meta(node, 'exclude_buyers', false) else 'false' }} as excludes_buyers,
        {% if columns -%}
        {{ nurture.nurture_json_object(columns) }}
        {%- else -%}
        '{}'
        {%- endif %} as attributes
    from {{ ref(node.name) }} as members
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}


{#- Every (audience, destination) pair the audiences' metadata allows, as literal rows. -#}
{% macro nurture_audience_destinations_rows() -%}
    {%- set string = dbt.type_string() -%}
    {%- set rows = [] -%}
    {%- for node in nurture.nurture_audience_nodes() -%}
        {%- set meta = node.config.get('meta', {}) or {} -%}
        {%- for destination in nurture.nurture_audience_meta(node, 'destinations') -%}
            {%- do rows.append((nurture.nurture_audience_name(node), destination, node.name,
                                meta.get('owner', ''), meta.get('refresh', ''),
                                nurture.nurture_audience_meta(node, 'priority') | int)) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if rows | length == 0 %}
    select
        cast(null as {{ string }}) as audience,
        cast(null as {{ string }}) as destination,
        cast(null as {{ string }}) as audience_model,
        cast(null as {{ string }}) as owner,
        cast(null as {{ string }}) as refresh,
        cast(null as integer) as priority
    where 1 = 0
    {%- endif %}
    {%- for audience, destination, model_name, owner, refresh, priority in rows %}
    select
        cast('{{ audience }}' as {{ string }}) as audience,
        cast('{{ destination }}' as {{ string }}) as destination,
        cast('{{ model_name }}' as {{ string }}) as audience_model,
        cast('{{ owner | replace("'", "''") }}' as {{ string }}) as owner,
        cast('{{ refresh | replace("'", "''") }}' as {{ string }}) as refresh,
        cast({{ priority }} as integer) as priority
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
