-- One row per resolved entity. Display name and type follow the entity's latest record.
with records as (

    select * from {{ ref('int_records') }}
    where entity_id is not null

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
        arg_max(party_name, (drop_date, decision_date)) as entity_name,
        arg_max(party_type, (drop_date, decision_date)) as latest_party_type,
        max(uscc) as uscc,
        bool_or(is_natural_person) as is_natural_person,
        count(*) filter (where dataset = 'license') as license_count,
        count(*) filter (where dataset = 'penalty') as penalty_count,
        count(*) filter (where dataset = 'license' and disclosure_status = 'public') as public_license_count,
        count(*) filter (where dataset = 'penalty' and disclosure_status = 'public') as public_penalty_count
    from records
    group by 1

),

names as (

    select entity_id, list(distinct party_name order by party_name) as names_used,
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
        n.first_seen,
        n.last_seen
    from latest as l
    left join names as n on n.entity_id = l.entity_id

)

select * from final
