"""Pydantic models: request bodies are validated with them, and the OpenAPI components come from them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from app.complaints.texts import CATEGORIES, DEMANDS, KINDS


class StationOut(BaseModel):
    name: str
    kind: str = Field(description="center_12315 | regulatory_office | service_station | liaison_station")
    kind_label: str
    phone: str
    address: str


class CredentialOut(BaseModel):
    kind: str = Field(description="business_licence | food_licence | health_certificate | other")
    kind_label: str
    title: str
    number: str
    holder: str = Field(description="持证人；自然人姓名已脱敏（张*）")
    issued_on: str | None
    valid_until: str | None = Field(description="ISO 日期；长期有效为 null")
    long_term: bool
    status: str = Field(description="valid | expiring | expired")
    status_label: str
    days_left: int | None


class CommitmentOut(BaseModel):
    kind: str = Field(description="no_reason_return | first_payout | first_inquiry")
    title: str
    terms: dict
    summary: str = Field(description="一句话中文说明")
    version: int
    effective_from: str


class BadgeOut(BaseModel):
    kind: str
    title: str
    level: str
    year: int | None


class LocationOut(BaseModel):
    latitude: float
    longitude: float


class StorePublicityOut(BaseModel):
    """The store's complaint record over the last 12 months (消费投诉信息公示); rates only from `min_cases` on."""

    from_: str = Field(alias="from", description="统计起始日（北京时间）")
    to: str = Field(description="统计截止日（北京时间）")
    min_cases: int = Field(description="计算比率所需的最少投诉件数")
    enough: bool = Field(description="投诉件数是否达到计算比率的最少件数")
    received: int = Field(description="收到投诉件数")
    accepted: int = Field(description="受理件数")
    resolved: int = Field(description="办结件数")
    mediation_ended: int = Field(description="结束调解件数（调解成功率的分母）")
    mediation_success_rate: str | None = Field(description="调解成功率（%）；件数不足时为空")
    first_response_median_hours: str | None = Field(description="首次响应用时中位数（小时）")
    amount_recovered: str = Field(description="挽回经济损失（元）")
    received_previous: int = Field(description="上一个 12 个月收到的投诉件数")
    change_percent: str | None = Field(description="投诉件数同比变化（%）")
    scans: int = Field(description="扫码次数")
    complaints_per_1000_scans: str | None = Field(description="每千次扫码投诉件数")
    note: str | None = Field(description="件数不足等说明")


class StorePageOut(BaseModel):
    code: str
    name: str
    uscc: str
    address: str
    industry: str
    industry_label: str
    business_circle: str | None
    region: str | None
    location: LocationOut | None
    station: StationOut | None
    hotline_12315: str
    credentials: list[CredentialOut]
    credential_alerts: int = Field(description="已过期或即将到期的证照数")
    commitments: list[CommitmentOut]
    badges: list[BadgeOut]
    complaints_open: bool = Field(description="是否可在线投诉")
    publicity: StorePublicityOut | None = Field(None, description="近 12 个月投诉公示；尚未统计时为空")
    as_of: str = Field(description="证照状态的计算日期（北京时间）")


class ScanOut(BaseModel):
    code: str
    store_path: str


class SessionIn(BaseModel):
    code: str = Field(
        min_length=1, pattern=r"\S", description="wx.login() 得到的临时登录凭证（5 分钟内有效，只能用一次）"
    )


class SessionConsumerOut(BaseModel):
    id: int
    has_phone: bool = Field(description="是否已留存手机号")


class SessionOut(BaseModel):
    token: str = Field(description="接口令牌：之后的请求带上 Authorization: Bearer <token>")
    expires_in: int = Field(description="令牌有效秒数，过期后重新登录")
    consumer: SessionConsumerOut
    sandbox: bool = Field(description="沙箱模式（开发环境，无真实微信凭证）")


# --- complaints ---------------------------------------------------------------------------------


class OptionOut(BaseModel):
    code: str
    label: str
    hint: str = ""


class ComplaintOptionsOut(BaseModel):
    kinds: list[OptionOut]
    categories: list[OptionOut]
    demands: list[OptionOut]
    limits: dict
    merchant_first_default_limit_yuan: str
    privacy_notice: str


