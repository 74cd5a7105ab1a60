{# An amount in 万元 as sent: strips thousands separators, a trailing 万元/元 unit; non-numbers -> null. #}
{% macro parse_amount_wan(expr) -%}
    try_cast(regexp_replace({{ fold_width(expr) }}, '[,\s]|万元$|万$', '', 'g') as decimal(18, 6))
{%- endmacro %}
