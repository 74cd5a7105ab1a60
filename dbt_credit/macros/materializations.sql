{#
  How the per-row models (int_submissions_checked, int_rule_violations) are kept. DuckDB: incremental,
  delete+insert on the row key, so a night processes only its new loads. Spark (dbt-spark): there is no
  delete+insert, merge needs Delta/Iceberg/Hudi (no such jars here), append would keep the stale copies that
  delete+insert replaces, and insert_overwrite cannot read the table it overwrites: rebuilt whole (table).
  On a cluster with Delta, {'materialized': 'incremental', 'file_format': 'delta', 'incremental_strategy':
  'merge', 'unique_key': key} is the equivalent.
#}
{% macro row_incremental_config(unique_key) -%}
    {{ return(adapter.dispatch('row_incremental_config', 'credit')(unique_key)) }}
{%- endmacro %}

{% macro default__row_incremental_config(unique_key) -%}
    {{ return({'materialized': 'incremental', 'unique_key': unique_key, 'incremental_strategy': 'delete+insert',
               'on_schema_change': 'append_new_columns'}) }}
{%- endmacro %}

{% macro spark__row_incremental_config(unique_key) -%}
    {{ return({'materialized': 'table'}) }}
{%- endmacro %}
