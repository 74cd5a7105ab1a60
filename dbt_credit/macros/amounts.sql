{# An amount in 万元 as sent: strips thousands separators, a trailing 万元/元 unit; non-numbers -> null.
   try_cast exists in both engines (Spark 3.4+). #}
{% macro parse_amount_wan(expr) -%}
    try_cast({{ regex_replace_all(fold_width(expr), '[,\\s]|万元$|万$', '') }} as decimal(18, 6))
{%- endmacro %}
