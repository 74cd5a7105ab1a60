-- 整改清单: each non-compliant or late record a department must fix, one row per problem, in words.
with violations as (

    -- 双公示 records only (seeds/datasets.csv is_dual_disclosure): the 通报 and its 整改清单 judge those; list,
    -- repair and objection rows keep their violations in fct_rule_violation
    select * from {{ ref('fct_rule_violation') }}
    where not is_exact_resubmission
      and dataset in (select dataset from {{ ref('datasets') }} where is_dual_disclosure)

),

late as (

    select v.*, t.workdays_to_drop
    from {{ ref('int_decision_versions') }} as v
    inner join {{ ref('int_submission_timeliness') }} as t on t.submission_id = v.submission_id
    where t.is_late

),

departments as (

    select department, department_name from {{ ref('departments') }}

),

items as (

    select
        department, month, dataset, record_id, submission_id, decision_no, party_name, decision_date, drop_date,
        'violation' as issue_kind, rule_id, severity, rule_message_zh, column_label_zh, offending_value,
        cast(null as integer) as workdays_to_drop, source_file, source_row
    from violations

    union all

    select
        department, {{ year_month('drop_date') }} as month, dataset, decision_key as record_id, submission_id,
        {{ redact_id_numbers('decision_no') }} as decision_no, {{ redact_id_numbers('party_name') }} as party_name,
        decision_date, drop_date,
        'late' as issue_kind, 'LATE' as rule_id, 'error' as severity,
        '超过7个工作日报送' as rule_message_zh,
        '处罚/许可决定日期' as column_label_zh, decision_date_text as offending_value,
        cast(workdays_to_drop as integer) as workdays_to_drop, file_path as source_file, source_row
    from late

),

final as (

    select
        i.department,
        coalesce(d.department_name, i.department) as department_name,
        i.month, i.dataset, i.record_id, i.submission_id, i.decision_no, i.party_name, i.decision_date, i.drop_date,
        i.issue_kind, i.rule_id, i.severity, i.rule_message_zh, i.column_label_zh, i.offending_value,
        i.workdays_to_drop, i.source_file, i.source_row
    from items as i
    left join departments as d on d.department = i.department

)

select * from final
