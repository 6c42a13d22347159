"""Chinese text of complaint publicity; errors are added to `app.core.texts.ERRORS` at import."""

from app.core.texts import ERRORS

REDACTED = {
    "name": "［姓名］",
    "number": "［号码］",
    "handle": "［账号］",
    "address": "［地址］",
}

RECORD = {
    "too_few": "近 12 个月投诉不足 {min} 件，件数太少，不计算比率。",
    "no_scans": "暂无扫码数据",
}

PAGE_INVALID = "页码应为 1 到 10000 的整数。"

REPLY_STATUS = {"pending": "待站点审核", "approved": "已公开", "rejected": "未通过审核"}

CLI = {
    "refreshed": "已更新 {stores} 家店铺的公示数据，{cases} 件案件的公示摘要。",
    "reply_submitted": "已提交回应 {id}，待站点审核。",
    "reply_moderated": "回应 {id}：{status}",
    "reply_row": "{id}\t{number}\t{store}\t{status}\t{text}",
    "no_replies": "没有待审核的回应。",
    "no_reviews": "没有待人工审核的投诉内容。",
    "review_row": "{number}\t{filed}\t{store}\t{station}\t{text}",
    "review_done": "{number}：{words}",
    "review_unchanged": "{number}：审核结果未变，未做修改。",
    "review_not_needed": "{number} 的内容不在人工审核范围内（已通过自动检测，或为举报）。",
}

ERRORS.update(
    {
        "published_case_not_found": "未找到该公示案件。",
        "circle_not_found_public": "未找到该商圈。",
        "reply_not_found": "未找到该回应。",
        "reply_exists": "该案件已有店铺回应。",
        "reply_not_pending": "该回应已审核过。",
        "reply_not_allowed": "只有被投诉的店铺可以回应自己的公示案件。",
        "open311_bad_date": "日期格式应为 ISO 8601，例如 2026-06-01T00:00:00+08:00。",
        "open311_range_too_long": "查询区间最长 90 天。",
        "open311_bad_status": "status 只能是 open 或 closed。",
        "open311_bad_service": "没有这个 service_code。",
        "open311_bad_page": "page 应为 1 到 100000 的整数，page_size 应为 1 到 1000 的整数。",
        "open311_format": "只支持 JSON（.json）和 XML（.xml）格式。",
    }
)

#: The public map's colour bands (`app.publicity.geo.band`).
MAP_BANDS = {
    "low": "每千次扫码投诉少于 1 件",
    "mid": "每千次扫码投诉 1 至 5 件",
    "high": "每千次扫码投诉 5 件及以上",
    "few": "投诉件数较少，不计算比率",
}
