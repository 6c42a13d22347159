"""Chinese text for complaints: options, statuses, reasons, timeline lines and notifications.

Kept apart from app/texts.py only for size; `app.core.texts.ERRORS` is extended from here at import.
"""

from app.core.texts import ERRORS

CATEGORIES = {
    "quality": "商品质量",
    "service": "服务质量",
    "price": "价格与计量",
    "return_exchange": "退换货",
    "food_safety": "食品安全",
    "false_advertising": "虚假宣传",
    "pledge_broken": "承诺未兑现",
    "other": "其他",
}
CATEGORY_HINTS = {"pledge_broken": "线下无理由退货、先行赔付、首问负责等承诺未兑现"}

DEMANDS = {
    "return": "退货",
    "refund": "退款",
    "exchange": "换货",
    "compensation": "赔偿",
    "first_payout": "先行赔付",
    "apology": "道歉",
    "other": "其他",
}

KINDS = {"complaint": "投诉", "report": "举报"}
KIND_HINTS = {
    "complaint": "与商家发生消费纠纷，请求调解处理（需实名）",
    "report": "反映商家涉嫌违法的线索（可匿名，身份严格保密）",
}

STATUS = {
    "submitted": "已提交",
    "merchant_negotiating": "商家协商中",
    "with_station": "待站点处理",
    "accepted": "已受理",
    "suspended": "暂停（检测鉴定中）",
    "declined": "不予受理",
    "resolved": "已办结",
    "closed": "已结案",
    "withdrawn": "已撤回",
    "investigating": "已立案调查",
    "not_opened": "不予立案",
}
#: A report's statuses where they read differently from a complaint's (the report path, 举报).
REPORT_STATUS = {"submitted": "核查中", "closed": "已结案"}
#: The inbox title of a new filing, by kind.
SUBMITTED_TITLE = {"complaint": "投诉已提交", "report": "举报已提交"}


def status_label(kind: str, status: str) -> str:
    """A status as people read it: a report's own words where they differ."""
    return (REPORT_STATUS.get(status) if kind == "report" else None) or STATUS.get(status, "")


# -- reports (举报): Order 121 Art. 28-37 and the SAMR administrative penalty procedure rules --------------

#: Why no case is opened on a report (不予立案): the closed list staff choose from.
NOT_OPEN_REASONS = {
    "no_evidence": "经核查，没有证据初步证明存在违法行为",
    "no_penalty_due": "依法不应当给予行政处罚",
    "not_within_authority": "不属于本部门处理权限，请向有处理权限的部门提出（第三十四条）",
    "time_barred": "已超过给予行政处罚的法定期限",
    "minor_corrected": "违法行为轻微并及时改正，没有造成危害后果",
    "first_minor_corrected": "初次违法且危害后果轻微并及时改正",
    "no_fault": "当事人有证据足以证明没有主观过错",
}
#: The result of an opened case (结案), as the reporter may be told it.
CASE_RESULTS = {
    "penalised": "已依法作出行政处罚决定",
    "not_established": "违法事实不成立，不予行政处罚",
    "minor_no_penalty": "违法行为轻微，依法不予行政处罚",
    "to_judicial": "涉嫌犯罪，已移送司法机关",
}
REPORT_REPEATED = "您已就同一事实举报过该商家（编号 {number}），不再另行处理；如有新的事实，请在原举报中补充说明，核查期限将重新计算（第三十五条）。"
CHOOSE_NOT_OPEN_REASON = "请选择不予立案的理由：{labels}。"
CHOOSE_CASE_RESULT = "请选择结案结果：{labels}。"
EXTENSION_REASON_REQUIRED = "延长核查期限须写明理由（经负责人批准，最多延长 15 个工作日）。"

#: The reporter's next step on a report (`next_step`): {station}, {due}.
REPORT_NEXT_STEPS = {
    "verify": "{station}将在{due}前完成核查，决定是否立案。",
    "verify_undated": "{station}正在核查举报线索，决定是否立案。",
    "investigate": "已立案调查，{station}将在{due}前作出处理决定。",
    "investigate_undated": "已立案调查，{station}将依法作出处理决定。",
}

