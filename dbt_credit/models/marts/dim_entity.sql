-- One row per resolved entity: every entity with a record or a 红黑名单 entry. Display name and type follow the
-- entity's latest record or list entry; list memberships, repairs, open objections and broken 信用承诺 are counted
-- as of as_of().
with records as (

    select * from {{ ref('int_records') }}
    where entity_id is not null

),

list_entries as (

    select * from {{ ref('int_credit_list_entries') }}
    where entity_id is not null

),

-- records and list entries in one shape for the name / type / USCC of the entity
entity_rows as (

    select entity_id, dataset, party_name, party_type, uscc, is_natural_person, drop_date, decision_date,
        disclosure_status, under_objection, submission_id
    from records
    union all
    select entity_id, 'credit_list' as dataset, party_name, party_type, uscc, is_natural_person, drop_date,
        list_entry_date as decision_date, null as disclosure_status, false as under_objection, submission_id
    from list_entries

),

-- 信用承诺 not kept (履约状态 未履约 on the commitment's latest version)
broken_commitments as (

    select entity_id, count(*) as broken_commitments
    from {{ ref('int_decision_versions') }}
    where dataset = 'commitment' and is_latest_version and fulfilment_status = '未履约' and entity_id is not null
    group by 1

),

list_counts as (

    select
        entity_id,
        count(*) filter (where is_current and list_type = '红名单') as current_red_lists,
        count(*) filter (where is_current and list_type = '黑名单') as current_black_lists
    from list_entries
    group by 1

),

submissions as (

    select s.submission_id, s.party_name, s.drop_date, r.entity_id
    from {{ ref('int_submissions') }} as s
    inner join {{ ref('int_entity_resolution') }} as r on r.submission_id = s.submission_id
    where r.entity_id is not null

),

latest as (

    select
        entity_id,
        -- submission_id breaks ties (rows of one drop and decision date): the same row on every run and engine
        {{ max_by('party_name', ['drop_date', 'decision_date', 'submission_id']) }} as entity_name,
        {{ max_by('party_type', ['drop_date', 'decision_date', 'submission_id']) }} as latest_party_type,
        max(uscc) as uscc,
        bool_or(is_natural_person) as is_natural_person,
        count(*) filter (where dataset = 'license') as license_count,
        count(*) filter (where dataset = 'penalty') as penalty_count,
        count(*) filter (where dataset = 'license' and disclosure_status = 'public') as public_license_count,
        count(*) filter (where dataset = 'penalty' and disclosure_status = 'public') as public_penalty_count,
        count(*) filter (where disclosure_status = 'repaired') as repaired_records,
        count(*) filter (where under_objection) as records_under_objection
    from entity_rows
    group by 1

),

-- 法定代表人 as the latest 双公示 record of a legal person or 个体工商户 sent it (never for a natural person);
-- an ID number typed into it is redacted
legal_reps as (

    select entity_id,
        {{ max_by(redact_id_numbers('legal_rep'), ['drop_date', 'submission_id']) }} as legal_rep
    from {{ ref('int_decision_versions') }}
    where is_latest_version and entity_id is not null and legal_rep is not null and not is_natural_person
      and dataset in (select dataset from {{ ref('datasets') }} where is_dual_disclosure)
    group by 1

),

names as (

    select entity_id, {{ sorted_distinct_list('party_name') }} as names_used,
        min(drop_date) as first_seen, max(drop_date) as last_seen
    from submissions
    group by 1

),

final as (

    select
        l.entity_id,
        case
            when l.is_natural_person then '自然人'
            when l.latest_party_type in ('法人及非法人组织', '个体工商户') then l.latest_party_type
            when l.uscc like '92%' then '个体工商户'
            else '法人及非法人组织'
        end as entity_type,
        l.uscc,
        case when l.uscc is not null then substr(l.uscc, 9, 9) end as org_code,
        l.entity_name,
        n.names_used,
        l.license_count,
        l.penalty_count,
        l.public_license_count,
        l.public_penalty_count,
        l.repaired_records,
        l.records_under_objection,
        coalesce(lc.current_red_lists, 0) as current_red_lists,
        coalesce(lc.current_black_lists, 0) as current_black_lists,
        coalesce(bc.broken_commitments, 0) as broken_commitments,
        n.first_seen,
        n.last_seen,
        case when not l.is_natural_person then lr.legal_rep end as legal_rep
    from latest as l
    left join names as n on n.entity_id = l.entity_id
    left join list_counts as lc on lc.entity_id = l.entity_id
    left join broken_commitments as bc on bc.entity_id = l.entity_id
    left join legal_reps as lr on lr.entity_id = l.entity_id

)

select * from final
