-- The submissions a build as of as_of() judges: those dropped up to that date (so a backfill
-- reproduces that night), each flagged when it is an exact copy of a row the same department already
-- sent in an earlier drop (then it is not a new record). Downstream models read this, never staging.
with checked as (

    select * from {{ ref('int_submissions_checked') }}

),

in_scope as (

    select * from checked
    where drop_date <= date '{{ as_of() }}'

),

final as (

    select
        *,
        min(drop_date) over (partition by department, dataset, row_fingerprint) < drop_date as is_exact_resubmission
    from in_scope

)

select * from final
