-- 信用承诺 as sent: a party's commitment (承诺书编号, 类型, 日期, 受理单位) and whether it was kept (履约状态).
-- The commitment letter's number and date are its decision_no / decision_date (versions: a later row about the
-- same commitment, e.g. the 履约 verdict, replaces the earlier one).
{%- set commitment_columns = dataset_raw_columns('commitment') -%}
{%- set standard_columns = common_raw_columns() + commitment_columns %}

with source as (

    select * from {{ source('raw', 'commitment') }}

),

renamed as (

    select
        {{ stg_common_select('commitment', commitment_columns, standard_columns) }},
        {{ clean_text('commitment_doc_no') }} as decision_no,
        {{ clean_code('commitment_doc_no') }} as decision_no_norm,
        {{ clean_text('commitment_doc_no') }} as commitment_doc_no,
        {{ clean_text('commitment_type') }} as commitment_type,
        {{ clean_text('commitment_content') }} as commitment_content,
        {{ clean_text('commitment_date') }} as commitment_date_text,
        {{ parse_date('commitment_date') }} as commitment_date,
        {{ parse_date('commitment_date') }} as decision_date,
        {{ clean_text('commitment_authority') }} as commitment_authority,
        {{ clean_text('commitment_authority') }} as authority,
        {{ clean_text('fulfilment_status') }} as fulfilment_status,
        {{ clean_text('fulfilment_date') }} as fulfilment_date_text,
        {{ parse_date('fulfilment_date') }} as fulfilment_date
    from source

),

final as (

    select * from renamed

)

select * from final
