-- What each file of each drop became (issue 17, "intake visible to the department"): one row per ingest ledger
-- row, i.e. per load × department × drop date × file (× sheet of a workbook). Loaded rows, rejected rows, and for a
-- file or sheet that could not be read its quarantine reason code, the reason in Chinese and what to do.
-- Never cell content: raw.rejected_rows.raw_text is not read here. File, sheet and department names and the reason
-- are text a department chose, so each passes through redact_id_numbers.
-- Drops up to the as-of date only (a backfill rebuilds what that night saw); a file whose drop-date folder is not a
-- date (drop_date null) is listed whatever the as-of date.
with ledger as (

    select *
    from {{ source('raw', 'ingest_ledger') }}
    where drop_date is null or drop_date <= {{ as_of_date() }}

),

quarantine as (

    select load_id, department, file_path, file_hash, reason_code, reason
    from {{ source('raw', 'quarantine') }}

),

-- raw.quarantine has no sheet column: a quarantined ledger row (file or sheet) takes the quarantine row of the same
-- load and file whose reason names its sheet (工作表「…」), else the file's only (or first by code) one
quarantine_matched as (

    select
        l.load_id,
        l.department,
        l.file_path,
        l.file_hash,
        l.sheet_name,
        q.reason_code,
        q.reason,
        row_number() over (
            partition by l.load_id, l.department, l.file_path, l.file_hash, l.sheet_name
            order by case when l.sheet_name is not null
                               and instr(q.reason, '「' || l.sheet_name || '」') > 0 then 0 else 1 end,
                     q.reason_code, q.reason
        ) as match_rank
    from ledger as l
    inner join quarantine as q
        on q.load_id = l.load_id
       and coalesce(q.department, '') = coalesce(l.department, '')
       and q.file_path = l.file_path
       and coalesce(q.file_hash, '') = coalesce(l.file_hash, '')
    where l.status = 'quarantined'

),

reasons as (

    select * from {{ ref('ingest_reason_codes') }}

),

departments as (

    select * from {{ ref('departments') }}

),

joined as (

    select
        l.*,
        q.reason_code,
        q.reason,
        -- the department's reason is "中文 / English": its Chinese half
        case when instr(q.reason, ' / ') > 0 then substr(q.reason, 1, instr(q.reason, ' / ') - 1)
             else q.reason end as reason_zh_raw,
        row_number() over (
            partition by l.department, l.file_path, l.sheet_name
            order by l.loaded_at desc, l.load_id desc
        ) as attempt_rank
    from ledger as l
    left join quarantine_matched as q
        on q.match_rank = 1
       and q.load_id = l.load_id
       and coalesce(q.department, '') = coalesce(l.department, '')
       and q.file_path = l.file_path
       and coalesce(q.file_hash, '') = coalesce(l.file_hash, '')
       and coalesce(q.sheet_name, '') = coalesce(l.sheet_name, '')
       and l.status = 'quarantined'

),

final as (

    select
        {{ intake_file_id('j') }} as intake_file_id,
        j.load_id,
        {{ redact_id_numbers('j.department') }} as department,
        coalesce(d.department_name, {{ redact_id_numbers('j.department') }}) as department_name,
        coalesce(d.district, '未配置') as district,
        d.department is not null as is_known_department,
        j.drop_date,
        {{ year_month('j.drop_date') }} as month,
        {{ redact_id_numbers('j.file_path') }} as file_path,
        {{ redact_id_numbers(regex_replace_all('j.file_path', '^.*/', '')) }} as file_name,
        j.file_hash,
        j.file_format,
        j.encoding,
        {{ redact_id_numbers('j.sheet_name') }} as sheet_name,
        j.dataset,
        j.status,
        case j.status
            when 'loaded' then case when j.rows_rejected > 0 then '已入库（部分数据行被拒收）' else '已入库' end
            when 'quarantined' then '无法读取（已隔离）'
            when 'skipped' then '已跳过（空白、隐藏或图表工作表）'
            when 'already_loaded' then '重复文件（此前已入库，不再重复入库）'
            else j.status
        end as status_zh,
        j.status = 'quarantined' as is_refused,
        coalesce(j.rows_read, 0) as rows_read,
        coalesce(j.rows_loaded, 0) as rows_loaded,
        coalesce(j.rows_rejected, 0) as rows_rejected,
        j.reason_code,
        r.label_zh as reason_label_zh,
        {{ redact_id_numbers('j.reason_zh_raw') }} as reason_zh,
        r.what_to_do_zh,
        {{ redact_id_numbers('j.note') }} as note,
        j.attempt_rank = 1 as is_latest_attempt
    from joined as j
    left join reasons as r on r.reason_code = j.reason_code
    left join departments as d on d.department = j.department

)

select * from final
