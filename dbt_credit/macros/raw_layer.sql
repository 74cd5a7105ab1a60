{#
  The raw layer (source 'raw') where the engine does not hold it itself. Ingestion lands every raw table as
  Parquet under $CREDIT_RAW_DIR/<table>/ (sub-folders department=<x>/drop_date=<date>/, but every column is
  inside the files; each folder holds a zero-row empty-schema.parquet with the full column set). Called from
  on-run-start, so every dbt run/build/seed sees the files as they are now.
#}
{% macro create_raw_views() -%}
    {{ return(adapter.dispatch('create_raw_views', 'credit')()) }}
{%- endmacro %}

{#- DuckDB: the ingestion side maps the raw layer (see dagster_project/ingest); nothing to do here -#}
{% macro default__create_raw_views() -%}
    {{ return('') }}
{%- endmacro %}

{#- Spark: one external Parquet table per raw table, dropped and created again on every run so new files and
    new columns are seen (the catalog keeps the schema inferred at creation; REFRESH TABLE would re-list the
    files but keep the old schema). recursiveFileLookup reads the sub-folders and turns partition inference
    off (the folder names duplicate columns already in the files); mergeSchema unions the files' columns, so
    an older file without a newer column reads it as null. A table created with a path is external: dropping
    it leaves the files. The tables are those of source 'raw' (models/staging/_raw__sources.yml). -#}
{% macro spark__create_raw_views() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set raw_dir = env_var('CREDIT_RAW_DIR', '') | trim -%}
    {%- if not raw_dir -%}
        {{ exceptions.raise_compiler_error("CREDIT_RAW_DIR is not set: on Spark the raw layer is read from "
            ~ "$CREDIT_RAW_DIR/<table>/**/*.parquet (an absolute path or a URI the cluster can read)") }}
    {%- endif -%}
    {%- set tables = [] -%}
    {%- for source in graph.sources.values() if source.source_name == 'raw' -%}
        {%- do tables.append(source) -%}
    {%- endfor -%}
    {%- for schema in tables | map(attribute='schema') | unique -%}
        {%- do run_query('create database if not exists ' ~ schema) -%}
    {%- endfor -%}
    {%- for source in tables | sort(attribute='name') -%}
        {%- set relation = source.schema ~ '.' ~ source.identifier -%}
        {%- do run_query('drop table if exists ' ~ relation) -%}
        {%- do run_query('create table ' ~ relation ~ ' using parquet options (path '
            ~ str_lit(raw_dir.rstrip('/') ~ '/' ~ source.identifier)
            ~ ", recursiveFileLookup 'true', mergeSchema 'true', pathGlobFilter '*.parquet')") -%}
    {%- endfor -%}
    {{ log('raw layer: ' ~ tables | length ~ ' tables over ' ~ raw_dir, info=true) }}
    {{ return('') }}
{%- endmacro %}
