"""`/wechat/oa`: the official account's push endpoint (server configuration URL in the WeChat console).

- GET: WeChat's URL check, `sha1(sorted([token, timestamp, nonce])) == signature`, answered with `echostr`.
- POST: messages and events, in plaintext, compatible or safe mode (`encrypt_type=aes`: the body's
  `<Encrypt>` is checked against `msg_signature` and decrypted; the reply is encrypted the same way).
  `signature` is checked on every request, with `WECHAT_OA_TOKEN`; decryption uses `WECHAT_OA_AES_KEY`
  and checks the appid inside against `WECHAT_OA_APPID`. A wrong signature is a 403 and nothing is read.
- Every body passes `wechat.xml_safety` (size, DTD/entities, depth) before wechatpy parses it.
- WeChat waits 5 s and retries twice. A message is recorded once in `oa_inbound` under its `MsgId`
  (events: `FromUserName` + `CreateTime`) in the same transaction as its effect; a retry, even one that
  arrives while the first delivery is still running, finds that row and gets the stored reply again.
- The rows are only needed while WeChat may still retry (15 s); `prune_inbound`, a periodic job of the
  worker, forgets those older than `OA_INBOUND_KEEP_DAYS` (7) so the table stays small.
- Nothing here calls WeChat: the request does a few quick queries and writes; anything slow (template or
  customer-service messages) is an outbox row the worker sends after commit.
- The database away (a restart, a dropped connection): 503 `success` with `Retry-After`; nothing was
  recorded, and WeChat sends a push again when it is not answered 200, so the retry gets the one reply.
- Every answer is XML or the literal `success` (WeChat shows "该公众号暂时无法提供服务" for anything
  else), including refusals, which carry their 4xx status.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import re
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, request
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import WeChatSigner
from werkzeug.exceptions import HTTPException

from app.core import db_outage
from app.core.extensions import db
from app.core.timeutil import utcnow
from app.official_account import chat
from app.official_account.models import OAInbound
from wechat import xml_safety

log = logging.getLogger(__name__)

bp = Blueprint("wechat_oa", __name__, url_prefix="/wechat")

SUCCESS = "success"
PRUNE_BATCH = 5000  # rows deleted per transaction by prune_inbound


class Refused(Exception):
    """A push this endpoint will not process: answered with `status` and no effect."""

    def __init__(self, status: int, reason: str):
        self.status = status
        self.reason = reason
        super().__init__(f"{status} {reason}")


@dataclass(frozen=True)
class _Keys:
    token: str
    aes_key: str | None
    appid: str | None
    encrypted_only: bool

    @classmethod
    def from_config(cls) -> _Keys:
        conf = current_app.config
        token = conf.get("WECHAT_OA_TOKEN")
        if not token:
            raise Refused(403, "WECHAT_OA_TOKEN is not set: no push can be verified")
        return cls(
            token=token,
            aes_key=conf.get("WECHAT_OA_AES_KEY") or None,
            appid=conf.get("WECHAT_OA_APPID") or None,
            encrypted_only=bool(conf.get("WECHAT_OA_ENCRYPTED_ONLY")),
        )

    def crypto(self) -> WeChatCrypto:
        if not (self.aes_key and self.appid):
            raise Refused(400, "safe mode push, but WECHAT_OA_AES_KEY / WECHAT_OA_APPID are not set")
        try:
            return WeChatCrypto(self.token, self.aes_key, self.appid)
        except (AssertionError, ValueError, TypeError) as exc:
            log.error("WECHAT_OA_AES_KEY is not a valid EncodingAESKey (43 characters): %r", exc)
            raise Refused(400, "WECHAT_OA_AES_KEY is malformed") from None


def _text(body: str, status: int = 200, mimetype: str = "text/plain") -> Response:
    response = Response(body, status=status, mimetype=mimetype)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _signed(token: str, signature: str, *parts: str) -> bool:
    signer = WeChatSigner()
    signer.add_data(token, *parts)
    return hmac.compare_digest(signer.signature, signature or "")


def _check_signature(keys: _Keys) -> tuple[str, str]:
    args = request.args
    timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
    if not (timestamp and nonce and args.get("signature")):
        raise Refused(403, "missing signature parameters")
    if not _signed(keys.token, args["signature"], timestamp, nonce):
        raise Refused(403, "bad signature")
    return timestamp, nonce


@bp.errorhandler(Refused)
def _refused(exc: Refused):
    db.session.rollback()
    log.info("official-account push refused: %s", exc)
    return _text(SUCCESS, exc.status)


@bp.errorhandler(HTTPException)
def _http(exc: HTTPException):
    db.session.rollback()
    return _text(SUCCESS, exc.code or 400)


db_outage.register(bp, lambda exc: _text(SUCCESS, exc.status))


@bp.errorhandler(Exception)
def _unexpected(exc: Exception):
    db.session.rollback()
    if current_app.testing and current_app.config.get("PROPAGATE_UNEXPECTED", True):
        raise exc
    # Not recorded in oa_inbound, so WeChat's retry runs it again.
    log.exception("official-account push failed")
    return _text(SUCCESS, 500)


@bp.get("/oa")
def verify():
    keys = _Keys.from_config()
    _check_signature(keys)
    return _text(request.args.get("echostr", ""))


@bp.post("/oa")
def receive():
    keys = _Keys.from_config()
    timestamp, nonce = _check_signature(keys)
    encrypted = request.args.get("encrypt_type", "raw").lower() == "aes"
    if not encrypted and keys.encrypted_only:
        raise Refused(403, "plaintext push while WECHAT_OA_ENCRYPTED_ONLY is set")
    raw = _body()
    outer = _safe(raw)
    crypto = None
    if encrypted:
        crypto = keys.crypto()
        raw = _decrypt(crypto, outer, timestamp, nonce)
        _safe(raw)
    reply_xml = _handle(_parse(raw))
    if not reply_xml:
        return _text(SUCCESS)
    if crypto is not None:
        reply_xml = crypto.encrypt_message(reply_xml, nonce, timestamp)
    return _text(reply_xml, mimetype="application/xml")


def _body() -> bytes:
    """At most MAX_BYTES, read before anything parses it; more is refused (413) without reading on."""
    limit = xml_safety.MAX_BYTES
    if request.content_length is not None and request.content_length > limit:
        raise Refused(413, "body too large")
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise Refused(413, "body too large")
    return data


def _safe(raw: bytes | str):
    try:
        return xml_safety.parse(raw)
    except xml_safety.UnsafeXML as exc:
        raise Refused(400, f"unsafe or malformed XML ({exc})") from None


def _decrypt(crypto: WeChatCrypto, outer, timestamp: str, nonce: str) -> str:
    encrypted = xml_safety.text_of(outer, "Encrypt")
    msg_signature = request.args.get("msg_signature", "")
    if not encrypted or not msg_signature:
        raise Refused(400, "safe mode push without Encrypt or msg_signature")
    try:
        # A dict: wechatpy must not parse the body itself.
        return crypto.decrypt_message({"Encrypt": encrypted}, msg_signature, timestamp, nonce)
    except InvalidSignatureException:
        raise Refused(403, "bad msg_signature") from None
    except InvalidAppIdException:
        raise Refused(403, "encrypted for another appid") from None
    except Exception as exc:  # any garbage: bad base64, padding, length, UTF-8
        raise Refused(400, f"cannot decrypt ({type(exc).__name__})") from None


@dataclass(frozen=True)
class _Push:
    incoming: chat.Incoming
    key: str  # OAInbound.dedup_key
    msg_type: str
    account: str  # ToUserName: the official account's own id, the sender of our reply


def _parse(raw: bytes | str) -> _Push:
    try:
        message = parse_message(raw)
        data = message._data
        openid = str(message.source or "").strip()
        account = str(message.target or "").strip()
        create_time = int(message.time or 0)
        msg_id = int(message.id or 0)
        kind = str(message.type or "unknown")
        event = str(getattr(message, "event", "") or "").lower() if kind == "event" else ""
    except Exception as exc:  # xmltodict / wechatpy on a shape they do not expect
        raise Refused(400, f"not a WeChat push ({type(exc).__name__})") from None
    if not openid or len(openid) > 64:
        raise Refused(400, "no usable FromUserName")
    event_key = data.get("EventKey") if kind == "event" else None
    content = data.get("Content") if kind == "text" else None
    incoming = chat.Incoming(
        openid,
        kind,
        text=content if isinstance(content, str) else "",
        event=event,
        event_key=event_key if isinstance(event_key, str) else "",
    )
    # Messages carry a MsgId; events do not (wechatpy gives 0): the sender and CreateTime name them.
    key = f"msg:{msg_id}" if kind != "event" and msg_id else f"from:{openid}:{create_time}"
    msg_type = f"event:{event}" if kind == "event" else kind
    return _Push(incoming, key[:128], msg_type[:32], account)


def _handle(push: _Push) -> str:
    """Record the push first; a duplicate (a WeChat retry) gets the reply stored with the first one."""
    try:
        # Plain INSERT/UPDATE statements rather than an ORM object: this runs on every push.
        row_id = db.session.execute(
            insert(OAInbound)
            .values(
                dedup_key=push.key,
                from_openid=push.incoming.openid,
                msg_type=push.msg_type,
                reply="",
                received_at=utcnow(),
            )
            .returning(OAInbound.id)
        ).scalar_one()
    except IntegrityError:
        # Seen before. On PostgreSQL the insert waited for the first delivery's transaction to end.
        db.session.rollback()
        stored = db.session.scalar(select(OAInbound.reply).where(OAInbound.dedup_key == push.key))
        if stored is None:
            raise
        return stored
    text = chat.answer(push.incoming)
    reply = _reply_xml(push, text) if text else ""
    if reply:
        db.session.execute(update(OAInbound).where(OAInbound.id == row_id).values(reply=reply))
    db.session.commit()
    return reply


def _reply_xml(push: _Push, text: str) -> str:
    """A passive text reply from the account to the sender."""
    reply = TextReply(source=_cdata(push.account), target=_cdata(push.incoming.openid), content=_cdata(text))
    return reply.render()


#: Characters XML 1.0 does not allow (a reply is rendered into XML by wechatpy).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _cdata(text: str) -> str:
    """Text that stays inside wechatpy's `<![CDATA[...]]>`: no "]]>" and no characters XML forbids."""
    return _NOT_XML.sub("", text).replace("]]>", "]]]]><![CDATA[>")


def prune_inbound(*, now: dt.datetime | None = None, batch: int = PRUNE_BATCH) -> int:
    """Forget the messages received more than OA_INBOUND_KEEP_DAYS ago; returns how many.

    WeChat's retries come within 15 s, so a row has done its work long before; the days kept are for
    looking into a reply someone asks about. Deleted in batches, each its own short transaction.
    """
    cutoff = (now or utcnow()) - dt.timedelta(days=current_app.config["OA_INBOUND_KEEP_DAYS"])
    total = 0
    while True:
        old = select(OAInbound.id).where(OAInbound.received_at < cutoff).order_by(OAInbound.id).limit(batch)
        gone = db.session.execute(delete(OAInbound).where(OAInbound.id.in_(old))).rowcount
        db.session.commit()
        total += gone
        if gone < batch:
            return total
