-- 十公示 other actions as sent (行政强制, 行政确认, 行政征收, 行政给付, 行政裁决, 行政补偿, 行政奖励, 行政监督检查) in one
-- generic dataset: the 相对人 fields every dataset shares, the kind of action, and its decision number, date and authority.
{%- set action_columns = dataset_raw_columns('other_action') -%}
{%- set standard_columns = common_raw_columns() + action_columns %}

with source as (

    select * from {{ source('raw', 'other_action') }}

),

renamed as (

    select
        {{ stg_common_select('other_action', action_columns, standard_columns) }},
        {{ clean_text('action_kind') }} as action_kind,
        {{ doc_no_display('action_decision_no') }} as decision_no,
        {{ doc_no_key('action_decision_no') }} as decision_no_norm,
        {{ doc_no_display('action_decision_no') }} as action_decision_no,
        {{ clean_text('action_content') }} as action_content,
        {{ clean_text('action_basis') }} as action_basis,
        {{ clean_text('action_date') }} as action_date_text,
        {{ parse_date('action_date') }} as action_date,
        {{ parse_date('action_date') }} as decision_date,
        {{ clean_text('action_authority') }} as action_authority,
        {{ clean_text('action_authority') }} as authority,
        {{ clean_code('action_authority_uscc') }} as authority_uscc
    from source

),

final as (

    select * from renamed

)

select * from final
