-- Exactly what the public website may show as of as_of(). No personal ID number in any column:
-- natural persons are never here, and free text is scrubbed of anything shaped like an ID number.
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
        r.party_name as entity_name,
        r.uscc,
        r.dataset,
        r.decision_no,
        r.decision_date,
        r.authority,
        r.department,
        {{ redact_id_numbers('r.violation_type') }} as violation_type,
        {{ redact_id_numbers('r.violation_facts') }} as violation_facts,
        {{ redact_id_numbers('r.penalty_basis') }} as penalty_basis,
        r.penalty_category,
        {{ redact_id_numbers('r.penalty_content') }} as penalty_content,
        r.fine_amount_wan,
        r.confiscated_amount_wan,
        r.license_doc_name,
        r.license_category,
        {{ redact_id_numbers('r.license_content') }} as license_content,
        r.valid_from,
        r.valid_to,
        r.disclosure_from,
        r.disclosure_until
    from records as r
    left join entities as e on e.entity_id = r.entity_id

)

select * from final
