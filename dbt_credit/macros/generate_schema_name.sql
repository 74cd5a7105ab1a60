{# Use the folder's schema name as is (raw, staging, intermediate, marts, ref): analysts query marts.x, not main_marts.x. #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
