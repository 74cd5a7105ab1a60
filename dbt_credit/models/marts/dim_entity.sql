{#- an entity left with no record and no list entry (its rows re-resolved away, or after a backfill's as-of date)
    leaves: delete+insert only replaces keys it emits -#}
{%- set drop_entities_gone -%}{% raw %}{% if is_incremental() %}
    delete from {{ this }} as t
    where not exists (select 1 from {{ ref('int_records') }} as r where r.entity_id = t.entity_id)
      and not exists (select 1 from {{ ref('int_credit_list_entries') }} as l where l.entity_id = t.entity_id)
{% endif %}{% endraw %}{%- endset %}
{%- set materialization = keyed_incremental_config('entity_id', 'append_new_columns') %}
{%- do materialization.update({'pre_hook': drop_entities_gone}) %}
{{ config(**materialization) }}
-- One row per resolved entity: every entity with a record or a 红黑名单 entry. Display name and type follow the
-- entity's latest record or list entry; list memberships, repairs, open objections and broken 信用承诺 are counted
-- as of as_of().
-- Incremental by entity: a night recomputes the entities named by a row its inputs wrote since this table was
-- last built (int_records' recorded_at and int_decision_versions' versioned_at later than the latest built_at
-- here: every change to a record or a version — list entries, commitments and 法定代表人 are versions — stamps
-- one), the entities whose 红黑名单 entry began or ended between the latest as-of here and tonight's, the entities
-- whose count of submissions moved (a new one, or one re-resolved to another entity or to none: the stamps name
-- only its entity now; an exact resubmission is no version), and those whose 法定代表人 still holds a run shaped
-- like an ID number (its birth date was after the as-of it was built at, and may not be now). Everything when
-- tonight's as-of is earlier than a kept row's (a backfill) or the rules differ (rules_digest). Stamps are
-- compared with the watermark, so the clock must not run backwards between two builds.
{#- the redaction reads tonight's as-of date (a birth date after it is no ID number yet): the date is not a rule -#}
{%- set rendered_macros = [max_by('v', ['k']), redact_id_numbers('x') | replace(as_of_date(), 'as_of_date()'),
        sorted_distinct_list('x')] %}
{%- set digest = rules_digest(rendered_macros) %}
{%- set incremental_run = false %}
{%- if is_incremental() %}
    {%- set kept_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list %}
    {%- if 'rules_digest' in kept_columns and 'built_at' in kept_columns and 'submission_count' in kept_columns %}
        {%- set stale = run_query("select count(*) from " ~ this ~ " where rules_digest <> '" ~ digest ~ "'"
            ~ " or built_as_of > " ~ as_of_date()) %}
        {%- set incremental_run = stale.columns[0].values()[0] == 0 %}
    {%- endif %}
{%- endif %}
{%- set in_changed %} in (select entity_id from changed_entities){% endset %}
{%- set changed_only %}{% if incremental_run %}
      and entity_id{{ in_changed }}{% endif %}{% endset %}
with
{%- if incremental_run %}
built_stamps as (

    select max(built_at) as built_through, max(built_as_of) as built_as_of
    from {{ this }}

),

submission_counts as (

    select entity_id, count(*) as submission_count
    from {{ ref('int_entity_resolution') }}
    where entity_id is not null
    group by 1

),

-- the entities whose row may read differently tonight (the list above)
changed_entities as (

    select entity_id from {{ ref('int_records') }}
    where recorded_at > (select built_through from built_stamps)
    union
    select entity_id from {{ ref('int_decision_versions') }}
    where versioned_at > (select built_through from built_stamps)
    union
    select entity_id from {{ ref('int_credit_list_entries') }}
    where (list_entry_date > (select built_as_of from built_stamps) and list_entry_date <= {{ as_of_date() }})
       or (list_exit_date > (select built_as_of from built_stamps) and list_exit_date <= {{ as_of_date() }})
    union
    select t.entity_id
    from {{ this }} as t
    left join submission_counts as c on c.entity_id = t.entity_id
    where c.submission_count is distinct from t.submission_count
    union
    select entity_id from {{ this }}
    where {{ regex_contains('legal_rep', id_number_pattern()) }}

),
{%- endif %}

records as (

    select * from {{ ref('int_records') }}
    where entity_id is not null{{ changed_only }}

),

list_entries as (

    select * from {{ ref('int_credit_list_entries') }}
    where entity_id is not null{{ changed_only }}

),

-- records and list entries in one shape for the name / type / USCC of the entity
entity_rows as (

    select entity_id, dataset, party_name, party_type, uscc, is_natural_person, drop_date, decision_date,
        disclosure_status, under_objection, submission_id
    from records
    union all
    select entity_id, 'credit_list' as dataset, party_name, party_type, uscc, is_natural_person, drop_date,
        list_entry_date as decision_date, null as disclosure_status, false as under_objection, submission_id
    from list_entries

),

-- 信用承诺 not kept (履约状态 未履约 on the commitment's latest version)
broken_commitments as (

    select entity_id, count(*) as broken_commitments
    from {{ ref('int_decision_versions') }}
    where dataset = 'commitment' and is_latest_version and fulfilment_status = '未履约' and entity_id is not null
      {{- changed_only }}
    group by 1

),

list_counts as (

    select
        entity_id,
        count(*) filter (where is_current and list_type = '红名单') as current_red_lists,
        count(*) filter (where is_current and list_type = '黑名单') as current_black_lists
    from list_entries
    group by 1

),

submissions as (

    select s.submission_id, s.party_name, s.drop_date, r.entity_id
    from {{ ref('int_submissions') }} as s
    inner join {{ ref('int_entity_resolution') }} as r on r.submission_id = s.submission_id
    where r.entity_id is not null{% if incremental_run %} and r.entity_id{{ in_changed }}{% endif %}

),

latest as (

    select
        entity_id,
        -- submission_id breaks ties (rows of one drop and decision date): the same row on every run and engine
        {{ max_by('party_name', ['drop_date', 'decision_date', 'submission_id']) }} as entity_name,
        {{ max_by('party_type', ['drop_date', 'decision_date', 'submission_id']) }} as latest_party_type,
        max(uscc) as uscc,
        bool_or(is_natural_person) as is_natural_person,
        count(*) filter (where dataset = 'license') as license_count,
        count(*) filter (where dataset = 'penalty') as penalty_count,
        count(*) filter (where dataset = 'license' and disclosure_status = 'public') as public_license_count,
        count(*) filter (where dataset = 'penalty' and disclosure_status = 'public') as public_penalty_count,
        count(*) filter (where disclosure_status = 'repaired') as repaired_records,
        count(*) filter (where under_objection) as records_under_objection
    from entity_rows
    group by 1

),

-- 法定代表人 as the latest 双公示 record of a legal person or 个体工商户 sent it (never for a natural person);
-- an ID number typed into it is redacted
legal_reps as (

    select entity_id,
        {{ max_by(redact_id_numbers('legal_rep'), ['drop_date', 'submission_id']) }} as legal_rep
    from {{ ref('int_decision_versions') }}
    where is_latest_version and entity_id is not null and legal_rep is not null and not is_natural_person
      and dataset in (select dataset from {{ ref('datasets') }} where is_dual_disclosure)
      {{- changed_only }}
    group by 1

),

names as (

    select entity_id, {{ sorted_distinct_list('party_name') }} as names_used,
        min(drop_date) as first_seen, max(drop_date) as last_seen, count(*) as submission_count
    from submissions
    group by 1

),

final as (

    select
        l.entity_id,
        case
            when l.is_natural_person then '自然人'
            when l.latest_party_type in ('法人及非法人组织', '个体工商户') then l.latest_party_type
            when l.uscc like '92%' then '个体工商户'
            else '法人及非法人组织'
        end as entity_type,
        l.uscc,
        case when l.uscc is not null then substr(l.uscc, 9, 9) end as org_code,
        l.entity_name,
        n.names_used,
        l.license_count,
        l.penalty_count,
        l.public_license_count,
        l.public_penalty_count,
        l.repaired_records,
        l.records_under_objection,
        coalesce(lc.current_red_lists, 0) as current_red_lists,
        coalesce(lc.current_black_lists, 0) as current_black_lists,
        coalesce(bc.broken_commitments, 0) as broken_commitments,
        n.first_seen,
        n.last_seen,
        case when not l.is_natural_person then lr.legal_rep end as legal_rep,
        -- bookkeeping for the next night (see the header)
        coalesce(n.submission_count, 0) as submission_count,
        {{ invocation_started_at() }} as built_at,
        {{ as_of_date() }} as built_as_of,
        '{{ digest }}' as rules_digest
    from latest as l
    left join names as n on n.entity_id = l.entity_id
    left join list_counts as lc on lc.entity_id = l.entity_id
    left join broken_commitments as bc on bc.entity_id = l.entity_id
    left join legal_reps as lr on lr.entity_id = l.entity_id

)

select * from final
