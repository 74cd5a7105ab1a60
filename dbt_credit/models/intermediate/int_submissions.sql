{{ config(materialized='view') }}
-- The submissions a build as of as_of() judges: those dropped up to that date (so a backfill reproduces that
-- night). A view: the rows and their is_exact_resubmission flag are kept in int_submissions_checked (the flag
-- only looks at earlier drops, so it is the same whatever the as-of date). Downstream models read this, never
-- staging.
with checked as (

    select * from {{ ref('int_submissions_checked') }}

),

final as (

    select * from checked
    where drop_date <= {{ as_of_date() }}

)

select * from final
