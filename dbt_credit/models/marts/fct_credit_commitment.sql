-- 信用承诺及履约: one row per commitment letter (its latest version: a later row about the same 承诺书编号 carries
-- the fulfilment verdict), tied to its entity. Read by the entity 公共信用信息报告 (section 信用承诺及履约).
with versions as (

    select * from {{ ref('int_decision_versions') }}
    where dataset = 'commitment' and is_latest_version

),

violations as (

    select submission_id, count(*) as error_count
    from {{ ref('int_rule_violations') }}
    where severity = 'error'
    group by 1

),

final as (

    select
        c.decision_key as commitment_id,
        c.entity_id,
        c.resolution_method,
        c.department,
        c.party_name,
        c.party_type,
        c.is_natural_person,
        case when c.uscc_is_valid then c.uscc end as uscc,
        c.commitment_doc_no,
        c.commitment_type,
        c.commitment_content,
        c.commitment_date,
        c.commitment_authority,
        c.fulfilment_status,
        c.fulfilment_date,
        c.first_drop_date,
        c.drop_date as latest_drop_date,
        c.version_count,
        coalesce(v.error_count, 0) as error_count,
        c.submission_id as latest_submission_id
    from versions as c
    left join violations as v on v.submission_id = c.submission_id

)

select * from final
