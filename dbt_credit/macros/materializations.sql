{#
  How the per-row models (int_submissions_checked, int_rule_violations) are kept. DuckDB: incremental,
  delete+insert on the row key, so a night processes only its new loads. Spark (dbt-spark): there is no
  delete+insert, merge needs Delta/Iceberg/Hudi (no such jars here), append would keep the stale copies that
  delete+insert replaces, and insert_overwrite cannot read the table it overwrites: rebuilt whole (table).
  On a cluster with Delta, {'materialized': 'incremental', 'file_format': 'delta', 'incremental_strategy':
  'merge', 'unique_key': key} is the equivalent.
#}
{#- The tag is the same on every engine: Dagster splits these models (and what they read) into their own dbt
    step by it (dagster_project/definitions.py INCREMENTAL_SELECTOR), so the asset graph does not change
    with the engine even where the materialization does. -#}
{% macro row_incremental_config(unique_key) -%}
    {%- set config = adapter.dispatch('row_incremental_config', 'credit')(unique_key) -%}
    {%- do config.update({'tags': ['row_incremental']}) -%}
    {{ return(config) }}
{%- endmacro %}

{% macro default__row_incremental_config(unique_key) -%}
    {{ return({'materialized': 'incremental', 'unique_key': unique_key, 'incremental_strategy': 'delete+insert',
               'on_schema_change': 'append_new_columns'}) }}
{%- endmacro %}

{% macro spark__row_incremental_config(unique_key) -%}
    {{ return({'materialized': 'table'}) }}
{%- endmacro %}
