-- 十公示: the other administrative actions (行政强制, 行政确认, 行政征收, 行政给付, 行政裁决, 行政补偿, 行政奖励,
-- 行政监督检查), one row per decision (its latest version), tied to its entity. Read by the entity
-- 公共信用信息报告 (section 其他行政行为信息).
with versions as (

    select * from {{ ref('int_decision_versions') }}
    where dataset = 'other_action' and is_latest_version

),

violations as (

    select submission_id, count(*) as error_count
    from {{ ref('int_rule_violations') }}
    where severity = 'error'
    group by 1

),

final as (

    select
        a.decision_key as action_id,
        a.entity_id,
        a.resolution_method,
        a.department,
        a.party_name,
        a.party_type,
        a.is_natural_person,
        case when a.uscc_is_valid then a.uscc end as uscc,
        a.action_kind,
        a.action_decision_no,
        a.action_content,
        a.action_basis,
        a.action_date,
        a.action_authority,
        a.status as current_status,
        a.first_drop_date,
        a.drop_date as latest_drop_date,
        a.version_count,
        coalesce(v.error_count, 0) as error_count,
        a.submission_id as latest_submission_id
    from versions as a
    left join violations as v on v.submission_id = a.submission_id

)

select * from final
