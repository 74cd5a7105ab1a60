-- Every praise / criticise condition (seed report_thresholds) evaluated for every department × month: the actual
-- numerator and denominator, whether the base is below the condition's minimum (min_base: a small volume cannot earn
-- criticism) and whether the condition holds. Comparisons are exact (integers against the decimal threshold), so
-- 98/100 is "≥ 98%". 合规率 here is the judged one (judged_compliant_records: a defect another metric owns is not
-- counted twice).
with departments as (

    select * from {{ ref('fct_department_month') }}

),

thresholds as (

    select * from {{ ref('report_thresholds') }}

),

measured as (

    select
        d.department,
        d.month,
        t.threshold_id,
        t.action,
        t.metric,
        t.comparator,
        t.value,
        t.min_base,
        t.description_zh,
        case t.metric
            when 'compliance_rate' then d.judged_compliant_records
            when 'late_rate' then d.late_records
            when 'code_error_rate' then d.code_error_records + d.code_conflict_records
            when 'missing_report_count' then d.missing_report_count
        end as numerator,
        case t.metric
            when 'compliance_rate' then d.records
            when 'late_rate' then d.date_readable_records
            when 'code_error_rate' then d.code_check_records
            else 1
        end as denominator
    from departments as d
    cross join thresholds as t

),

final as (

    select
        department,
        month,
        threshold_id,
        action,
        metric,
        comparator,
        value,
        min_base,
        description_zh,
        numerator,
        denominator,
        coalesce(denominator < min_base, false) as is_below_min_base,
        denominator > 0
            and not coalesce(denominator < min_base, false)
            and case comparator
                    when '>=' then numerator >= value * denominator
                    when '>' then numerator > value * denominator
                    when '<=' then numerator <= value * denominator
                    when '<' then numerator < value * denominator
                end as holds
    from measured

)

select * from final
