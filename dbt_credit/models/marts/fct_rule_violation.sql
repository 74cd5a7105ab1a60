-- Every rule a received record breaks, with where it came from: the base of each department's 整改清单.
-- The row-level rules (int_rule_violations), and two judged per build from the records: REPAIR_BEFORE_MINIMUM
-- (early_repairs) and PROCEDURE_UNKNOWN (unknown_procedures).
with violations as (

    select * from {{ ref('int_rule_violations') }}

),

rules as (

    select * from {{ ref('rules') }}

),

-- a 信用修复 dated before the penalty's minimum window was served (int_records.early_repair_*): not applied, and
-- put on the penalty department's list for review, in the month the repair arrived. Judged per build from the
-- records (repair and penalty may arrive on different nights), so not part of the row-level int_rule_violations.
early_repairs as (

    select
        md5(r.submission_id || '|REPAIR_BEFORE_MINIMUM|' || cast(r.early_repair_date as {{ dbt.type_string() }}))
            as violation_id,
        r.submission_id,
        r.dataset,
        r.department,
        r.early_repair_drop_date as drop_date,
        'REPAIR_BEFORE_MINIMUM' as rule_id,
        ru.severity,
        'repair_date' as column_name,
        coalesce(c.label_zh, 'repair_date') as column_label_zh,
        ru.message_zh || '（修复决定' || coalesce(r.early_repair_decision_no, '') || '，修复日期'
            || cast(r.early_repair_date as {{ dbt.type_string() }}) || '；最短公示期至'
            || cast(r.min_disclosure_until as {{ dbt.type_string() }}) || '）' as rule_message_zh,
        cast(r.early_repair_date as {{ dbt.type_string() }}) as offending_value
    from {{ ref('int_records') }} as r
    inner join rules as ru on ru.rule_id = 'REPAIR_BEFORE_MINIMUM'
    left join {{ ref('dataset_columns') }} as c on c.dataset = 'repair' and c.column_name = 'repair_date'
    where r.early_repair_date is not null

),

-- a 市场监管 department's penalty whose 程序类型 was sent but is not in the code list (int_records.procedure_unknown
-- with a value): published as 普通程序 and put on the department's list. One sent without a 程序类型 is flagged on the
-- record only (fct_credit_record.procedure_unknown): the national 双公示 standard has no such item, so a department
-- that leaves it out broke no rule, and a 整改 line for every such record would bury the real ones. Judged here, from
-- the records, because it depends on the department (seed departments), which the row-level rules do not read.
unknown_procedures as (

    select
        md5(r.submission_id || '|PROCEDURE_UNKNOWN|' || coalesce(r.procedure_type, '')) as violation_id,
        r.submission_id,
        r.dataset,
        r.department,
        r.drop_date,
        'PROCEDURE_UNKNOWN' as rule_id,
        ru.severity,
        'procedure_type' as column_name,
        coalesce(c.label_zh, 'procedure_type') as column_label_zh,
        ru.message_zh as rule_message_zh,
        r.procedure_type as offending_value
    from {{ ref('int_records') }} as r
    inner join rules as ru on ru.rule_id = 'PROCEDURE_UNKNOWN'
    left join {{ ref('dataset_columns') }} as c on c.dataset = 'penalty' and c.column_name = 'procedure_type'
    where r.procedure_unknown and r.procedure_type is not null

),

all_violations as (

    select violation_id, submission_id, dataset, department, drop_date, rule_id, severity, column_name,
        column_label_zh, rule_message_zh, offending_value
    from violations

    union all

    select violation_id, submission_id, dataset, department, drop_date, rule_id, severity, column_name,
        column_label_zh, rule_message_zh, offending_value
    from early_repairs

    union all

    select violation_id, submission_id, dataset, department, drop_date, rule_id, severity, column_name,
        column_label_zh, rule_message_zh, offending_value
    from unknown_procedures

),

-- the submissions the violations name, a few percent of all: joined to every submission, the hash table was built
-- on the side of all submissions (10M rows)
submissions as (

    select s.submission_id, r.decision_key, s.decision_no, s.party_name, s.decision_date, s.file_path, s.sheet_name,
        s.source_row, s.is_exact_resubmission
    from {{ ref('int_submissions') }} as s
    inner join {{ ref('int_entity_resolution') }} as r on r.submission_id = s.submission_id
    where s.submission_id in (select submission_id from all_violations)

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
    from all_violations as v
    inner join submissions as s on s.submission_id = v.submission_id

)

select * from final
