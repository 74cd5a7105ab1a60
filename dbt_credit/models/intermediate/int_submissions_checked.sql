{{ config(materialized='incremental', unique_key='submission_id', incremental_strategy='delete+insert',
          on_schema_change='append_new_columns') }}
-- Every row received (a "submission"), every dataset in one shape (columns a dataset lacks are null), cleaned,
-- typed and with its identifier checks. Each row depends on itself alone, so a night processes only the loads
-- it has not seen: this is where the per-row regex, parsing and check-digit work happens, and it grows with the
-- night's drop. The datasets are those of macro raw_datasets() (= seeds/dataset_columns.csv).
with unioned as (

    {%- for ds in raw_datasets() %}
    select * from {{ ref('stg_raw__' ~ ds) }}
    {{ "union all by name" if not loop.last }}
    {%- endfor %}

),

new_rows as (

    select * from unioned
    {% if is_incremental() %}
    {#- the loads already processed, inlined as literals: a NOT IN (subquery) is not pushed below the
        staging views, so DuckDB would clean every historical row before filtering (measured: the whole
        history each night instead of the night's drop) -#}
    {%- set seen = run_query("select distinct load_id from " ~ this ~ " where load_id is not null") -%}
    {%- if seen and seen.rows | length > 0 %}
    where load_id not in ({% for r in seen.rows %}'{{ r[0] | replace("'", "''") }}'{{ ", " if not loop.last }}{% endfor %})
    {%- endif %}
    {% endif %}

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
        coalesce(party_type = '自然人', false) as is_natural_person,
        list_filter(
            list_transform(string_split_regex(coalesce(penalty_category, ''), '[;；、,，]'), lambda x: trim(x)),
            lambda x: x <> ''
        ) as penalty_categories
    from new_rows

),

final as (

    select
        *,
        case when is_natural_person and id_no_is_valid then {{ person_key_hash('id_no') }} end as person_key
    from checked

)

select * from final
