{#
  String literals and regular expressions, whose spelling differs between engines. One macro per concept
  (adapter.dispatch; default__ is DuckDB's). Write every pattern once, as a Jinja string holding the regex
  exactly as the regex engine should see it; these macros quote it for the engine.
#}

{# A SQL string literal holding exactly `s`. DuckDB: backslashes are plain characters, ' doubles.
   Spark: literals unescape backslashes ('\s' would become 's') and '' is two adjacent literals, so both
   are backslash-escaped. #}
{% macro str_lit(s) -%}
    {{ return(adapter.dispatch('str_lit', 'credit')(s)) }}
{%- endmacro %}

{% macro default__str_lit(s) -%}
    {{ return("'" ~ (s | string).replace("'", "''") ~ "'") }}
{%- endmacro %}

{% macro spark__str_lit(s) -%}
    {{ return("'" ~ (s | string).replace('\\', '\\\\').replace("'", "\\'") ~ "'") }}
{%- endmacro %}

{# A pattern for java.util.regex with RE2's meaning. RE2's `$` (no multi-line flag) matches only at the end
   of the text; Java's also before a final line break, so it becomes \z. RE2's \s is [\t\n\f\r ]; Java's
   also matches \x0B (vertical tab), so it is spelt out (a nested class is a union in Java, so this holds
   inside [...] too). (Our patterns hold no escaped \$ or \\s.) #}
{% macro _java_regex(pattern) -%}
    {{ return(pattern.replace('$', '\\z').replace('\\s', '[\\t\\n\\f\\r ]')) }}
{%- endmacro %}

{# Replace every match of `pattern` in `expr` with the literal text `replacement`. #}
{% macro regex_replace_all(expr, pattern, replacement) -%}
    {{ return(adapter.dispatch('regex_replace_all', 'credit')(expr, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regex_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, {{ str_lit(pattern) }}, {{ str_lit(replacement) }}, 'g')
{%- endmacro %}

{#- Spark's regexp_replace always replaces every match; in a Java replacement $ and \ are special -#}
{% macro spark__regex_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, {{ str_lit(_java_regex(pattern)) }}, {{ str_lit(replacement.replace('\\', '\\\\').replace('$', '\\$')) }})
{%- endmacro %}

{# Whether the whole of `expr` matches `pattern` (null in, null out). #}
{% macro regex_full_match(expr, pattern) -%}
    {{ return(adapter.dispatch('regex_full_match', 'credit')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regex_full_match(expr, pattern) -%}
    regexp_full_match({{ expr }}, {{ str_lit(pattern) }})
{%- endmacro %}

{#- rlike finds a match anywhere: anchor it; \z, not $, so a trailing line break does not pass -#}
{% macro spark__regex_full_match(expr, pattern) -%}
    ({{ expr }} rlike {{ str_lit('^(?:' ~ _java_regex(pattern) ~ ')\\z') }})
{%- endmacro %}

{# Whether `pattern` matches somewhere in `expr`. #}
{% macro regex_contains(expr, pattern) -%}
    {{ return(adapter.dispatch('regex_contains', 'credit')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regex_contains(expr, pattern) -%}
    regexp_matches({{ expr }}, {{ str_lit(pattern) }})
{%- endmacro %}

{% macro spark__regex_contains(expr, pattern) -%}
    ({{ expr }} rlike {{ str_lit(_java_regex(pattern)) }})
{%- endmacro %}

{# SHA-256 of a text expression, as lower-case hex. #}
{% macro sha256_hex(expr) -%}
    {{ return(adapter.dispatch('sha256_hex', 'credit')(expr)) }}
{%- endmacro %}

{% macro default__sha256_hex(expr) -%}
    sha256({{ expr }})
{%- endmacro %}

{% macro spark__sha256_hex(expr) -%}
    sha2({{ expr }}, 256)
{%- endmacro %}
