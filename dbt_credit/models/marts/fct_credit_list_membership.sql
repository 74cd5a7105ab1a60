-- 红黑名单 membership: one row per entity × list entry (the latest version of each entry), with whether it is
-- current as of as_of() (listed on or before, not removed by then). Entries whose party could not be
-- resolved keep entity_id null (counted, never guessed), like every record.
with entries as (

    select * from {{ ref('int_credit_list_entries') }}

),

final as (

    select
        list_entry_id as membership_id,
        entity_id,
        resolution_method,
        list_type,
        list_name,
        is_list_name_defaulted,
        party_name,
        party_type,
        uscc,
        list_authority,
        list_decision_no,
        list_entry_date,
        list_exit_date,
        list_reason,
        is_current,
        department,
        first_drop_date,
        drop_date as latest_drop_date,
        version_count,
        error_count,
        submission_id as latest_submission_id
    from entries

)

select * from final
