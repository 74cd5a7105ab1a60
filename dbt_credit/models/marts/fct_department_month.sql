-- 双公示 reporting quality per department × month (of the drop date), every dataset summed: what the monthly 通报
-- judges and ranks a department on (marts.fct_department_verdict). Counts are summed from dual_disclosure_compliance
-- and every rate recomputed from the sums (never an average of rates). A month in which a department sent files and
-- nothing of them could be loaded is 报送失败: none of its datasets counts as 漏报 that month.
with compliance as (

    select * from {{ ref('dual_disclosure_compliance') }}

),

-- the month's latest attempt of every file of a registered department: some file or row refused, nothing loaded
-- (the condition the 通报 states for 报送失败)
intake as (

    select
        department,
        month,
        count(case when is_refused or rows_rejected > 0 then 1 end) > 0
            and coalesce(sum(rows_loaded), 0) = 0
            and count(case when status = 'already_loaded' then 1 end) = 0 as is_all_refused
    from {{ ref('fct_intake_file') }}
    where is_known_department and is_latest_attempt and month is not null
    group by department, month

),

sums as (

    -- bigint: DuckDB sums to HUGEINT, which Parquet (and Spark) hold as a double
    select
        department,
        month,
        cast(sum(records) as bigint) as records,
        cast(sum(compliant_records) as bigint) as compliant_records,
        cast(sum(judged_compliant_records) as bigint) as judged_compliant_records,
        cast(sum(late_records) as bigint) as late_records,
        cast(sum(date_readable_records) as bigint) as date_readable_records,
        cast(sum(code_check_records) as bigint) as code_check_records,
        cast(sum(code_error_records) as bigint) as code_error_records,
        cast(sum(code_conflict_records) as bigint) as code_conflict_records,
        cast(sum(required_items) as bigint) as required_items,
        cast(sum(filled_required_items) as bigint) as filled_required_items,
        cast(sum(optional_items) as bigint) as optional_items,
        cast(sum(filled_optional_items) as bigint) as filled_optional_items,
        cast(sum(case when is_missing_report then 1 else 0 end) as bigint) as missing_datasets
    from compliance
    group by department, month

),

-- departments of the month: those in the compliance mart, and those whose every file that month was refused
spine as (

    select department, month from sums
    union
    select department, month from intake where is_all_refused

),

departments as (

    select * from {{ ref('departments') }}

),

tiers as (

    select * from {{ ref('report_tiers') }}

),

default_tier as (

    select * from tiers where is_default

),

final as (

    select
        p.department,
        coalesce(d.department_name, p.department) as department_name,
        coalesce(d.district, '未配置') as district,
        coalesce(t.tier, dt.tier) as tier,
        coalesce(t.tier_zh, dt.tier_zh) as tier_zh,
        coalesce(t.tier_order, dt.tier_order) as tier_order,
        p.month,
        coalesce(s.records, 0) as records,
        coalesce(s.compliant_records, 0) as compliant_records,
        coalesce(s.judged_compliant_records, 0) as judged_compliant_records,
        coalesce(s.late_records, 0) as late_records,
        coalesce(s.date_readable_records, 0) as date_readable_records,
        coalesce(s.code_check_records, 0) as code_check_records,
        coalesce(s.code_error_records, 0) as code_error_records,
        coalesce(s.code_conflict_records, 0) as code_conflict_records,
        coalesce(s.required_items, 0) as required_items,
        coalesce(s.filled_required_items, 0) as filled_required_items,
        coalesce(s.optional_items, 0) as optional_items,
        coalesce(s.filled_optional_items, 0) as filled_optional_items,
        s.compliant_records / nullif(s.records, 0) as compliance_rate,
        s.judged_compliant_records / nullif(s.records, 0) as judged_compliance_rate,
        s.late_records / nullif(s.date_readable_records, 0) as late_rate,
        (s.code_error_records + s.code_conflict_records) / nullif(s.code_check_records, 0) as code_error_rate,
        s.filled_required_items / nullif(s.required_items, 0) as completeness_rate,
        s.filled_optional_items / nullif(s.optional_items, 0) as optional_completeness_rate,
        coalesce(i.is_all_refused, false) and coalesce(s.records, 0) = 0 as is_submission_failed,
        case when coalesce(i.is_all_refused, false) and coalesce(s.records, 0) = 0 then 0
             else coalesce(s.missing_datasets, 0) end as missing_report_count
    from spine as p
    left join sums as s on s.department = p.department and s.month = p.month
    left join intake as i on i.department = p.department and i.month = p.month
    left join departments as d on d.department = p.department
    left join tiers as t on t.district = d.district and not t.is_default
    cross join default_tier as dt

)

select * from final
