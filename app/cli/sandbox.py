"""`flask sandbox oa-say`: play a WeChat user writing to the official account.

It builds the push WeChat's server would send — XML signed with WECHAT_OA_TOKEN and, with --encrypt, AES
encrypted with WECHAT_OA_AES_KEY for WECHAT_OA_APPID (safe mode) — posts it to `/wechat/oa` (through the
app itself, or over HTTP to a running server with --url) and prints the reply's text, decrypted and its
signature checked. Outside production the three settings have demo defaults, so this works in `make run`.

    flask sandbox oa-say --openid oa-demo-handler "绑定 123456"
    flask sandbox oa-say --openid oa-demo-handler --encrypt "待办"
    flask sandbox oa-say --openid oa-demo-handler --event SCAN --event-key bind:...

`OAPush` is also what the tests and bench/oa_callback.py use to talk to the callback.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import click
import requests
from flask import current_app
from flask.cli import AppGroup
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from wechat import xml_safety

sandbox_cli = AppGroup("sandbox", help="Play WeChat users against the sandbox.")

CALLBACK_PATH = "/wechat/oa"
SANDBOX_ACCOUNT = "gh_sandbox_oa"  # ToUserName: the official account's original id
MODES = ("plain", "compat", "safe")


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def push_xml(
    openid: str,
    *,
    text: str | None = None,
    event: str | None = None,
    event_key: str | None = None,
    msg_id: int | None = None,
    create_time: int | None = None,
    account: str = SANDBOX_ACCOUNT,
) -> str:
    """A text message (with `text`) or an event (with `event`), as WeChat's server writes it."""
    fields = [
        f"<ToUserName>{_cdata(account)}</ToUserName>",
        f"<FromUserName>{_cdata(openid)}</FromUserName>",
        f"<CreateTime>{int(create_time if create_time is not None else time.time())}</CreateTime>",
    ]
    if event:
        fields.append(f"<MsgType>{_cdata('event')}</MsgType>")
        fields.append(f"<Event>{_cdata(event)}</Event>")
        if event_key is not None:
            fields.append(f"<EventKey>{_cdata(event_key)}</EventKey>")
            fields.append(f"<Ticket>{_cdata('gQ' + secrets.token_urlsafe(24))}</Ticket>")
    else:
        fields.append(f"<MsgType>{_cdata('text')}</MsgType>")
        fields.append(f"<Content>{_cdata(text or '')}</Content>")
        fields.append(f"<MsgId>{msg_id if msg_id is not None else new_msg_id()}</MsgId>")
    return "<xml>" + "".join(fields) + "</xml>"


def new_msg_id() -> int:
    """WeChat's MsgId: a positive 64-bit integer."""
    return secrets.randbits(62) + 1


def sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


