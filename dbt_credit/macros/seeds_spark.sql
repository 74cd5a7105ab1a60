{#
  Seeds on Spark. dbt-spark's own spark__load_csv_rows binds values with the session cursor, which quotes
  text without escaping (an apostrophe breaks the statement) and writes None as the string 'None'. Rows are
  inlined here as literals instead: text through str_lit (Spark escaping), empty cells as null, so every seed
  value equals DuckDB's.
#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set types = [] -%}
    {%- for col_name in agate_table.column_names -%}
        {%- do types.append(column_override.get(col_name, adapter.convert_type(agate_table, loop.index0))) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for value in row -%}
                    cast({{ _seed_literal(value) }} as {{ types[loop.index0] }}){{ ", " if not loop.last }}
                {%- endfor -%}){{ "," if not loop.last }}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first -%}{%- do statements.append(sql) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}

{% macro _seed_literal(value) -%}
    {%- if value is none -%}null
    {%- elif value is sameas true -%}true
    {%- elif value is sameas false -%}false
    {%- elif value is number -%}{{ value }}
    {%- elif value is string -%}{{ str_lit(value) }}
    {%- else -%}{{ str_lit(value.isoformat()) }}
    {%- endif -%}
{%- endmacro %}
