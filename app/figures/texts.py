"""Chinese text of the figures and exports; errors are added to `app.core.texts.ERRORS` at import."""

from app.core.texts import ERRORS

FIELDS = {
    "period_reversed": "结束日期不能早于开始日期",
    "period_too_long": "统计期间最长 10 年",
}

CLI = {
    "header": "{first} 至 {last}　{station}",
    "everywhere": "全部站点",
    "row": "{name}：{value}（{numerator} / {denominator}）",
    "row_sum": "{name}：{value} 元（{denominator} 件办结）",
    "row_median": "{name}：{value}{unit}（{denominator} 件）",
    "row_count": "{name}：{value} 件",
    "no_cases": "无",
    "exported": "已导出 {count} 件到 {path}",
    "rolled_up": "指标日汇总已汇总至 {through}",
}

#: The dates the drill-down shows, by `kpis.Case.dates` key.
DATES = {
    "due_at": "期限",
    "met_at": "完成",
    "accepted_at": "受理",
    "resolved_at": "办结",
    "closed_at": "结案",
    "first_response_at": "首次答复",
    "handed_off_at": "移交",
    "rated_at": "评价",
}

#: Labels of the weeks and months in the figures' course.
SERIES = {"week": "{day}起", "month": "{month}月", "month_year": "{year}年{month}月"}

EXPORT = {
    "sheet": "投诉举报案件",
    "format_hint": "请选择 csv 或 xlsx",
    "columns": {
        "number": "编号",
        "kind": "类型",
        "status": "状态",
        "submitted": "提交时间",
        "first_response": "首次答复时间",
        "accepted": "受理时间",
        "resolved": "办结时间",
        "closed": "结案时间",
        "store": "被投诉经营者",
        "uscc": "统一社会信用代码",
        "station": "处理站点",
        "category": "投诉类别",
        "demand": "诉求",
        "amount": "涉及金额（元）",
        "outcome": "办结结果",
        "amount_recovered": "挽回经济损失（元）",
        "national_case_number": "全国12315平台编号",
        "name": "投诉人姓名",
        "phone": "投诉人电话",
    },
    "deadline": {
        "met": "按时",
        "met_late": "超期完成",
        "missed": "超期",
        "missed_open": "超期未完成",
        "open": "未到期",
        "cancelled": "已取消",
    },
}

ERRORS.update(
    {
        "figures_period_invalid": "统计期间有误，请检查开始和结束日期。",
        "figure_not_found": "没有这项指标。",
        "export_format_invalid": "导出格式只能是 csv 或 xlsx。",
        "export_not_found": "没有这份导出文件，或文件已过期删除。",
    }
)
