-- The monthly 通报's judgement of each department × month, from the rules of this same build (seeds report_thresholds,
-- report_ranking_weights, report_tiers; published as marts.report_rule_*): criticised when any criticise condition
-- holds, praised when every praise condition holds and none of criticism; a composite score whose weights are data;
-- ranked within its tier (市直部门 / 区（县）部门), a criticised department always after every uncriticised one.
-- A department with 整改事项 overdue at the month's cut-off (marts.rectification_progress) is not praised (issue 17).
with departments as (

    select * from {{ ref('fct_department_month') }}

),

conditions as (

    select * from {{ ref('fct_department_verdict_condition') }}

),

judged as (

    select
        department,
        month,
        count(case when action = 'criticise' and holds then 1 end) as criticise_conditions_met,
        count(case when action = 'criticise' and is_below_min_base then 1 end) as conditions_below_min_base,
        count(case when action = 'praise' and holds then 1 end) as praise_conditions_met,
        count(case when action = 'praise' then 1 end) as praise_conditions
    from conditions
    group by department, month

),

weights as (

    select * from {{ ref('report_ranking_weights') }}

),

-- score = 100 × Σ(weight × part) ÷ Σ(weight) over the rates that can be computed; part = rate or 1 − rate
rates as (

    select
        d.department,
        d.month,
        cast(w.weight as double) as weight,
        w.direction,
        case w.metric
            when 'compliance_rate' then d.judged_compliance_rate
            when 'late_rate' then d.late_rate
            when 'code_error_rate' then d.code_error_rate
        end as rate
    from departments as d
    cross join weights as w

),

parts as (

    select department, month, weight, case when direction = 'higher' then rate else 1 - rate end as part
    from rates

),

overdue as (

    select department, month, overdue_items from {{ ref('rectification_progress') }}

),

scores as (

    select
        department,
        month,
        -- rounded so that equal scores tie whatever the floating-point order of the sum
        round(100 * sum(weight * part) / sum(weight), 6) as score
    from parts
    where part is not null
    group by department, month

),

verdicts as (

    select
        d.department,
        d.department_name,
        d.district,
        d.tier,
        d.tier_zh,
        d.tier_order,
        d.month,
        d.records,
        d.is_submission_failed,
        j.criticise_conditions_met,
        j.conditions_below_min_base,
        j.praise_conditions_met,
        j.praise_conditions,
        s.score,
        d.records > 0 and s.score is not null as is_ranked,
        coalesce(o.overdue_items, 0) as overdue_items,
        j.criticise_conditions_met = 0 and j.praise_conditions > 0 and j.praise_conditions_met = j.praise_conditions
            and coalesce(o.overdue_items, 0) > 0 as is_praise_withheld,
        case
            when j.criticise_conditions_met > 0 then 'criticise'
            when j.praise_conditions > 0 and j.praise_conditions_met = j.praise_conditions
                 and coalesce(o.overdue_items, 0) = 0 then 'praise'
        end as verdict
    from departments as d
    inner join judged as j on j.department = d.department and j.month = d.month
    left join scores as s on s.department = d.department and s.month = d.month
    left join overdue as o on o.department = d.department and o.month = d.month

),

ranked as (

    select
        *,
        case when is_ranked then rank() over (
            partition by month, tier, is_ranked
            order by case when verdict = 'criticise' then 1 else 0 end, score desc
        ) end as rank_in_tier
    from verdicts

),

final as (

    select
        department,
        department_name,
        district,
        tier,
        tier_zh,
        tier_order,
        month,
        records,
        is_submission_failed,
        score,
        is_ranked,
        rank_in_tier,
        verdict,
        case verdict when 'praise' then '表扬' when 'criticise' then '通报批评' end as verdict_zh,
        criticise_conditions_met,
        conditions_below_min_base,
        praise_conditions_met,
        praise_conditions,
        overdue_items,
        is_praise_withheld
    from ranked

)

select * from final
