{%- set penalty_columns = dataset_raw_columns('penalty') -%}
{%- set standard_columns = standard_raw_columns('penalty') -%}

with source as (

    select * from {{ source('raw', 'penalty') }}

),

renamed as (

    select
        {{ stg_common_select('penalty', penalty_columns, standard_columns, late_columns=['procedure_type']) }},
        {{ doc_no_display('decision_no') }} as decision_no,
        {{ doc_no_key('decision_no') }} as decision_no_norm,
        {{ clean_text('violation_type') }} as violation_type,
        {{ clean_text('violation_facts') }} as violation_facts,
        {{ clean_text('penalty_basis') }} as penalty_basis,
        -- 2016 layout carried a second category column; both feed one list
        {{ clean_text("concat_ws('；', penalty_category, penalty_category_2)") }} as penalty_category,
        {{ clean_text('penalty_content') }} as penalty_content,
        {{ clean_text('penalty_name') }} as penalty_name,
        {{ clean_text('fine_amount') }} as fine_amount_text,
        {{ parse_amount_wan('fine_amount') }} as fine_amount_wan,
        -- sent in 元 (a value like 50000元, or the column's heading said 元: ingestion marked the value) and converted
        {{ amount_sent_in_yuan('fine_amount') }} as fine_amount_sent_in_yuan,
        {{ clean_text('confiscated_amount') }} as confiscated_amount_text,
        {{ parse_amount_wan('confiscated_amount') }} as confiscated_amount_wan,
        {{ amount_sent_in_yuan('confiscated_amount') }} as confiscated_amount_sent_in_yuan,
        {{ clean_text('license_suspended') }} as license_suspended,
        {{ clean_text('decision_date') }} as decision_date_text,
        {{ parse_date('decision_date') }} as decision_date,
        {{ clean_text('valid_until') }} as valid_until_text,
        {{ parse_date('valid_until') }} as valid_until,
        {{ clean_text('disclosure_deadline') }} as disclosure_deadline_text,
        {{ parse_date('disclosure_deadline') }} as disclosure_deadline,
        {{ clean_text('authority') }} as authority,
        {{ clean_code('authority_uscc') }} as authority_uscc,
        {{ clean_text('severity') }} as severity,
        -- 程序类型 as sent; int_submissions_checked maps synonyms (seed code_synonyms) to procedure_type
        {{ clean_text('procedure_type') }} as procedure_type_sent
    from source

),

final as (

    select * from renamed

)

select * from final
