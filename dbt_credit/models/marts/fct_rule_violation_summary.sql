-- How often each rule was broken, per department and month: the report's "most frequent violations".
with items as (

    select * from {{ ref('fct_rectification_item') }}

),

final as (

    select department, month, dataset, rule_id, rule_message_zh, count(*) as violation_count
    from items
    group by department, month, dataset, rule_id, rule_message_zh

)

select * from final
