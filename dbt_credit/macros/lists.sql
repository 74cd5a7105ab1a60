{#
  Lists (arrays). One macro per concept so another engine can supply its own implementation
  (adapter.dispatch; default__ is DuckDB's). See docs/spark-port-inventory.md for the Spark forms.
#}

{# One output row per element of a list, in a select list: `select id, explode_list('xs') as x from t`. #}
{% macro explode_list(expr) -%}
    {{ return(adapter.dispatch('explode_list', 'credit')(expr)) }}
{%- endmacro %}

{% macro default__explode_list(expr) -%}
    unnest({{ expr }})
{%- endmacro %}

{% macro spark__explode_list(expr) -%}
    explode({{ expr }})
{%- endmacro %}

{# Split text on a regular expression into trimmed, non-empty items: '罚款；警告, ' -> ['罚款', '警告']. #}
{% macro split_trimmed(expr, separator_regex) -%}
    {{ return(adapter.dispatch('split_trimmed', 'credit')(expr, separator_regex)) }}
{%- endmacro %}

{% macro default__split_trimmed(expr, separator_regex) -%}
    list_filter(list_transform(string_split_regex({{ expr }}, {{ str_lit(separator_regex) }}), lambda x: {{ trim_text('x') }}), lambda x: x <> '')
{%- endmacro %}

{#- Spark's split() takes a regex and keeps empty items (limit -1), like string_split_regex -#}
{% macro spark__split_trimmed(expr, separator_regex) -%}
    filter(transform(split({{ expr }}, {{ str_lit(separator_regex) }}), x -> {{ trim_text('x') }}), x -> x <> '')
{%- endmacro %}

{# A one-element list. #}
{% macro list_of(expr) -%}
    {{ return(adapter.dispatch('list_of', 'credit')(expr)) }}
{%- endmacro %}

{% macro default__list_of(expr) -%}
    [{{ expr }}]
{%- endmacro %}

{% macro spark__list_of(expr) -%}
    array({{ expr }})
{%- endmacro %}

{# True when the list is non-empty and every item equals `value` (a SQL expression). #}
{% macro list_is_only(expr, value) -%}
    {{ return(adapter.dispatch('list_is_only', 'credit')(expr, value)) }}
{%- endmacro %}

{% macro default__list_is_only(expr, value) -%}
    (len({{ expr }}) > 0 and list_filter({{ expr }}, lambda x: x <> {{ value }}) = [])
{%- endmacro %}

{#- list_filter drops items whose test is null; so "only" means no item whose `<> value` is true -#}
{% macro spark__list_is_only(expr, value) -%}
    (size({{ expr }}) > 0 and not exists({{ expr }}, x -> coalesce(x <> {{ value }}, false)))
{%- endmacro %}

{# Aggregate: the distinct values of expr in the group, as a sorted list. #}
{% macro sorted_distinct_list(expr) -%}
    {{ return(adapter.dispatch('sorted_distinct_list', 'credit')(expr)) }}
{%- endmacro %}

{% macro default__sorted_distinct_list(expr) -%}
    list(distinct {{ expr }} order by {{ expr }})
{%- endmacro %}

{#- DuckDB's list keeps a null as the last item; collect_set drops nulls, so one is appended when the group has any -#}
{% macro spark__sorted_distinct_list(expr) -%}
    (case when count(*) > count({{ expr }})
          then concat(array_sort(collect_set({{ expr }})), array(null))
          else array_sort(collect_set({{ expr }})) end)
{%- endmacro %}

{# Aggregate: `value` from the row with the largest key; `keys` is a list of expressions compared in order
   (DuckDB: arg_max over a row value; rows whose value is null are skipped). #}
{% macro max_by(value, keys) -%}
    {{ return(adapter.dispatch('max_by', 'credit')(value, keys)) }}
{%- endmacro %}

{% macro default__max_by(value, keys) -%}
    {%- if keys | length == 1 -%}
    arg_max({{ value }}, {{ keys[0] }})
    {%- else -%}
    arg_max({{ value }}, ({{ keys | join(', ') }}))
    {%- endif -%}
{%- endmacro %}

{#- DuckDB's arg_max skips rows whose value is null; Spark's max_by would return it, so those rows get a null
    key (which max_by ignores). DuckDB orders a null inside a row key last (largest), Spark's struct first:
    each key k becomes (k is null, k). -#}
{% macro spark__max_by(value, keys) -%}
    {%- set parts = [] -%}
    {%- for k in keys -%}
        {%- do parts.append('(' ~ k ~ ') is null') -%}{%- do parts.append(k) -%}
    {%- endfor -%}
    max_by({{ value }}, case when {{ value }} is not null then {{ keys[0] if keys | length == 1 else 'struct(' ~ parts | join(', ') ~ ')' }} end)
{%- endmacro %}
