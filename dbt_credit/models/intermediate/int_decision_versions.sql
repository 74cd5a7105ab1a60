-- Every distinct submission of a decision, oldest first. Exact resubmissions are not versions; a later
-- submission of the same decision (same dataset, decision number and party) is a correction, and the
-- latest drop wins. The history stays here for anyone asking what was sent when.
-- The version order is computed on the narrow key columns and joined back to the wide rows: a window over
-- the wide rows would have to hold them all at once (out of memory at 10M rows with a 2.5GB limit).
with submissions as (

    select * from {{ ref('int_submissions') }}
    where not is_exact_resubmission

),

resolution as (

    select submission_id, decision_key, entity_id, resolution_method, resolved_uscc
    from {{ ref('int_entity_resolution') }}

),

version_order as (

    select
        s.submission_id,
        row_number() over oldest_first as version_number,
        count(*) over (partition by r.decision_key) as version_count,
        min(s.drop_date) over (partition by r.decision_key) as first_drop_date,
        -- carried on every version so that readers need no self-join to find the first (lateness is judged there)
        first_value(s.submission_id) over oldest_first as first_submission_id
    from submissions as s
    inner join resolution as r on r.submission_id = s.submission_id
    window oldest_first as (partition by r.decision_key order by s.drop_date, s.loaded_at, s.file_path, s.source_row)

),

final as (

    select
        s.*,
        r.decision_key,
        r.entity_id,
        r.resolution_method,
        r.resolved_uscc,
        v.version_number,
        v.version_count,
        v.first_drop_date,
        v.first_submission_id,
        v.version_number = v.version_count as is_latest_version,
        v.version_number = 1 as is_first_submission
    from submissions as s
    inner join resolution as r on r.submission_id = s.submission_id
    inner join version_order as v on v.submission_id = s.submission_id

)

select * from final
