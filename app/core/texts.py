"""Every user-facing Chinese string of the service, kept together for review."""

ERRORS: dict[str, str] = {
    "bad_request": "请求有误，请检查后重试。",
    "validation_failed": "提交的内容有误，请按提示修改。",
    "invalid_json": "请求内容不是有效的 JSON。",
    "not_found": "您访问的内容不存在。",
    "method_not_allowed": "不支持该请求方式。",
    "payload_too_large": "提交的内容过大。",
    "unsupported_media_type": "请以 JSON 格式提交。",
    "internal_error": "服务暂时出现问题，请稍后再试。",
    "database_unavailable": "系统正忙，请稍候几秒再试。",
    "store_not_found": "未找到该店铺，请确认二维码或店铺码是否正确。",
    "code_revoked": "该店铺码已作废，请扫描店内张贴的最新二维码。",
    "scan_unrecognised": "无法识别该二维码，请扫描“一店一码”的店铺二维码。",
    "login_required": "请先登录。",
    "token_invalid": "登录已失效，请重新登录。",
    "wechat_code_invalid": "登录凭证无效，请重新进入小程序后再试。",
    "wechat_code_used": "登录凭证已使用，请重新进入小程序后再试。",
    "wechat_rate_limited": "登录过于频繁，请稍后再试。",
    "wechat_busy": "微信服务繁忙，请稍后再试。",
    "wechat_unavailable": "暂时无法连接微信服务，请稍后再试。",
    "wechat_error": "微信服务返回异常，请稍后再试。",
    "uscc_invalid": "统一社会信用代码无效。",
    "import_file_type": "只能导入 .csv 或 .xlsx 文件（旧版 .xls 请在 Excel 中另存为 .xlsx）。",
    "import_file_unreadable": "无法读取该文件，请确认它是完好的 CSV 或 Excel（.xlsx）文件。",
    "import_file_encoding": "无法识别文件编码，请另存为 UTF-8 或 GB18030（GBK）编码的 CSV。",
    "import_file_empty": "文件是空的，第一行应为列名。",
    "import_file_no_rows": "文件只有列名，没有数据行。",
    "circle_not_found": "未找到该商圈，请核对商圈名称。",
}

FIELDS: dict[str, str] = {
    "required": "此项为必填项。",
    "code_required": "缺少登录凭证 code。",
}

CREDENTIAL_KINDS = {
    "business_licence": "营业执照",
    "food_licence": "食品经营许可证",
    "health_certificate": "健康证",
    "other": "其他证照",
}

CREDENTIAL_STATUS = {"valid": "有效", "expiring": "即将到期", "expired": "已过期", "long_term": "长期有效"}

COMMITMENT_KINDS = {
    "no_reason_return": "线下无理由退货",
    "first_payout": "先行赔付",
    "first_inquiry": "首问负责",
}

STATION_KINDS = {
    "center_12315": "12315 投诉举报中心",
    "regulatory_office": "市场监督管理所",
    "service_station": "消费维权服务站",
    "liaison_station": "消费维权联络站",
}

INDUSTRIES = {
    "restaurant": "餐饮",
    "food_shop": "食品销售",
    "supermarket": "超市",
    "pharmacy": "药店",
    "clothing": "服装",
    "electronics": "电子数码",
    "service": "生活服务",
    "other": "其他",
}

# Working-day calendar, time limits and `flask calendar` output (app.calendar.workcal / rulesets).
CALENDAR: dict[str, str] = {
    "weekday_0": "星期一",
    "weekday_1": "星期二",
    "weekday_2": "星期三",
    "weekday_3": "星期四",
    "weekday_4": "星期五",
    "weekday_5": "星期六",
    "weekday_6": "星期日",
    "basis_working_days": "个工作日",
    "basis_calendar_days": "日",
    "basis_months": "个月",
    "basis_years": "年",
    "basis_hours": "小时",
    "basis_working_hours": "个工作小时",
    "day_workday": "工作日",
    "day_off": "休息日",
    "day_weekend": "周末",
    "day_makeup": "调休上班",
    "day_fallback": "按周一至周五推算",
    "day_override": "人工设置",
    "ruleset_order121": "《市场监督管理投诉举报处理办法》（总局令第121号）",
    "ruleset_interim2022": "《市场监督管理投诉举报处理暂行办法》（2022年修正）",
    "ruleset_local": "本地服务标准（首问负责、ODR、服务站）",
    "limit_accept_decline": "作出受理或者不予受理决定",
    "limit_mediation": "调解期限（未达成调解协议则终止调解）",
    "limit_termination_notice": "告知终止调解",
    "limit_clue_verification": "核查调解中发现的违法线索",
    "limit_jurisdiction_dispute": "协商解决处理权限争议",
    "limit_too_old": "投诉时效",
    "limit_merchant_first_reply": "经营者首次答复（首问负责）",
    "limit_merchant_settlement": "经营者和解期限",
    "limit_station_first_response": "服务站首次响应",
    "limit_small_dispute_first_response": "小额纠纷首次响应",
    "limit_small_dispute_close": "小额纠纷办结",
    "limit_ordinary_close": "服务站一般纠纷办结",
    "from_receipt": "自收到投诉之日起",
    "from_acceptance": "自受理之日起",
    "from_decision": "自作出终止调解决定之日起",
    "from_discovery": "自发现之日起",
    "from_dispute": "自发生争议之日起",
    "from_harm_known": "自知道或者应当知道权益受侵害之日起",
    "from_filing": "自提交投诉时起",
    "excludes_testing": "鉴定、检测所需时间不计入",
    "extension": "经批准可延长 {n}{unit}",
    "in_force_from": "自 {day} 起施行",
    "in_force_until": "至 {day} 前适用",
    "layer": "叠加于法定时限之上",
    "small_dispute_max": "小额纠纷：金额不超过 {amount} 元",
    "counting": "期间计算：{rule}",
    "deadline_due": "期限届满：{day}",
    "deadline_from": "起算：{day}（当日不计入），{n}{unit}",
    "deadline_due_at": "届满时刻：{at}",
    "deadline_moved": "顺延：期间最后一日 {day} 为法定节假日或休息日，顺延至其后第一个工作日（第四十五条）",
    "deadline_skipped": "跳过的休息日（{count} 天）：",
    "deadline_certain": "日历：确定",
    "deadline_uncertain": (
        "日历：不确定——{day} 等日期超出节假日数据（{first}–{last} 年），按周一至周五推算；"
        "国务院公布放假安排后请用 flask calendar override set 录入"
    ),
    "deadline_need_n": "请给出 --working-days N 或 --days N（二选一），或只给 --rules NAME 列出该规则的全部期限。",
    "hours_need_time": "按小时计，需具体时刻",
    "override_set": "已设置：{day} {kind}{note}",
    "override_deleted": "已删除：{day}",
    "override_missing": "没有 {day} 的人工设置。",
    "override_none": "（没有人工设置的日期）",
    "override_need_kind": "请指定 --workday 或 --holiday。",
    "ruleset_unknown": "没有名为 {name} 的规则（可用：{names}）。",
    "ruleset_none_in_force": "{day} 没有适用的法定规则。",
}
