"""Pydantic models: request bodies are validated with them, and the OpenAPI components come from them.

The document is the mini-program team's contract: every field is described in Chinese and carries an
example (`spec` composes each request's and answer's example from them), every closed set is an `enum`
whose Chinese meaning is in the description and in `x-enum-descriptions`, and every time is
`format: date-time` (UTC, ISO 8601).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.complaints.texts import (
    CASE_RESULTS,
    CATEGORIES,
    CONSUMER_DEADLINES,
    DEADLINE_KINDS,
    DEMANDS,
    KINDS,
    NOT_OPEN_REASONS,
    OUTCOMES,
    STATUS,
)
from app.core.texts import COMMITMENT_KINDS, CREDENTIAL_KINDS, CREDENTIAL_STATUS, INDUSTRIES, STATION_KINDS

EXAMPLE_TIME = "2026-12-07T02:15:00+00:00"
ALL_DEADLINES = {**DEADLINE_KINDS, **CONSUMER_DEADLINES}
PARTIES = {"station": "负责站点", "merchant": "商家", "consumer": "您（消费者）"}
ACTORS = {"consumer": "消费者", "staff": "站点工作人员", "merchant": "商家", "system": "系统"}


def described(description: str, example: Any = None, default: Any = ..., **kw) -> Any:
    """A field with its Chinese description and one example."""
    examples = None if example is None else [example]
    return Field(default, description=description, examples=examples, **kw)


def choice(
    labels: dict[str, str],
    description: str,
    default: Any = ...,
    *,
    nullable: bool = False,
    example: str | None = None,
    **kw,
) -> Any:
    """A closed set: `enum` of the codes (and null when `nullable`), each code's Chinese meaning in the
    description and in `x-enum-descriptions`."""
    meanings = "；".join(f"{code}：{label}" for code, label in labels.items())
    return Field(
        default,
        description=f"{description}（{meanings}）",
        examples=[example or next(iter(labels))],
        json_schema_extra={
            "enum": [*labels, *([None] if nullable else [])],
            "x-enum-descriptions": dict(labels),
        },
        **kw,
    )


def moment(description: str, default: Any = ..., **kw) -> Any:
    """A time: UTC, ISO 8601 (`2026-12-07T02:15:00+00:00`)."""
    return Field(
        default,
        description=f"{description}（UTC 时间，ISO 8601）",
        examples=[EXAMPLE_TIME],
        json_schema_extra={"format": "date-time"},
        **kw,
    )


def day(description: str, example: str = "2027-06-30", default: Any = ..., **kw) -> Any:
    return Field(
        default,
        description=f"{description}（YYYY-MM-DD）",
        examples=[example],
        json_schema_extra={"format": "date"},
        **kw,
    )


# --- stores ---------------------------------------------------------------------------------------


class StationOut(BaseModel):
    name: str = described("负责站点名称", "湖滨万悦广场消费维权服务站")
    kind: str = choice(STATION_KINDS, "站点类型", example="service_station")
    kind_label: str = described("站点类型（中文）", "消费维权服务站")
    phone: str = described("站点电话", "0510-85512315")
    address: str = described("站点地址", "湖滨路 100 号湖滨万悦广场 1 层服务台")


class CredentialOut(BaseModel):
    kind: str = choice(CREDENTIAL_KINDS, "证照类型")
    kind_label: str = described("证照类型（中文）", "营业执照")
    title: str = described("展示名称（一般同 kind_label）", "营业执照")
    number: str = described(
        "证照编号；营业执照编号常与统一社会信用代码相同，此时不必重复展示", "JY13202110012345"
    )
    holder: str = described("持证人；自然人姓名已脱敏（张*）", "张*")
    issued_on: str | None = day("发证日期；未登记为 null", "2024-06-30")
    valid_until: str | None = day("有效期至；长期有效为 null")
    long_term: bool = described("是否长期有效", False)
    status: str = choice({k: v for k, v in CREDENTIAL_STATUS.items() if k != "long_term"}, "证照状态")
    status_label: str = described("证照状态（中文；长期有效的为“长期有效”）", "有效")
    days_left: int | None = described(
        "距到期天数（已过期为负数；长期有效为 null）。只在 expiring / expired 时值得展示", 120
    )


class CommitmentTermsOut(BaseModel):
    """The terms of one commitment; which keys are present depends on `kind`."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [{"days": 7, "exclusions": ["食品"], "conditions": "商品完好、不影响二次销售"}]
        },
    )

    days: int | None = described("no_reason_return：无理由退货天数", 7, default=None)
    exclusions: list[str] | None = described("no_reason_return：不适用的商品", ["食品"], default=None)
    conditions: str | None = described("no_reason_return：退货条件", "商品完好、不影响二次销售", default=None)
    payer: str | None = described("first_payout：先行赔付主体", "湖滨万悦广场", default=None)
    fast_track_limit_yuan: str | int | float | None = described(
        "first_payout：当场赔付限额（元）", "500", default=None
    )
    fund: str | None = described("first_payout：赔付资金来源", "商场先行赔付保证金", default=None)
    response_hours: int | None = described("first_inquiry：答复时限（小时）", 24, default=None)


