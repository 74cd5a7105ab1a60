{#
  Text normalisation. NFKC for the characters drops actually carry: full-width ASCII (U+FF01–U+FF5E) and the
  ideographic space (U+3000) fold to their half-width forms; 【】〔〕﹝﹞ brackets unify to () / [].
  One macro per concept so another engine can supply its own implementation (adapter.dispatch).
#}
{% macro fold_width(expr) -%}
    {{ return(adapter.dispatch('fold_width', 'credit')(expr)) }}
{%- endmacro %}

{#- the characters fold_width changes, and what each becomes (same length: position i maps to position i) -#}
{% macro _width_fold_map() -%}
    {%- set from_chars -%}！＂＃＄％＆＇（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［＼］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～　〔〕﹝﹞【】{%- endset -%}
    {%- set to_chars -%}!"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefghijklmnopqrstuvwxyz{|}~ ()()[]{%- endset -%}
    {{ return([from_chars, to_chars]) }}
{%- endmacro %}

{% macro _width_fold_pattern() -%}
    {%- set pattern -%}[\x{FF01}-\x{FF5E}\x{3000}〔〕﹝﹞【】]{%- endset -%}
    {{ return(pattern) }}
{%- endmacro %}

{#- portable as written: the regex and literals go through the dispatched macros, and translate() works per
    character (code point) in both engines -#}
{% macro default__fold_width(expr) -%}
    {#- translate() costs ~2 µs a row with this 97-character map (measured: 34 of 45 s cleaning 1M rows), and
        most values (names, dates, codes) hold none of these characters: test first, translate only those -#}
    {%- set map = _width_fold_map() -%}
    (case when {{ regex_contains(expr, _width_fold_pattern()) }}
        then translate({{ expr }},
            {{ str_lit(map[0]) }},
            {{ str_lit(map[1]) }})
        else {{ expr }} end)
{%- endmacro %}

{# Display text: width-folded, trimmed, inner white space collapsed; empty -> null. #}
{% macro clean_text(expr) -%}
    nullif({{ trim_text(regex_replace_all(fold_width(expr), '\\s+', ' ')) }}, '')
{%- endmacro %}

{# Codes (USCC, org codes, ID numbers, decision numbers): width-folded, upper-case, spaces and hyphens removed. #}
{% macro clean_code(expr) -%}
    {%- set pattern %}[\s\-_]{% endset -%}
    nullif(upper({{ regex_replace_all(fold_width(expr), pattern, '') }}), '')
{%- endmacro %}

{# Names for matching: like clean_code but keeps letters' case-insensitivity and drops punctuation. #}
{% macro normalize_name(expr) -%}
    {%- set pattern %}[\s\-_·.,，。、()（）\[\]"'“”]{% endset -%}
    nullif(upper({{ regex_replace_all(fold_width(expr), pattern, '') }}), '')
{%- endmacro %}

{# Whether text `haystack` contains `needle` (both SQL expressions). #}
{% macro text_contains(haystack, needle) -%}
    {{ return(adapter.dispatch('text_contains', 'credit')(haystack, needle)) }}
{%- endmacro %}

{#- contains() exists in both (Spark 3.3+) -#}
{% macro default__text_contains(haystack, needle) -%}
    contains({{ haystack }}, {{ needle }})
{%- endmacro %}

{# Strip leading and trailing spaces. DuckDB's trim() removes every Unicode space separator (category Zs:
   space, no-break space U+00A0, ideographic space U+3000, ...) but not tabs or line breaks; Spark's only
   U+0020, so Spark strips \p{Zs} with a regex. #}
{% macro trim_text(expr) -%}
    {{ return(adapter.dispatch('trim_text', 'credit')(expr)) }}
{%- endmacro %}

{% macro default__trim_text(expr) -%}
    trim({{ expr }})
{%- endmacro %}

{% macro spark__trim_text(expr) -%}
    regexp_replace({{ expr }}, {{ str_lit('^\\p{Zs}+|\\p{Zs}+\\z') }}, '')
{%- endmacro %}
