-- 红黑名单 entries as sent: a party put on a red or black list by an authority (认定部门, 认定文号, 列入日期)
-- and, later, removed (移出日期). Courts publish 失信被执行人 without list type or name and with one identifier
-- column of any kind: the list is then defaulted from seed credit_list_defaults (a keyword of the 认定部门),
-- and the identifier is read as a USCC (18 characters), a 组织机构代码 (9) or, for a natural person, an ID number.
{%- set list_columns = dataset_raw_columns('credit_list') -%}
{%- set standard_columns = common_raw_columns() + list_columns %}
{#- the single identifier column read as a USCC (18 characters, not a person), an org code (9) or an ID number -#}
{%- set party_id_code = clean_code('party_id_code') %}
{%- set identifier_overrides = {
    'uscc': "coalesce(" ~ clean_code('uscc') ~ ", case when length(" ~ party_id_code ~ ") = 18 and coalesce("
            ~ clean_text('party_type') ~ ", '') <> '自然人' then " ~ party_id_code ~ " end)",
    'org_code': "coalesce(" ~ clean_code('org_code') ~ ", case when length(" ~ party_id_code ~ ") = 9 then "
            ~ party_id_code ~ " end)",
    'id_no': "coalesce(" ~ clean_code('id_no') ~ ", case when " ~ clean_text('party_type') ~ " = '自然人' and length("
            ~ party_id_code ~ ") = 18 then " ~ party_id_code ~ " end)"} %}

with source as (

    select * from {{ source('raw', 'credit_list') }}

),

defaults as (

    select * from {{ ref('credit_list_defaults') }}

),

renamed as (

    select
        {{ stg_common_select('credit_list', list_columns, standard_columns, identifier_overrides) }},
        {{ doc_no_as_sent('list_decision_no') }} as decision_no,
        {{ doc_no_key('list_decision_no') }} as decision_no_norm,
        {{ doc_no_as_sent('list_decision_no') }} as list_decision_no,
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

-- the default list for a row whose authority names one: the longest matching keyword wins
default_matches as (

    select
        r.submission_id,
        d.list_type,
        d.list_name,
        row_number() over (
            partition by r.submission_id order by length(d.authority_keyword) desc, d.list_name
        ) as match_rank
    from renamed as r
    inner join defaults as d
        on {{ text_contains("coalesce(r.list_authority, '')", 'd.authority_keyword') }}

),

defaulted as (

    select
        r.*,
        coalesce(r.list_type_sent, case when r.list_name_sent is null then m.list_type end) as list_type,
        coalesce(r.list_name_sent, m.list_name) as list_name
    from renamed as r
    left join default_matches as m on m.submission_id = r.submission_id and m.match_rank = 1

),

final as (

    select * from defaulted

)

select * from final
