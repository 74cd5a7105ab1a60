-- 整改清单: each non-compliant or late record a department must fix, one row per problem, in words, with its life:
-- a problem of a held record belongs to the record's 整改事项 (int_rectification_cases) and stays on the department's
-- list every month until the case closes; late records and warnings are listed in their month only. Every row has
-- its 整改时限 (int_rectification_deadlines); a late row also the publication deadline it missed.
with violations as (

    -- 双公示 records only (seeds/datasets.csv is_dual_disclosure): the 通报 and its 整改清单 judge those; list,
    -- repair and objection rows keep their violations in fct_rule_violation
    select * from {{ ref('fct_rule_violation') }}
    where not is_exact_resubmission
      and dataset in (select dataset from {{ ref('datasets') }} where is_dual_disclosure)

),

late as (

    select v.*, t.workdays_to_drop, t.publication_deadline
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
        'violation' as issue_kind, rule_id, severity, rule_message_zh, column_name, column_label_zh, offending_value,
        cast(null as integer) as workdays_to_drop, cast(null as date) as publication_deadline, source_file, source_row
    from violations

    union all

    select
        department, {{ year_month('drop_date') }} as month, dataset, decision_key as record_id, submission_id,
        {{ redact_id_numbers('decision_no') }} as decision_no, {{ redact_id_numbers('party_name') }} as party_name,
        decision_date, drop_date,
        'late' as issue_kind, 'LATE' as rule_id, 'error' as severity,
        '超过{{ var("publication_workdays") }}个工作日报送' as rule_message_zh,
        'decision_date' as column_name, '处罚/许可决定日期' as column_label_zh, decision_date_text as offending_value,
        cast(workdays_to_drop as integer) as workdays_to_drop, publication_deadline, file_path as source_file, source_row
    from late

),

-- the versions of the listed decisions alone (a few percent of all): ordering every version of every decision
-- to find the next one was most of this model's time at 10M versions
versions as (

    select submission_id, decision_key, version_number,
        lead(drop_date) over (partition by decision_key order by version_number) as next_version_on
    from {{ ref('int_decision_versions') }}
    where decision_key in (select record_id from items)

),

cases as (

    select * from {{ ref('int_rectification_cases') }}

),

deadlines as (

    select * from {{ ref('int_rectification_deadlines') }}

),

-- a held version belongs to the case open at that version; its error-rule problems are the case's
tracked as (

    select v.submission_id, c.case_id
    from versions as v
    inner join cases as c
        on c.record_id = v.decision_key
       and v.version_number between c.opened_version_number and c.last_held_version_number

),

final as (

    select
        i.department,
        coalesce(d.department_name, i.department) as department_name,
        i.month, i.dataset, i.record_id, i.submission_id, i.decision_no, i.party_name, i.decision_date, i.drop_date,
        i.issue_kind, i.rule_id, i.severity, i.rule_message_zh, i.column_label_zh, i.offending_value,
        i.workdays_to_drop, i.source_file, i.source_row,
        i.column_name,
        i.publication_deadline,
        t.case_id,
        coalesce(c.first_listed_month, i.month) as first_listed_month,
        c.opened_on,
        coalesce(c.notice_date, dl.notice_date) as notice_date,
        coalesce(c.rectification_deadline, dl.rectification_deadline) as rectification_deadline,
        -- a later version of the record replaces this row's problems (with its own, or by closing the case)
        v.next_version_on as superseded_on,
        c.closed_on,
        c.close_reason,
        case
            when t.case_id is null then 'not_tracked'
            when c.closed_on is not null then 'closed'
            when v.next_version_on is not null then 'superseded'
            else 'open'
        end as item_status,
        case when t.case_id is not null
             then {{ dbt.datediff('c.opened_on', 'coalesce(c.closed_on, ' ~ as_of_date() ~ ')', 'day') }}
        end as days_outstanding,
        coalesce(t.case_id is not null and c.closed_on is null
                 and c.rectification_deadline < {{ as_of_date() }}, false) as is_overdue
    from items as i
    left join departments as d on d.department = i.department
    left join versions as v on v.submission_id = i.submission_id
    left join tracked as t
        on t.submission_id = i.submission_id and i.issue_kind = 'violation' and i.severity = 'error'
    left join cases as c on c.case_id = t.case_id
    left join deadlines as dl on dl.month = i.month

)

select * from final
