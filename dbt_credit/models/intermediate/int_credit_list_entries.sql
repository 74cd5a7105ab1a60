-- 红黑名单: one row per list entry (the listing decision × party; its latest version wins, so a removal sent
-- later as a new version of the entry ends it), tied to its entity by int_entity_resolution (the same
-- resolution as every record). is_current: listed on or before as_of() and not removed by then.

with versions as (

    select * from {{ ref('int_decision_versions') }}
    where dataset = 'credit_list' and is_latest_version

),

violations as (

    select submission_id, count(*) as error_count
    from {{ ref('int_rule_violations') }}
    where severity = 'error'
    group by 1

),

final as (

    select
        l.decision_key as list_entry_id,
        l.submission_id,
        l.entity_id,
        l.resolution_method,
        l.department,
        l.party_name,
        l.party_name_norm,
        l.party_type,
        l.is_natural_person,
        case when l.uscc_is_valid then l.uscc end as uscc,
        l.list_type,
        l.list_name,
        l.list_name_sent is null and l.list_name is not null as is_list_name_defaulted,
        l.list_authority,
        l.list_decision_no,
        l.list_entry_date,
        l.list_exit_date,
        l.list_reason,
        l.filing_date,
        l.drop_date,
        l.first_drop_date,
        l.version_count,
        coalesce(v.error_count, 0) as error_count,
        coalesce(l.list_entry_date <= {{ as_of_date() }}
                 and (l.list_exit_date is null or l.list_exit_date > {{ as_of_date() }}), false) as is_current
    from versions as l
    left join violations as v on v.submission_id = l.submission_id

)

select * from final
