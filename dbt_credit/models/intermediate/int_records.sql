{#- a record whose decision has no latest 双公示 version any more (re-resolved away, an exact resubmission now,
    after a backfill's as-of date, or a dataset no longer 双公示) leaves: delete+insert only replaces keys it emits -#}
{%- set drop_records_without_decisions -%}{% raw %}{% if is_incremental() %}
    delete from {{ this }} as t
    where not exists (
        select 1
        from {{ ref('int_decision_versions') }} as v
        where v.decision_key = t.record_id and v.is_latest_version
          and v.dataset in (select dataset from {{ ref('datasets') }} where is_dual_disclosure))
{% endif %}{% endraw %}{%- endset %}
{%- set materialization = decision_incremental_config('record_id') %}
{%- do materialization.update({'pre_hook': drop_records_without_decisions}) %}
{{ config(**materialization) }}
-- One row per decision (the latest version), tied to its entity, with its disclosure window and status as
-- of as_of() (macros/as_of.sql). Disclosure rules are data: seeds disclosure_windows (regimes by effective dates),
-- disclosure_special_domains, severity_by_penalty_category, departments (is_market_regulation).
-- Records are the 双公示 decisions (seeds/datasets.csv is_dual_disclosure). A penalty repaired (int_repairs) on or
-- before the as-of date is `repaired`; a record withdrawn after an objection (int_objections, 撤销) is `revoked`;
-- an open objection sets under_objection without changing the status.
-- Windows end as the civil code counts (macro months_window_end). A repair dated on or before the last day of the
-- minimum window (min_disclosure_until) does not end disclosure: early_repair_* flag it for review (rule
-- REPAIR_BEFORE_MINIMUM, on the penalty department's list via fct_rule_violation). A 市场监管 department's
-- 简易程序 decision is not published; one whose 程序类型 is unknown is published and flagged (procedure_unknown).

-- Incremental by record: a night recomputes
--   (a) the records of decisions int_decision_versions rebuilt since (a versioned_at no row here carries);
--   (b) every record a repair or an objection names by decision number, now or when the row was built (their
--       effect moves with the as-of date, and a corrected one can stop naming a record);
--   (c) every record whose first submission is late or could not be judged, now or when built (the calendar
--       grows with the drops: an unjudged one becomes judged);
--   (d) every record whose disclosure window ended between the as-of it was built at and tonight's;
-- and everything when tonight's as-of is earlier than a kept row's (a backfill), when the rules differ
-- (rules_digest: the seeds', models' and called macros' code), or when int_rule_violations was rebuilt whole since
-- (its earliest checked_at moved: a full refresh after a rule change). Nothing else a record reads moves.
{%- set rendered_macros = [months_window_end('d', 'm'), same_party('a', 'b'), max_by('v', ['k']),
        text_contains('h', 'n'), explode_list('x'), list_is_only('x', "'y'")] %}
{%- set digest = rules_digest(rendered_macros) %}
{%- set incremental_run = false %}
{%- if is_incremental() %}
    {%- set kept_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list %}
    {%- if 'rules_digest' in kept_columns and 'violations_checked_from' in kept_columns %}
        {%- set stale = run_query("select count(*) from " ~ this ~ " where rules_digest <> '" ~ digest ~ "'"
            ~ " or built_as_of > " ~ as_of_date() ~ " or violations_checked_from is distinct from"
            ~ " (select min(checked_at) from " ~ ref('int_rule_violations') ~ ")") %}
        {%- set incremental_run = stale.columns[0].values()[0] == 0 %}
    {%- endif %}
{%- endif %}

-- The wide rows are read once, by final; every join that decides something runs on the narrow columns of
-- latest (a CTE read more than once is materialized whole, and a hash join can pick the wide side to build:
-- at 1M records the lateness join alone held ~1 GB and spilled).
with
{%- if incremental_run %}
-- the decisions whose record may read differently tonight (the list above)
latest_keys as (

    select decision_key, versioned_at, decision_no_norm, first_submission_id
    from {{ ref('int_decision_versions') }}
    where is_latest_version
      and dataset in (select dataset from {{ ref('datasets') }} where is_dual_disclosure)

),

built_stamps as (

    select distinct versioned_at from {{ this }}

),

named_numbers as (

    select repaired_decision_no_norm as decision_no_norm from {{ ref('int_repairs') }}
    union
    select objected_decision_no_norm from {{ ref('int_objections') }}

),

recompute as (

    select decision_key from latest_keys as l
    where not exists (select 1 from built_stamps as b where b.versioned_at = l.versioned_at)
       or l.decision_no_norm in (select decision_no_norm from named_numbers)
       or l.first_submission_id in (
           select submission_id from {{ ref('int_submission_timeliness') }} where is_late or is_late is null)
    union
    select record_id from {{ this }}
    where repaired_on is not null or early_repair_date is not null or objection_count > 0
       or is_late or is_late is null
       or (disclosure_until >= built_as_of and disclosure_until < {{ as_of_date() }})

),
{%- endif %}

latest_versions as (

    select * from {{ ref('int_decision_versions') }}
    where is_latest_version
      and dataset in (select dataset from {{ ref('datasets') }} where is_dual_disclosure)
      {%- if incremental_run %}
      and decision_key in (select decision_key from recompute)
      {%- endif %}

),

latest as (

    select
        submission_id, first_submission_id, dataset, department, decision_no_norm, party_name_norm, entity_id,
        decision_date, severity, penalty_categories, violation_type, penalty_basis, procedure_type
    from {{ ref('int_decision_versions') }}
    where is_latest_version
      and dataset in (select dataset from {{ ref('datasets') }} where is_dual_disclosure)
      {%- if incremental_run %}
      and decision_key in (select decision_key from recompute)
      {%- endif %}

),

repairs as (

    select * from {{ ref('int_repairs') }}
    where is_effective

),

objections as (

    select * from {{ ref('int_objections') }}
    where is_accepted

),

violations as (

    select submission_id, count(*) as error_count
    from {{ ref('int_rule_violations') }}
    where severity = 'error'
    group by 1

),

-- the submissions that are late or could not be judged (is_late null), a few percent of all: joined to every
-- submission's timeliness, the lateness join built its hash table on all of them (10M rows)
timeliness as (

    select submission_id, is_late from {{ ref('int_submission_timeliness') }}
    where is_late or is_late is null

),

windows as (

    select * from {{ ref('disclosure_windows') }}

),

special_domains as (

    select * from {{ ref('disclosure_special_domains') }}

),

severity_map as (

    select * from {{ ref('severity_by_penalty_category') }}

),

departments as (

    select * from {{ ref('departments') }}

),

procedure_codes as (

    select code from {{ ref('code_lists') }}
    where column_name = 'procedure_type' and dataset in ('all', 'penalty')

),

severity_rank as (

    select * from (values ('轻微', 1), ('一般', 2), ('严重', 3)) as t(severity, severity_rank)  -- noqa: LT01

),

latest_categories as (

    select submission_id, {{ explode_list('penalty_categories') }} as category
    from latest

),

-- severity: as sent where valid; else the most severe mapped penalty category; else 一般
mapped_rank as (

    select c.submission_id, max(r.severity_rank) as mapped_rank
    from latest_categories as c
    inner join severity_map as m on m.penalty_category = c.category
    inner join severity_rank as r on r.severity = m.severity
    group by c.submission_id

),

mapped_severity as (

    select m.submission_id, r.severity as mapped_severity
    from mapped_rank as m
    inner join severity_rank as r on r.severity_rank = m.mapped_rank

),

-- penalties in a special domain (a keyword of seeds/disclosure_special_domains in the type or basis)
special_domain_hits as (

    select distinct l.submission_id
    from latest as l
    inner join special_domains as d
        on {{ text_contains("coalesce(l.violation_type, '') || ' ' || coalesce(l.penalty_basis, '')", 'd.keyword') }}

),

classified as (

    select
        l.submission_id,
        l.first_submission_id,
        l.dataset,
        l.decision_no_norm,
        l.party_name_norm,
        l.entity_id,
        l.decision_date,
        l.procedure_type,
        coalesce(
            case when l.severity in ('轻微', '一般', '严重') then l.severity end,
            ms.mapped_severity,
            '一般'
        ) as effective_severity,
        case when sd.submission_id is not null then 'special' else 'general' end as disclosure_domain,
        coalesce(d.is_market_regulation, false) as is_market_regulation,
        {{ list_is_only('l.penalty_categories', "'警告'") }} as is_warning_only
    from latest as l
    left join mapped_severity as ms on ms.submission_id = l.submission_id
    left join special_domain_hits as sd on sd.submission_id = l.submission_id
    left join departments as d on d.department = l.department

),

-- each record's match keys: its decision number and party (resolved entity, else normalised name)
keyed as (

    select submission_id, dataset, decision_no_norm, party_name_norm, entity_id, decision_date
    from classified

),

-- objections accepted by the as-of date, per record
objected as (

    select
        k.submission_id,
        count(*) as objection_count,
        bool_or(o.is_open) as under_objection,
        bool_or(o.is_withdrawn) as withdrawn_after_objection,
        {{ max_by('o.result_as_of', ['coalesce(o.resolution_date, o.objection_date)']) }} filter (where o.result_as_of is not null)
            as last_objection_result
    from keyed as k
    inner join objections as o
        on o.objected_decision_no_norm = k.decision_no_norm
       and {{ same_party('o', 'k') }}
       and coalesce(o.objected_dataset, k.dataset) = k.dataset
    group by 1

),

-- lateness is judged on the first submission of the decision
lateness as (

    select c.submission_id, t.is_late
    from classified as c
    inner join timeliness as t on t.submission_id = c.first_submission_id

),

windowed as (

    -- the longest applicable window wins (several penalty types, or several matching rows)
    select
        c.submission_id,
        max(w.max_months) as max_months,
        max(w.min_months) as min_months,
        bool_or(w.is_published) as window_is_published,
        max(w.regime) as disclosure_regime
    from classified as c
    inner join windows as w
        on c.decision_date between cast(w.effective_from as date) and cast(w.effective_to as date)
       and w.severity in ('any', c.effective_severity)
       and w.domain in ('any', c.disclosure_domain)
    where c.dataset = 'penalty'
    group by 1

),

-- effective repairs of a penalty (same normalised decision number, same party), each against the last day of the
-- penalty's minimum window: 信用修复 may end disclosure only once the minimum has been served
repair_matches as (

    select
        k.submission_id,
        r.repair_date,
        r.repair_decision_no,
        r.drop_date as repair_drop_date,
        case when k.decision_date is not null and w.min_months is not null
             then {{ months_window_end('k.decision_date', 'w.min_months') }} end as min_disclosure_until
    from keyed as k
    inner join repairs as r
        on r.repaired_decision_no_norm = k.decision_no_norm
       and {{ same_party('r', 'k') }}
       and coalesce(r.repaired_dataset, '行政处罚') = '行政处罚'
    left join windowed as w on w.submission_id = k.submission_id
    where k.dataset = 'penalty'

),

-- the earliest repair that ends disclosure; the latest one dated too early (flagged, not applied)
repaired as (

    select
        submission_id,
        min(repair_date) filter (where min_disclosure_until is null or repair_date > min_disclosure_until)
            as repaired_on,
        max(repair_date) filter (where repair_date <= min_disclosure_until) as early_repair_date,
        {{ max_by('repair_decision_no', ['repair_date']) }} filter (where repair_date <= min_disclosure_until)
            as early_repair_decision_no,
        max(repair_drop_date) filter (where repair_date <= min_disclosure_until) as early_repair_drop_date,
        count(*) as repair_count
    from repair_matches
    group by 1

),

final as (

    select
        c.decision_key as record_id,
        c.submission_id,
        c.first_submission_id,
        c.entity_id,
        c.resolution_method,
        c.dataset,
        c.department,
        c.party_name,
        c.party_name_norm,
        c.party_type,
        coalesce(c.resolved_uscc, case when c.uscc_is_valid then c.uscc end) as uscc,
        c.org_code,
        c.biz_reg_no,
        c.decision_no,
        c.decision_date,
        c.drop_date,
        c.first_drop_date,
        c.version_count,
        c.authority,
        c.authority_uscc,
        c.status,
        c.violation_type,
        c.violation_facts,
        c.penalty_basis,
        c.penalty_category,
        c.penalty_categories,
        c.penalty_content,
        c.fine_amount_wan,
        c.fine_amount_sent_in_yuan,
        c.confiscated_amount_wan,
        c.license_doc_name,
        c.license_category,
        c.license_content,
        c.license_no,
        c.valid_from,
        c.valid_to,
        c.disclosure_deadline as supplied_disclosure_deadline,
        c.procedure_type,
        c.dataset = 'penalty' and k.is_market_regulation
            and pc.code is null as procedure_unknown,
        k.effective_severity,
        k.disclosure_domain,
        w.disclosure_regime,
        coalesce(v.error_count, 0) as error_count,
        -- every first submission has a timeliness row: one not kept above was judged on time
        case when t.submission_id is null then false else t.is_late end as is_late,
        case when c.dataset = 'penalty' and c.decision_date is not null and w.max_months is not null
             then {{ months_window_end('c.decision_date', 'w.max_months') }} end as disclosure_until,
        case when c.dataset = 'penalty' and c.decision_date is not null and w.min_months is not null
             then {{ months_window_end('c.decision_date', 'w.min_months') }} end as min_disclosure_until,
        greatest(c.decision_date, c.first_drop_date) as disclosure_from,
        c.is_natural_person,
        k.is_warning_only,
        k.is_market_regulation,
        w.window_is_published,
        rp.repaired_on,
        rp.early_repair_date,
        rp.early_repair_decision_no,
        rp.early_repair_drop_date,
        coalesce(ob.under_objection, false) as under_objection,
        coalesce(ob.objection_count, 0) as objection_count,
        ob.last_objection_result,
        coalesce(ob.withdrawn_after_objection, false) as withdrawn_after_objection,
        -- what the row was computed from and with (see the top): lineage, the same for every row of a build
        c.versioned_at,
        -- this run's stamp on every record it (re)computes: fct_credit_record follows it as this model follows
        -- versioned_at
        {{ invocation_started_at() }} as recorded_at,
        {{ as_of_date() }} as built_as_of,
        '{{ digest }}' as rules_digest,
        (select min(checked_at) from {{ ref('int_rule_violations') }}) as violations_checked_from
    from latest_versions as c
    inner join classified as k on k.submission_id = c.submission_id
    left join violations as v on v.submission_id = c.submission_id
    left join lateness as t on t.submission_id = c.submission_id
    left join windowed as w on w.submission_id = c.submission_id
    left join repaired as rp on rp.submission_id = c.submission_id
    left join objected as ob on ob.submission_id = c.submission_id
    left join procedure_codes as pc on pc.code = c.procedure_type

),

with_status as (

    select
        *,
        case
            when status = '撤销' then 'revoked'
            when withdrawn_after_objection then 'revoked'
            when repaired_on is not null then 'repaired'
            when is_natural_person then 'not_public'
            when dataset = 'penalty' and is_market_regulation and is_warning_only then 'not_public'
            when dataset = 'penalty' and is_market_regulation and procedure_type = '简易程序' then 'not_public'
            when dataset = 'penalty' and window_is_published = false then 'not_public'
            when dataset = 'penalty' and disclosure_until < {{ as_of_date() }} then 'expired'
            when error_count > 0 then 'held'
            when dataset = 'penalty' and disclosure_until is null then 'held'
            else 'public'
        end as disclosure_status,
        case
            when status = '撤销' then '决定已撤销'
            when withdrawn_after_objection then '经异议处理后撤销（信息已撤回）'
            when repaired_on is not null then '已完成信用修复，停止公示'
            when is_natural_person then '涉及自然人的信用信息原则上不公示'
            when dataset = 'penalty' and is_market_regulation and is_warning_only then '市场监管部门仅警告的处罚决定不公示'
            when dataset = 'penalty' and is_market_regulation and procedure_type = '简易程序'
                then '市场监管部门适用简易程序作出的处罚决定不公示'
            when dataset = 'penalty' and window_is_published = false then '轻微失信信息原则上不公示'
            when dataset = 'penalty' and disclosure_until < {{ as_of_date() }} then '公示期已届满'
            when error_count > 0 then '数据不合规，待报送单位更正后公示'
            when dataset = 'penalty' and disclosure_until is null then '无法确定公示期（决定日期缺失或无法识别）'
        end as disclosure_reason_zh,
        supplied_disclosure_deadline is not null and disclosure_until is not null
            and supplied_disclosure_deadline <> disclosure_until as supplied_deadline_disagrees
    from final

)

select * from with_status