# Order 121 Art. 16 grounds for declining a complaint.
DECLINE_REASONS = {
    "not_within_authority": "投诉事项不属于市场监督管理部门职责，或本单位不具有处理权限（第十六条第一项）",
    "already_handled": "法院、仲裁机构、行政机关或消费者协会已受理或处理过同一争议（第十六条第二项）",
    "not_consumer_dispute": "非生活消费需要，或不能证明存在消费者权益争议（第十六条第三项）",
    "too_old": "知道或应当知道权益受侵害之日起已超过三年（第十六条第四项）",
    "materials_missing": "未提供规定的材料，或提供虚假材料（第十六条第五项）",
    "identity_unverified": "冒用他人名义或拒不配合核验真实身份（第十六条第六项）",
    "other_legal_ground": "法律、法规、规章规定不予受理的其他情形（第十六条第七项）",
}
# The 2019 interim measures (2022 text) Art. 15 grounds, for complaints filed before Order 121 took effect.
DECLINE_REASONS_INTERIM = {
    "not_within_authority": "投诉事项不属于市场监督管理部门职责，或本单位不具有处理权限（第十五条第一项）",
    "already_handled": "法院、仲裁机构、行政机关、消费者协会或其他调解组织已受理或处理过同一争议（第十五条第二项）",
    "not_consumer_dispute": "非生活消费需要，或不能证明存在消费者权益争议（第十五条第三项）",
    "too_old": "知道或应当知道权益受侵害之日起已超过三年（第十五条第四项）",
    "materials_missing": "未提供规定的材料（第十五条第五项）",
    "other_legal_ground": "法律、法规、规章规定不予受理的其他情形（第十五条第六项）",
}
CHOOSE_DECLINE_REASON = "请选择不予受理的理由（{rules}所列情形之一）。"
CHOOSE_SUSPEND_REASON = "请选择暂停的原因：{labels}。"
CHOOSE_OUTCOME = "请选择办结结果：{labels}。"
CHOOSE_TERMINATION_REASON = "终止调解需注明理由（{rules}所列情形之一）。"
OTHER_ROUTES = "您还可以通过以下途径解决：与经营者协商和解；请求消费者协会或依法成立的其他调解组织调解；根据与经营者达成的仲裁协议提请仲裁；向人民法院提起诉讼。"

#: A transition the case's current state does not allow (code `invalid_transition`).
TRANSITION_REFUSED = "当前状态下不能进行此操作（该{kind}目前为“{status}”）。"

OUTCOMES = {
    "agreement": "调解达成协议",
    "settled": "双方自行和解",
    "withdrawn": "投诉人撤回",
    "terminated": "终止调解",
}
# Order 121 Art. 23 grounds for terminating mediation.
TERMINATION_REASONS = {
    "party_absent": "一方无正当理由不参加或明确拒绝调解（第二十三条第二项）",
    "no_agreement": "经调解双方明确表示无法达成协议（第二十三条第三项）",
    "testing_fee_dispute": "对鉴定、检测费用无法协商一致（第二十三条第四项）",
    "time_limit": "自受理之日起六十日内未能达成调解协议（第二十三条第五项）",
    "art16_found": "受理后发现存在第十六条、第四十二条规定情形（第二十三条第六项）",
    "party_gone": "当事人死亡或主体资格灭失（第二十三条第七项）",
    "other_legal_ground": "法律、法规、规章规定的其他情形（第二十三条第八项）",
}
# The 2019 interim measures (2022 text) Art. 21 grounds for terminating mediation.
TERMINATION_REASONS_INTERIM = {
    "party_absent": "投诉人或被投诉人无正当理由不参加调解，或被投诉人明确拒绝调解（第二十一条第三项）",
    "no_agreement": "经调解双方明确表示无法达成协议（第二十一条第四项）",
    "testing_fee_dispute": "对检定、检验、检测、鉴定的技术机构或费用承担无法协商一致（第二十一条第二项）",
    "time_limit": "自受理之日起四十五个工作日内未能达成调解协议（第二十一条第五项）",
    "art16_found": "受理后发现存在第十五条规定情形（第二十一条第六项）",
    "other_legal_ground": "法律、法规、规章规定的其他情形（第二十一条第七项）",
}
#: The rules each `Complaint.rule_set` stands for, as a decision cites them: the statute, and per decision
#: the article and its grounds (reason code → text). Complaints filed from 2026-04-15 fall under Order 121.
STATUTES = {
    "order121": "《市场监督管理投诉举报处理办法》",
    "interim2022": "《市场监督管理投诉举报处理暂行办法》",
}
GROUNDS = {
    "order121": {"decline": ("第十六条", DECLINE_REASONS), "terminate": ("第二十三条", TERMINATION_REASONS)},
    "interim2022": {
        "decline": ("第十五条", DECLINE_REASONS_INTERIM),
        "terminate": ("第二十一条", TERMINATION_REASONS_INTERIM),
    },
}
SUSPEND_REASONS = {"testing": "商品或服务需鉴定、检测", "recusal": "当事人申请回避"}

