"""Chinese texts of the public H5 pages (the home page, the store page and the error pages)."""

from __future__ import annotations

SITE = "一店一码"

#: HTTP status → (title, what the person can do). 500 also covers every unexpected failure.
ERROR_PAGES: dict[int, tuple[str, str]] = {
    400: ("请求有误", "页面收到的内容不完整或格式不对，请返回上一页重新操作。"),
    404: ("页面不存在", "您访问的页面不存在，可能是链接输入有误或已失效。"),
    405: ("无法这样打开此页面", "该页面不支持这种访问方式，请从首页或店内二维码重新进入。"),
    410: ("页面已失效", "该页面已停止使用，请扫描店内张贴的最新二维码。"),
    413: ("内容过大", "提交的内容超过了允许的大小，请压缩后重试。"),
    429: ("操作过于频繁", "请稍等片刻后再试。"),
    500: ("服务暂时出错", "服务遇到了意外问题，请稍后再试。问题已记录，我们会尽快处理。"),
}
ERROR_OTHER = ("无法打开此页面", "请返回首页重新操作。")

LOOKUP_EMPTY = "请输入店铺码"

NO_LINK = (
    "暂时无法打开小程序",
    "请在微信中扫描店内张贴的店铺码进入“一店一码”小程序投诉，或拨打负责站点电话。",
)
