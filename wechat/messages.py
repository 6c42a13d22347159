"""Outgoing WeChat messages: subscribe (mini-program), template and customer-service (official account).

Each function posts through a `StableTokenClient` (default: `mp_client()` for subscribe messages,
`oa_client()` for the official-account ones) and raises what `wechat.api` raises:

- `WeChatAPIError(errcode, errmsg)`: WeChat answered and refused (43101 no subscribe allowance, 43004 not
  following, 45015 outside the customer-service window, 47003 a value over its limit, 40003 bad openid,
  -1 system busy, ...);
- `WeChatUnreachable`: no usable answer (network, timeout, HTTP error status, garbage).

Nothing here validates the values: `app.notifications.format` does that before anything is sent.
"""

from __future__ import annotations

from wechat.api import WeChatUnreachable, wechat_errors
from wechat.client import StableTokenClient, mp_client, oa_client

MINIPROGRAM_STATES = ("developer", "trial", "formal")


def _json_object(result, endpoint: str) -> dict:
    # wechatpy hands back the raw response when the body is not JSON (an HTML error page, say).
    if not isinstance(result, dict):
        raise WeChatUnreachable(endpoint, "answer is not a JSON object")
    return result


def _wrap(data: dict[str, str]) -> dict[str, dict[str, str]]:
    return {key: {"value": str(value)} for key, value in data.items()}


def send_subscribe(
    openid: str,
    template_id: str,
    data: dict[str, str],
    page: str,
    miniprogram_state: str = "formal",
    *,
    client: StableTokenClient | None = None,
) -> dict:
    """POST cgi-bin/message/subscribe/send (one user allowance is spent per successful send).

    wechatpy's `send_subscribe_message` has no `miniprogram_state`, hence the raw post.
    """
    if miniprogram_state not in MINIPROGRAM_STATES:
        raise ValueError(f"miniprogram_state must be one of {MINIPROGRAM_STATES}")
    body = {
        "touser": openid,
        "template_id": template_id,
        "page": page,
        "miniprogram_state": miniprogram_state,
        "lang": "zh_CN",
        "data": _wrap(data),
    }
    client = client or mp_client()
    with wechat_errors("subscribe_send"):
        result = client.post("message/subscribe/send", data=body)
    return _json_object(result, "subscribe_send")


def send_template(
    openid: str,
    template_id: str,
    data: dict[str, str],
    url: str | None = None,
    miniprogram: dict | None = None,
    *,
    client_msg_id: str | None = None,
    client: StableTokenClient | None = None,
) -> dict:
    """POST cgi-bin/message/template/send. Since 2023-05 there are no colours and no first/remark.

    `miniprogram` is {"appid", "pagepath"}; `client_msg_id` makes WeChat drop a repeat of the same
    message to the same user for about ten minutes (wechatpy 1.8.18 cannot pass it).
    """
    body: dict = {"touser": openid, "template_id": template_id, "data": _wrap(data)}
    if url:
        body["url"] = url
    if miniprogram:
        body["miniprogram"] = miniprogram
    if client_msg_id:
        body["client_msg_id"] = client_msg_id
    client = client or oa_client()
    with wechat_errors("template_send"):
        result = client.post("message/template/send", data=body)
    return _json_object(result, "template_send")


def send_custom_text(openid: str, text: str, *, client: StableTokenClient | None = None) -> dict:
    """POST cgi-bin/message/custom/send with a text message (only within 48 h of the user's last message)."""
    body = {"touser": openid, "msgtype": "text", "text": {"content": text}}
    client = client or oa_client()
    with wechat_errors("custom_send"):
        result = client.post("message/custom/send", data=body)
    return _json_object(result, "custom_send")
