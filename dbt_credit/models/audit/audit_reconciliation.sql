{{ config(schema='audit', alias='reconciliation', materialized='table') }}
-- Per file × sheet read: what the ledger says was read, loaded and rejected, and what reached the clean
-- layer. The gates require rows_read = rows_loaded + rows_rejected (the ledger adds up) and
-- raw_rows = clean_rows + rejected_rows (every row the raw layer holds for the file reached the clean layer
-- or sits in rejected_rows with a reason). A file is its department's: the same bytes from two departments are
-- two submissions (ingestion's content hash is per department), so every count is per department too.
with ledger as (

    select load_id, department, file_path, file_hash, sheet_name, rows_read, rows_loaded, rows_rejected
    from {{ source('raw', 'ingest_ledger') }}
    where status = 'loaded' and drop_date <= {{ as_of_date() }}

),

raw_rows as (

    select department, file_hash, coalesce(sheet_name, '') as sheet_key, count(*) as raw_rows
    from (
        {%- for ds in raw_datasets() %}
        select department, file_hash, sheet_name from {{ source('raw', ds) }}
        {{ "union all" if not loop.last }}
        {%- endfor %}
    )
    group by 1, 2, 3

),

clean as (

    select department, file_hash, coalesce(sheet_name, '') as sheet_key, count(*) as clean_rows
    from {{ ref('int_submissions') }}
    group by 1, 2, 3

),

rejected as (

    select department, file_hash, coalesce(sheet_name, '') as sheet_key, count(*) as rejected_rows
    from {{ source('raw', 'rejected_rows') }}
    group by 1, 2, 3

),

final as (

    select
        l.load_id,
        l.file_path,
        l.sheet_name,
        l.rows_read,
        l.rows_loaded,
        l.rows_rejected,
        coalesce(w.raw_rows, 0) + coalesce(r.rejected_rows, 0) as raw_rows,
        coalesce(c.clean_rows, 0) as clean_rows,
        coalesce(r.rejected_rows, 0) as rejected_rows
    from ledger as l
    left join raw_rows as w
        on w.department = l.department and w.file_hash = l.file_hash and w.sheet_key = coalesce(l.sheet_name, '')
    left join clean as c
        on c.department = l.department and c.file_hash = l.file_hash and c.sheet_key = coalesce(l.sheet_name, '')
    left join rejected as r
        on r.department = l.department and r.file_hash = l.file_hash and r.sheet_key = coalesce(l.sheet_name, '')

)

select * from final
