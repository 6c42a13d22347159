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
    "uscc_invalid": "统一社会信用代码无效。",
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
