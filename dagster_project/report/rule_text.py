"""The 通报's fixed wording of its rules: how rollups are ranked, how departments are judged, and what each
figure means (附件 指标说明). Stated once; the tables and the document take them from here."""
from __future__ import annotations

from dagster_project.project_vars import publication_workdays

# The ranking of rollups by their rates (表3 districts, and the period 通报's departments). The monthly 通报 ranks
# departments by the build's rules (judgement.ranking_rule_zh), stated from the same data it ranked with.
RANKING_RULE = (
    "排名规则：按合规率从高到低排序；合规率相同的，按迟报率从低到高排序；两项均相同的并列同一名次"
    "（按部门编码先后列示）。当月未报送任何数据的部门不参与排名，列于表末。"
    "环比为本月比率减上月比率，单位为百分点；上月无数据的记为“—”。"
)

JUDGING_RULE = (
    "评定规则：每个部门按其当月全部数据集（行政处罚、行政许可）的记录数合计后重新计算比率（不对比率取平均）；"
    "全部表扬条件同时满足的予以表扬；任一通报批评条件满足的予以通报批评；被通报批评的部门不予表扬；"
    "比率分母为零（无法计算）的，该项条件视为不满足。判定以未经四舍五入的精确比值为准，"
    "表中比率保留两位小数（重错码率保留三位）。"
)


def metric_definitions() -> list[tuple[str, str]]:
    """What each figure means (附件 指标说明); the lateness deadline from var publication_workdays, read when
    the table is made, not when this module is imported."""
    return [
        ("报送月份", "按报送日期（数据报送到信用中心的日期）所在月份统计。"),
        (
            "报送条数（记录数）",
            "当月收到的记录数；同一部门此前已报送、各字段内容（解码、去空格后）完全相同的重复记录不计；"
            "更正或撤销后重新报送的决定，计为到达当月的新记录。",
        ),
        (
            "合规率",
            "合规记录数 ÷ 记录数。合规记录指通过所属数据集全部字段规则（必填项、代码表、统一社会信用代码等标识校验、"
            "日期与金额格式、日期先后、条件必填）的记录。标识与代码值统一全角与半角字符、去空格、转大写后判断。",
        ),
        (
            "迟报率",
            f"迟报记录数 ÷ 决定日期可识别的记录数。迟报指报送日期晚于决定日期后第 {publication_workdays()} 个工作日"
            "（按国务院公布的节假日及调休安排计算），以该决定首次报送为准，后续更正不再重复计为迟报。",
        ),
        (
            "重错码率",
            "（错码记录数 ＋ 重码记录数）÷ 行政相对人类别为“法人及非法人组织”或“个体工商户”的记录数。"
            "错码：统一社会信用代码缺失或不符合 GB 32100-2015 校验规则；"
            "重码：同一统一社会信用代码对应两个及以上不同的（规范化后非空）名称。",
        ),
        ("漏报", "应报送某数据集的部门当月未报送任何该数据集记录，每个部门×数据集计一项；报送了文件但全部无法读取或被拒收的部门计为“报送失败”，不计漏报。"),
        (
            "报送失败",
            "部门当月报送了文件，但没有任何一条数据入库：文件全部无法读取（已隔离），或其中的数据行全部被拒收。"
            "报送失败的部门不参与排名，其文件和原因见“报送文件无法读取及被拒收的数据”。",
        ),
        (
            "完整率",
            "已填写的必填数据项数 ÷ 数据集要求填写的必填数据项数（每条记录按其数据集的必填项计）；必填项全部填写即为100%。"
            "选填数据项的填写率另行列示（选填项填写率），不影响完整率。按部门×数据集列示于“部门数据集明细”。",
        ),
        (
            "合规率（评定口径）",
            "表扬、通报批评和排名使用的合规率：一个问题只计一次，已由重错码率计量的统一社会信用代码问题不再计为不合规。"
            "公布的合规率仍按全部字段规则计算。",
        ),
        ("综合得分", "按附件所列权重，由合规率（评定口径）、迟报率、重错码率加权计算的0–100分，用于分组排名。"),
        ("应报送部门", "当月应报送至少一个数据集的部门（含当月有报送的部门）。"),
    ]
