{#
  Personal ID numbers (居民身份证号码) in any spelling. What one looks like is data: vars id_number_spelling and
  id_number_pattern in dbt_project.yml, which dagster_project/pii.py reads too (tests/test_pii.py checks that
  SQL and Python find the same numbers). A run of the pattern's shape is an ID number when, normalised, its
  birth date is real and, for 18 characters, its check character is right (ric_is_valid): a date-stamped
  decision number of the same shape stays readable.
#}

{% macro id_number_pattern() -%}
    {{ return(var('id_number_pattern')) }}
{%- endmacro %}

{# The 15-digit form counts only as a number of its own (no digit right before or after): group 1. #}
{% macro _standalone_15_pattern() -%}
    {{ return('(?:^|[^0-9０-９])(' ~ var('id_number_pattern_15') ~ ')(?:[^0-9０-９]|$)') }}
{%- endmacro %}

{# Every run of `expr` shaped like an ID number, as written (a list). #}
{% macro id_number_runs(expr) -%}
    {{ return(adapter.dispatch('id_number_runs', 'credit')(expr)) }}
{%- endmacro %}

{% macro default__id_number_runs(expr) -%}
    list_concat(regexp_extract_all({{ expr }}, {{ str_lit(var('id_number_pattern_18')) }}),
                regexp_extract_all({{ expr }}, {{ str_lit(_standalone_15_pattern()) }}, 1))
{%- endmacro %}

{% macro spark__id_number_runs(expr) -%}
    concat(regexp_extract_all({{ expr }}, {{ str_lit(_java_regex(var('id_number_pattern_18'))) }}, 0),
           regexp_extract_all({{ expr }}, {{ str_lit(_java_regex(_standalone_15_pattern())) }}, 1))
{%- endmacro %}

{# A run as written -> its plain characters: separators out, full-width digits and x/X to ASCII, upper case. #}
{% macro id_number_norm(run) -%}
    upper(translate({{ regex_replace_all(run, '[' ~ var('id_number_spelling')['separators'] ~ ']', '') }},
                    '０１２３４５６７８９Ｘｘ', '0123456789XX'))
{%- endmacro %}

{% macro id_number_is_valid(run) -%}
    {%- set n = id_number_norm(run) -%}
    (case length({{ n }})
        when 18 then coalesce({{ ric_is_valid(n) }}, false)
        when 15 then coalesce({{ regex_full_match(n, '[1-9][0-9]{14}') }}
                              and {{ yyyymmdd_is_date("'19' || substr(" ~ n ~ ", 7, 6)") }}, false)
        else false
     end)
{%- endmacro %}

{# Whether the 8 characters of `expr` are a real date YYYYMMDD. #}
{% macro yyyymmdd_is_date(expr) -%}
    {{ return(adapter.dispatch('yyyymmdd_is_date', 'credit')(expr)) }}
{%- endmacro %}

{% macro default__yyyymmdd_is_date(expr) -%}
    (try_strptime({{ expr }}, '%Y%m%d') is not null)
{%- endmacro %}

{#- to_date gives null for an impossible date (timeParserPolicy CORRECTED, set in the profile) -#}
{% macro spark__yyyymmdd_is_date(expr) -%}
    (to_date({{ expr }}, 'yyyyMMdd') is not null)
{%- endmacro %}

{# Whether `expr` holds an ID number (in any spelling). #}
{% macro contains_id_number(expr) -%}
    {{ return(adapter.dispatch('contains_id_number', 'credit')(expr)) }}
{%- endmacro %}

{% macro default__contains_id_number(expr) -%}
    coalesce({{ regex_contains(expr, id_number_pattern()) }}
             and len(list_filter({{ id_number_runs(expr) }},
                                 lambda pii_run: {{ id_number_is_valid('pii_run') }})) > 0, false)
{%- endmacro %}

{% macro spark__contains_id_number(expr) -%}
    coalesce({{ regex_contains(expr, id_number_pattern()) }}
             and exists({{ id_number_runs(expr) }}, pii_run -> {{ id_number_is_valid('pii_run') }}), false)
{%- endmacro %}

{# `expr` with every ID number replaced by [证件号已隐去] (the text pii.ID_REDACTED). #}
{% macro redact_id_numbers(expr) -%}
    {{ return(adapter.dispatch('redact_id_numbers', 'credit')(expr)) }}
{%- endmacro %}

{% macro default__redact_id_numbers(expr) -%}
    (case when {{ regex_contains(expr, id_number_pattern()) }}
          then list_reduce(
                   list_prepend({{ expr }}, list_filter({{ id_number_runs(expr) }},
                                                        lambda pii_run: {{ id_number_is_valid('pii_run') }})),
                   lambda pii_text, pii_run: replace(pii_text, pii_run, '[证件号已隐去]'))
          else {{ expr }} end)
{%- endmacro %}

{% macro spark__redact_id_numbers(expr) -%}
    (case when {{ regex_contains(expr, id_number_pattern()) }}
          then aggregate(filter({{ id_number_runs(expr) }}, pii_run -> {{ id_number_is_valid('pii_run') }}),
                         {{ expr }}, (pii_text, pii_run) -> replace(pii_text, pii_run, '[证件号已隐去]'))
          else {{ expr }} end)
{%- endmacro %}

{# Mask an ID number for display to those who may know whose it is: 110101********1234. #}
{% macro mask_id_no(id_no) -%}
    case when {{ id_no }} is null then null
         else substr({{ id_no }}, 1, 6) || '********' || substr({{ id_no }}, 15, 4) end
{%- endmacro %}