DEADLINE_KINDS = {
    "merchant_reply": "商家首次答复",
    "merchant_settle": "商家协商和解",
    "first_response": "站点首次响应",
    "accept_decline": "受理或不予受理",
    "small_dispute_close": "小额纠纷办结",
    "ordinary_close": "一般纠纷办结",
    "mediation": "调解期限",
    "clue_verification": "线索核查",
    "termination_notice": "终止调解告知",
    "jurisdiction_dispute": "管辖争议报请指定",
    "case_handling": "立案后作出处理决定",
}
DEADLINE_KIND_UNKNOWN = "处理期限"

#: How a deadline reads (`deadlines.describe`): the day, what is left, and why it may still move.
DEADLINE_WORDS = {
    "date_this_year": "{month}月{day}日（{weekday}）",
    "date_other_year": "{year}年{month}月{day}日（{weekday}）",
    "time": "{date} {hh:02d}:{mm:02d}",
    "left_working_days": "剩余 {n} 个工作日",
    "left_days": "剩余 {n} 天",
    "left_hours": "剩余 {n} 小时",
    "overdue_days": "已超期 {n} 天",
    "overdue_hours": "已超期 {n} 小时",
    "met": "已完成",
    "cancelled": "已取消",
    "text": "{when}前，{left}",
    "text_uncertain": "{when}前，{left}（{why}）",
    "moved": "“{deadline}”的期限由{old}改为{new}：{why}。",
}

#: The consumer's own deadlines (computed, never stored), shown beside the station's and the merchant's.
CONSUMER_DEADLINES = {
    "consumer_confirm": "请您确认处理结果",
    "consumer_reopen": "可申请重新处理",
}

#: The consumer's next step (`next_step` of the complaint detail): {station}, {due} (a date), {days}.
#: Each `*_undated` is used when no deadline is running for that step.
NEXT_STEPS = {
    "merchant": "商家先行协商处理至{due}（首问负责）；商家未按时处理或您不同意，将转由{station}处理。",
    "merchant_undated": "商家正在先行协商处理（首问负责）；商家未按时处理或您不同意，将转由{station}处理。",
    "station_first": "{station}将在{due}前联系您。",
    "station_first_undated": "{station}正在处理，请留意电话和消息。",
    "station_accept": "{station}将在{due}前决定是否受理。",
    "station_accept_undated": "{station}正在处理，请留意电话和消息。",
    "station_close": "{station}正在调解，将在{due}前办结。",
    "station_close_undated": "{station}正在调解，请留意电话和消息。",
    "consumer_confirm": "请在 {days} 日内（{due}前）确认结果：已解决或未解决；逾期未确认将自动结案。",
    "consumer_confirm_undated": "请确认处理结果：已解决或未解决。",
    "consumer_reopen": "如对结果仍有异议，可在{due}前申请重新处理（限一次）。",
    "consumer_reopen_undated": "如对结果仍有异议，可申请重新处理（限一次）。",
}

PRIVACY_NOTICE = (
    "您提交的姓名和手机号仅用于处理本次投诉，依法只提供给负责处理的维权站点、市场监管部门；"
    "举报人信息严格保密，不会告知被举报的商家。投诉公示时不公开姓名、电话、地址、证件号码等个人信息。"
)

