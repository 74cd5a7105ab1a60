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
        when {{ regex_full_match(_date_core(expr), '\\d{4}-\\d{1,2}-\\d{1,2}') }}
            then try_strptime({{ _date_core(expr) }}, '%Y-%-m-%-d')::date
        when {{ regex_full_match(_date_core(expr), '\\d{8}') }}
            then try_strptime({{ _date_core(expr) }}, '%Y%m%d')::date
        when {{ regex_full_match(_date_core(expr), '\\d{5}(\\.0+)?') }}
             and try_cast(split_part({{ _date_core(expr) }}, '.', 1) as integer) between 20000 and 80000
            then (date '1899-12-30' + try_cast(split_part({{ _date_core(expr) }}, '.', 1) as integer))::date
    end)
{%- endmacro %}

{#- to_date returns null for an impossible date (2026-02-30) with spark.sql.legacy.timeParserPolicy=CORRECTED
    (the profile sets it; Spark 3.5's default EXCEPTION aborts instead); 'M'/'d' accept 1 or 2 digits -#}
{% macro spark__parse_date(expr) -%}
    (case
        when {{ regex_full_match(_date_core(expr), '\\d{4}-\\d{1,2}-\\d{1,2}') }}
            then to_date({{ _date_core(expr) }}, 'yyyy-M-d')
        when {{ regex_full_match(_date_core(expr), '\\d{8}') }}
            then to_date({{ _date_core(expr) }}, 'yyyyMMdd')
        when {{ regex_full_match(_date_core(expr), '\\d{5}(\\.0+)?') }}
             and try_cast(split_part({{ _date_core(expr) }}, '.', 1) as int) between 20000 and 80000
            then date_add(date '1899-12-30', try_cast(split_part({{ _date_core(expr) }}, '.', 1) as int))
    end)
{%- endmacro %}

{# The date part, with separators unified to '-': 2026年3月5日 -> 2026-3-5; '2026/03/05 10:00:00' -> 2026-03-05.
   ('日$' is anchored: replacing every match is replacing the one.) #}
{% macro _date_core(expr) -%}
    {{ regex_replace_all(regex_replace_all("split_part(" ~ trim_text(fold_width(expr)) ~ ", ' ', 1)", '[年月/.]', '-'), '日$', '') }}
{%- endmacro %}
