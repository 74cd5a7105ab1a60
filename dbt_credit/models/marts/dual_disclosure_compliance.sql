-- 双公示 reporting quality per department × month (of the drop date) × dataset, as defined in
-- docs (domain brief §5). A department expected to report a dataset (seed department_datasets) that sent
-- nothing in a month appears with records = 0 and is_missing_report = true (漏报).

with versions as (

    -- 双公示 only (seeds/datasets.csv is_dual_disclosure): lists, repairs and objections are not measured here
    select * from {{ ref('int_decision_versions') }}
    where drop_date <= {{ as_of_date() }}
      and dataset in (select dataset from {{ ref('datasets') }} where is_dual_disclosure)

),

-- one defect counted once in the judgement: a rule another metric owns (seed report_defect_owners) does not make
-- a record non-compliant in judged_compliant_records when that metric counts the record (the published 合规率 is
-- unchanged: every error rule counts there)
defect_owners as (

    select * from {{ ref('report_defect_owners') }}

),

violations as (

    select
        v.submission_id,
        max(case when o.rule_id is null then 1 else 0 end) as has_unowned_error,
        max(case when o.owner_metric = 'code_error_rate' then 1 else 0 end) as has_code_owned_error
    from {{ ref('int_rule_violations') }} as v
    left join defect_owners as o on o.rule_id = v.rule_id
    where v.severity = 'error'
    group by 1

),

-- 完整率 is judged on the items a dataset requires (seed dataset_columns.required); the REQUIRED rule already finds
-- each empty one, so a record fills required_items minus its REQUIRED violations. Optional items (in the standard,
-- not required) are reported apart.
missing_required as (

    select submission_id, count(*) as missing_required_items
    from {{ ref('int_rule_violations') }}
    where rule_id = 'REQUIRED'
    group by 1

),

item_counts as (

    select
        d.dataset,
        cast(sum(case when c.required then 1 else 0 end) as bigint) as required_items,
        cast(sum(case when c.in_standard and not c.required then 1 else 0 end) as bigint) as optional_items
    from {{ ref('datasets') }} as d
    inner join {{ ref('dataset_columns') }} as c on c.dataset in ('common', d.dataset)
    where d.is_dual_disclosure
    group by 1

),

timeliness as (

    select * from {{ ref('int_submission_timeliness') }}

),

-- one USCC used with two or more different non-empty normalised names
conflicting_usccs as (

    select uscc
    from {{ ref('int_submissions') }}
    where uscc_is_valid and is_organisation and party_name_norm is not null and drop_date <= {{ as_of_date() }}
      and dataset in (select dataset from {{ ref('datasets') }} where is_dual_disclosure)
    group by 1
    having count(distinct party_name_norm) > 1

),

per_record as (

    select
        v.department,
        {{ year_month('v.drop_date') }} as month,
        v.dataset,
        x.submission_id is null as is_compliant,
        x.submission_id is null
            or (x.has_unowned_error = 0 and x.has_code_owned_error = 1
                and v.is_organisation and (v.uscc is null or not v.uscc_is_valid)) as is_judged_compliant,
        coalesce(t.is_late, false) as is_late,
        v.decision_date is not null as is_date_readable,
        v.is_organisation as is_code_checked,
        v.is_organisation and (v.uscc is null or not v.uscc_is_valid) as is_code_error,
        v.is_organisation and v.uscc_is_valid and c.uscc is not null as is_code_conflict,
        i.required_items,
        i.required_items - coalesce(m.missing_required_items, 0) as filled_required_items,
        i.optional_items,
        -- filled standard items beyond the required ones (bounded: the two checks trim alike, but stay safe)
        greatest(0, least(i.optional_items,
                          v.filled_items - (i.required_items - coalesce(m.missing_required_items, 0)))) as filled_optional_items
    from versions as v
    inner join item_counts as i on i.dataset = v.dataset
    left join violations as x on x.submission_id = v.submission_id
    left join missing_required as m on m.submission_id = v.submission_id
    left join timeliness as t on t.submission_id = v.submission_id
    left join conflicting_usccs as c on c.uscc = v.uscc

),

counts as (

    select
        department,
        month,
        dataset,
        count(*) as records,
        count(*) filter (where is_compliant) as compliant_records,
        count(*) filter (where is_judged_compliant) as judged_compliant_records,
        count(*) filter (where is_late) as late_records,
        count(*) filter (where is_date_readable) as date_readable_records,
        count(*) filter (where is_code_checked) as code_check_records,
        count(*) filter (where is_code_error) as code_error_records,
        count(*) filter (where is_code_conflict) as code_conflict_records,
        -- bigint: DuckDB sums to HUGEINT, which Parquet (and Spark) hold as a double
        cast(sum(required_items) as bigint) as required_items,
        cast(sum(filled_required_items) as bigint) as filled_required_items,
        cast(sum(optional_items) as bigint) as optional_items,
        cast(sum(filled_optional_items) as bigint) as filled_optional_items
    from per_record
    group by 1, 2, 3

),

months as (

    select {{ year_month('s.month_start') }} as month, s.month_start
    from {{ month_series('(select min(drop_date) from versions)', as_of_date()) }} as s

),

expected as (

    select e.department, m.month, e.dataset
    from {{ ref('department_datasets') }} as e
    inner join months as m on m.month_start >= {{ month_start('cast(e.expected_from as date)') }}

),

spine as (

    select department, month, dataset from expected
    union
    select department, month, dataset from counts

),

departments as (

    select * from {{ ref('departments') }}

),

final as (

    select
        s.department,
        coalesce(d.department_name, s.department) as department_name,
        coalesce(d.district, '未配置') as district,
        s.month,
        s.dataset,
        coalesce(c.records, 0) as records,
        coalesce(c.compliant_records, 0) as compliant_records,
        c.compliant_records / nullif(c.records, 0) as compliance_rate,
        coalesce(c.late_records, 0) as late_records,
        coalesce(c.date_readable_records, 0) as date_readable_records,
        c.late_records / nullif(c.date_readable_records, 0) as late_rate,
        1 - c.late_records / nullif(c.date_readable_records, 0) as on_time_rate,
        coalesce(c.code_check_records, 0) as code_check_records,
        coalesce(c.code_error_records, 0) as code_error_records,
        coalesce(c.code_conflict_records, 0) as code_conflict_records,
        (c.code_error_records + c.code_conflict_records) / nullif(c.code_check_records, 0) as code_error_rate,
        coalesce(c.judged_compliant_records, 0) as judged_compliant_records,
        coalesce(c.required_items, 0) as required_items,
        coalesce(c.filled_required_items, 0) as filled_required_items,
        c.filled_required_items / nullif(c.required_items, 0) as completeness_rate,
        coalesce(c.optional_items, 0) as optional_items,
        coalesce(c.filled_optional_items, 0) as filled_optional_items,
        c.filled_optional_items / nullif(c.optional_items, 0) as optional_completeness_rate,
        coalesce(c.records, 0) = 0 and x.department is not null as is_missing_report
    from spine as s
    left join counts as c using (department, month, dataset)
    left join expected as x using (department, month, dataset)
    left join departments as d on d.department = s.department

)

select * from final