#: What station staff read on a case that moved to the national 12315 platform (page and chat alike).
NATIONAL_CASE = "已转全国12315平台处理：平台案件编号 {number}，{date}移交，本站处理期限已停止。"

EVENTS = {
    "submitted": "投诉已提交，由{station}负责处理。",
    "report_submitted": "举报已提交，由{station}负责核查。",
    "merchant_first": "已请商家先行协商（首问负责），商家须在{due}前答复；站点同步知悉。",
    "merchant_call": "该商户未绑定公众号，请致电商户联系人 {contact}（{phone}），告知投诉内容并请其在{due}前答复消费者。",
    "merchant_replied": "商家答复：{text}",
    "merchant_settled": "商家表示已与您协商解决：{text}",
    "merchant_gave_up": "商家未能协商解决，已转由{station}处理。",
    "merchant_timeout": "商家未在规定时间内答复，已转由{station}处理。",
    "accepted": "{station}已受理您的投诉。",
    "declined": "{station}决定不予受理。理由：{reason}。",
    "suspended": "因{reason}，处理暂停，期间不计入调解期限。",
    "resumed": "处理已恢复。",
    "transferred": "已转交{station}处理。原因：{text}",
    "replied": "{station}回复：{text}",
    "resolved": "{station}已办结：{outcome}。{amount}",
    "confirmed": "您确认问题已解决。",
    "disputed": "您对处理结果有异议。",
    "auto_closed": "办结后 {days} 天未收到您的确认，已自动结案。",
    "withdrawn": "您已撤回投诉。",
    "reopened": "根据您的异议，投诉已重新打开。",
    "rated": "您的评价：{rating} 星。",
    "consumer_message": "您补充：{text}",
    "escalated": "处理已超过“{deadline}”期限，已提醒上级站点督办。",
    "handed_off_national": "本案已转至全国12315平台处理，平台案件编号 {number}（{date}），请在全国12315平台查询进度。",
    "verification_extended": "经负责人批准，核查期限延长 15 个工作日，至{due}。理由：{reason}",
    "case_handling_extended": "经负责人批准，立案后作出处理决定的期限延长 30 日，至{due}。理由：{reason}",
    "case_opened": "经核查，{station}决定立案调查。",
    "not_opened": "经核查，{station}决定不予立案。理由：{reason}。",
    "case_concluded": "案件已办结（结案）：{result}。",
    "reporter_notified": "已告知举报人处理结果：{what}",
    "report_facts_added": "举报人补充了新的事实，核查期限自今日重新计算，至{due}。",
    "split_off": "本件同时包含投诉和举报内容，已分别处理：另立{kind}，编号 {number}（第九条）。",
    "split_from": "由{kind} {number} 分出，按{kind_here}程序单独处理（第九条）。",
    "content_review": "投诉内容待人工审核，审核前不会公开。",
    "abuse_flags": "提示：{flags}",
}
ABUSE_FLAGS = {
    "near_identical": "短期内同一商家收到多条内容相近的投诉（第十七条第二项）",
    "shared_phone": "多名投诉人使用同一手机号码（第十七条第四项）",
    "abnormal_amount": "涉及金额异常（第十七条第一项）",
    "frequent_complainant": "同一投诉人短期内大量投诉（第十七条第二项）",
}

NOTIFY = {
    "received_title": "投诉已受理登记",
    "update_title": "投诉处理进度",
    "resolved_title": "投诉已办结",
}

# WeChat message values and the `flask outbox` command (app.notifications.format, app.cli.outbox).
MESSAGES = {
    "empty": "无",  # a subscribe value WeChat requires but the event does not have
    "no_failed": "没有发送失败的消息。",
    "retried": "已重新排队：{ids}",
    "not_found": "未找到消息 {id}。",
    "not_retryable": "消息 {id} 的状态是 {status}，只有发送失败（dead）或待发送的消息可以重新排队。",
    "failed_header": "编号\t接收人\t渠道:模板\t投诉编号\t尝试次数\t最后错误\t创建时间",
    "stats_header": "状态\t条数",
    "oldest_pending": "最早的待发送消息：{age} 秒前",
    "swept": "已处理 {count} 条待发送消息。",
}

