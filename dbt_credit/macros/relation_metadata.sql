{#- After every model, seed and snapshot (a project post-hook in dbt_project.yml): the relation's column types and,
    for a table, its row count, logged as one line `credit.relation_metadata {json}`. The Dagster asset reads it
    from dbt's event stream (definitions._events_with_table_metadata) and puts it on the node's materialization
    under Dagster's standard keys as the node finishes: the working database is dbt's while dbt runs, so nobody
    else can read it then, and waiting for dbt's exit to read it held back every event of the night.
    Views get types but no count (counting would run the view). DuckDB only: Spark's tables are mirrored later. -#}
{% macro report_relation_metadata() %}
    {%- if execute and target.type == 'duckdb' -%}
        {%- set columns = run_query(
            "select column_name, data_type from information_schema.columns where table_catalog = '"
            ~ this.database ~ "' and table_schema = '" ~ this.schema ~ "' and table_name = '" ~ this.identifier
            ~ "' order by ordinal_position") -%}
        {%- set report = {'unique_id': model.unique_id, 'relation': this.schema ~ '.' ~ this.identifier,
                          'columns': columns.rows | map('list') | list} -%}
        {%- if model.config.materialized in ('table', 'incremental', 'seed', 'snapshot') -%}
            {%- do report.update({'row_count': run_query('select count(*) from ' ~ this).columns[0].values()[0]}) -%}
        {%- endif -%}
        {{- log('credit.relation_metadata ' ~ tojson(report), info=True) -}}
    {%- endif -%}
{% endmacro %}
