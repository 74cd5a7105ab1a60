-- 异议处理 results as sent: an objection to a decision (被异议决定文书号) of a party, when it was accepted, and
-- — once handled — the outcome (维持 / 更正 / 撤销) and when. The objected decision number is decision_no, so a
-- later row about the same objection (the outcome after the 受理 row) is a newer version of it.
{%- set objection_columns = dataset_raw_columns('objection') -%}
{%- set standard_columns = common_raw_columns() + objection_columns %}

with source as (

    select * from {{ source('raw', 'objection') }}

),

renamed as (

    select
        {{ stg_common_select('objection', objection_columns, standard_columns) }},
        {{ doc_no_display('objected_decision_no') }} as decision_no,
        {{ doc_no_key('objected_decision_no') }} as decision_no_norm,
        {{ doc_no_display('objected_decision_no') }} as objected_decision_no,
        {{ clean_text('objected_dataset') }} as objected_dataset,
        {{ clean_text('objection_date') }} as objection_date_text,
        {{ parse_date('objection_date') }} as objection_date,
        {{ parse_date('objection_date') }} as decision_date,
        {{ clean_text('objection_result') }} as objection_result,
        {{ clean_text('resolution_date') }} as resolution_date_text,
        {{ parse_date('resolution_date') }} as resolution_date,
        {{ clean_text('objection_handler') }} as objection_handler,
        {{ clean_text('objection_handler') }} as authority
    from source

),

final as (

    select * from renamed

)

select * from final
