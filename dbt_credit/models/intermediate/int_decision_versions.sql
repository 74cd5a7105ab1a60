-- Every distinct submission of a decision, oldest first. Exact resubmissions are not versions; a later
-- submission of the same decision (same dataset, decision number and party) is a correction, and the
-- latest drop wins. The history stays here for anyone asking what was sent when.
with submissions as (

    select s.*, r.decision_key, r.entity_id, r.resolution_method, r.resolved_uscc
    from {{ ref('int_submissions') }} as s
    inner join {{ ref('int_entity_resolution') }} as r on r.submission_id = s.submission_id
    where not s.is_exact_resubmission

),

versions as (

    select
        *,
        row_number() over oldest_first as version_number,
        count(*) over (partition by decision_key) as version_count,
        min(drop_date) over (partition by decision_key) as first_drop_date,
        -- carried on every version so that readers need no self-join to find the first (lateness is judged there)
        first_value(submission_id) over oldest_first as first_submission_id
    from submissions
    window oldest_first as (partition by decision_key order by drop_date, loaded_at, file_path, source_row)

),

final as (

    select
        *,
        version_number = version_count as is_latest_version,
        version_number = 1 as is_first_submission
    from versions

)

select * from final
