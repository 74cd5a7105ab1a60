{#
  How the incremental models are kept. DuckDB: incremental, delete+insert on a key. Spark (dbt-spark): there is
  no delete+insert, merge needs Delta/Iceberg/Hudi (no such jars here), append would keep the stale copies that
  delete+insert replaces, and insert_overwrite cannot read the table it overwrites: rebuilt whole (table).
  On a cluster with Delta, {'materialized': 'incremental', 'file_format': 'delta', 'incremental_strategy':
  'merge', 'unique_key': key} is the equivalent.
#}
{% macro keyed_incremental_config(unique_key, on_schema_change) -%}
    {{ return(adapter.dispatch('keyed_incremental_config', 'credit')(unique_key, on_schema_change)) }}
{%- endmacro %}

{% macro default__keyed_incremental_config(unique_key, on_schema_change) -%}
    {{ return({'materialized': 'incremental', 'unique_key': unique_key, 'incremental_strategy': 'delete+insert',
               'on_schema_change': on_schema_change}) }}
{%- endmacro %}

{% macro spark__keyed_incremental_config(unique_key, on_schema_change) -%}
    {{ return({'materialized': 'table'}) }}
{%- endmacro %}

{#- The per-row models (int_submissions_checked, int_rule_violations): keyed by the row, so a night processes
    only its new loads. The tag is the same on every engine, so the asset graph does not change with the engine
    even where the materialization does: the UI selects these models by it to backfill or fully refresh them on
    their own (dagster_project/definitions.py). -#}
{% macro row_incremental_config(unique_key) -%}
    {%- set config = keyed_incremental_config(unique_key, 'append_new_columns') -%}
    {%- do config.update({'tags': ['row_incremental']}) -%}
    {{ return(config) }}
{%- endmacro %}

{#- The records layer keyed by decision (int_decision_versions; int_records by its record, the decision's key, on
    the same pattern: see its header): a night rebuilds only the decisions whose set
    of versions may have changed (a new submission, a copy that became an exact resubmission, a submission
    re-resolved to another entity or decision, one that a different as-of date shows or hides: the submissions
    int_entity_resolution stamped since); decisions left with no version at all are deleted by the model's
    pre-hook. Its columns are the submissions' own plus the version's: a kept table whose columns differ is
    rebuilt whole by the model, and sync_all_columns keeps the table's to match. -#}
{% macro decision_incremental_config(unique_key) -%}
    {{ return(keyed_incremental_config(unique_key, 'sync_all_columns')) }}
{%- endmacro %}

{#- When this dbt invocation started (UTC), as a timestamp literal every engine reads: an incremental model stamps
    the rows it writes with it, so a model downstream can find what changed since its own last run (a stamp it
    has not seen; two invocations never share one). -#}
{% macro invocation_started_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}

{#- What a kept derived row was computed with besides its input rows: every seed's and model's file (dbt's own
    checksum of it), the project vars the rules read, and `rendered` (the text of the macros a model calls,
    rendered by the caller: dbt keeps no checksum of a macro). An incremental model keeps it on its rows and
    recomputes everything when it differs: a rule changed, and no kept row may keep the old rule's result. -#}
{% macro rules_digest(rendered=[]) -%}
    {%- if not execute %}{{ return('') }}{% endif -%}  {#- the graph is empty while dbt parses #}
    {%- set parts = [] -%}
    {%- for node in graph.nodes.values() | sort(attribute='unique_id') -%}
        {%- if node.resource_type in ('seed', 'model') -%}
            {%- do parts.append(node.unique_id ~ ':' ~ node.checksum.checksum) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for name in ['publication_workdays', 'yuan_suspect_threshold_wan'] -%}
        {%- do parts.append(name ~ '=' ~ var(name)) -%}
    {%- endfor -%}
    {%- do parts.extend(rendered) -%}
    {{ return(local_md5(parts | join('\n'))) }}
{%- endmacro %}
