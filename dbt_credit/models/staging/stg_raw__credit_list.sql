-- 红黑名单 entries as sent: a party put on a red or black list by an authority (认定部门, 认定文号, 列入日期)
-- and, later, removed (移出日期). Courts publish 失信被执行人 without list type or name and with one identifier
-- column of any kind: the list is then defaulted from seed credit_list_defaults (a keyword of the 认定部门),
-- and the identifier is read as a USCC (18 characters), a 组织机构代码 (9) or, for a natural person, an ID number.
{%- set list_columns = ['list_type', 'list_name', 'party_id_code', 'list_authority', 'list_decision_no',
    'list_entry_date', 'list_exit_date', 'list_reason', 'filing_date'] -%}
{%- set standard_columns = common_raw_columns() + list_columns %}

with source as (

    select * from {{ source('raw', 'credit_list') }}

),

defaults as (

    select * from {{ ref('credit_list_defaults') }}

),

renamed as (

    select
        {{ stg_common_select('credit_list', list_columns, standard_columns) }},
        {{ clean_text('list_decision_no') }} as decision_no,
        {{ clean_code('list_decision_no') }} as decision_no_norm,
        {{ clean_text('list_decision_no') }} as list_decision_no,
        {{ clean_text('list_type') }} as list_type_sent,
        {{ clean_text('list_name') }} as list_name_sent,
        {{ clean_code('party_id_code') }} as party_id_code,
        {{ clean_text('list_authority') }} as list_authority,
        {{ clean_text('list_authority') }} as authority,
        {{ clean_text('list_entry_date') }} as list_entry_date_text,
        {{ parse_date('list_entry_date') }} as list_entry_date,
        {{ parse_date('list_entry_date') }} as decision_date,
        {{ clean_text('list_exit_date') }} as list_exit_date_text,
        {{ parse_date('list_exit_date') }} as list_exit_date,
        {{ clean_text('list_reason') }} as list_reason,
        {{ clean_text('filing_date') }} as filing_date_text,
        {{ parse_date('filing_date') }} as filing_date
    from source

),

defaulted as (

    -- the longest matching keyword wins, so one default at most per row
    select
        r.*,
        coalesce(r.list_type_sent, (
            select d.list_type from defaults as d
            where r.list_name_sent is null and contains(coalesce(r.list_authority, ''), d.authority_keyword)
            order by length(d.authority_keyword) desc, d.list_name limit 1)) as list_type,
        coalesce(r.list_name_sent, (
            select d.list_name from defaults as d
            where contains(coalesce(r.list_authority, ''), d.authority_keyword)
            order by length(d.authority_keyword) desc, d.list_name limit 1)) as list_name
    from renamed as r

),

final as (

    select * replace (
        coalesce(uscc, case when length(party_id_code) = 18 and coalesce(party_type, '') <> '自然人'
                            then party_id_code end) as uscc,
        coalesce(org_code, case when length(party_id_code) = 9 then party_id_code end) as org_code,
        coalesce(id_no, case when party_type = '自然人' and length(party_id_code) = 18 then party_id_code end) as id_no
    )
    from defaulted

)

select * from final
