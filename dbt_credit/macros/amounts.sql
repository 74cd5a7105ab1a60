{# An amount in 万元 as sent: strips thousands separators, white space and a trailing 万元/万 unit, then reads it
   only if what is left is a plain decimal number ([+-]digits[.digits]); anything else -> null, so the
   AMOUNT_UNPARSEABLE rule holds the record and reports the value as sent. Scientific notation (1e3, 1.5E-2),
   digit-group underscores (1_000), inf/NaN and hex are not amounts a department writes: read as numbers they
   would silently become 1000 万元 (and DuckDB and Spark do not even agree on them).
   A value in 元 — a plain number followed by 元 (`50000元`; ingestion appends 元 to the values of a column whose
   heading names 元, e.g. 罚款金额（元）) — is converted: 50000元 -> 5 万元, exactly (× 0.0001 in decimals, rounded
   to 6 places); amount_sent_in_yuan marks such a value.
   try_cast exists in both engines (Spark 3.4+). #}
{% macro parse_amount_wan(expr) -%}
    {%- set folded = regex_replace_all(fold_width(expr), '[,\\s]', '') -%}
    {%- set wan = regex_replace_all(folded, '万元$|万$', '') -%}
    {%- set yuan = regex_replace_all(folded, '元$', '') -%}
    (case when {{ regex_full_match(wan, '[+-]?(\\d+(\\.\\d*)?|\\.\\d+)') }}
              then try_cast({{ wan }} as decimal(18, 6))
          when {{ amount_sent_in_yuan(expr) }}
              then cast(try_cast({{ yuan }} as decimal(18, 6)) * cast(0.0001 as decimal(5, 4)) as decimal(18, 6))
     end)
{%- endmacro %}

{# True when an amount was sent in 元 (a plain number followed by 元, not 万元): parse_amount_wan converts it. #}
{% macro amount_sent_in_yuan(expr) -%}
    {%- set folded = regex_replace_all(fold_width(expr), '[,\\s]', '') -%}
    coalesce({{ regex_full_match(folded, '[+-]?(\\d+(\\.\\d*)?|\\.\\d+)元') }}, false)
{%- endmacro %}
