-- The 整改时限 of every 报送月份 (seeds/rectification_deadlines, chosen by the month's first day): the month's 通报 is
-- dated the notice_workday-th working day of the following month, and what it lists is due deadline_workdays working
-- days after that, both counted on the official calendar with 调休 (stg_calendar__workdays). A month whose notice or
-- deadline falls past the calendar's last known year has them null until chinesecalendar publishes that year.
with calendar as (

    select * from {{ ref('stg_calendar__workdays') }}

),

-- the working days of each month, numbered within the month
month_workdays as (

    select
        {{ year_month('calendar_date') }} as calendar_month,
        calendar_date,
        workday_seq,
        row_number() over (partition by {{ year_month('calendar_date') }} order by calendar_date) as workday_of_month
    from calendar
    where is_workday

),

months as (

    select distinct
        {{ month_start('calendar_date') }} as month_start,
        {{ year_month('calendar_date') }} as month,
        {{ year_month(dbt.dateadd('month', 1, month_start('calendar_date'))) }} as notice_month
    from calendar

),

policies as (

    select * from {{ ref('rectification_deadlines') }}

),

with_policy as (

    select m.month, m.notice_month, p.notice_workday, p.deadline_workdays
    from months as m
    inner join policies as p
        on m.month_start between cast(p.effective_from as date) and cast(p.effective_to as date)

),

final as (

    select
        w.month,
        n.calendar_date as notice_date,
        w.notice_workday,
        w.deadline_workdays,
        d.calendar_date as rectification_deadline
    from with_policy as w
    left join month_workdays as n
        on n.calendar_month = w.notice_month and n.workday_of_month = w.notice_workday
    left join month_workdays as d
        on d.workday_seq = n.workday_seq + w.deadline_workdays

)

select * from final
