-- Lateness: a decision must be online within var publication_workdays working days (official calendar with
-- 调休; dbt_project.yml). Judged on the first submission of each decision only; a later correction is not late
-- again. The deadline is a 双公示 rule (seeds/datasets.csv is_dual_disclosure): other datasets are never late.
-- publication_deadline is the last day it was on time (the last of those working days after the decision),
-- printed on the 整改清单 so the department can check it.
{%- set publication_workdays = var('publication_workdays') | int %}
with deadline_datasets as (

    select dataset from {{ ref('datasets') }} where is_dual_disclosure

),

versions as (

    select v.submission_id, v.decision_key, v.decision_date, v.drop_date, v.is_first_submission,
        d.dataset is not null as has_deadline
    from {{ ref('int_decision_versions') }} as v
    left join deadline_datasets as d on d.dataset = v.dataset

),

calendar as (

    select * from {{ ref('stg_calendar__workdays') }}

),

calendar_bounds as (

    select min(calendar_date) as first_day from calendar

),

final as (

    select
        v.submission_id,
        v.decision_date is not null as is_decision_date_readable,
        dd.workday_seq - dc.workday_seq as workdays_to_drop,
        v.has_deadline
        and v.is_first_submission
        and v.decision_date is not null
        and v.decision_date <= v.drop_date
        and (
            v.decision_date < (select first_day from calendar_bounds)   -- older than the calendar: certainly late
            or dd.workday_seq - dc.workday_seq > {{ publication_workdays }}
        ) as is_late,
        dp.calendar_date as publication_deadline
    from versions as v
    left join calendar as dc on dc.calendar_date = v.decision_date
    left join calendar as dd on dd.calendar_date = v.drop_date
    left join calendar as dp on dp.is_workday and dp.workday_seq = dc.workday_seq + {{ publication_workdays }}

)

select * from final