class CommitmentOut(BaseModel):
    kind: str = choice(COMMITMENT_KINDS, "承诺类型")
    title: str = described("承诺名称", "线下无理由退货")
    terms: CommitmentTermsOut = described("承诺条款（按类型不同）")
    summary: str = described(
        "一句话中文说明", "购买之日起 7 天内线下无理由退货；不适用：食品；商品完好、不影响二次销售"
    )
    version: int = described("承诺版本（条款变更后加一）", 1)
    effective_from: str = day("生效日期", "2026-01-01")


class BadgeOut(BaseModel):
    kind: str = described("标识类别", "honour")
    title: str = described("荣誉或标识名称", "放心消费示范店")
    level: str = described("级别（可为空）", "市级")
    year: int | None = described("年度", 2025)


class LocationOut(BaseModel):
    latitude: float = described("纬度（GCJ-02）", 31.5123)
    longitude: float = described("经度（GCJ-02）", 120.3188)


class StorePublicityOut(BaseModel):
    """The store's complaint record over the last 12 months (消费投诉信息公示); rates only from `min_cases` on."""

    from_: str = described("统计起始日（北京时间）", "2025-12-07", alias="from")
    to: str = described("统计截止日（北京时间）", "2026-12-06")
    min_cases: int = described("计算比率所需的最少投诉件数", 5)
    enough: bool = described("投诉件数是否达到计算比率的最少件数", True)
    received: int = described("收到投诉件数", 12)
    accepted: int = described("受理件数", 10)
    resolved: int = described("办结件数", 9)
    mediation_ended: int = described("结束调解件数（调解成功率的分母）", 9)
    mediation_success_rate: str | None = described("调解成功率（%）；件数不足时为 null", "77.8")
    first_response_median_hours: str | None = described(
        "首次响应用时中位数（小时）；件数不足时为 null", "5.5"
    )
    amount_recovered: str = described("挽回经济损失（元）", "1280.00")
    received_previous: int = described("上一个 12 个月收到的投诉件数", 15)
    change_percent: str | None = described("投诉件数同比变化（%）；上一期为 0 时为 null", "-20.0")
    scans: int = described("扫码次数", 5230)
    complaints_per_1000_scans: str | None = described("每千次扫码投诉件数；无扫码时为 null", "2.29")
    note: str | None = described("件数不足等说明；无则为 null", None)


class StorePageOut(BaseModel):
    code: str = described("店铺码", "XPE63366")
    name: str = described("店铺名称", "仁和大药房（湖滨路店）")
    uscc: str = described("统一社会信用代码", "91320211MA1X8N2R46")
    address: str = described("经营地址", "湖滨路 188 号")
    industry: str = choice(INDUSTRIES, "行业")
    industry_label: str = described("行业（中文）", "餐饮")
    business_circle: str | None = described("所属商圈；无则为 null", "湖滨万悦广场")
    region: str | None = described("所属区域；无则为 null", "湖滨街道")
    location: LocationOut | None = described("位置；未登记为 null")
    station: StationOut | None = described("负责站点；无则为 null（不可在线投诉）")
    hotline_12315: str = described("全国消费者投诉举报热线", "12315")
    credentials: list[CredentialOut] = described("证照")
    credential_alerts: int = described("已过期或即将到期的证照数：大于 0 时在页面顶部提示", 1)
    commitments: list[CommitmentOut] = described("服务承诺")
    badges: list[BadgeOut] = described("荣誉与标识")
    complaints_open: bool = described("是否可在线投诉", True)
    merchant_first: bool = described(
        "是否可选择“先由商家协商处理”（首问负责）：店铺登记了商户联系人和电话，且可在线投诉。"
        "为 true 时在投诉页展示该选项（ComplaintIn.merchant_first）",
        True,
    )
    publicity: StorePublicityOut | None = described(
        "近 12 个月投诉公示；尚未统计时为 null", None, default=None
    )
    as_of: str = day("证照状态的计算日期（北京时间）", "2026-12-07")


