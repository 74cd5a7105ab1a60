-- Exactly what the public website may show as of as_of(). No personal ID number in any column, in any
-- spelling (macros/pii.sql): natural persons are never here, a record with an ID number in its decision
-- number or name is held (rule ID_NO_IN_KEY_FIELD), and every text column sent by a department is redacted.
with records as (

    select * from {{ ref('int_records') }}
    where disclosure_status = 'public'

),

entities as (

    select entity_id, entity_type, entity_name from {{ ref('dim_entity') }}

),

final as (

    select
        r.record_id,
        r.entity_id,
        coalesce(e.entity_type, r.party_type) as entity_type,
        {{ redact_id_numbers('r.party_name') }} as entity_name,
        r.uscc,
        r.dataset,
        {{ redact_id_numbers('r.decision_no') }} as decision_no,
        r.decision_date,
        {{ redact_id_numbers('r.authority') }} as authority,
        r.department,
        {{ redact_id_numbers('r.violation_type') }} as violation_type,
        {{ redact_id_numbers('r.violation_facts') }} as violation_facts,
        {{ redact_id_numbers('r.penalty_basis') }} as penalty_basis,
        {{ redact_id_numbers('r.penalty_category') }} as penalty_category,
        {{ redact_id_numbers('r.penalty_content') }} as penalty_content,
        r.fine_amount_wan,
        r.confiscated_amount_wan,
        {{ redact_id_numbers('r.license_doc_name') }} as license_doc_name,
        {{ redact_id_numbers('r.license_category') }} as license_category,
        {{ redact_id_numbers('r.license_content') }} as license_content,
        r.valid_from,
        r.valid_to,
        r.disclosure_from,
        r.disclosure_until
    from records as r
    left join entities as e on e.entity_id = r.entity_id

)

select * from final