@dataclass(frozen=True)
class OAPush:
    """Signs (and encrypts) pushes and reads replies with the account's token, AES key and appid."""

    token: str
    aes_key: str | None = None
    appid: str | None = None

    @classmethod
    def from_config(cls, config) -> OAPush:
        return cls(config["WECHAT_OA_TOKEN"], config.get("WECHAT_OA_AES_KEY"), config.get("WECHAT_OA_APPID"))

    def crypto(self) -> WeChatCrypto:
        if not (self.aes_key and self.appid):
            raise click.ClickException("加密需要配置 WECHAT_OA_AES_KEY 和 WECHAT_OA_APPID")
        return WeChatCrypto(self.token, self.aes_key, self.appid)

    def wrap(
        self, xml: str, mode: str = "plain", *, timestamp: str | None = None, nonce: str | None = None
    ) -> tuple[dict[str, str], bytes]:
        """(query parameters, body) of the POST WeChat would make for this push in `mode`."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        timestamp = timestamp or str(int(time.time()))
        nonce = nonce or str(secrets.randbelow(10**10))
        openid = xml_safety.text_of(xml_safety.parse(xml), "FromUserName")
        query = {"signature": sign(self.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
        query["openid"] = openid
        if mode == "plain":
            return query, xml.encode("utf-8")
        packed = xml_safety.parse(self.crypto().encrypt_message(xml, nonce, timestamp))
        encrypted = xml_safety.text_of(packed, "Encrypt")
        query.update(encrypt_type="aes", msg_signature=xml_safety.text_of(packed, "MsgSignature"))
        if mode == "compat":  # compatible mode: the plaintext fields and <Encrypt> side by side
            body = xml.replace("</xml>", f"<Encrypt>{_cdata(encrypted)}</Encrypt></xml>")
        else:
            account = xml_safety.text_of(xml_safety.parse(xml), "ToUserName")
            body = (
                f"<xml><ToUserName>{_cdata(account)}</ToUserName><Encrypt>{_cdata(encrypted)}</Encrypt></xml>"
            )
        return query, body.encode("utf-8")

    def read(self, body: bytes | str) -> str:
        """The text of a reply ("" for `success`), decrypted and its signature checked when encrypted."""
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        if text.strip() in ("", "success"):
            return ""
        root = xml_safety.parse(text)
        if root.find("Encrypt") is not None:
            inner = self.crypto().decrypt_message(
                {"Encrypt": xml_safety.text_of(root, "Encrypt")},
                xml_safety.text_of(root, "MsgSignature"),
                xml_safety.text_of(root, "TimeStamp"),
                xml_safety.text_of(root, "Nonce"),
            )
            root = xml_safety.parse(inner)
        node = root.find("Content")
        return node.text or "" if node is not None else ""

    def post(self, client, xml: str, mode: str = "plain", **wrap_kw) -> Delivery:
        """Deliver `xml` through a Flask test client; the reply read back when the answer is 200."""
        query, body = self.wrap(xml, mode, **wrap_kw)
        res = client.post(
            f"{CALLBACK_PATH}?{urlencode(query)}", data=body, headers={"Content-Type": "text/xml"}
        )
        raw = res.get_data()
        return Delivery(res.status_code, self.read(raw) if res.status_code == 200 else "", raw, res.mimetype)


@dataclass(frozen=True)
class Delivery:
    status: int
    reply: str  # the reply's text, "" for `success`
    body: bytes  # as answered
    mimetype: str


@sandbox_cli.command("oa-say")
@click.argument("text", required=False, default="")
@click.option("--openid", required=True, help="The sender's official-account openid.")
@click.option("--encrypt", is_flag=True, help="Safe mode: AES-encrypt the push and read the encrypted reply.")
@click.option("--compat", is_flag=True, help="Compatible mode: plaintext fields and <Encrypt> together.")
@click.option(
    "--event",
    type=click.Choice(["subscribe", "SCAN", "unsubscribe"], case_sensitive=False),
    default=None,
    help="Send an event instead of a text message.",
)
@click.option(
    "--event-key",
    default=None,
    help='The scanned QR scene (subscribe: "qrscene_" is added when missing).',
)
@click.option("--msg-id", type=int, default=None, help="Reuse a MsgId (a WeChat retry).")
@click.option("--create-time", type=int, default=None, help="Reuse a CreateTime (an event retry).")
@click.option("--url", default=None, help="POST to a running server, e.g. http://127.0.0.1:8000/wechat/oa.")
def oa_say_cmd(text, openid, encrypt, compat, event, event_key, msg_id, create_time, url):
    """Send TEXT (or an event) to the official-account callback as WeChat would; print the reply."""
    if current_app.config.get("APP_ENV") == "production" and not url:
        raise click.ClickException("生产环境不能模拟微信推送。")
    if not event and not text:
        raise click.UsageError("请给出要发送的文字，或用 --event 发送事件。")
    if event:
        event = "SCAN" if event.upper() == "SCAN" else event.lower()
        if event == "subscribe" and event_key and not event_key.startswith("qrscene_"):
            event_key = "qrscene_" + event_key
    pusher = OAPush.from_config(current_app.config)
    xml = push_xml(
        openid, text=text, event=event, event_key=event_key, msg_id=msg_id, create_time=create_time
    )
    mode = "safe" if encrypt else ("compat" if compat else "plain")
    if url:
        query, body = pusher.wrap(xml, mode)
        try:
            res = requests.post(
                url, params=query, data=body, headers={"Content-Type": "text/xml"}, timeout=10
            )
        except requests.RequestException as exc:
            raise click.ClickException(f"无法连接 {url}：{exc}") from exc
        if res.status_code != 200:
            raise click.ClickException(f"回调拒绝了该消息（HTTP {res.status_code}）")
        reply = pusher.read(res.content)
    else:
        delivered = pusher.post(current_app.test_client(), xml, mode)
        if delivered.status != 200:
            raise click.ClickException(f"回调拒绝了该消息（HTTP {delivered.status}）")
        reply = delivered.reply
    click.echo(reply if reply else "（无回复：success）")


GROUPS = [sandbox_cli]
