-- 信用修复 decisions as sent: which decision (被修复决定文书号) of which party was repaired, when and by whom.
-- The repair decision's own number and date are its decision_no / decision_date (versions, lateness rules).
{%- set repair_columns = dataset_raw_columns('repair') -%}
{%- set standard_columns = common_raw_columns() + repair_columns %}

with source as (

    select * from {{ source('raw', 'repair') }}

),

renamed as (

    select
        {{ stg_common_select('repair', repair_columns, standard_columns) }},
        {{ doc_no_display('repair_decision_no') }} as decision_no,
        {{ doc_no_key('repair_decision_no') }} as decision_no_norm,
        {{ doc_no_display('repair_decision_no') }} as repair_decision_no,
        {{ doc_no_display('repaired_decision_no') }} as repaired_decision_no,
        {{ doc_no_key('repaired_decision_no') }} as repaired_decision_no_norm,
        {{ clean_text('repaired_dataset') }} as repaired_dataset,
        {{ clean_text('repair_date') }} as repair_date_text,
        {{ parse_date('repair_date') }} as repair_date,
        {{ parse_date('repair_date') }} as decision_date,
        {{ clean_text('repair_authority') }} as repair_authority,
        {{ clean_text('repair_authority') }} as authority,
        {{ clean_code('repair_authority_uscc') }} as authority_uscc
    from source

),

final as (

    select * from renamed

)

select * from final
