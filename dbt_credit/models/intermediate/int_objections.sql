-- 异议处理: one row per objection (the objected decision × party; its latest version wins, so the outcome row a
-- department sends after the 受理 row replaces it; every row sent stays in int_decision_versions).
-- As of as_of(): is_open = accepted but not resolved by then; is_withdrawn = resolved with 撤销 by then
-- (the record is withdrawn); 更正 means the department sends a corrected version of the record (nothing to do
-- here beyond keeping the history); 维持 leaves the record as it was.

with versions as (

    select * from {{ ref('int_decision_versions') }}
    where dataset = 'objection' and is_latest_version

),

final as (

    select
        decision_key as objection_id,
        submission_id,
        entity_id,
        resolution_method,
        department,
        party_name,
        party_name_norm,
        decision_no as objected_decision_no,
        decision_no_norm as objected_decision_no_norm,
        case objected_dataset when '行政处罚' then 'penalty' when '行政许可' then 'license' end as objected_dataset,
        objection_date,
        objection_result,
        resolution_date,
        objection_handler,
        drop_date,
        version_count,
        coalesce(objection_date <= {{ as_of_date() }}, false) as is_accepted,
        case when resolution_date <= {{ as_of_date() }} then objection_result end as result_as_of,
        coalesce(objection_date <= {{ as_of_date() }}
                 and (resolution_date is null or resolution_date > {{ as_of_date() }}), false) as is_open,
        coalesce(objection_result = '撤销' and resolution_date <= {{ as_of_date() }}, false) as is_withdrawn
    from versions

)

select * from final
