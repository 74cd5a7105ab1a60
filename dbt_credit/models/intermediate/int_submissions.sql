-- Every row received (a "submission"), both datasets in one shape, with identifier checks and the
-- exact-resubmission flag. Downstream models never read staging directly.
with penalty as (

    select * from {{ ref('stg_raw__penalty') }}

),

license as (

    select * from {{ ref('stg_raw__license') }}

),

unioned as (

    select * from penalty
    union all by name
    select * from license

),

checked as (

    select
        *,
        -- validity flags are false (not null) when the code is absent, so they combine safely
        coalesce({{ uscc_is_valid('uscc') }}, false) as uscc_is_valid,
        coalesce({{ org_code_is_valid('org_code') }}, false) as org_code_is_valid,
        coalesce({{ ric_is_valid('id_no') }}, false) as id_no_is_valid,
        coalesce({{ uscc_is_valid('authority_uscc') }}, false) as authority_uscc_is_valid,
        coalesce({{ uscc_is_valid('source_unit_uscc') }}, false) as source_unit_uscc_is_valid,
        coalesce(party_type in ('法人及非法人组织', '个体工商户'), false) as is_organisation,
        coalesce(party_type = '自然人', false) as is_natural_person,
        list_filter(
            list_transform(string_split_regex(coalesce(penalty_category, ''), '[;；、,，]'), lambda x: trim(x)),
            lambda x: x <> ''
        ) as penalty_categories
    from unioned

),

in_scope as (

    -- a build as of a date sees the drops up to that date (a backfill reproduces that night)
    select * from checked
    where drop_date <= date '{{ var("as_of") }}'

),

resubmissions as (

    select
        *,
        -- an exact copy of a row this department already sent in an earlier drop is not a new record
        min(drop_date) over (partition by department, dataset, row_fingerprint) < drop_date as is_exact_resubmission
    from in_scope

),

final as (

    select
        *,
        case when is_natural_person and id_no_is_valid then {{ person_key_hash('id_no') }} end as person_key
    from resubmissions

)

select * from final
