{# The key of one file (or sheet) as one load read it: raw.ingest_ledger's grain, shared by the intake marts
   (fct_intake_file, fct_intake_rejection_summary) so that they join. `t` is the relation alias. #}
{% macro intake_file_id(t) -%}
    md5({{ t }}.load_id || '|' || coalesce({{ t }}.department, '') || '|' || {{ t }}.file_path || '|'
        || coalesce({{ t }}.file_hash, '') || '|' || coalesce({{ t }}.sheet_name, ''))
{%- endmacro %}