ERRORS.update(
    {
        "idempotency_key_required": "请求缺少防重复提交的编号，请重新提交。",
        "idempotency_conflict": "该请求编号已用于另一份内容不同的投诉，请勿重复使用。",
        "complaints_closed_for_store": "该店铺暂不支持在线投诉，请拨打 12315。",
        "no_responsible_station": "暂未找到负责处理的站点，请拨打 12315。",
        "content_risky": "投诉内容包含违规信息，请修改后再提交。",
        "rate_limited_hour": "提交过于频繁，请一小时后再试。",
        "rate_limited_store_day": "今天您对该店铺的投诉已达上限，请明天再试或拨打 12315。",
        "rate_limited_address": "当前网络提交过于频繁，请稍后再试。",
        "complaint_not_found": "未找到该投诉。",
        "complaint_number_ambiguous": "有多件投诉的编号以此结尾，请写完整编号。",
        "invalid_transition": "当前状态下不能进行此操作。",
        "reopen_window_passed": "结果异议后 7 天内才能申请重新处理。",
        "reopen_used": "每件投诉只能重新打开一次。",
        "already_handed_off": "该投诉已以另一案件编号移交全国12315平台。",
        "already_rated": "您已评价过该投诉。",
        "station_not_found": "未找到该站点。",
        "staff_not_allowed": "无权处理该投诉。",
        "upload_not_found": "所附图片不存在或已被使用，请重新上传。",
        "upload_missing": "没有收到图片，请重新选择照片后上传。",
        "upload_too_large": "图片文件过大，请压缩或截图后再上传。",
        "upload_too_many_pixels": "图片分辨率过高，请压缩或截图后再上传。",
        "upload_type_not_allowed": "只能上传 JPG、PNG 或 WebP 格式的照片。",
        "upload_animated": "不支持动图，请上传静态照片。",
        "upload_corrupt": "图片已损坏或未完整上传，请重新选择后上传。",
        "upload_polyglot": "图片文件中含有异常数据，无法作为证据，请重新拍照或截图后上传。",
        "upload_too_many": "一次最多附 9 张图片。",
        "phone_code_invalid": "手机号授权失败，请重试或手动填写手机号。",
        "supervisor_only": "延长核查或处理期限须经负责人批准，请由站点负责人操作。",
        "verification_extended_once": "核查期限只能延长一次（15 个工作日）。",
        "case_handling_extended_once": "立案后的处理期限只能由负责人批准延长一次（30 日）；仍需延长的，应由负责人集体讨论决定。",
        "not_for_report": "举报按举报程序办理（核查后立案或不予立案，立案的结案），不适用此操作。",
        "not_for_complaint": "投诉按投诉程序办理（受理或不予受理、调解、办结），不适用此操作。",
        "already_split": "该件已分出关联的投诉或举报，不能再次拆分。",
        "report_repeated": "您已就同一事实举报过该商家，不再另行处理；如有新的事实，请在原举报中补充说明。",
    }
)

# -- what staff see of a case (the staff pages' presenter) --------------------------------------------

ACTORS = {"consumer": "消费者", "staff": "工作人员", "merchant": "商家", "system": "系统"}
CHANNELS = {
    "mp": "小程序",
    "oa": "公众号",
    "h5": "网页",
    "cli": "后台",
    "console": "监管后台",
    "system": "系统",
}

#: Handing a closing station's open cases to another (`station_closing.hand_over_and_close`).
HAND_OVER = {
    "to": "接收站点",
    "reason": "移交原因",
    "choose": "请选择本站或下级的一个站点接收投诉",
    "itself": "不能移交给要撤销的站点本身",
    "closed": "接收站点已撤销，请另选",
    "reason_required": "请填写移交原因，它会写入每件投诉的处理记录",
    "reason_invalid": "移交原因最多 {limit} 个字，且不能包含无效字符",
}


CONTACT_HIDDEN_FOR_MERCHANT = "消费者的姓名和电话只提供给负责处理的站点，请通过本页答复消费者。"
CONTACT_HIDDEN_FOR_ROLE = "投诉人姓名和电话仅管理员可见。"
REPORT_ANONYMOUS = "匿名举报，未留联系方式。"
