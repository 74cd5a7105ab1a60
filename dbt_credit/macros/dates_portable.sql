{#
  Date arithmetic and formats whose spelling differs between engines. One macro per concept
  (adapter.dispatch; default__ is DuckDB's). See docs/spark-port-inventory.md for the Spark forms.
#}

{# 'YYYY-MM' of a date: the 报送月份 / report month key. #}
{% macro year_month(date_expr) -%}
    {{ return(adapter.dispatch('year_month', 'credit')(date_expr)) }}
{%- endmacro %}

{% macro default__year_month(date_expr) -%}
    strftime({{ date_expr }}, '%Y-%m')
{%- endmacro %}

{% macro spark__year_month(date_expr) -%}
    date_format({{ date_expr }}, 'yyyy-MM')
{%- endmacro %}

{# The first day of the date's month, as a date. #}
{% macro month_start(date_expr) -%}
    {{ return(adapter.dispatch('month_start', 'credit')(date_expr)) }}
{%- endmacro %}

{% macro default__month_start(date_expr) -%}
    cast(date_trunc('month', {{ date_expr }}) as date)
{%- endmacro %}

{#- trunc() returns a date; Spark's date_trunc a timestamp -#}
{% macro spark__month_start(date_expr) -%}
    trunc({{ date_expr }}, 'MM')
{%- endmacro %}

{# The last day of a disclosure window of `months` months that starts on `date_expr`, counted as the civil code
   counts periods (民法典 第二百零一条: the first day is not counted; 第二百零二条: a period in months or years ends on
   the corresponding day of its last month, and where that month has no such day, on the month's last day):
   2026-05-10 + 12 months -> 2027-05-10; 2026-01-31 + 1 month -> 2026-02-28; 2024-02-29 + 12 months -> 2025-02-28.
   That is plain month addition with the month end clamped, which both engines do; the day itself is still shown. #}
{% macro months_window_end(date_expr, months) -%}
    {{ return(adapter.dispatch('months_window_end', 'credit')(date_expr, months)) }}
{%- endmacro %}

{% macro default__months_window_end(date_expr, months) -%}
    cast({{ date_expr }} + to_months({{ months }}) as date)
{%- endmacro %}

{#- add_months clamps the month end the same way (2026-01-31 + 1 -> 2026-02-28) and, since Spark 3.0, keeps a
    month-end start's day (2026-02-28 + 1 -> 2026-03-28, not 03-31), as DuckDB does -#}
{% macro spark__months_window_end(date_expr, months) -%}
    add_months({{ date_expr }}, {{ months }})
{%- endmacro %}

{# A table of month starts from the month of `first_date` to the month of `last_date`, both included:
   `select ... from {{ month_series('a', 'b') }} as s(month_start)`. #}
{% macro month_series(first_date, last_date) -%}
    {{ return(adapter.dispatch('month_series', 'credit')(first_date, last_date)) }}
{%- endmacro %}

{% macro default__month_series(first_date, last_date) -%}
    (select cast(m as date) as month_start
     from range(date_trunc('month', {{ first_date }}), date_trunc('month', {{ last_date }}) + interval 1 month,
                interval 1 month) as r(m))
{%- endmacro %}

{#- sequence() includes its end and fails when start > end, where DuckDB's range() is just empty -#}
{% macro spark__month_series(first_date, last_date) -%}
    (select explode(case when trunc({{ first_date }}, 'MM') <= trunc({{ last_date }}, 'MM')
                         then sequence(trunc({{ first_date }}, 'MM'), trunc({{ last_date }}, 'MM'), interval 1 month)
                    end) as month_start)
{%- endmacro %}