class ScanOut(BaseModel):
    code: str = described("识别出的店铺码", "XPE63366")
    store_path: str = described("店铺信息接口路径", "/api/mp/v1/stores/XPE63366")


# --- session ------------------------------------------------------------------------------------


class SessionIn(BaseModel):
    code: str = Field(
        min_length=1,
        pattern=r"\S",
        description="wx.login() 得到的临时登录凭证（5 分钟内有效，只能用一次）",
        examples=["0a3Xk2000n7QdR1h8Y200cAb3F1Xk20u"],
    )


class SessionConsumerOut(BaseModel):
    id: int = described("消费者编号", 42)
    has_phone: bool = described("是否已留存手机号（为 false 时投诉需填写或授权手机号）", False)


class SessionOut(BaseModel):
    token: str = described("接口令牌：之后的请求带上 Authorization: Bearer <token>", "eyJ0eXAiOi...")
    expires_in: int = described("令牌有效秒数；过期或收到 401 token_invalid 时重新 wx.login() 登录", 604800)
    consumer: SessionConsumerOut = described("当前消费者")
    sandbox: bool = described("沙箱模式（开发环境，无真实微信凭证）", False)


class PhoneIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [{"required": ["code"]}, {"required": ["phone"]}],
            "examples": [{"code": "e31968a7f94cc5ee25fafc2aef2773f0bb8c3937b22520eb8ee345274d00c144"}],
        }
    )

    code: str | None = described(
        "getPhoneNumber 按钮返回的 code（一次性）；与 phone 二选一", "e31968a7f94cc5ee", default=None
    )
    phone: str | None = described("或手动填写的大陆手机号", "13812345678", default=None)


class PhoneOut(BaseModel):
    phone: str = described("脱敏后的手机号", "138****5678")


# --- complaints ---------------------------------------------------------------------------------


class OptionOut(BaseModel):
    code: str = described("选项代码（提交时使用）", "quality")
    label: str = described("选项名称（展示）", "商品质量")
    hint: str = described("补充说明（可为空）", "", default="")


class LimitsOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    description: dict[str, int] = described("事情经过字数", {"min": 10, "max": 500})
    name: dict[str, int] = described("姓名最大长度", {"max": 50})
    evidence: dict[str, int] = described("图片最多张数", {"max": 9})
    amount: dict[str, Any] = described("金额上限（元，字符串）与小数位数", {"max": "1000000", "decimals": 2})
    purchase_date: dict[str, int] = described("消费日期最早为几年前", {"max_age_years": 3})


class ComplaintOptionsOut(BaseModel):
    kinds: list[OptionOut] = described("类型：投诉或举报")
    categories: list[OptionOut] = described("问题类别")
    demands: list[OptionOut] = described("诉求")
    limits: LimitsOut = described("各字段限制（与服务器校验一致）")
    merchant_first_default_limit_yuan: str = described(
        "未选择时，此金额（元）以内的投诉默认先由商家协商", "500"
    )
    privacy_notice: str = described("隐私说明（提交前展示）", "您提交的姓名和手机号仅用于处理本次投诉……")


class ComplaintIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "complaint",
                    "category": "quality",
                    "demand": "refund",
                    "description": "12 月 5 日购买的牛奶开盒后已变质，店员拒绝退款。",
                    "amount": "25.80",
                    "purchase_date": "2026-12-05",
                    "evidence": ["u_3f9a1c2b7d"],
                    "name": "张三",
                    "phone": "13812345678",
                    "merchant_first": True,
                }
            ]
        }
    )

    kind: str = choice(KINDS, "类型：投诉需实名，举报可匿名")
    category: str = choice(CATEGORIES, "问题类别（见 /complaint-options）")
    demand: str = choice(DEMANDS, "诉求（见 /complaint-options）", example="refund")
    description: str = Field(
        min_length=10,
        max_length=500,
        description="事情经过，10–500 字",
        examples=["开盒后牛奶已变质，店员拒绝退款。"],
    )
    amount: str | None = described("涉及金额（元），字符串或数字，最多两位小数", "25.80", default=None)
    purchase_date: str | None = day("消费日期，不晚于今天、不早于三年前", "2026-12-05", default=None)
    evidence: list[str] = Field(
        default_factory=list,
        max_length=9,
        description="POST /uploads 返回的图片 id（最多 9 张）",
        examples=[["u_3f9a1c2b7d"]],
    )
    name: str | None = described("真实姓名（投诉必填；举报可不填）", "张三", default=None)
    phone: str | None = described(
        "大陆手机号（投诉必填；已授权微信手机号可省略）", "13812345678", default=None
    )
    merchant_first: bool | None = described(
        "是否先由商家协商（首问负责）；仅当店铺 merchant_first 为 true 时有效；不填则 500 元以内为是",
        True,
        default=None,
    )


class NationalCaseOut(BaseModel):
    """Set once the case moved to the national 12315 platform (its number there and the date)."""

    number: str = described("全国 12315 平台案件编号", "1320211202612070001")
    filed_on: str = described("移交日期（北京时间）", "2026-12-07")


class DeadlineOut(BaseModel):
    """One shape for every deadline, in the filing answer and in the detail alike."""

    kind: str = choice(ALL_DEADLINES, "时限类型", example="first_response")
    label: str = described("时限名称（中文，直接展示）", "站点首次响应")
    party: str = choice(PARTIES, "谁须在此时限前行动")
    due_at: str = moment("截止时间")
    uncertain: bool = described("true：当年调休安排尚未公布，按法定节假日推算，公布后可能调整", False)
    met: bool = described("是否已按时完成", False)
    overdue: bool = described("是否已超期未完成", False)
    cancelled: bool = described("是否已取消（对消费者展示的时限不含已取消的）", False)
    when: str = described("届满日，如“2月11日（星期四）”；不是今年时带年份", "12月14日（星期一）")
    left: str = described(
        "剩余时间：“剩余 3 个工作日”“剩余 5 天”“剩余 20 小时”“已超期 2 天”“已完成”“已取消”", "剩余 1 个工作日"
    )
    why_uncertain: str = described(
        "可能调整的原因，如“2027 年调休安排尚未公布，按法定节假日推算”；确定时为空", ""
    )
    text: str = described("一句话：届满日、剩余时间和可能调整的原因", "12月14日（星期一）前，剩余 1 个工作日")


class NextStepOut(BaseModel):
    party: str = choice(PARTIES, "下一步由谁行动", example="consumer")
    text: str = described(
        "下一步说明（中文，直接展示）",
        "请在 7 日内（12月14日 10:15前）确认结果：已解决或未解决；逾期未确认将自动结案。",
    )
    due_at: str | None = moment("截止时间；无时限时为 null")


class StationBriefOut(BaseModel):
    name: str = described("负责站点名称", "湖滨万悦广场消费维权服务站")
    phone: str = described("站点电话", "0510-85512315")


class ComplaintFiledOut(BaseModel):
    number: str = described("投诉编号", "T261207K3M9Q2")
    status: str = choice(STATUS, "状态")
    status_label: str = described("状态（中文）", "已提交")
    station: StationBriefOut = described("负责站点")
    deadlines: list[DeadlineOut] = described("已开始计算的时限（与详情中的 deadlines 同一形状）")
    deadline_uncertain: bool = described("是否有时限按周一至周五推算、待确认", False)
    merchant_first: bool = described("是否先由商家协商处理（首问负责）", False)
    next_step: NextStepOut | None = described("下一步由谁、在何时之前做什么")


class StoreBriefOut(BaseModel):
    code: str | None = described("店铺当前的店铺码；已无有效店铺码时为 null", "XPE63366")
    name: str = described("店铺名称", "仁和大药房（湖滨路店）")