class ComplaintIn(BaseModel):
    kind: str = Field(
        description="complaint（投诉，需实名）| report（举报，可匿名）",
        json_schema_extra={"enum": list(KINDS)},
    )
    category: str = Field(
        description="见 /complaint-options 的 categories", json_schema_extra={"enum": list(CATEGORIES)}
    )
    demand: str = Field(
        description="见 /complaint-options 的 demands", json_schema_extra={"enum": list(DEMANDS)}
    )
    description: str = Field(min_length=10, max_length=500, description="事情经过，10–500 字")
    amount: str | None = Field(None, description="涉及金额（元），字符串或数字，最多两位小数")
    purchase_date: str | None = Field(None, description="消费日期 YYYY-MM-DD，不晚于今天、不早于三年前")
    evidence: list[str] = Field(default_factory=list, max_length=9, description="POST /uploads 返回的图片 id")
    name: str | None = Field(None, description="真实姓名（投诉必填）")
    phone: str | None = Field(None, description="大陆手机号（投诉必填；已授权微信手机号可省略）")
    merchant_first: bool | None = Field(None, description="是否先由商家协商（首问负责）；默认 500 元以内为是")


class NationalCaseOut(BaseModel):
    """Set once the case moved to the national 12315 platform (its number there and the date)."""

    number: str
    filed_on: str


class DeadlineOut(BaseModel):
    kind: str
    label: str
    due_at: str
    uncertain: bool = Field(description="true：超出法定节假日数据年份，按周一至周五推算，待确认")
    met: bool
    overdue: bool
    cancelled: bool


class StationBriefOut(BaseModel):
    name: str
    phone: str


class ComplaintFiledOut(BaseModel):
    number: str
    status: str
    status_label: str
    station: StationBriefOut
    deadlines: dict[str, DeadlineOut]
    deadline_uncertain: bool
    merchant_first: bool


class StoreBriefOut(BaseModel):
    code: str | None
    name: str


class ComplaintSummaryOut(BaseModel):
    number: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    store: StoreBriefOut
    category: str
    category_label: str
    created_at: str
    updated_at: str


class ComplaintPageOut(BaseModel):
    items: list[ComplaintSummaryOut]
    page: int
    per_page: int
    total: int


class TimelineOut(BaseModel):
    at: str
    action: str
    actor: str
    text: str
    status: str | None


class ComplaintDetailOut(ComplaintSummaryOut):
    demand: str
    demand_label: str
    description: str
    amount: str | None
    purchase_date: str | None
    name: str
    phone: str
    merchant_first: bool
    station: dict
    deadlines: list[DeadlineOut]
    deadline_uncertain: bool
    timeline: list[TimelineOut]
    commitments_snapshot: list[CommitmentOut]
    evidence: list[str]
    outcome: str | None
    outcome_label: str | None
    amount_recovered: str | None
    consumer_confirmed: bool | None
    rating: int | None
    national_case: NationalCaseOut | None = None
    actions: dict[str, bool]


class MessageIn(BaseModel):
    text: str = Field(max_length=500)
    evidence: list[str] = Field(default_factory=list, max_length=9)


class WithdrawIn(BaseModel):
    reason: str | None = None


class ConfirmIn(BaseModel):
    resolved: bool


class RatingIn(BaseModel):
    rating: int = Field(ge=1, le=5)
    comment: str | None = Field(None, max_length=300)


class ReopenIn(BaseModel):
    text: str | None = None


class SubscriptionsIn(BaseModel):
    results: dict[str, str] = Field(
        description="wx.requestSubscribeMessage 的返回：{模板ID: accept/reject/ban/filter}"
    )


class SubscriptionsOut(BaseModel):
    remaining: dict[str, int]


class InboxItemOut(BaseModel):
    id: int
    title: str
    body: str
    complaint_number: str | None
    created_at: str
    read: bool


class InboxPageOut(BaseModel):
    items: list[InboxItemOut]
    unread: int
    page: int
    per_page: int
    total: int


class PhoneIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"anyOf": [{"required": ["code"]}, {"required": ["phone"]}]})

    code: str | None = Field(None, description="getPhoneNumber 按钮返回的 code（一次性）")
    phone: str | None = Field(None, description="或手动填写的大陆手机号")


class PhoneOut(BaseModel):
    phone: str = Field(description="脱敏后的手机号")
