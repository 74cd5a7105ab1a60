{%- set penalty_columns = ['decision_no', 'violation_type', 'violation_facts', 'penalty_basis', 'penalty_category',
    'penalty_content', 'fine_amount', 'confiscated_amount', 'license_suspended', 'decision_date', 'valid_until',
    'disclosure_deadline', 'authority', 'authority_uscc', 'severity', 'penalty_name', 'penalty_category_2',
    'procedure_type'] -%}
{%- set standard_columns = ['party_name', 'party_type', 'uscc', 'biz_reg_no', 'org_code', 'tax_reg_no', 'inst_cert_no',
    'social_org_no', 'legal_rep', 'legal_rep_id_type', 'legal_rep_id_no', 'id_type', 'id_no', 'source_unit',
    'source_unit_uscc', 'remarks', 'decision_no', 'violation_type', 'violation_facts', 'penalty_basis',
    'penalty_category', 'penalty_content', 'fine_amount', 'confiscated_amount', 'license_suspended', 'decision_date',
    'valid_until', 'disclosure_deadline', 'authority', 'authority_uscc'] -%}

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
