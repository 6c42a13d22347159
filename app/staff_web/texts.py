"""Chinese text of the staff H5 pages (`/oa/...`), kept together for review."""

SITE = "一店一码 · 投诉处理"

ACTIONS = {
    "accept": "受理",
    "decline": "不予受理",
    "reply": "回复",
    "transfer": "转办",
    "suspend": "暂停处理",
    "resume": "恢复处理",
    "resolve": "办结",
    "merchant_reply": "答复消费者",
    "merchant_settle": "已协商和解",
    "to_station": "协商不成，交由站点处理",
    "extend": "延长核查期限（负责人批准）",
    "extend_case": "延长处理期限（负责人批准）",
    "open_case": "立案",
    "not_open": "不予立案",
    "conclude": "结案",
    "split": "拆分投诉与举报（第九条）",
}

DONE = {
    "accept": "已受理，消费者会收到通知。",
    "decline": "已决定不予受理，消费者会收到理由和其他解决途径。",
    "reply": "回复已发送给消费者。",
    "note": "内部备注已保存，消费者看不到。",
    "transfer": "已转办。",
    "suspend": "已暂停处理，暂停期间不计入调解期限。",
    "resume": "已恢复处理。",
    "resolve": "已办结，等待消费者确认。",
    "merchant_reply": "答复已发送给消费者。",
    "merchant_settle": "已提交和解结果，等待消费者确认。",
    "to_station": "已交由站点处理。",
    "extend": "核查期限已延长 15 个工作日。",
    "extend_case": "立案后的处理期限已延长 30 日。",
    "open_case": "已立案；实名举报人会收到告知。",
    "not_open": "已决定不予立案；实名举报人会收到告知。",
    "conclude": "已结案；实名举报人会收到处理结果。",
    "split": "已拆分，关联的案件已另行编号处理。",
}

#: (title, text) of the message pages.
PAGES = {
    "not_bound": (
        "尚未绑定",
        "您的微信尚未绑定工作人员身份，暂时无法查看投诉。请向所在站点索取绑定码，"
        "在公众号中发送“绑定 六位数字”或扫描绑定二维码后，再从消息中打开本页。",
    ),
    "link_invalid": ("链接已失效", "该链接无效或已过期，请从公众号中的最新消息重新打开。"),
    "login_expired": ("请重新打开", "登录已过期，请从公众号消息中重新打开本页面。"),
    "oauth_failed": ("授权失败", "微信授权未完成或已过期，请从公众号消息中重新打开本页面。"),
    "wechat_unreachable": ("请稍后再试", "暂时无法连接微信，请稍后从公众号消息中重新打开本页面。"),
    "forbidden": ("无权处理", "您无权进行此操作。"),
    "not_found": ("未找到", "未找到该投诉，请核对投诉编号。已转交其他站点的投诉，您将不能再查看。"),
    "csrf_missing": ("请求无效", "页面已过期，请返回刷新后重新提交。"),
    "csrf_invalid": ("请求无效", "页面已过期或来源不明，请返回刷新后重新提交。"),
    "bad_action": ("请求无效", "不支持的操作。"),
    "photo_not_found": ("未找到", "图片不存在，或您无权查看。"),
    "failed": ("无法完成", ""),
}

INTERNAL = "内部"
NO_OPEN_CASES = "暂无待处理的投诉。"
UNCERTAIN = "待确认"
OVERDUE = "已超期"
MET = "已完成"
CANCELLED = "已取消"
