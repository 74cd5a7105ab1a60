{# raw_datasets(), common_raw_columns(), dataset_raw_columns() and standard_raw_columns(): macros/seed_datasets.sql, generated from the seeds. #}

{% macro lineage_columns() -%}
    {{ return(['department', 'drop_date', 'file_path', 'file_hash', 'sheet_name', 'source_row', 'load_id', 'loaded_at']) }}
{%- endmacro %}

{# The staging select shared by every dataset: lineage, a stable submission id, the exact-duplicate
   fingerprint, completeness counts, and the common party fields cleaned. `overrides` (column -> SQL
   expression) replaces a party identifier's expression in place (uscc, org_code, id_no). `late_columns`: raw
   columns added after rows were stored (procedure_type); they enter the fingerprint only when filled, so a row
   stored before keeps its fingerprint and an exact resubmission of it is still recognised.
   party_type is party_type_sent here: int_submissions_checked maps synonyms (seed code_synonyms) to party_type. #}
{% macro stg_common_select(dataset, dataset_columns, standard_columns, overrides={}, late_columns=[]) -%}
    {%- set all_columns = common_raw_columns() + dataset_columns | reject('in', late_columns) | list -%}
        -- one row of one department's file (the same bytes from two departments are two submissions)
        md5(department || '|' || file_hash || '|' || coalesce(sheet_name, '') || '|' || cast(source_row as {{ dbt.type_string() }})) as submission_id,
        '{{ dataset }}' as dataset,
        department,
        drop_date,
        file_path,
        file_hash,
        sheet_name,
        source_row,
        load_id,
        loaded_at,
        -- same decoded, trimmed value in every field => same fingerprint, whatever the file's encoding
        md5(concat_ws(chr(31),
            {%- for c in all_columns %}
            coalesce({{ trim_text(c) }}, chr(0)){{ "," if not loop.last }}
            {%- endfor %}
        ){% for c in late_columns %} || coalesce(chr(30) || {{ str_lit(c ~ '=') }} || {{ trim_text(c) }}, ''){% endfor %}) as row_fingerprint,
        (
            {%- for c in standard_columns %}
            (case when nullif({{ trim_text(c) }}, '') is not null then 1 else 0 end){{ " +" if not loop.last }}
            {%- endfor %}
        ) as filled_items,
        {{ standard_columns | length }} as standard_items,
        {{ clean_text('party_name') }} as party_name,
        {{ normalize_name('party_name') }} as party_name_norm,
        {{ clean_text('party_type') }} as party_type_sent,
        {{ overrides.get('uscc', clean_code('uscc')) }} as uscc,
        {{ clean_code('biz_reg_no') }} as biz_reg_no,
        {{ overrides.get('org_code', clean_code('org_code')) }} as org_code,
        {{ clean_code('tax_reg_no') }} as tax_reg_no,
        {{ clean_code('inst_cert_no') }} as inst_cert_no,
        {{ clean_code('social_org_no') }} as social_org_no,
        {{ clean_text('legal_rep') }} as legal_rep,
        {{ clean_text('legal_rep_id_type') }} as legal_rep_id_type,
        {{ clean_code('legal_rep_id_no') }} as legal_rep_id_no,
        {{ clean_text('id_type') }} as id_type,
        {{ overrides.get('id_no', clean_code('id_no')) }} as id_no,
        {{ clean_text('source_unit') }} as source_unit,
        {{ clean_code('source_unit_uscc') }} as source_unit_uscc,
        {{ clean_text('remarks') }} as remarks,
        {{ clean_text('status') }} as status,
        extra_columns
{%- endmacro %}

{# Same party on two rows: the same resolved entity, or (either side unresolved) the same normalised name. #}
{% macro same_party(a, b) -%}
    ({{ a }}.entity_id = {{ b }}.entity_id
     or (({{ a }}.entity_id is null or {{ b }}.entity_id is null) and {{ a }}.party_name_norm = {{ b }}.party_name_norm))
{%- endmacro %}
