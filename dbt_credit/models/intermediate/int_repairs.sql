-- 信用修复: one row per repair decision (its latest version), tied to the entity it concerns (resolved by
-- int_entity_resolution like every submission) and to the decision it repairs (被修复决定文书号, normalised).
-- is_effective: the repair is dated on or before as_of() (a repair dated later does not count yet).

with versions as (

    select * from {{ ref('int_decision_versions') }}
    where dataset = 'repair' and is_latest_version

),

violations as (

    select submission_id, count(*) as error_count
    from {{ ref('int_rule_violations') }}
    where severity = 'error'
    group by 1

),

final as (

    select
        r.decision_key as repair_id,
        r.submission_id,
        r.entity_id,
        r.resolution_method,
        r.department,
        r.party_name,
        r.party_name_norm,
        r.repair_decision_no,
        r.repaired_decision_no,
        r.repaired_decision_no_norm,
        r.repaired_dataset,
        r.repair_date,
        r.repair_authority,
        r.drop_date,
        r.version_count,
        coalesce(v.error_count, 0) as error_count,
        coalesce(r.repair_date <= {{ as_of_date() }}, false) as is_effective
    from versions as r
    left join violations as v on v.submission_id = r.submission_id

)

select * from final
