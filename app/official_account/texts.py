"""Chinese text of the official-account chat (station staff and merchant contacts) and `flask staff`.

Kept apart from app/texts.py only for size; `app.core.texts.ERRORS` is extended from here at import.
Every reply must fit a chat bubble: WeChat's passive text reply takes at most 2048 bytes.
"""

from app.core.texts import ERRORS

OA = {
    "stranger": (
        "您好！本公众号供消费维权站点工作人员和商家联系人处理投诉使用。\n"
        "工作人员或商家联系人：请向管理员索取绑定二维码并扫码，或发送“绑定 六位绑定码”。\n"
        "消费者投诉请使用“一店一码”小程序，或拨打 {hotline}。"
    ),
    "welcome_back": "欢迎回来，{name}（{where}）。发送“待办”查看待处理投诉，发送“帮助”查看全部指令。",
    "bound": "绑定成功！您好，{name}（{where}）。发送“待办”查看待处理投诉，发送“帮助”查看全部指令。",
    "already_bound": "本微信已绑定{name}（{where}），无需重复绑定。",
    "bind_usage": "请发送“绑定 六位绑定码”，例如：绑定 123456。绑定码由管理员提供，24 小时内有效。",
    "unbound": "已解除绑定（{name}）。本微信将不再收到投诉提醒，也不能再处理投诉。",
    "not_bound": "本微信尚未绑定工作人员身份，无需解绑。",
    "only_text": "暂只支持文字指令。",
    "not_a_reply": (
        "这条消息没有发给消费者。如要回复 {number}，请发送：回复 {number} 内容。发送“帮助”查看全部指令。"
    ),
    "need_number": "请写明投诉编号，例如：{example}",
    "not_found": "未找到投诉“{number}”，请核对编号。已转交其他站点的投诉，您将不能再查看。",
    "ambiguous": "有多件投诉的编号以“{number}”结尾，请写完整编号。",
    "todo_empty": "目前没有待处理的投诉。",
    "todo_head": "待处理投诉 {count} 件（期限最近的在前）：",
    "todo_more": "……另有更多，请先处理以上投诉。",
    "todo_line": "{i}. {number} {store} {status}{due}",
    "due": " {label}：{text}",
    "detail_head": "{number}（{kind}·{status}）",
    "detail_store": "店铺：{store}",
    "detail_station": "负责站点：{station}",
    "detail_category": "类别：{category}；诉求：{demand}{amount}",
    "detail_amount": "；金额 {amount} 元",
    "detail_person": "投诉人：{name} {phone}",
    "detail_reporter": "举报人：{name} {phone}",
    "detail_linked": "关联{kind}：{number}（第九条分别处理）",
    "detail_anonymous": "举报人：匿名",
    "detail_description": "内容：{text}",
    "detail_deadlines": "期限：{items}",
    "detail_deadline_item": "{label}，{text}",
    "detail_last": "最近：{at} {text}",
    "detail_offered": "现在可以：{words}（发送“帮助”查看用法）",
    "detail_nothing_offered": "该投诉现在没有需要您办理的事项。",
    "done_replied": "已回复 {number}：{text}",
    "done_accepted": "已受理 {number}。调解期限：{due}",
    "done_declined": "已对 {number} 作出不予受理决定（{reason}），已告知消费者其他解决途径。",
    "done_transferred": "已将 {number} 转交{station}。",
    "done_suspended": "{number} 已暂停（{reason}），期间不计入调解期限。恢复时发送“恢复 {number}”。",
    "done_resumed": "{number} 已恢复处理。{due}",
    "done_resolved": "{number} 已办结：{outcome}{amount}。等待消费者确认。",
    "done_resolved_amount": "，挽回经济损失 {amount} 元",
    "done_settled": "已告知消费者 {number} 已协商解决，等待消费者确认。",
    "done_to_station": "{number} 已交由{station}处理。",
    "decline_options": "请注明不予受理的理由（{rules}），发送“不予受理 {number} 序号”：",
    "terminate_options": "终止调解需注明理由（{rules}），发送“办结 {number} 终止 序号”：",
    "suspend_options": "请注明暂停的原因，发送“暂停 {number} 序号 [说明]”：",
    "outcome_options": "请注明办结结果，发送“办结 {number} 序号 [挽回金额]”，例如：办结 {number} 1 200。可选：",
    "transfer_usage": "请按“转办 号 站点序号 原因”发送，例如：转办 {number} 1 属地管辖（转给{first}）。可转给：",
    "transfer_nowhere": "没有可以转办的站点。",
    "reply_usage": "请按“回复 号 内容”发送。",
    "settle_usage": "请按“和解 号 说明 [金额]”发送，例如：和解 {number} 已退款 699",
    "merchant_only": "该指令供商家联系人使用。",
    "staff_only": "该指令供站点工作人员使用。",
    "station_not_found": "未找到站点“{name}”，请写站点全称。",
    "station_number_invalid": "没有序号为“{name}”的站点，请按下面列表中的序号发送。",
    "none_due": "",
    "done_case_opened": "已对 {number} 立案调查。处理期限：{due}",
    "done_not_opened": "已对 {number} 作出不予立案决定（{reason}）。",
    "done_extended": "{number} 核查期限已延长，至{due}。",
    "done_extended_case": "{number} 处理期限已延长，至{due}。",
    "done_concluded": "{number} 已结案：{result}。",
    "done_split": "已从 {number} 另立{kind} {twin}，两件分别处理并相互关联。",
    "not_open_options": "请注明不予立案的理由，发送“不予立案 {number} 序号 [说明]”：",
    "conclude_options": "请注明处理结果，发送“结案 {number} 序号 [说明]”：",
}

