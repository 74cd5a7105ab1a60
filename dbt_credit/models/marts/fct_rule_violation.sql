-- Every rule a received record breaks, with where it came from: the base of each department's 整改清单.
with violations as (

    select * from {{ ref('int_rule_violations') }}

),

submissions as (

    select s.submission_id, r.decision_key, s.decision_no, s.party_name, s.decision_date, s.file_path, s.sheet_name,
        s.source_row, s.is_exact_resubmission
    from {{ ref('int_submissions') }} as s
    inner join {{ ref('int_entity_resolution') }} as r on r.submission_id = s.submission_id

),

final as (

    select
        v.violation_id,
        v.submission_id,
        s.decision_key as record_id,
        v.dataset,
        v.department,
        {{ year_month('v.drop_date') }} as month,
        v.drop_date,
        -- sent to the department on its 整改清单: an ID number typed into a key field is masked here too
        {{ redact_id_numbers('s.decision_no') }} as decision_no,
        {{ redact_id_numbers('s.party_name') }} as party_name,
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
