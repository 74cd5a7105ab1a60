{#- a record int_records no longer holds leaves: delete+insert only replaces keys it emits -#}
{%- set drop_records_gone -%}{% raw %}{% if is_incremental() %}
    delete from {{ this }} as t
    where not exists (select 1 from {{ ref('int_records') }} as r where r.record_id = t.record_id)
{% endif %}{% endraw %}{%- endset %}
{%- set materialization = keyed_incremental_config('record_id', 'append_new_columns') %}
{%- do materialization.update({'pre_hook': drop_records_gone}) %}
{{ config(**materialization) }}
-- One row per distinct decision after dedupe (the latest version), with its disclosure status as of as_of().
-- Incremental by record: a night rewrites the records int_records (re)computed since this table was built
-- (a recorded_at no row here carries; compared by value). A kept table without the stamp is rewritten whole.
{%- set incremental_run = is_incremental()
        and 'recorded_at' in (adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list) %}
with
{%- if incremental_run %}
built_stamps as (

    select distinct recorded_at from {{ this }}

),
{%- endif %}

records as (

    select * from {{ ref('int_records') }} as r
    {%- if incremental_run %}
    where not exists (select 1 from built_stamps as b where b.recorded_at = r.recorded_at)
    {%- endif %}

),

final as (

    select
        record_id,
        entity_id,
        dataset,
        decision_no,
        decision_date,
        authority,
        department,
        fine_amount_wan,
        fine_amount_sent_in_yuan,
        disclosure_status,
        disclosure_reason_zh,
        repaired_on,
        under_objection,
        objection_count,
        last_objection_result,
        disclosure_from,
        disclosure_until,
        disclosure_regime,
        effective_severity,
        party_name,
        party_type,
        uscc,
        resolution_method,
        penalty_category,
        penalty_content,
        violation_type,
        license_category,
        license_content,
        valid_from,
        valid_to,
        status as current_status,
        error_count,
        is_late,
        version_count,
        first_drop_date,
        drop_date as latest_drop_date,
        supplied_disclosure_deadline,
        supplied_deadline_disagrees,
        submission_id as latest_submission_id,
        procedure_type,
        procedure_unknown,
        min_disclosure_until,
        early_repair_date,
        early_repair_decision_no,
        recorded_at
    from records

)

select * from final
