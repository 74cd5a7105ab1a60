-- Rows refused at intake, counted per file (× sheet) × reason code: how many rows, the first and last row
-- numbers, the reason in Chinese and what to do. Counts and row numbers only: raw.rejected_rows.raw_text (the cells
-- as sent) is never read, and the per-row reason text (which may quote a cell) is not published.
with rejected as (

    select
        load_id,
        department,
        drop_date,
        file_path,
        file_hash,
        sheet_name,
        source_row,
        case when instr(reason, ':') > 0 then substr(reason, 1, instr(reason, ':') - 1) else 'unknown' end
            as reason_code
    from {{ source('raw', 'rejected_rows') }}
    where drop_date <= {{ as_of_date() }}

),

counts as (

    select
        load_id,
        department,
        drop_date,
        file_path,
        file_hash,
        sheet_name,
        reason_code,
        count(*) as rejected_rows,
        min(source_row) as first_source_row,
        max(source_row) as last_source_row
    from rejected
    group by 1, 2, 3, 4, 5, 6, 7

),

reasons as (

    select * from {{ ref('ingest_reason_codes') }}

),

departments as (

    select * from {{ ref('departments') }}

),

final as (

    select
        {{ intake_file_id('c') }} as intake_file_id,
        c.load_id,
        {{ redact_id_numbers('c.department') }} as department,
        coalesce(d.department_name, {{ redact_id_numbers('c.department') }}) as department_name,
        c.drop_date,
        {{ year_month('c.drop_date') }} as month,
        {{ redact_id_numbers('c.file_path') }} as file_path,
        {{ redact_id_numbers(regex_replace_all('c.file_path', '^.*/', '')) }} as file_name,
        {{ redact_id_numbers('c.sheet_name') }} as sheet_name,
        c.reason_code,
        coalesce(r.label_zh, c.reason_code) as reason_label_zh,
        r.what_to_do_zh,
        c.rejected_rows,
        c.first_source_row,
        c.last_source_row
    from counts as c
    left join reasons as r on r.reason_code = c.reason_code
    left join departments as d on d.department = c.department

)

select * from final
