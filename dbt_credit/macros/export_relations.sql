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

{#- The Spark night's export, as the build's last step (on-run-end in dbt_project.yml) rather than a second dbt
    process: on Spark every dbt process starts a JVM and a session (~20-30 s on 2 cores). Runs when the build
    sets CREDIT_SPARK_EXPORT_DIR (dagster_project/spark_mirror.py) and nothing failed; the schemas are the
    published ones, as export_args passes them. -#}
{% macro export_relations_on_run_end(results) -%}
    {%- if execute and target.type == 'spark' and env_var('CREDIT_SPARK_EXPORT_DIR', '')
            and not (results | selectattr('status', 'in', ['error', 'fail', 'runtime error']) | list) -%}
        {%- do export_relations(env_var('CREDIT_SPARK_EXPORT_DIR'), env_var('CREDIT_SPARK_EXPORT_SCHEMAS').split(',')) -%}
    {%- endif -%}
{%- endmacro %}
