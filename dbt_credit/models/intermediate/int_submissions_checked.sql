{{ config(**row_incremental_config('submission_id')) }}
-- Every row received (a "submission"), every dataset in one shape (columns a dataset lacks are null), cleaned,
-- typed and with its identifier checks. Each row depends on itself alone, so a night processes only the loads
-- it has not seen: this is where the per-row regex, parsing and check-digit work happens, and it grows with the
-- night's drop. The datasets are those of macro raw_datasets() (= seeds/dataset_columns.csv).
-- is_exact_resubmission (an exact copy of a row the department sent in an earlier drop) depends on the row's
-- group of identical rows only: a night recomputes just the groups its new rows join.
{#- a table built before is_exact_resubmission existed is rebuilt whole, once (delete+insert on every key) -#}
{%- set incremental_run = is_incremental() and 'is_exact_resubmission' in (
        adapter.get_columns_in_relation(this) | map(attribute='name') | list) %}
{%- set staged = [] %}
{%- for ds in raw_datasets() %}{% do staged.append(ref('stg_raw__' ~ ds)) %}{% endfor %}
with unioned as (
    {{ union_all_by_name(staged) }}

),

new_rows as (

    select * from unioned
    {% if incremental_run %}
    {#- the loads already processed, inlined as literals: a NOT IN (subquery) is not pushed below the
        staging views, so DuckDB would clean every historical row before filtering (measured: the whole
        history each night instead of the night's drop) -#}
    {%- set seen = run_query("select distinct load_id from " ~ this ~ " where load_id is not null") -%}
    {%- if seen and seen.rows | length > 0 %}
    where load_id not in ({% for r in seen.rows %}{{ str_lit(r[0]) }}{{ ", " if not loop.last }}{% endfor %})
    {%- endif %}
    {% endif %}

),

synonyms as (

    select * from {{ ref('code_synonyms') }}

),

-- coded values sent in a non-standard spelling (个体户, 企业法人, 一般程序 …) take their standard code (seed
-- code_synonyms) before any rule looks at them; the value as sent stays in *_sent
standardised as (

    select
        n.*,
        coalesce(pt.code, n.party_type_sent) as party_type,
        coalesce(pr.code, n.procedure_type_sent) as procedure_type
    from new_rows as n
    left join synonyms as pt on pt.column_name = 'party_type' and pt.synonym = n.party_type_sent
    left join synonyms as pr on pr.column_name = 'procedure_type' and pr.synonym = n.procedure_type_sent

),

checked as (

    select
        *,
        -- validity flags are false (not null) when the code is absent, so they combine safely
        coalesce({{ uscc_is_valid('uscc') }}, false) as uscc_is_valid,
        coalesce({{ org_code_is_valid('org_code') }}, false) as org_code_is_valid,
        coalesce({{ ric_is_valid('id_no', 'drop_date') }}, false) as id_no_is_valid,
        coalesce({{ uscc_is_valid('authority_uscc') }}, false) as authority_uscc_is_valid,
        coalesce({{ uscc_is_valid('source_unit_uscc') }}, false) as source_unit_uscc_is_valid,
        coalesce(party_type in ('法人及非法人组织', '个体工商户'), false) as is_organisation,
        -- natural-person signals win over the declared category: an ID number (证件类型 身份证, a valid
        -- resident ID number as the party's ID or in its USCC field) makes the row a 自然人 for publication;
        -- a declared category that disagrees is flagged (rule PARTY_TYPE_CONFLICT) for the department to fix
        coalesce(party_type = '自然人'
                 or (id_type = '身份证' and id_no is not null)
                 or {{ ric_is_valid('id_no', 'drop_date') }}
                 or {{ ric_is_valid('uscc', 'drop_date') }}, false) as is_natural_person,
        {{ split_trimmed("coalesce(penalty_category, '')", '[;；、,，]') }} as penalty_categories
    from standardised

),

cleaned as (

    select
        *,
        case when is_natural_person and id_no_is_valid then {{ person_key_hash('id_no') }}
             when is_natural_person and coalesce({{ ric_is_valid('uscc', 'drop_date') }}, false)
             then {{ person_key_hash('uscc') }} end as person_key
    from checked

),

{% if incremental_run %}
{#- the columns of `cleaned`, by name: the unioned staging columns, then those added below -#}
{%- set cleaned_columns = columns_by_name(staged) | map(attribute=0) | list + ['party_type', 'procedure_type', 'uscc_is_valid', 'org_code_is_valid',
    'id_no_is_valid', 'authority_uscc_is_valid', 'source_unit_uscc_is_valid', 'is_organisation', 'is_natural_person',
    'penalty_categories', 'person_key'] %}
{%- set kept_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list %}
-- rows already kept whose group of identical rows gains a member tonight: re-emitted with their flag
-- recomputed (a late folder may carry an older drop date); their old copies are replaced (delete+insert)
touched_groups as (

    select distinct department, dataset, row_fingerprint from cleaned

),

kept as (

    select
        {%- for c in cleaned_columns %}
        {{ 't.' ~ c if c in kept_columns else 'null as ' ~ c }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ this }} as t
    inner join touched_groups as g
        on g.department = t.department and g.dataset = t.dataset and g.row_fingerprint = t.row_fingerprint

),
{% endif %}

candidates as (

    select * from cleaned
    {% if incremental_run %}
    union all
    select * from kept
    {% endif %}

),

-- the first drop of each group of identical rows: aggregated on the narrow key and joined back, because a
-- window over the wide rows has to hold them all at once (out of memory at 10M rows with a 2.5GB limit)
group_first_drops as (

    select department, dataset, row_fingerprint, min(drop_date) as group_first_drop_date
    from candidates
    group by department, dataset, row_fingerprint

),

final as (

    select
        c.*,
        g.group_first_drop_date < c.drop_date as is_exact_resubmission
    from candidates as c
    inner join group_first_drops as g
        on g.department = c.department and g.dataset = c.dataset and g.row_fingerprint = c.row_fingerprint

)

select * from final
