-- Which entity (and which decision) each submission is about. Legal persons and 个体工商户 by a valid USCC; legacy records by an
-- 组织机构代码 that is positions 9-17 of exactly one known USCC; name-only records (or 工商注册号 only) where
-- exactly one known entity carries the normalised name; natural persons by a keyed hash of a valid ID
-- number. Anything else stays unresolved (entity_key null) and is counted, never guessed.
with submissions as (

    select * from {{ ref('int_submissions') }}

),

known_usccs as (

    select distinct uscc
    from submissions
    where uscc_is_valid and not is_natural_person

),

org_code_index as (

    select substr(uscc, 9, 9) as org_code, min(uscc) as uscc, count(*) as candidates
    from known_usccs
    group by 1

),

name_index as (

    select party_name_norm, min(uscc) as uscc, count(distinct uscc) as candidates
    from submissions
    where uscc_is_valid and not is_natural_person and party_name_norm is not null
    group by 1

),

resolved as (

    select
        s.submission_id,
        s.dataset,
        s.department,
        s.decision_no_norm,
        s.party_name_norm,
        s.is_natural_person,
        s.drop_date,
        s.loaded_at,
        s.file_path,
        s.source_row,
        case
            when s.is_natural_person then case when s.person_key is not null then 'person_id' end
            when s.uscc_is_valid then 'uscc'
            when s.org_code_is_valid and o.candidates = 1 then 'org_code'
            when n.candidates = 1 then 'name'
        end as resolution_method,
        case
            when s.is_natural_person then 'P:' || s.person_key
            when s.uscc_is_valid then 'U:' || s.uscc
            when s.org_code_is_valid and o.candidates = 1 then 'U:' || o.uscc
            when n.candidates = 1 then 'U:' || n.uscc
        end as entity_key,
        case
            when s.is_natural_person then null
            when s.uscc_is_valid then s.uscc
            when s.org_code_is_valid and o.candidates = 1 then o.uscc
            when n.candidates = 1 then n.uscc
        end as resolved_uscc,
        coalesce(n.candidates, 0) > 1 and not s.uscc_is_valid and not s.is_natural_person as is_ambiguous_name
    from submissions as s
    left join org_code_index as o on o.org_code = s.org_code
    left join name_index as n on n.party_name_norm = s.party_name_norm

),

parties as (

    select
        submission_id, dataset, department, decision_no_norm, drop_date, loaded_at, file_path, source_row,
        coalesce(entity_key, 'N:' || party_name_norm, '') as party_key
    from resolved
    where decision_no_norm is not null

),

-- a department's decision number names one decision, whoever a later submission names as its party: a
-- correction that changes the party's USCC (or name) corrects the decision instead of publishing a second
-- one. Only a joint decision (several parties under one number in the same drop) is told apart by party.
joint_numbers as (

    select distinct dataset, department, decision_no_norm
    from parties
    group by dataset, department, decision_no_norm, drop_date
    having count(distinct party_key) > 1

),

first_parties as (

    select dataset, department, decision_no_norm, party_key as first_party_key
    from (
        select
            dataset, department, decision_no_norm, party_key,
            row_number() over (partition by dataset, department, decision_no_norm
                               order by drop_date, loaded_at, file_path, source_row) as party_order
        from parties
    ) as ordered
    where party_order = 1

),

final as (

    select
        r.submission_id,
        {{ entity_id('r.entity_key') }} as entity_id,
        r.entity_key,
        r.resolved_uscc,
        coalesce(r.resolution_method, case when r.is_ambiguous_name then 'ambiguous_name' else 'unresolved' end)
            as resolution_method,
        -- the decision a submission speaks of: same dataset and decision number, keyed with the party the
        -- number was first sent for (a joint decision: each party its own), so record ids stay what they were
        md5(r.dataset || '|' || coalesce(r.decision_no_norm, '#' || r.submission_id) || '|' ||
            case when j.decision_no_norm is null and f.first_party_key is not null then f.first_party_key
                 else coalesce(r.entity_key, 'N:' || r.party_name_norm, '') end) as decision_key
    from resolved as r
    left join joint_numbers as j
        on j.dataset = r.dataset and j.department = r.department and j.decision_no_norm = r.decision_no_norm
    left join first_parties as f
        on f.dataset = r.dataset and f.department = r.department and f.decision_no_norm = r.decision_no_norm

)

select * from final
