{#
  Snapshots on Spark without Delta. dbt-spark's snapshot refuses any format but delta/iceberg/hudi, because it
  closes changed versions with MERGE; a local Spark has no Delta jars. This project-level materialization is
  dbt-spark's, with one change: for a plain Parquet table (file_format unset or parquet) the new history is
  written whole into <snapshot>__dbt_new (the old versions, those the staging rows close getting their
  dbt_valid_to, then the staging rows to insert), and swapped in by drop + rename. Same rows as the MERGE
  (dbt-core's snapshot_staging_table decides insert / update / delete, as on every adapter); the whole history
  is rewritten each run, which is fine at this size (one row per record version). With Delta/Iceberg/Hudi the
  MERGE path is kept, so a cluster with Delta (+file_format: delta) behaves as dbt-spark does.
#}
{% materialization snapshot, adapter='spark' %}

  {%- set target_table = model.get('alias', model.get('name')) -%}
  {%- set strategy_name = config.get('strategy') -%}
  {%- set file_format = config.get('file_format') or 'parquet' -%}
  {%- set use_merge = file_format in ['delta', 'iceberg', 'hudi'] -%}
  {%- set grant_config = config.get('grants') -%}

  {% set target_relation_exists, target_relation = get_or_create_relation(
          database=none, schema=model.schema, identifier=target_table, type='table') -%}

  {%- if file_format not in ['delta', 'iceberg', 'hudi', 'parquet'] -%}
    {% do exceptions.raise_compiler_error('snapshot ' ~ target_table ~ ': file_format ' ~ file_format
        ~ ' is not supported (delta, iceberg, hudi: MERGE; parquet: rewrite and swap)') %}
  {%- endif -%}
  {%- if target_relation_exists and use_merge
        and not (target_relation.is_delta or target_relation.is_iceberg or target_relation.is_hudi) -%}
    {% do exceptions.raise_compiler_error('The existing table ' ~ model.schema ~ '.' ~ target_table
        ~ ' is not ' ~ file_format ~ ': drop it to re-create the history in that format') %}
  {%- endif -%}

  {% if not adapter.check_schema_exists(model.database, model.schema) %}
    {% do create_schema(model.schema) %}
  {% endif %}

  {%- if not target_relation.is_table -%}
    {% do exceptions.relation_wrong_type(target_relation, 'table') %}
  {%- endif -%}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {% set strategy_macro = strategy_dispatch(strategy_name) %}
  {% set strategy = strategy_macro(model, "snapshotted_data", "source_data", model['config'], target_relation_exists) %}

  {% if not target_relation_exists %}

      {% set build_sql = build_snapshot_table(strategy, model['compiled_code']) %}
      {% set final_sql = create_table_as(False, target_relation, build_sql) %}

  {% else %}

      {% set columns = config.get("snapshot_table_column_names") or get_snapshot_table_column_names() %}
      {{ adapter.valid_snapshot_target(target_relation, columns) }}

      {% set staging_table = spark_build_snapshot_staging_table(strategy, sql, target_relation) %}

      {% set missing_columns = adapter.get_missing_columns(staging_table, target_relation)
                                   | rejectattr('name', 'in', ['dbt_change_type', 'DBT_CHANGE_TYPE', 'dbt_unique_key', 'DBT_UNIQUE_KEY'])
                                   | list %}
      {% do create_columns(target_relation, missing_columns) %}

      {% if use_merge %}
          {% set source_columns = adapter.get_columns_in_relation(staging_table)
                                       | rejectattr('name', 'in', ['dbt_change_type', 'DBT_CHANGE_TYPE', 'dbt_unique_key', 'DBT_UNIQUE_KEY'])
                                       | list %}
          {% set final_sql = snapshot_merge_sql(target=target_relation, source=staging_table,
                                                insert_cols=source_columns | map(attribute='name') | map('string') | list) %}
      {% else %}
          {% set new_relation = target_relation.incorporate(path={"identifier": target_table ~ '__dbt_new'}) %}
          {% do adapter.drop_relation(new_relation) %}
          {% set final_sql = create_table_as(False, new_relation,
                                             _snapshot_rewrite_sql(target_relation, staging_table, columns)) %}
      {% endif %}

  {% endif %}

  {% call statement('main') %}
      {{ final_sql }}
  {% endcall %}

  {% if new_relation is defined %}
      {#- swap: the staging view reads the old table, so it goes first -#}
      {% do post_snapshot(staging_table) %}
      {% do adapter.drop_relation(target_relation) %}
      {% do adapter.rename_relation(new_relation, target_relation) %}
  {% endif %}

  {% set should_revoke = should_revoke(target_relation_exists, full_refresh_mode) %}
  {% do apply_grants(target_relation, grant_config, should_revoke) %}
  {% do persist_docs(target_relation, model) %}

  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {{ adapter.commit() }}

  {% if staging_table is defined and new_relation is not defined %}
      {% do post_snapshot(staging_table) %}
  {% endif %}

  {{ run_hooks(post_hooks, inside_transaction=False) }}

  {{ return({'relations': [target_relation]}) }}

{% endmaterialization %}

{#- The history after this run, as the MERGE of spark__snapshot_merge_sql would leave it: current versions that
    an 'update' / 'delete' staging row matches (on dbt_scd_id) are closed with its dbt_valid_to, and the
    'insert' rows are added. -#}
{% macro _snapshot_rewrite_sql(target_relation, staging_table, columns) -%}
    {%- set target_columns = adapter.get_columns_in_relation(target_relation) | map(attribute='name') | list -%}
    {%- set current_test -%}
        {%- if config.get('dbt_valid_to_current') -%}
        (old.{{ columns.dbt_valid_to }} = {{ config.get('dbt_valid_to_current') }} or old.{{ columns.dbt_valid_to }} is null)
        {%- else -%}
        old.{{ columns.dbt_valid_to }} is null
        {%- endif -%}
    {%- endset %}
    select
        {%- for c in target_columns %}
        {% if c == columns.dbt_valid_to -%}
        case when closing.{{ columns.dbt_scd_id }} is not null and {{ current_test }}
             then closing.{{ columns.dbt_valid_to }} else old.{{ c }} end as {{ c }}
        {%- else -%}
        old.{{ c }}
        {%- endif %}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ target_relation }} as old
    left join (
        select {{ columns.dbt_scd_id }}, max({{ columns.dbt_valid_to }}) as {{ columns.dbt_valid_to }}
        from {{ staging_table }}
        where dbt_change_type in ('update', 'delete')
        group by {{ columns.dbt_scd_id }}
    ) as closing on closing.{{ columns.dbt_scd_id }} = old.{{ columns.dbt_scd_id }}
    union all
    select
        {%- for c in target_columns %}
        {{ c }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ staging_table }}
    where dbt_change_type = 'insert'
{%- endmacro %}
