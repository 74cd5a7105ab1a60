{# An amount in 万元 as sent: strips thousands separators, white space and a trailing 万元/万 unit, then reads it
   only if what is left is a plain decimal number ([+-]digits[.digits]); anything else -> null, so the
   AMOUNT_UNPARSEABLE rule holds the record and reports the value as sent. Scientific notation (1e3, 1.5E-2),
   digit-group underscores (1_000), inf/NaN and hex are not amounts a department writes: read as numbers they
   would silently become 1000 万元 (and DuckDB and Spark do not even agree on them).
   try_cast exists in both engines (Spark 3.4+). #}
{% macro parse_amount_wan(expr) -%}
    {%- set cleaned = regex_replace_all(fold_width(expr), '[,\\s]|万元$|万$', '') -%}
    (case when {{ regex_full_match(cleaned, '[+-]?(\\d+(\\.\\d*)?|\\.\\d+)') }}
        then try_cast({{ cleaned }} as decimal(18, 6)) end)
{%- endmacro %}
