-- Every rule a received record breaks, with where it came from: the base of each department's 整改清单.
with violations as (

    select * from {{ ref('int_rule_violations') }}

),

submissions as (

    select submission_id, decision_key, decision_no, party_name, decision_date, file_path, sheet_name, source_row,
        is_exact_resubmission
    from {{ ref('int_submissions') }}

),

final as (

    select
        v.violation_id,
        v.submission_id,
        s.decision_key as record_id,
        v.dataset,
        v.department,
        strftime(v.drop_date, '%Y-%m') as month,
        v.drop_date,
        s.decision_no,
        s.party_name,
        s.decision_date,
        v.rule_id,
        v.severity,
        v.column_name,
        v.column_label_zh,
        v.rule_message_zh,
        v.offending_value,
        s.file_path as source_file,
        s.sheet_name,
        s.source_row,
        s.is_exact_resubmission
    from violations as v
    inner join submissions as s on s.submission_id = v.submission_id

)

select * from final
