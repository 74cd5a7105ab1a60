{#
  Publish the marts as Parquet: `dbt run-operation export_marts --args '{dir: /abs/path}'` writes every model
  of the marts folder to <dir>/<mart>/ (one folder of Parquet files per mart, same shape on both engines;
  readers take <dir>/<mart>/*.parquet). <dir> must exist on DuckDB (COPY creates only the mart's folder).
#}
{% macro export_marts(dir) -%}
    {%- set marts = [] -%}
    {%- for node in graph.nodes.values()
            if node.resource_type == 'model' and node.config.schema == 'marts' and node.config.enabled -%}
        {%- do marts.append(node) -%}
    {%- endfor -%}
    {%- for node in marts | sort(attribute='name') -%}
        {%- set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) -%}
        {%- if relation is none -%}
            {{ exceptions.raise_compiler_error('export_marts: ' ~ node.schema ~ '.' ~ node.alias ~ ' is not built') }}
        {%- endif -%}
        {%- set path = dir.rstrip('/') ~ '/' ~ node.alias -%}
        {%- do run_query(adapter.dispatch('export_relation_sql', 'credit')(relation, path)) -%}
        {{ log('exported ' ~ relation ~ ' -> ' ~ path, info=true) }}
    {%- endfor -%}
{%- endmacro %}

{% macro default__export_relation_sql(relation, path) -%}
    copy (select * from {{ relation }}) to {{ str_lit(path) }} (format parquet, per_thread_output true, overwrite true)
{%- endmacro %}

{#- one file per mart (the marts are small; COALESCE(1) avoids a file per task) -#}
{% macro spark__export_relation_sql(relation, path) -%}
    insert overwrite directory {{ str_lit(path) }} using parquet select /*+ COALESCE(1) */ * from {{ relation }}
{%- endmacro %}
