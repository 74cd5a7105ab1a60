{%- set license_columns = dataset_raw_columns('license') -%}
{%- set standard_columns = standard_raw_columns('license') -%}

with source as (

    select * from {{ source('raw', 'license') }}

),

renamed as (

    select
        {{ stg_common_select('license', license_columns, standard_columns) }},
        {{ clean_text('license_doc_name') }} as license_doc_name,
        -- a decision without its own number is identified by its 许可编号
        {{ doc_no_display('coalesce(nullif(' ~ trim_text('decision_no') ~ ", ''), license_no)") }} as decision_no,
        {{ doc_no_key('coalesce(nullif(' ~ trim_text('decision_no') ~ ", ''), license_no)") }} as decision_no_norm,
        {{ clean_text('license_category') }} as license_category,
        {{ clean_text('certificate_name') }} as certificate_name,
        {{ clean_text('license_no') }} as license_no,
        {{ clean_text('license_content') }} as license_content,
        {{ clean_text('decision_date') }} as decision_date_text,
        {{ parse_date('decision_date') }} as decision_date,
        {{ clean_text('valid_from') }} as valid_from_text,
        {{ parse_date('valid_from') }} as valid_from,
        {{ clean_text('valid_to') }} as valid_to_text,
        {{ parse_date('valid_to') }} as valid_to,
        {{ clean_text('authority') }} as authority,
        {{ clean_code('authority_uscc') }} as authority_uscc
    from source

),

final as (

    select * from renamed

)

select * from final
