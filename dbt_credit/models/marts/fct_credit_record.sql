-- One row per distinct decision after dedupe (the latest version), with its disclosure status as of as_of().
with records as (

    select * from {{ ref('int_records') }}

),

final as (

    select
        record_id,
        entity_id,
        dataset,
        decision_no,
        decision_date,
        authority,
        department,
        fine_amount_wan,
        fine_amount_sent_in_yuan,
        disclosure_status,
        disclosure_reason_zh,
        repaired_on,
        under_objection,
        objection_count,
        last_objection_result,
        disclosure_from,
        disclosure_until,
        disclosure_regime,
        effective_severity,
        party_name,
        party_type,
        uscc,
        resolution_method,
        penalty_category,
        penalty_content,
        violation_type,
        license_category,
        license_content,
        valid_from,
        valid_to,
        status as current_status,
        error_count,
        is_late,
        version_count,
        first_drop_date,
        drop_date as latest_drop_date,
        supplied_disclosure_deadline,
        supplied_deadline_disagrees,
        submission_id as latest_submission_id,
        procedure_type,
        procedure_unknown,
        min_disclosure_until,
        early_repair_date,
        early_repair_decision_no
    from records

)

select * from final
