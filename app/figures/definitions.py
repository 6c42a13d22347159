"""The key figures, defined once: Chinese name, definition in Chinese and in English, unit.

The console shows `zh` next to each figure, the README repeats `en`, and `app.figures.kpis` computes
exactly this (each figure's numerator and denominator are the cases `kpis.cases` lists). Common rules:

- A period is a range of China calendar days, both ends included.
- A case counts for the station that holds it now (after any transfer), and for every station above it.
- A case handed off to the national 12315 platform leaves every figure and is counted apart.
- "Late and still open" counts as late from the moment its deadline passes, not only once it closes.
- Each case counts on one day per figure (its deadline, its resolution, its rating ...), so a period's
  figure is the sum of its days' and the worker can keep daily roll-ups (`app.figures.rollups`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Definition:
    key: str
    name: str  # the Chinese name regulators use
    zh: str
    en: str
    unit: str  # "%" (a rate), "元" (a sum of money), "小时" / "天" (a median), "件" (a count)


FIGURES: tuple[Definition, ...] = (
    Definition(
        "on_time_check",
        "按时初查率",
        "受理/不予受理决定期限（收到投诉之日起 7 个工作日）落在本期的投诉中，在期限内作出决定的比例。"
        "期限已过仍未决定的，自期限届满时起计为超期；期限届满前撤回的不计。",
        "Complaints whose accept/decline deadline (7 working days from receipt) falls in the period: the share "
        "decided by that deadline. A case still undecided after its deadline counts as late from that moment; "
        "one withdrawn before the deadline is left out.",
        "%",
    ),
    Definition(
        "on_time_close",
        "按期办结率",
        "本期在办结期限内办结的投诉，加上办结期限在本期届满而届满时尚未办结的投诉（自届满时起计为超期，"
        "无论此后是否办结，只计一次；暂停期间不计）中，按期办结的比例。办结期限：已受理的为调解期限"
        "（受理之日起 60 日，检测鉴定时间不计），商家先行协商的为商家和解期限。",
        "Complaints resolved by their closing deadline in the period, plus those whose closing deadline "
        "passed in the period before they were resolved (late from that moment, counted once, whether "
        "resolved since or not; not while suspended): the share resolved on time. The closing deadline is the "
        "mediation limit (60 days from acceptance, testing time excluded) for accepted cases and the "
        "merchant's settlement limit for merchant-first ones.",
        "%",
    ),
    Definition(
        "mediation_success",
        "调解成功率",
        "本期结束调解的已受理投诉（办结，或受理后撤回）中，达成调解协议或双方和解的比例。",
        "Accepted complaints whose mediation ended in the period (resolved, or withdrawn after acceptance): "
        "the share that ended in an agreement or a settlement between the parties.",
        "%",
    ),
    Definition(
        "satisfaction",
        "满意率",
        "本期消费者作出的评价中，4 星或 5 星的比例；分母即评价件数。",
        "Ratings given by consumers in the period: the share of 4 or 5 stars; the denominator is how many rated.",
        "%",
    ),
    Definition(
        "recovered",
        "挽回经济损失",
        "本期办结的投诉中登记的挽回金额之和（元）；分母为本期办结件数。",
        "The sum of amounts recovered (yuan) recorded on complaints resolved in the period; the denominator "
        "is how many were resolved.",
        "元",
    ),
    Definition(
        "confirmed_resolution",
        "消费者确认解决率",
        "本期结案的投诉（消费者确认、提出异议或逾期未答复自动结案）中，消费者确认问题已解决的比例。",
        "Complaints closed in the period after a resolution (confirmed, disputed, or closed unanswered): the "
        "share the consumer confirmed as solved.",
        "%",
    ),
    Definition(
        "first_response_median",
        "首次响应用时（中位数）",
        "本期首次得到站点答复（回复、受理或不予受理）的投诉，从提交到首次答复用时的中位数（小时）；"
        "商家先行协商的投诉不计（其首次答复来自商家）。每件用时先四舍五入到 0.01 小时，中位数取居中一件的"
        "用时，件数为偶数时取居中两件的平均数，再四舍五入到 0.01。",
        "Complaints first answered by the station (reply, acceptance or decline) in the period: the median "
        "hours from filing to that answer. Merchant-first cases are left out (the merchant answers first). "
        "Each time is first rounded half up to 0.01 h; the median is the middle one, or the mean of the two "
        "middle ones when their number is even, rounded half up to 0.01.",
        "小时",
    ),
    Definition(
        "close_median",
        "办结用时（中位数）",
        "本期办结的投诉，从提交到办结用时的中位数（天）。每件用时先四舍五入到 0.01 天，中位数取居中一件的"
        "用时，件数为偶数时取居中两件的平均数，再四舍五入到 0.01。",
        "Complaints resolved in the period: the median days from filing to resolution. Each time is first "
        "rounded half up to 0.01 day; the median is the middle one, or the mean of the two middle ones when "
        "their number is even, rounded half up to 0.01.",
        "天",
    ),
    Definition(
        "merchant_first_settlement",
        "商家先行和解率",
        "本期结束商家先行协商阶段的投诉（商家报告和解、协商不成转站点、撤回，或和解期限届满仍未和解）中，"
        "商家和解且消费者未提出异议的比例。",
        "Merchant-first complaints whose merchant phase ended in the period (settlement reported, handed to the "
        "station, withdrawn, or the settlement limit passed unsettled): the share the merchant settled without "
        "the consumer disputing it.",
        "%",
    ),
    Definition(
        "reports_on_time",
        "举报按时核查率",
        "核查期限（15 个工作日，经负责人批准延长的为 30 个工作日）落在本期的举报中，在期限内作出立案或不予立案"
        "决定的比例；期限已过仍未决定的计为超期。",
        "Reports whose verification deadline (15 working days, 30 once a supervisor approved the extension) "
        "falls in the period: the share decided (立案 or 不予立案) by it; one still undecided after its "
        "deadline counts as late.",
        "%",
    ),
    Definition(
        "publicity_rate",
        "消费者投诉信息公示率",
        "本期办结的投诉（消费者撤回的不计）中，已在投诉信息公示页面公开的比例。内容审核未通过或仍在复核的、"
        "摘要尚未完成去标识处理的，计入分母、不计入分子；举报不公示，不计。",
        "Complaints resolved in the period (not withdrawn by the consumer): the share published on the "
        "publicity pages. One whose content check failed or is still under review, or whose redacted summary "
        "is not prepared yet, counts in the denominator but not the numerator; reports are never published "
        "and are left out.",
        "%",
    ),
    Definition(
        "handed_off",
        "移交全国12315平台",
        "本期移交全国12315平台处理的投诉和举报件数；这些案件不计入以上各项指标。",
        "Complaints and reports handed off to the national 12315 platform in the period; they are left out "
        "of every figure above.",
        "件",
    ),
)

BY_KEY: dict[str, Definition] = {d.key: d for d in FIGURES}
