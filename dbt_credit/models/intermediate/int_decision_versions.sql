{#- a decision that has no version any more (its submissions re-resolved to another decision, became exact
    resubmissions, or lie after a backfill's earlier as-of date) leaves: delete+insert only replaces keys it emits -#}
{%- set drop_decisions_without_versions -%}{% raw %}{% if is_incremental() %}
    delete from {{ this }} as t
    where not exists (
        select 1
        from {{ ref('int_entity_resolution') }} as r
        inner join {{ ref('int_submissions') }} as s on s.submission_id = r.submission_id
        where r.decision_key = t.decision_key and not s.is_exact_resubmission)
{% endif %}{% endraw %}{%- endset %}
{%- set materialization = decision_incremental_config('decision_key') %}
{%- do materialization.update({'pre_hook': drop_decisions_without_versions}) %}
{{ config(**materialization) }}
-- Every distinct submission of a decision, oldest first. Exact resubmissions are not versions; a later
-- submission of the same decision (same dataset, decision number and party) is a correction, and the
-- latest drop wins. The history stays here for anyone asking what was sent when.
-- The version order is computed on the narrow key columns and joined back to the wide rows: a window over
-- the wide rows would have to hold them all at once (out of memory at 10M rows with a 2.5GB limit).
-- Incremental by decision: a night rebuilds the decisions of the submissions int_entity_resolution wrote since
-- this table was last built (a resolved_at no row kept here carries), under their decision key now and the
-- key they were kept under — the wide rows and the windows are touched for those alone. Entity resolution
-- re-resolves every submission whose versions can change (new ones, and those their decision numbers, names or
-- codes touch); a kept row that a late older copy makes an exact resubmission shares that copy's number or, with
-- none, was a decision of its own and is left without a version (the pre-hook deletes it). A table whose columns
-- differ from what this model makes is rebuilt whole.
{%- set resolution_columns = ['decision_key', 'entity_id', 'resolution_method', 'resolved_uscc', 'resolved_at'] %}
{%- set derived_columns = resolution_columns + ['version_number', 'version_count', 'first_drop_date',
        'first_submission_id', 'is_latest_version', 'is_first_submission', 'versioned_at'] %}
{%- set incremental_run = false %}
{%- if is_incremental() %}
    {%- set kept_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list %}
    {%- set made_columns = (adapter.get_columns_in_relation(ref('int_submissions')) | map(attribute='name')
                            | map('lower') | list) + derived_columns %}
    {%- set incremental_run = kept_columns | sort == made_columns | sort %}
{%- endif %}
with submissions as (

    select * from {{ ref('int_submissions') }}
    where not is_exact_resubmission

),

-- the narrow columns that order the versions: the wide rows above are read once, by final (a CTE read twice
-- is materialized whole)
submission_order as (

    select submission_id, drop_date, loaded_at, file_path, source_row
    from {{ ref('int_submissions') }}
    where not is_exact_resubmission

),

resolution as (

    select submission_id, {{ resolution_columns | join(', ') }}
    from {{ ref('int_entity_resolution') }}

),

{% if incremental_run %}
-- the stamps this table was built from: rows kept here carry the resolved_at of the resolution row they were
-- built from, and a build consumes every row of a stamp it sees
built_stamps as (

    select distinct resolved_at from {{ this }}

),

-- the submissions resolved by a run this table has not seen (compared by value, not by order: a clock set back
-- between two runs cannot hide a change)
re_resolved as (

    select r.submission_id, r.decision_key
    from {{ ref('int_entity_resolution') }} as r
    where not exists (select 1 from built_stamps as b where b.resolved_at = r.resolved_at)

),

-- a decision that may have gained, lost or re-resolved a version, under its key now and the key it was kept under
changed_decisions as (

    select decision_key from re_resolved
    union
    select t.decision_key
    from {{ this }} as t
    where t.submission_id in (select submission_id from re_resolved)

),

touched as (

    select r.*
    from resolution as r
    inner join changed_decisions as c on c.decision_key = r.decision_key

),
{% endif %}

version_order as (

    select
        s.submission_id,
        {%- for col in resolution_columns %}
        r.{{ col }},
        {%- endfor %}
        row_number() over oldest_first as version_number,
        count(*) over (partition by r.decision_key) as version_count,
        min(s.drop_date) over (partition by r.decision_key) as first_drop_date,
        -- carried on every version so that readers need no self-join to find the first (lateness is judged there)
        first_value(s.submission_id) over oldest_first as first_submission_id
    from submission_order as s
    inner join {{ 'touched' if incremental_run else 'resolution' }} as r on r.submission_id = s.submission_id
    window oldest_first as (partition by r.decision_key order by s.drop_date, s.loaded_at, s.file_path, s.source_row)

),

-- the wide rows meet one narrow relation (version_order carries the resolution): joined to the resolution as well,
-- DuckDB built its hash table on the wide side (1M rows: 13 s of a 14 s full refresh, spilled)
final as (

    select
        s.*,
        {%- for col in resolution_columns %}
        v.{{ col }},
        {%- endfor %}
        v.version_number,
        v.version_count,
        v.first_drop_date,
        v.first_submission_id,
        v.version_number = v.version_count as is_latest_version,
        v.version_number = 1 as is_first_submission,
        -- this run's stamp on every version it (re)builds: int_records recomputes the records of stamps it has
        -- not seen, as this model does with resolved_at
        {{ invocation_started_at() }} as versioned_at
    from submissions as s
    inner join version_order as v on v.submission_id = s.submission_id

)

select * from final
