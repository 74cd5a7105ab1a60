{#
  决定文书号 (文号): one form to show, one key to match.
  - doc_no_display: what the public view, the marts and every printed document show. Width-folded and trimmed like
    clean_text, but the year keeps the 六角括号 of GB/T 9704-2012 (7.2.3 发文字号: 年份用六角括号“〔〕”括入): a year
    the department wrote in 〔〕, ﹝﹞, （）, (), [] or 【】 is shown as 〔2026〕. clean_text alone folds 〔〕 to ASCII ().
  - doc_no_key: what decisions, repairs and objections are matched on. clean_code (width-folded, upper-case, no
    spaces/hyphens) with every bracket kind folded to (): 连市监罚〔2026〕1号 = 连市监罚(2026)1号 = 连市监罚[2026]1号.
  Court case numbers (案号, e.g. （2026）辽02执123号) are not 文号: they keep their own round brackets.
#}
{% macro doc_no_display(expr) -%}
    {{ _year_in_hexagonal_brackets(clean_text(expr)) }}
{%- endmacro %}

{% macro doc_no_key(expr) -%}
    translate({{ clean_code(expr) }}, '[]', '()')
{%- endmacro %}

{#- after clean_text every bracket kind is ASCII ( ) or [ ]; a four-digit year inside one gets 〔〕 -#}
{% macro _year_in_hexagonal_brackets(expr) -%}
    {{ return(adapter.dispatch('_year_in_hexagonal_brackets', 'credit')(expr)) }}
{%- endmacro %}

{#- the replacement refers to the year by group: \1 in DuckDB (RE2), $1 in Spark (Java) -#}
{% macro default___year_in_hexagonal_brackets(expr) -%}
    regexp_replace({{ expr }}, {{ str_lit('[(\\[]\\s*(\\d{4})\\s*[)\\]]') }}, {{ str_lit('〔\\1〕') }}, 'g')
{%- endmacro %}

{% macro spark___year_in_hexagonal_brackets(expr) -%}
    regexp_replace({{ expr }}, {{ str_lit(_java_regex('[(\\[]\\s*(\\d{4})\\s*[)\\]]')) }}, {{ str_lit('〔$1〕') }})
{%- endmacro %}

{# A number shown as the department wrote it, width-folded like clean_text except that its 〔〕 (and the small
   form ﹝﹞) stay 〔〕: for 认定文号 of list entries, which may be a 文号 (连市监列〔2026〕1号) or a court's 案号
   ((2026)辽02执123号) that must not be given 六角括号. The brackets pass clean_text as the private-use characters U+E000/U+E001. #}
{% macro doc_no_as_sent(expr) -%}
    translate({{ clean_text("translate(" ~ expr ~ ", '〔〕﹝﹞', '')") }}, '', '〔〕')
{%- endmacro %}
