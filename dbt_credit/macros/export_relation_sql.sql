{#- The statement that writes one relation to a folder of Parquet files (macro export_relations). -#}
{% macro default__export_relation_sql(relation, path) -%}
    copy (select * from {{ relation }}) to {{ str_lit(path) }} (format parquet, per_thread_output true, overwrite true)
{%- endmacro %}

{#- one file per mart (the marts are small; COALESCE(1) avoids a file per task) -#}
{% macro spark__export_relation_sql(relation, path) -%}
    insert overwrite directory {{ str_lit(path) }} using parquet select /*+ COALESCE(1) */ * from {{ relation }}
{%- endmacro %}