class ComplaintSummaryOut(BaseModel):
    number: str = described("投诉编号", "T261207K3M9Q2")
    kind: str = choice(KINDS, "类型")
    kind_label: str = described("类型（中文）", "投诉")
    status: str = choice(STATUS, "状态")
    status_label: str = described("状态（中文）", "已提交")
    store: StoreBriefOut = described("被投诉店铺")
    category: str = choice(CATEGORIES, "问题类别")
    category_label: str = described("问题类别（中文）", "商品质量")
    created_at: str = moment("提交时间")
    updated_at: str = moment("最近更新时间")


class ComplaintPageOut(BaseModel):
    items: list[ComplaintSummaryOut] = described("本页投诉，新的在前")
    page: int = described("页码", 1)
    per_page: int = described("每页条数", 20)
    total: int = described("投诉总数", 1)


class TimelineOut(BaseModel):
    at: str = moment("发生时间")
    action: str = described(
        "事件代码（如 submitted、replied、resolved；仅用于区分图标，文字请用 text）", "submitted"
    )
    actor: str = choice(ACTORS, "由谁发生")
    text: str = described("事件说明（中文，直接展示）", "投诉已提交，由湖滨万悦广场消费维权服务站负责处理。")
    status: str | None = described("事件后的状态（见 status 的取值）；状态未变为 null", "submitted")


class StationContactOut(BaseModel):
    name: str = described("负责站点名称", "湖滨万悦广场消费维权服务站")
    kind: str = choice(STATION_KINDS, "站点类型", example="service_station")
    kind_label: str = described("站点类型（中文）", "消费维权服务站")
    phone: str = described("站点电话", "0510-85512315")


class ActionsOut(BaseModel):
    """What the consumer may do now: show a button for each true, call the endpoint named."""

    message: bool = described(
        "可补充说明或图片：POST /complaints/{number}/messages（举报核查中补充新的事实的，核查期限重新计算）",
        True,
    )
    withdraw: bool = described(
        "可撤回：POST /complaints/{number}/withdraw（办结前；举报无此项）", True, default=False
    )
    confirm: bool = described(
        "可确认是否解决：POST /complaints/{number}/confirm（已办结时；举报无此项）", False, default=False
    )
    reopen: bool = described(
        "可申请重新处理：POST /complaints/{number}/reopen（不认可结果后 7 日内，限一次；举报无此项）",
        False,
        default=False,
    )
    rate: bool = described(
        "可评价：POST /complaints/{number}/rating（办结、结案或不予受理后，限一次；举报无此项）",
        False,
        default=False,
    )
    hand_off_national: bool = described(
        "可登记已向全国12315平台投诉：POST /complaints/{number}/national-case（未移交前；"
        "登记后本站期限停止，进度请在全国12315平台查询；举报无此项）",
        True,
        default=False,
    )


class LinkedCaseOut(BaseModel):
    """The other half of a filing the station split into a complaint and a report (第九条)."""

    number: str = described("关联案件编号", "T2612070ABCDE")
    kind: str = choice(KINDS, "类型", example="report")
    kind_label: str = described("类型（中文）", "举报")


class ComplaintDetailOut(ComplaintSummaryOut):
    demand: str = choice(DEMANDS, "诉求", example="refund")
    demand_label: str = described("诉求（中文）", "退款")
    description: str = described("事情经过", "开盒后牛奶已变质，店员拒绝退款。")
    amount: str | None = described("涉及金额（元，两位小数）", "25.80")
    purchase_date: str | None = day("消费日期", "2026-12-05")
    name: str = described("姓名（举报匿名时为空）", "张三")
    phone: str = described("手机号", "13812345678")
    merchant_first: bool = described("是否先由商家协商处理（首问负责）", False)
    station: StationContactOut = described("负责站点")
    deadlines: list[DeadlineOut] = described(
        "时限，按截止时间排序：站点、商家的时限和您自己的时限（如确认结果）；不含已取消的，小额纠纷只显示一个办结时限"
    )
    deadline_uncertain: bool = described("是否有时限按周一至周五推算、待确认", False)
    next_step: NextStepOut | None = described("下一步由谁、在何时之前做什么；结案后为 null")
    timeline: list[TimelineOut] = described("时间线，早的在前")
    commitments_snapshot: list[CommitmentOut] = described("投诉时店铺的服务承诺")
    evidence: list[str] = described("图片 id（GET /uploads/{id} 读取）", ["u_3f9a1c2b7d"])
    outcome: str | None = choice(
        {**OUTCOMES, **NOT_OPEN_REASONS, **CASE_RESULTS},
        "办结结果；举报为不予立案的理由或结案结果；未办结为 null",
        nullable=True,
    )
    outcome_label: str | None = described("办结结果（中文）", "调解达成协议")
    linked: LinkedCaseOut | None = described("由站点拆分出的关联投诉或举报；没有为 null", None, default=None)
    amount_recovered: str | None = described("挽回金额（元）", "25.80")
    consumer_confirmed: bool | None = described("您是否确认已解决；未确认为 null", True)
    rating: int | None = described("您的评价（1–5 星）；未评价为 null", 5)
    national_case: NationalCaseOut | None = described(
        "已移交全国 12315 平台时的案件编号和日期；未移交为 null", None, default=None
    )
    actions: ActionsOut = described("现在可进行的操作")


