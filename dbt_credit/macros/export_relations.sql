{#
  Hand a Spark build to DuckDB: `dbt run-operation export_relations --args '{dir: /abs/path, schemas: [marts, audit, history]}'`
  writes every built model and snapshot of those schemas to <dir>/<schema>.<name>/ as Parquet (one level: DuckDB's
  COPY creates the last folder only) (the statement
  per engine is export_relation_sql, macros/export_relation_sql.sql). dagster_project/engines.py then loads the
  folders into the working DuckDB database, where the gates and publish read them as after a DuckDB build.
#}
{% macro export_relations(dir, schemas) -%}
    {%- set nodes = [] -%}
    {%- for node in graph.nodes.values()
            if node.resource_type in ('model', 'snapshot') and node.config.enabled and node.schema in schemas -%}
        {%- do nodes.append(node) -%}
    {%- endfor -%}
    {%- if not nodes -%}
        {{ exceptions.raise_compiler_error('export_relations: no model or snapshot in schemas ' ~ schemas) }}
    {%- endif -%}
    {%- for node in nodes | sort(attribute='unique_id') -%}
        {%- set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) -%}
        {%- if relation is none -%}
            {{ exceptions.raise_compiler_error('export_relations: ' ~ node.schema ~ '.' ~ node.alias ~ ' is not built') }}
        {%- endif -%}
        {%- set path = dir.rstrip('/') ~ '/' ~ node.schema ~ '.' ~ node.alias -%}
        {%- do run_query(adapter.dispatch('export_relation_sql', 'credit')(relation, path)) -%}
        {{ log('exported ' ~ relation ~ ' -> ' ~ path, info=true) }}
    {%- endfor -%}
{%- endmacro %}
