{#
  "Today" for every date-dependent rule (disclosure windows, lateness, backfills): the CREDIT_AS_OF the
  build exports (Dagster / `credit run`), or --vars '{as_of: ...}' for an ad-hoc `dbt` run.
  An environment variable rather than a dbt var because dbt re-parses the whole project whenever --vars
  change (every night would), while a changed environment variable only re-parses the files that read it.
#}
{% macro as_of() -%}
    {{ return(var('as_of', env_var('CREDIT_AS_OF', '2026-11-22'))) }}
{%- endmacro %}

{# The as-of date as a SQL date literal: date 'YYYY-MM-DD'. #}
{% macro as_of_date() -%}
    {{ return("date '" ~ as_of() ~ "'") }}
{%- endmacro %}
