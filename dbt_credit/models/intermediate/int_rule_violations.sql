{{ config(**row_incremental_config('violation_id')) }}
-- One row per submission × broken rule. Which fields are required and which take a code list is data
-- (seeds dataset_columns, code_lists); the identifier, date and amount rules are the named checks below,
-- each a row in seeds/rules.csv that carries its message and severity.
{%- set text_of = {
    'decision_date': 'decision_date_text', 'valid_until': 'valid_until_text',
    'disclosure_deadline': 'disclosure_deadline_text', 'valid_from': 'valid_from_text',
    'valid_to': 'valid_to_text', 'fine_amount': 'fine_amount_text',
    'confiscated_amount': 'confiscated_amount_text', 'repair_date': 'repair_date_text',
    'objection_date': 'objection_date_text', 'resolution_date': 'resolution_date_text',
    'list_entry_date': 'list_entry_date_text', 'list_exit_date': 'list_exit_date_text',
    'filing_date': 'filing_date_text', 'list_type': 'list_type_sent', 'list_name': 'list_name_sent',
    'commitment_date': 'commitment_date_text', 'fulfilment_date': 'fulfilment_date_text',
    'action_date': 'action_date_text'} -%}
{%- set checkable_columns = ['party_name', 'party_type', 'uscc', 'biz_reg_no', 'org_code', 'id_type', 'id_no',
    'source_unit', 'source_unit_uscc', 'status', 'decision_no', 'violation_type', 'violation_facts',
    'penalty_basis', 'penalty_category', 'penalty_content', 'fine_amount', 'confiscated_amount', 'decision_date',
    'valid_until', 'disclosure_deadline', 'authority', 'authority_uscc', 'severity', 'license_doc_name',
    'license_category', 'license_content', 'valid_from', 'valid_to',
    'repaired_decision_no', 'repaired_dataset', 'repair_date', 'repair_authority', 'repair_decision_no',
    'objected_decision_no', 'objected_dataset', 'objection_date', 'objection_result', 'resolution_date',
    'list_type', 'list_name', 'list_authority', 'list_decision_no', 'list_entry_date', 'list_exit_date',
    'filing_date', 'commitment_doc_no', 'commitment_type', 'commitment_content', 'commitment_date',
    'commitment_authority', 'fulfilment_status', 'fulfilment_date', 'action_kind', 'action_decision_no',
    'action_content', 'action_basis', 'action_date', 'action_authority'] -%}
{#- rule_id, column, condition that means "broken" (AMOUNT_LOOKS_LIKE_YUAN: a number followed by 元 is
    converted by parse_amount_wan, so only an unreadable 元 value is still suspect) -#}
{%- set named_checks = [
    ('USCC_REQUIRED', 'uscc', "is_organisation and uscc is null"),
    ('USCC_INVALID', 'uscc', "uscc is not null and not uscc_is_valid"),
    ('ORG_CODE_INVALID', 'org_code', "org_code is not null and not org_code_is_valid and not coalesce(" ~ uscc_is_valid('org_code') ~ ", false)"),
    ('ID_REQUIRED', 'id_no', "is_natural_person and (id_type is null or id_no is null)"),
    ('PARTY_TYPE_CONFLICT', 'party_type', "is_natural_person and party_type is distinct from '自然人'"),
    ('ID_NO_INVALID', 'id_no', "id_no is not null and coalesce(id_type, '身份证') = '身份证' and not id_no_is_valid"),
    ('AUTHORITY_USCC_INVALID', 'authority_uscc', "authority_uscc is not null and not authority_uscc_is_valid"),
    ('SOURCE_UNIT_USCC_INVALID', 'source_unit_uscc', "source_unit_uscc is not null and not source_unit_uscc_is_valid"),
    ('DATE_UNPARSEABLE', 'decision_date', "decision_date_text is not null and decision_date is null"),
    ('DATE_UNPARSEABLE', 'valid_until', "valid_until_text is not null and valid_until is null and valid_until_text not in ('长期', '永久')"),
    ('DATE_UNPARSEABLE', 'disclosure_deadline', "disclosure_deadline_text is not null and disclosure_deadline is null"),
    ('DATE_UNPARSEABLE', 'valid_from', "valid_from_text is not null and valid_from is null"),
    ('DATE_UNPARSEABLE', 'valid_to', "valid_to_text is not null and valid_to is null and valid_to_text not in ('长期', '永久')"),
    ('DECISION_AFTER_DROP', 'decision_date', "decision_date > drop_date"),
    ('VALIDITY_ORDER', 'valid_to', "valid_to < valid_from"),
    ('DATE_UNPARSEABLE', 'repair_date', "repair_date_text is not null and repair_date is null"),
    ('DATE_UNPARSEABLE', 'objection_date', "objection_date_text is not null and objection_date is null"),
    ('DATE_UNPARSEABLE', 'resolution_date', "resolution_date_text is not null and resolution_date is null"),
    ('DATE_UNPARSEABLE', 'list_entry_date', "list_entry_date_text is not null and list_entry_date is null"),
    ('DATE_UNPARSEABLE', 'list_exit_date', "list_exit_date_text is not null and list_exit_date is null"),
    ('DATE_UNPARSEABLE', 'filing_date', "filing_date_text is not null and filing_date is null"),
    ('DATE_UNPARSEABLE', 'commitment_date', "commitment_date_text is not null and commitment_date is null"),
    ('DATE_UNPARSEABLE', 'fulfilment_date', "fulfilment_date_text is not null and fulfilment_date is null"),
    ('DATE_UNPARSEABLE', 'action_date', "action_date_text is not null and action_date is null"),
    ('DATE_ORDER', 'resolution_date', "resolution_date < objection_date"),
    ('DATE_ORDER', 'list_exit_date', "list_exit_date < list_entry_date"),
    ('LIST_NAME_UNKNOWN', 'list_name', "dataset = 'credit_list' and list_name is null"),
    ('AMOUNT_UNPARSEABLE', 'fine_amount', "fine_amount_text is not null and fine_amount_wan is null"),
    ('AMOUNT_UNPARSEABLE', 'confiscated_amount', "confiscated_amount_text is not null and confiscated_amount_wan is null"),
    ('AMOUNT_NEGATIVE', 'fine_amount', "fine_amount_wan < 0"),
    ('AMOUNT_NEGATIVE', 'confiscated_amount', "confiscated_amount_wan < 0"),
    ('AMOUNT_LOOKS_LIKE_YUAN', 'fine_amount', "fine_amount_wan >= " ~ var('yuan_suspect_threshold_wan') ~ " or fine_amount_text like '%元' and fine_amount_text not like '%万元' and fine_amount_wan is null"),
] %}
{#- an ID number where a key or a name belongs: the record is held and the department told what to fix -#}
{%- for col in ['party_name', 'decision_no', 'repaired_decision_no', 'repair_decision_no', 'objected_decision_no',
                'list_decision_no', 'commitment_doc_no', 'action_decision_no', 'license_doc_name', 'authority'] %}
{%- do named_checks.append(('ID_NO_IN_KEY_FIELD', col, contains_id_number(col))) %}
{%- endfor %}

{#- per row, so incremental: only the loads this model has not judged yet. Written out where it is read, not a
    CTE: a CTE read by every check is materialized whole (every column of every row), while each inline read
    scans only the columns its check needs -#}
{%- set submissions -%}
    (select * from {{ ref('int_submissions_checked') }}
    {%- if is_incremental() %}
     where loaded_at > (select coalesce(max(loaded_at), timestamp '1900-01-01') from {{ this }})
    {%- endif %})
{%- endset %}

{#- the generic rules read a field through its (dataset, column) pair in rule_fields: a melt of only those
    fields, streamed into the filter that follows it (it is never kept) -#}
{%- set melt_rule_fields %}
        select s.submission_id, s.dataset, s.department, s.drop_date, s.loaded_at, f.column_name,
            case f.column_name
                {%- for col in checkable_columns %}
                when '{{ col }}' then cast(s.{{ text_of.get(col, col) }} as {{ dbt.type_string() }})
                {%- endfor %}
            end as field_value
        from {{ submissions }} as s
        inner join rule_fields as f on f.dataset = s.dataset
{%- endset %}

with rules as (

    select * from {{ ref('rules') }}

),

column_labels as (

    select dataset, column_name, label_zh, required from {{ ref('dataset_columns') }}

),

code_lists as (

    select * from {{ ref('code_lists') }}

),

datasets as (

    select distinct dataset from column_labels where dataset <> 'common'

),

-- per dataset, the fields a generic rule reads: required ones, and those a code list of the dataset governs
-- (a list column that belongs to the other dataset is never judged). A few per dataset, not every field.
rule_fields as (

    select d.dataset, c.column_name,
        bool_or(c.required) as is_required,
        bool_or(l.column_name is not null) as is_coded
    from datasets as d
    inner join column_labels as c on c.dataset in ('common', d.dataset)
    left join (select distinct dataset, column_name from code_lists) as l
        on l.column_name = c.column_name and l.dataset in ('all', d.dataset)
    where c.column_name in ({% for col in checkable_columns %}'{{ col }}'{{ ", " if not loop.last }}{% endfor %})
    group by d.dataset, c.column_name

),

required_violations as (

    select submission_id, dataset, department, drop_date, loaded_at, 'REQUIRED' as rule_id, column_name,
        cast(null as {{ dbt.type_string() }}) as offending_value
    from ({{ melt_rule_fields }} and f.is_required) as m
    where field_value is null

),

-- the code-listed values are judged once per distinct (dataset, field, value): a handful of spellings, however
-- many rows carry them; multi-valued fields (处罚类别) are checked item by item
coded_values as (

    select distinct dataset, column_name, field_value
    from ({{ melt_rule_fields }} and f.is_coded) as m
    where field_value is not null

),

coded_items as (

    select dataset, column_name, field_value,
        {{ explode_list("case when column_name = 'penalty_category' then "
                        ~ split_trimmed('field_value', '[;；、,，]') ~ " else " ~ list_of('field_value') ~ " end") }} as item
    from coded_values

),

bad_items as (

    select i.dataset, i.column_name, i.field_value, i.item
    from coded_items as i
    where not exists (
        select 1 from code_lists as l
        where l.column_name = i.column_name
          and l.dataset in ('all', i.dataset)
          and (i.item = l.code or (l.allow_prefix and substr(i.item, 1, length(l.code)) = l.code))
    )

),

code_list_violations as (

    select m.submission_id, m.dataset, m.department, m.drop_date, m.loaded_at, 'CODE_LIST' as rule_id,
        m.column_name, b.item as offending_value
    from ({{ melt_rule_fields }} and f.is_coded) as m
    inner join bad_items as b
        on b.dataset = m.dataset and b.column_name = m.column_name and b.field_value = m.field_value

),

named_violations as (

    {%- for rule_id, col, condition in named_checks %}
    select submission_id, dataset, department, drop_date, loaded_at, '{{ rule_id }}' as rule_id,
        '{{ col }}' as column_name, cast({{ text_of.get(col, col) }} as {{ dbt.type_string() }}) as offending_value
    from {{ submissions }} as s
    where coalesce({{ condition }}, false)
    {{ "union all" if not loop.last }}
    {%- endfor %}

),

all_violations as (

    select * from required_violations
    union
    select * from code_list_violations
    union
    select * from named_violations

),

-- what was sent, for the department to find and fix it; personal ID numbers are masked before anything
-- else (the id hash included) so that no mart holds one: 110101********1234 is enough to find the row
masked as (

    select
        submission_id, dataset, department, drop_date, loaded_at, rule_id, column_name,
        case when column_name in ('id_no', 'legal_rep_id_no') then {{ mask_id_no('offending_value') }}
             else {{ redact_id_numbers('offending_value') }} end as offending_value
    from all_violations

),

final as (

    select
        md5(v.submission_id || '|' || v.rule_id || '|' || v.column_name || '|' || coalesce(v.offending_value, '')) as violation_id,
        v.submission_id,
        v.dataset,
        v.department,
        v.drop_date,
        v.loaded_at,
        v.rule_id,
        r.severity,
        v.column_name,
        coalesce(c.label_zh, v.column_name) as column_label_zh,
        case
            when v.rule_id = 'REQUIRED' then '必填项「' || coalesce(c.label_zh, v.column_name) || '」为空'
            when v.rule_id = 'CODE_LIST' then '「' || coalesce(c.label_zh, v.column_name) || '」的取值不在规定的代码表内'
            when v.rule_id = 'ID_NO_IN_KEY_FIELD' then '「' || coalesce(c.label_zh, v.column_name) || '」' || r.message_zh
            else r.message_zh
        end as rule_message_zh,
        v.offending_value,
        -- this run's stamp: a table rebuilt whole (a full refresh after a rule change) carries one stamp on every
        -- row, which int_records compares with the earliest it was built from
        {{ invocation_started_at() }} as checked_at
    from masked as v
    inner join rules as r on r.rule_id = v.rule_id
    left join column_labels as c on c.column_name = v.column_name and c.dataset in ('common', v.dataset)

)

select * from final
