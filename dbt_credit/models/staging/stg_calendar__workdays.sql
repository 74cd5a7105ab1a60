-- The official calendar with 调休, numbered so that "working days between two dates" is a subtraction.
with source as (

    select * from {{ source('raw', 'workday_calendar') }}

),

final as (

    select
        calendar_date,
        is_workday,
        sum(case when is_workday then 1 else 0 end) over (order by calendar_date) as workday_seq
    from source

)

select * from final
