-- 信用修复: one row per repair decision (its latest version), tied to its entity and, for a repaired 行政处罚, to the
-- record it repairs (same normalised decision number and party, as int_records matches them) with whether it
-- ended that record's disclosure: a repair dated on or before the last day of the minimum window does not
-- (before_minimum; rule REPAIR_BEFORE_MINIMUM). Read by the entity 公共信用信息报告 (section 信用修复信息).
with repairs as (

    select * from {{ ref('int_repairs') }}

),

-- the decision each penalty record stands for (its latest version's normalised number and party)
penalty_keys as (

    select decision_key as record_id, decision_no_norm, party_name_norm, entity_id
    from {{ ref('int_decision_versions') }}
    where dataset = 'penalty' and is_latest_version

),

records as (

    select record_id, decision_no, repaired_on, min_disclosure_until
    from {{ ref('int_records') }}

),

matched as (

    select
        r.repair_id,
        min(k.record_id) as repaired_record_id,
        count(distinct k.record_id) as matched_records
    from repairs as r
    inner join penalty_keys as k
        on k.decision_no_norm = r.repaired_decision_no_norm
       and {{ same_party('r', 'k') }}
    where coalesce(r.repaired_dataset, '行政处罚') = '行政处罚'
    group by 1

),

final as (

    select
        r.repair_id,
        r.entity_id,
        r.resolution_method,
        r.department,
        r.party_name,
        r.repair_decision_no,
        r.repaired_decision_no,
        r.repaired_dataset,
        r.repair_date,
        r.repair_authority,
        r.is_effective,
        m.repaired_record_id,
        coalesce(m.matched_records, 0) as matched_records,
        rec.min_disclosure_until,
        coalesce(r.repair_date <= rec.min_disclosure_until, false) as before_minimum,
        coalesce(r.is_effective and rec.repaired_on = r.repair_date, false) as ended_disclosure,
        r.drop_date as latest_drop_date,
        r.version_count,
        r.error_count,
        r.submission_id as latest_submission_id
    from repairs as r
    left join matched as m on m.repair_id = r.repair_id
    left join records as rec on rec.record_id = m.repaired_record_id

)

select * from final