class MessageIn(BaseModel):
    text: str = Field(max_length=500, description="补充说明（最多 500 字）", examples=["补充购物小票照片。"])
    evidence: list[str] = Field(
        default_factory=list,
        max_length=9,
        description="POST /uploads 返回的图片 id",
        examples=[["u_3f9a1c2b7d"]],
    )


class WithdrawIn(BaseModel):
    reason: str | None = described("撤回原因（可不填）", "商家已退款", default=None)


class ConfirmIn(BaseModel):
    resolved: bool = described("true：已解决；false：未解决（之后 7 日内可申请重新处理一次）", True)


class RatingIn(BaseModel):
    rating: int = Field(ge=1, le=5, description="评价，1–5 星", examples=[5])
    comment: str | None = Field(
        None, max_length=300, description="评价内容（可不填，最多 300 字）", examples=["处理及时"]
    )


class NationalCaseIn(BaseModel):
    national_case_number: str = Field(
        max_length=40,
        pattern=r"^[0-9A-Za-z-]{1,40}$",
        description="全国 12315 平台给出的案件编号（字母、数字或连字符，最多 40 位）",
        examples=["1320211202612070001"],
    )
    filed_on: str = Field(
        pattern=r"^\d{4}-\d{2}-\d{2}$",
        description="在全国 12315 平台投诉的日期（北京时间，不晚于今天）",
        examples=["2026-12-07"],
    )


class ReopenIn(BaseModel):
    text: str | None = described("申请重新处理的理由（可不填）", "商家未按约定退款", default=None)


class SubscriptionsIn(BaseModel):
    results: dict[str, str] = described(
        "wx.requestSubscribeMessage 的返回原样提交：{模板ID: accept/reject/ban/filter}",
        {"tpl-progress-0001": "accept"},
    )


class SubscriptionsOut(BaseModel):
    remaining: dict[str, int] = described("每个模板还可发送的次数", {"tpl-progress-0001": 1})


# --- inbox --------------------------------------------------------------------------------------


class InboxItemOut(BaseModel):
    id: int = described("消息 id（标为已读时使用）", 12)
    title: str = described("标题", "投诉已提交")
    body: str = described("正文", "投诉已提交，由湖滨万悦广场消费维权服务站负责处理。")
    complaint_number: str | None = described("相关投诉编号；无则为 null", "T261207K3M9Q2")
    created_at: str = moment("发送时间")
    read: bool = described("是否已读", False)


class InboxPageOut(BaseModel):
    items: list[InboxItemOut] = described("本页消息，新的在前")
    unread: int = described("全部未读消息数", 1)
    page: int = described("页码", 1)
    per_page: int = described("每页条数", 20)
    total: int = described("消息总数", 1)


class InboxUnreadOut(BaseModel):
    unread: int = described("未读消息数", 1)


class InboxReadIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [{"required": ["ids"]}, {"required": ["all"]}],
            "examples": [{"ids": [12, 13]}],
        }
    )

    ids: list[int] | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="要标为已读的消息 id（1–100 个）；与 all 二选一",
        examples=[[12, 13]],
    )
    all: bool | None = described("true：全部标为已读；与 ids 二选一", True, default=None)


class InboxReadOut(BaseModel):
    marked: int = described("本次新标为已读的条数（重复调用为 0）", 2)
    unread: int = described("剩余未读消息数", 0)
