{#
  Parse a date as departments send it: 2026-03-05, 2026/3/5, 2026.3.5, 20260305, 2026年3月5日,
  a timestamp with a time part, or an Excel serial number (days since 1899-12-30).
  Anything else -> null (a rule then reports the raw value); never an error that stops the build.
#}
{% macro parse_date(expr) -%}
    {{ return(adapter.dispatch('parse_date', 'credit')(expr)) }}
{%- endmacro %}

{% macro default__parse_date(expr) -%}
    (case
        when regexp_full_match({{ _date_core(expr) }}, '\d{4}-\d{1,2}-\d{1,2}')
            then try_strptime({{ _date_core(expr) }}, '%Y-%-m-%-d')::date
        when regexp_full_match({{ _date_core(expr) }}, '\d{8}')
            then try_strptime({{ _date_core(expr) }}, '%Y%m%d')::date
        when regexp_full_match({{ _date_core(expr) }}, '\d{5}(\.0+)?')
             and try_cast(split_part({{ _date_core(expr) }}, '.', 1) as integer) between 20000 and 80000
            then (date '1899-12-30' + try_cast(split_part({{ _date_core(expr) }}, '.', 1) as integer))::date
    end)
{%- endmacro %}

{# The date part, with separators unified to '-': 2026年3月5日 -> 2026-3-5; '2026/03/05 10:00:00' -> 2026-03-05. #}
{% macro _date_core(expr) -%}
    regexp_replace(
        regexp_replace(split_part(trim({{ fold_width(expr) }}), ' ', 1), '[年月/.]', '-', 'g'),
        '日$', '')
{%- endmacro %}
