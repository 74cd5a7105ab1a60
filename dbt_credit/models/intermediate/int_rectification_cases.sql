-- 整改 to closure: one row per held record's 整改事项 (rectification case). A case opens with a version of a 双公示
-- decision that breaks an error rule (the record is held, 暂缓公示) when the version before it (if any) was not held;
-- later failing versions continue the same case; it closes when a version that passes every error rule arrives
-- (corrected) or the decision is withdrawn (a version with status 撤销, or an objection resolved with 撤销).
-- Its 整改时限 is that of the month it was first listed (int_rectification_deadlines). Only versions dropped up to
-- as_of() exist here (int_submissions), so a case's state is that night's.
with deadline_datasets as (

    select dataset from {{ ref('datasets') }} where is_dual_disclosure

),

errors as (

    select submission_id, count(*) as error_count
    from {{ ref('int_rule_violations') }}
    where severity = 'error'
    group by 1

),

-- the held versions: they break an error rule, and are not withdrawals (a withdrawal's status alone decides the
-- record: revoked). Only a decision with a held version can have a case: the windows below order those decisions'
-- versions, not every version of every decision (at 10M versions, sorting them all was most of this model's time)
held_versions as (

    select v.submission_id, v.decision_key
    from {{ ref('int_decision_versions') }} as v
    inner join deadline_datasets as d on d.dataset = v.dataset
    inner join errors as e on e.submission_id = v.submission_id
    where not coalesce(v.status = '撤销', false)

),

versions as (

    select
        v.submission_id, v.decision_key, v.department, v.dataset, v.drop_date, v.version_number,
        v.decision_no_norm, v.party_name_norm, v.entity_id,
        coalesce(v.status = '撤销', false) as is_withdrawal,
        h.submission_id is not null as is_held
    from {{ ref('int_decision_versions') }} as v
    inner join deadline_datasets as d on d.dataset = v.dataset
    left join held_versions as h on h.submission_id = v.submission_id
    where v.decision_key in (select decision_key from held_versions)

),

ordered as (

    select
        *,
        lag(is_held) over (partition by decision_key order by version_number) as previous_is_held,
        -- the next version that is not held closes whatever case is open
        min(case when not is_held then version_number end) over (
            partition by decision_key order by version_number
            rows between 1 following and unbounded following) as closing_version_number,
        max(version_number) over (partition by decision_key) as last_version_number
    from versions

),

opened as (

    select * from ordered
    where is_held and not coalesce(previous_is_held, false)

),

closing as (

    select decision_key, version_number, submission_id, drop_date, is_withdrawal
    from ordered

),

-- the last held version of each case: what is still wrong (its problems are the ones listed)
last_held as (

    select o.submission_id as case_id, max(h.version_number) as last_held_version_number
    from opened as o
    inner join ordered as h
        on h.decision_key = o.decision_key
       and h.is_held
       and h.version_number >= o.version_number
       and h.version_number < coalesce(o.closing_version_number, o.last_version_number + 1)
    group by 1

),

-- objections resolved with 撤销 by as_of() withdraw the record (int_objections.is_withdrawn)
objection_withdrawals as (

    select o.submission_id as case_id, min(w.resolution_date) as withdrawn_on
    from opened as o
    inner join {{ ref('int_objections') }} as w
        on w.objected_decision_no_norm = o.decision_no_norm
       and {{ same_party('w', 'o') }}
       and coalesce(w.objected_dataset, o.dataset) = o.dataset
    where w.is_withdrawn
    group by 1

),

deadlines as (

    select * from {{ ref('int_rectification_deadlines') }}

),

cases as (

    select
        o.submission_id as case_id,
        o.decision_key as record_id,
        o.department,
        o.dataset,
        o.drop_date as opened_on,
        {{ year_month('o.drop_date') }} as first_listed_month,
        o.version_number as opened_version_number,
        lh.last_held_version_number,
        c.submission_id as closing_submission_id,
        c.drop_date as corrected_on,
        c.is_withdrawal as closed_by_withdrawal_version,
        ow.withdrawn_on as objection_withdrawn_on
    from opened as o
    inner join last_held as lh on lh.case_id = o.submission_id
    left join closing as c
        on c.decision_key = o.decision_key and c.version_number = o.closing_version_number
    left join objection_withdrawals as ow on ow.case_id = o.submission_id

),

-- the deadline is the first listing's: a failing correction does not move it
with_deadline as (

    select c.*, d.notice_date, d.deadline_workdays, d.rectification_deadline
    from cases as c
    left join deadlines as d on d.month = c.first_listed_month

),

final as (

    select
        case_id,
        record_id,
        department,
        dataset,
        opened_on,
        first_listed_month,
        notice_date,
        deadline_workdays,
        rectification_deadline,
        opened_version_number,
        last_held_version_number,
        -- closed by whichever came first: a passing (or withdrawing) version, or an objection's 撤销
        case
            when corrected_on is not null and (objection_withdrawn_on is null or corrected_on <= objection_withdrawn_on)
                then corrected_on
            when objection_withdrawn_on is not null then greatest(objection_withdrawn_on, opened_on)
        end as closed_on,
        case
            when corrected_on is not null and (objection_withdrawn_on is null or corrected_on <= objection_withdrawn_on)
                then case when closed_by_withdrawal_version then 'withdrawn' else 'corrected' end
            when objection_withdrawn_on is not null then 'withdrawn'
        end as close_reason,
        case
            when corrected_on is not null and (objection_withdrawn_on is null or corrected_on <= objection_withdrawn_on)
                then closing_submission_id
        end as closing_submission_id
    from with_deadline

)

select * from final
