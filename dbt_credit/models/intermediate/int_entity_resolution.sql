{#- a backfill with an earlier as-of date hides submissions kept from later nights: delete+insert only replaces
    the keys it emits, so they leave here (after the model has seen them and re-resolved everything) -#}
{%- set drop_hidden_submissions -%}{% raw %}{% if is_incremental() %}
    delete from {{ this }} as t
    where not exists (select 1 from {{ ref('int_submissions') }} as s where s.submission_id = t.submission_id)
{% endif %}{% endraw %}{%- endset %}
{%- set materialization = keyed_incremental_config('submission_id', 'sync_all_columns') %}
{%- do materialization.update({'post_hook': drop_hidden_submissions}) %}
{{ config(**materialization) }}
-- Which entity (and which decision) each submission is about. Legal persons and 个体工商户 by a valid USCC; legacy records by an
-- 组织机构代码 that is positions 9-17 of exactly one known USCC; name-only records (or 工商注册号 only) where
-- exactly one known entity carries the normalised name; natural persons by a keyed hash of a valid ID
-- number. Anything else stays unresolved (entity_key null) and is counted, never guessed.
-- Incremental by submission: a night re-resolves only what its new submissions can change — themselves, the
-- kept submissions whose 组织机构代码 or name a USCC new to the warehouse claims, and every submission of a decision
-- number one of those carries (a number's first party and joint status are judged over all its submissions). A night
-- that hides kept submissions (a backfill's earlier as-of) re-resolves everything; so does a kept table whose
-- columns differ from these. resolved_at (the dbt invocation's start) marks the rows a run wrote:
-- int_decision_versions rebuilds the decisions of rows written since it was last built instead of comparing every key.
{%- set output_columns = ['submission_id', 'entity_id', 'entity_key', 'resolved_uscc', 'resolution_method',
                          'decision_key', 'resolved_at'] %}
{%- set incremental_run = false %}
{%- if is_incremental() %}
    {%- set kept_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list %}
    {%- set incremental_run = kept_columns | sort == output_columns | sort %}
{%- endif %}
{%- set resolution_inputs -%}
        submission_id, dataset, department, decision_no_norm, party_name_norm, is_natural_person, person_key,
        uscc, uscc_is_valid, org_code, org_code_is_valid, drop_date, loaded_at, file_path, source_row
{%- endset %}
with

{% if incremental_run %}
-- the submissions tonight adds, and whether any kept one is hidden now
added as (

    select {{ resolution_inputs }}
    from {{ ref('int_submissions') }} as s
    where not exists (select 1 from {{ this }} as t where t.submission_id = s.submission_id)

),

hides_kept as (

    select count(*) > 0 as hides_kept
    from {{ this }} as t
    where not exists (select 1 from {{ ref('int_submissions') }} as s where s.submission_id = t.submission_id)

),

-- a USCC tonight brings, under a name, that no kept submission carried: only these change what an 组织机构代码
-- (positions 9-17 of a USCC) or a name resolves to
added_usccs as (

    select distinct uscc, party_name_norm
    from added
    where uscc_is_valid and not is_natural_person

),

kept_usccs as (

    select distinct uscc, party_name_norm
    from {{ ref('int_submissions') }}
    where uscc_is_valid and not is_natural_person
        and uscc in (select uscc from added_usccs)
        and submission_id not in (select submission_id from added)

),

claimed_org_codes as (

    select distinct substr(uscc, 9, 9) as org_code
    from added_usccs
    where uscc not in (select uscc from kept_usccs)

),

claimed_names as (

    select distinct party_name_norm
    from (select * from added_usccs except select * from kept_usccs) as new_pairs
    where party_name_norm is not null

),

re_resolved as (

    select submission_id, dataset, department, decision_no_norm
    from {{ ref('int_submissions') }}
    where (org_code_is_valid and org_code in (select org_code from claimed_org_codes))
        or party_name_norm in (select party_name_norm from claimed_names)
    union
    select submission_id, dataset, department, decision_no_norm
    from added

),

touched_numbers as (

    select distinct dataset, department, decision_no_norm
    from re_resolved
    where decision_no_norm is not null

),

submissions as (

    select {{ resolution_inputs }}
    from {{ ref('int_submissions') }} as s
    where (select hides_kept from hides_kept)
        or s.submission_id in (select submission_id from re_resolved)
        or exists (select 1 from touched_numbers as n
                   where n.dataset = s.dataset and n.department = s.department
                     and n.decision_no_norm = s.decision_no_norm)

),

-- every valid USCC that could claim a code or name among these submissions
known_usccs as (

    select distinct uscc, party_name_norm
    from {{ ref('int_submissions') }}
    where uscc_is_valid and not is_natural_person
        and (substr(uscc, 9, 9) in (select org_code from submissions where org_code_is_valid)
             or party_name_norm in (select party_name_norm from submissions))

),
{% else %}
submissions as (

    select {{ resolution_inputs }}
    from {{ ref('int_submissions') }}

),

known_usccs as (

    select distinct uscc, party_name_norm
    from submissions
    where uscc_is_valid and not is_natural_person

),
{% endif %}

org_code_index as (

    select substr(uscc, 9, 9) as org_code, min(uscc) as uscc, count(distinct uscc) as candidates
    from known_usccs
    group by 1

),

name_index as (

    select party_name_norm, min(uscc) as uscc, count(distinct uscc) as candidates
    from known_usccs
    where party_name_norm is not null
    group by 1

),

resolved as (

    select
        s.submission_id,
        s.dataset,
        s.department,
        s.decision_no_norm,
        s.party_name_norm,
        s.is_natural_person,
        s.drop_date,
        s.loaded_at,
        s.file_path,
        s.source_row,
        case
            when s.is_natural_person then case when s.person_key is not null then 'person_id' end
            when s.uscc_is_valid then 'uscc'
            when s.org_code_is_valid and o.candidates = 1 then 'org_code'
            when n.candidates = 1 then 'name'
        end as resolution_method,
        case
            when s.is_natural_person then 'P:' || s.person_key
            when s.uscc_is_valid then 'U:' || s.uscc
            when s.org_code_is_valid and o.candidates = 1 then 'U:' || o.uscc
            when n.candidates = 1 then 'U:' || n.uscc
        end as entity_key,
        case
            when s.is_natural_person then null
            when s.uscc_is_valid then s.uscc
            when s.org_code_is_valid and o.candidates = 1 then o.uscc
            when n.candidates = 1 then n.uscc
        end as resolved_uscc,
        coalesce(n.candidates, 0) > 1 and not s.uscc_is_valid and not s.is_natural_person as is_ambiguous_name
    from submissions as s
    left join org_code_index as o on o.org_code = s.org_code
    left join name_index as n on n.party_name_norm = s.party_name_norm

),

parties as (

    select
        submission_id, dataset, department, decision_no_norm, drop_date, loaded_at, file_path, source_row,
        coalesce(entity_key, 'N:' || party_name_norm, '') as party_key
    from resolved
    where decision_no_norm is not null

),

-- a department's decision number names one decision, whoever a later submission names as its party: a
-- correction that changes the party's USCC (or name) corrects the decision instead of publishing a second
-- one. Only a joint decision (several parties under one number in the same drop) is told apart by party.
joint_numbers as (

    select distinct dataset, department, decision_no_norm
    from parties
    group by dataset, department, decision_no_norm, drop_date
    having count(distinct party_key) > 1

),

first_parties as (

    select dataset, department, decision_no_norm, party_key as first_party_key
    from (
        select
            dataset, department, decision_no_norm, party_key,
            row_number() over (partition by dataset, department, decision_no_norm
                               order by drop_date, loaded_at, file_path, source_row) as party_order
        from parties
    ) as ordered
    where party_order = 1

),

final as (

    select
        r.submission_id,
        {{ entity_id('r.entity_key') }} as entity_id,
        r.entity_key,
        r.resolved_uscc,
        coalesce(r.resolution_method, case when r.is_ambiguous_name then 'ambiguous_name' else 'unresolved' end)
            as resolution_method,
        -- the decision a submission speaks of: same dataset and decision number, keyed with the party the
        -- number was first sent for (a joint decision: each party its own), so record ids stay what they were
        md5(r.dataset || '|' || coalesce(r.decision_no_norm, '#' || r.submission_id) || '|' ||
            case when j.decision_no_norm is null and f.first_party_key is not null then f.first_party_key
                 else coalesce(r.entity_key, 'N:' || r.party_name_norm, '') end) as decision_key,
        {{ invocation_started_at() }} as resolved_at
    from resolved as r
    left join joint_numbers as j
        on j.dataset = r.dataset and j.department = r.department and j.decision_no_norm = r.decision_no_norm
    left join first_parties as f
        on f.dataset = r.dataset and f.department = r.department and f.decision_no_norm = r.decision_no_norm

)

select * from final
