{#
  UNION ALL BY NAME, spelt out (Spark SQL has no BY NAME): the columns of several relations in order of first
  appearance, each relation selecting its own column or a typed null. Needs the relations to exist, so the
  column list is read only at execution (at parse time dbt only records the refs).
#}

{# [(name, data_type), ...]: every column of `relations`, in order of first appearance. #}
{% macro columns_by_name(relations) -%}
    {%- set columns = [] -%}
    {%- set seen = [] -%}
    {%- if execute -%}
        {%- for relation in relations -%}
            {%- for col in adapter.get_columns_in_relation(relation) -%}
                {%- if col.name | lower not in seen -%}
                    {%- do seen.append(col.name | lower) -%}
                    {%- do columns.append((col.name | lower, col.data_type)) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(columns) }}
{%- endmacro %}

{% macro union_all_by_name(relations) -%}
    {%- set columns = columns_by_name(relations) -%}
    {%- for relation in relations %}
    {%- set own = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list if execute else [] %}
    select
        {%- for name, data_type in columns %}
        {{ name if name in own else 'cast(null as ' ~ data_type ~ ') as ' ~ name }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ relation }}
    {{ "union all" if not loop.last }}
    {%- endfor %}
{%- endmacro %}