#: The chat's help, one line per command; the lines of actions follow the table in `app.complaints.states`.
HELP = {
    "head": "可用指令（“号”为投诉编号，也可只输末 6 位）：",
    "todo_station": "待办 — 本站点未办结的投诉，期限最近的在前",
    "todo_merchant": "待办 — 请您先行协商的投诉",
    "todo_supervisor": "待办 — 本站点及下级未办结的投诉和举报，期限最近的在前",
    "view": "查看 号 — 详情，以及现在可以办理的指令",
    "accept": "受理 号",
    "decline": "不予受理 号 理由（发“不予受理 号”查看可选理由）",
    "reply": "回复 号 内容 — 回复消费者",
    "transfer": "转办 号 站点序号 原因（发“转办 号”查看可转给的站点）",
    "suspend": "暂停 号 原因序号（发“暂停 号”查看可选原因）",
    "resume": "恢复 号",
    "resolve": "办结 号 结果序号 [挽回金额]（发“办结 号”查看可选结果）",
    "split": "拆分 号 [说明] — 同时含投诉和举报的，另立一件分别处理",
    "extend": "延期 号 理由 — 批准延长举报核查期限 15 个工作日（负责人，限一次）",
    "open_case": "立案 号 [核查情况] — 举报核查后立案调查",
    "not_open": "不予立案 号 理由序号（发“不予立案 号”查看可选理由）",
    "conclude": "结案 号 结果序号（发“结案 号”查看可选结果）",
    "merchant_reply": "回复 号 内容 — 答复消费者",
    "merchant_settle": "和解 号 说明 [金额] — 已与消费者协商解决",
    "to_station": "协商不成 号 — 交由维权站点处理",
    "unbind": "解绑 — 解除本微信的绑定",
}

# `flask staff ...` output.
CLI = {
    "staff_added": "已添加工作人员 {name}（{role}，{where}），编号 {id}",
    "invite_code": "绑定码：{code}（{expires} 前有效，仅能使用一次）",
    "invite_how": "请对方关注公众号后发送“绑定 {code}”，或用微信扫描二维码。",
    "invite_qr": "二维码图片：{path}",
    "invite_qr_url": "二维码内容：{url}",
    "invite_qr_failed": "未能生成二维码（{error}）；绑定码仍然有效。",
    "unbound": "已解除 {name}（编号 {id}）的微信绑定。",
    "not_bound": "{name}（编号 {id}）尚未绑定微信。",
    "list_empty": "（没有工作人员）",
    "bound_yes": "已绑定",
    "bound_no": "未绑定",
    "inactive": "已停用",
    "unfollowed": "已取消关注公众号，收不到提醒",
}

ERRORS.update(
    {
        "staff_not_found": "未找到该工作人员。",
        "staff_inactive": "该工作人员已停用，不能绑定。",
        "staff_role_invalid": "角色应为 handler（处理人员）或 supervisor（督办人员）。",
        "staff_name_required": "请填写姓名（最多 50 个字）。",
        "invite_not_found": "绑定码或二维码无效，请向管理员重新索取。",
        "invite_expired": "该绑定码或二维码已过期（有效期 24 小时），请向管理员重新索取。",
        "invite_used": "该绑定码或二维码已使用过，每个只能使用一次。如需重新绑定，请向管理员重新索取。",
        "openid_bound_other": "本微信已绑定其他工作人员身份，不能重复绑定。如需更换，请先发送“解绑”。",
        "bind_rate_limited": "绑定尝试次数过多，请一小时后再试。",
        "bind_code_format": "绑定码为 6 位数字，例如：绑定 123456。",
    }
)
