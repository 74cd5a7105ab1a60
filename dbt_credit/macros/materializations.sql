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

{#
  How the records layer keyed by decision is kept (int_decision_versions). DuckDB: incremental, delete+insert on
  the decision key: a night rebuilds only the decisions whose set of versions changed (a new submission, a
  copy that became an exact resubmission, a submission re-resolved to another entity or decision, one that a
  different as-of date shows or hides). Decisions left with no version at all are deleted by the model's
  pre-hook. Spark: rebuilt whole, for the reasons given for row_incremental_config.
  No row_incremental tag: these models stay in Dagster's second dbt step, after entity resolution.
#}
{% macro decision_incremental_config(unique_key) -%}
    {{ return(adapter.dispatch('decision_incremental_config', 'credit')(unique_key)) }}
{%- endmacro %}

{% macro default__decision_incremental_config(unique_key) -%}
    {{ return({'materialized': 'incremental', 'unique_key': unique_key, 'incremental_strategy': 'delete+insert',
               'on_schema_change': 'sync_all_columns'}) }}
{%- endmacro %}

{% macro spark__decision_incremental_config(unique_key) -%}
    {{ return({'materialized': 'table'}) }}
{%- endmacro %}
