-- 整改进展, department × month (报送月份), month on month: how many 整改事项 (held records, int_rectification_cases;
-- one per record whatever the number of rules it breaks) were opened, closed, still open and overdue, and the
-- 整改完成率. Each month is judged at its cut-off: its last day, or as_of() for the month still running. Overdue:
-- still open at the cut-off with its 整改时限 before the cut-off day. 整改完成率 = closed in the month ÷ (open at the
-- month's start + opened in the month). A department has rows from the month of its first case to as_of()'s month.
with cases as (

    select * from {{ ref('int_rectification_cases') }}

),

departments as (

    select department, department_name, district from {{ ref('departments') }}

),

calendar_months as (

    select
        {{ year_month('calendar_date') }} as month,
        min(calendar_date) as month_start,
        max(calendar_date) as month_end
    from {{ ref('stg_calendar__workdays') }}
    group by 1

),

months as (

    select
        month,
        month_start,
        case when month_end < {{ as_of_date() }} then month_end else {{ as_of_date() }} end as cutoff_date
    from calendar_months
    where month_start <= {{ as_of_date() }}

),

spans as (

    select department, min(opened_on) as first_opened_on
    from cases
    group by 1

),

department_months as (

    select s.department, m.month, m.month_start, m.cutoff_date
    from spans as s
    inner join months as m on m.cutoff_date >= s.first_opened_on

),

-- every case that existed by each month's cut-off, with where it stood then
states as (

    select
        dm.department,
        dm.month,
        dm.month_start,
        dm.cutoff_date,
        c.case_id,
        coalesce(c.first_listed_month = dm.month, false) as is_opened,
        coalesce(c.closed_on >= dm.month_start and c.closed_on <= dm.cutoff_date, false) as is_closed,
        coalesce(c.closed_on >= dm.month_start and c.closed_on <= dm.cutoff_date
                 and c.close_reason = 'withdrawn', false) as is_withdrawn,
        coalesce(c.closed_on >= dm.month_start and c.closed_on <= dm.cutoff_date
                 and c.closed_on > c.rectification_deadline, false) as is_closed_late,
        coalesce(c.opened_on < dm.month_start and (c.closed_on is null or c.closed_on >= dm.month_start), false)
            as is_open_at_start,
        c.case_id is not null and (c.closed_on is null or c.closed_on > dm.cutoff_date) as is_open,
        coalesce((c.closed_on is null or c.closed_on > dm.cutoff_date)
                 and c.rectification_deadline < dm.cutoff_date, false) as is_overdue,
        c.closed_on is not null and c.closed_on <= dm.cutoff_date as is_closed_by_cutoff
    from department_months as dm
    left join cases as c
        on c.department = dm.department and c.opened_on <= dm.cutoff_date

),

counted as (

    select
        department,
        month,
        cutoff_date,
        cast(sum(case when is_open_at_start then 1 else 0 end) as bigint) as open_at_start_items,
        cast(sum(case when is_opened then 1 else 0 end) as bigint) as opened_items,
        cast(sum(case when is_closed then 1 else 0 end) as bigint) as closed_items,
        cast(sum(case when is_withdrawn then 1 else 0 end) as bigint) as withdrawn_items,
        cast(sum(case when is_closed_late then 1 else 0 end) as bigint) as closed_late_items,
        cast(sum(case when is_open then 1 else 0 end) as bigint) as open_items,
        cast(sum(case when is_open and not is_opened then 1 else 0 end) as bigint) as carried_over_items,
        cast(sum(case when is_overdue then 1 else 0 end) as bigint) as overdue_items,
        cast(count(case_id) as bigint) as cumulative_items,
        cast(sum(case when is_closed_by_cutoff then 1 else 0 end) as bigint) as cumulative_closed_items
    from states
    group by 1, 2, 3

),

final as (

    select
        c.department,
        coalesce(d.department_name, c.department) as department_name,
        d.district,
        c.month,
        c.cutoff_date,
        c.open_at_start_items,
        c.opened_items,
        c.closed_items,
        c.withdrawn_items,
        c.closed_late_items,
        c.open_items,
        c.carried_over_items,
        c.overdue_items,
        c.overdue_items > 0 as has_overdue_items,
        c.cumulative_items,
        c.cumulative_closed_items,
        case when c.open_at_start_items + c.opened_items > 0
             then cast(c.closed_items as double) / (c.open_at_start_items + c.opened_items)
        end as rectification_rate
    from counted as c
    left join departments as d on d.department = c.department

)

select * from final
