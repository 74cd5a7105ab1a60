{#
  Parse a date as departments send it: 2026-03-05, 2026/3/5, 2026.3.5, 20260305, 2026年3月5日,
  a timestamp with a time part, or an Excel serial number: a whole number, possibly written with '.0'
  (46086, 46086.0: a CSV exported from Excel, or a number cell; ingestion keeps values as sent, so this is the
  one place serials are read, for every source and engine).
  Excel serials are read as Excel's 1900 date system reads them, over its whole range: 1 = 1900-01-01 …
  2958465 = 9999-12-31, with Excel's leap-year bug (serial 60 is its 1900-02-29, a day that never was: null;
  from 61 on, date '1899-12-30' + serial). Eight digits are always YYYYMMDD (20260305), never a serial.
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
        when {{ _is_excel_serial(expr, 'integer') }}
            then (date '1899-12-30' + {{ _excel_serial_offset(expr, 'integer') }})::date
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
        when {{ _is_excel_serial(expr, 'int') }}
            then date_add(date '1899-12-30', {{ _excel_serial_offset(expr, 'int') }})
    end)
{%- endmacro %}

{# The date part, with separators unified to '-': 2026年3月5日 -> 2026-3-5; '2026/03/05 10:00:00' -> 2026-03-05.
   ('日$' is anchored: replacing every match is replacing the one.) #}
{% macro _date_core(expr) -%}
    {{ regex_replace_all(regex_replace_all("split_part(" ~ trim_text(fold_width(expr)) ~ ", ' ', 1)", '[年月/.]', '-'), '日$', '') }}
{%- endmacro %}

{# An Excel serial as sent: up to 7 digits, optionally '.0…' (read before _date_core turns '.' into '-'). #}
{% macro _excel_serial_text(expr) -%}
    {{ trim_text(fold_width(expr)) }}
{%- endmacro %}

{% macro _excel_serial_number(expr, int_type) -%}
    try_cast(split_part({{ _excel_serial_text(expr) }}, '.', 1) as {{ int_type }})
{%- endmacro %}

{# Excel's date range (1 = 1900-01-01 … 2958465 = 9999-12-31) without 60, its non-existent 1900-02-29. #}
{% macro _is_excel_serial(expr, int_type) -%}
    ({{ regex_full_match(_excel_serial_text(expr), '\\d{1,7}(\\.0+)?') }}
     and {{ _excel_serial_number(expr, int_type) }} between 1 and 2958465
     and {{ _excel_serial_number(expr, int_type) }} <> 60)
{%- endmacro %}

{# Days after 1899-12-30: the serial from 61 on; one more below 60 (Excel counts a 1900-02-29 that never was). #}
{% macro _excel_serial_offset(expr, int_type) -%}
    ({{ _excel_serial_number(expr, int_type) }} + case when {{ _excel_serial_number(expr, int_type) }} < 60 then 1 else 0 end)
{%- endmacro %}
