{# Every value of the column is a dataset of seeds/datasets.csv (with dual_disclosure_only: a 双公示 one, column
   is_dual_disclosure), or one of `also` (a seed's own wildcard: `common`, `all`). It replaces accepted_values lists
   that restated the seed: the dataset list has one home, and a new dataset is seed rows only.
   Usage:  - dataset_in_seed
           - dataset_in_seed: {arguments: {dual_disclosure_only: true}} #}
{% test dataset_in_seed(model, column_name, dual_disclosure_only=false, also=[]) %}

select {{ column_name }} as dataset
from {{ model }}
where {{ column_name }} is not null
    {%- if also %}
    and {{ column_name }} not in ({% for v in also %}{{ str_lit(v) }}{{ ", " if not loop.last }}{% endfor %})
    {%- endif %}
    and {{ column_name }} not in (
        select dataset from {{ ref('datasets') }}
        {%- if dual_disclosure_only %} where is_dual_disclosure{% endif %}
    )

{% endtest %}
