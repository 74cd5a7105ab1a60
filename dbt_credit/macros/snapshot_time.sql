{# Snapshots are stamped with the build's as-of date, not the wall clock: the history then answers
   "what was shown on day D" in the same calendar the disclosure rules use, and a re-run of a night
   stamps the same date. #}
{% macro duckdb__snapshot_get_time() -%}
    cast('{{ as_of() }}' as timestamp)
{%- endmacro %}

{% macro spark__snapshot_get_time() -%}
    cast('{{ as_of() }}' as timestamp)
{%- endmacro %}
