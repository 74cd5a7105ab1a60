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
        s.decision_no_norm,
        s.party_name_norm,
        s.is_natural_person,
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

final as (

    select
        submission_id,
        case when entity_key is not null then 'E' || substr(md5(entity_key), 1, 15) end as entity_id,
        entity_key,
        resolved_uscc,
        coalesce(resolution_method, case when is_ambiguous_name then 'ambiguous_name' else 'unresolved' end)
            as resolution_method,
        -- the decision a submission speaks of: same dataset, decision number and party (the resolved entity,
        -- so that correcting a party's USCC corrects the decision rather than creating a second one)
        md5(dataset || '|' || coalesce(decision_no_norm, '#' || submission_id) || '|' ||
            coalesce(entity_key, 'N:' || party_name_norm, '')) as decision_key
    from resolved

)

select * from final
