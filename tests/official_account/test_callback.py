"""`/wechat/oa`: real signed (and AES-encrypted) pushes through the Flask app, on PostgreSQL and SQLite."""

from __future__ import annotations

import datetime as dt
import threading
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from wechatpy.crypto import WeChatCrypto

from app.cli.sandbox import CALLBACK_PATH, OAPush, push_xml, sign
from app.complaints.models import Complaint, ComplaintEvent
from app.core.extensions import db
from app.core.timeutil import utcnow
from app.official_account import callback, chat
from app.official_account.models import OAInbound
from app.staff import people
from app.staff.models import Staff, StaffInvite
from app.stores.models import Store
from tests import factories, helpers

HANDLER = "oa-handler-1"  # bound by helpers.shop
OTHER_AES_KEY = "b3RoZXItYWVzLWtleS1mb3ItdGVzdGluZy0zMmJ5dGU"  # 43 characters, not the app's


# --- helpers, also used by test_chat_commands.py and test_binding.py -------------------------------


def pusher(app) -> OAPush:
    return OAPush.from_config(app.config)


def say(app, client, openid: str, text: str, mode: str = "plain", **kw):
    return pusher(app).post(client, push_xml(openid, text=text, **kw), mode)


def event(app, client, openid: str, name: str, key: str | None = None, mode: str = "plain", **kw):
    return pusher(app).post(client, push_xml(openid, event=name, event_key=key, **kw), mode)


def raw_post(client, query: dict, body: bytes):
    return client.post(f"{CALLBACK_PATH}?{urlencode(query)}", data=body, headers={"Content-Type": "text/xml"})


def signed_query(app, timestamp: str = "1764000000", nonce: str = "12345") -> dict:
    token = app.config["WECHAT_OA_TOKEN"]
    return {"signature": sign(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}


def open_case(app, **kw) -> str:
    """A complaint at helpers.shop's service station; returns its number."""
    with app.app_context():
        store = db.session.scalar(sa.select(Store))
        number = factories.complaint(store, **kw).number
        db.session.commit()
        return number


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def assert_refused(res, status: int) -> None:
    assert res.status_code == status
    assert res.get_data() == b"success"  # never JSON, never an HTML error page
    assert res.mimetype == "text/plain"


# --- verification (GET) -----------------------------------------------------------------------------


def test_verify_signed_request_echoes_echostr(app, client):
    res = client.get(CALLBACK_PATH, query_string={**signed_query(app), "echostr": "8765432101234"})
    assert res.status_code == 200
    assert res.get_data(as_text=True) == "8765432101234"


@pytest.mark.parametrize(
    "query",
    [
        {"signature": "0" * 40, "timestamp": "1764000000", "nonce": "12345", "echostr": "x"},
        {"timestamp": "1764000000", "nonce": "12345", "echostr": "x"},
        {"echostr": "x"},
    ],
    ids=["forged", "no-signature", "nothing"],
)
def test_verify_forged_or_missing_signature_403(app, client, query):
    assert_refused(client.get(CALLBACK_PATH, query_string=query), 403)


def test_verify_signed_with_another_token_403(app, client):
    query = {"signature": sign("another-token", "1", "2"), "timestamp": "1", "nonce": "2", "echostr": "x"}
    assert_refused(client.get(CALLBACK_PATH, query_string=query), 403)


# --- round trips --------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["plain", "compat", "safe"])
def test_post_text_round_trip_each_mode(app, client, mode):
    helpers.shop(app)
    number = open_case(app)

    res = say(app, client, HANDLER, "待办", mode)

    assert res.status == 200
    assert number in res.reply and "优衣坊服饰" in res.reply
    assert res.mimetype == "application/xml"
    if mode == "plain":
        assert number.encode() in res.body
    else:  # the reply is encrypted too: the number is not readable on the wire
        assert b"<Encrypt>" in res.body and number.encode() not in res.body
    assert count(app, OAInbound) == 1


def test_post_safe_mode_body_carries_no_plaintext(app, client):
    helpers.shop(app)
    query, body = pusher(app).wrap(push_xml(HANDLER, text="帮助"), "safe")
    assert b"Content" not in body and b"<Encrypt>" in body
    res = raw_post(client, query, body)
    assert res.status_code == 200 and "待办" in pusher(app).read(res.get_data())


def test_post_reply_is_text_from_the_account_to_the_sender(app, client):
    helpers.shop(app)
    res = say(app, client, HANDLER, "帮助")
    root = ET.fromstring(res.body)
    assert root.findtext("ToUserName") == HANDLER
    assert root.findtext("FromUserName") == "gh_sandbox_oa"
    assert root.findtext("MsgType") == "text"


def test_post_unsubscribe_and_unknown_events_answer_success(app, client):
    res = event(app, client, "oa-someone", "unsubscribe")
    assert res.status == 200 and res.body == b"success"
    res = event(app, client, "oa-someone", "LOCATION", create_time=1764000100)
    assert res.status == 200 and res.body == b"success"
    assert count(app, OAInbound) == 2


def test_post_image_from_staff_asks_for_text(app, client):
    helpers.shop(app)
    xml = push_xml(HANDLER, text="x").replace("<![CDATA[text]]>", "<![CDATA[image]]>")
    res = pusher(app).post(client, xml)
    assert res.status == 200 and "暂只支持文字指令" in res.reply


# --- WeChat's retries ---------------------------------------------------------------------------------


def _replies(app, number: str) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count())
            .select_from(ComplaintEvent)
            .join(Complaint)
            .where(Complaint.number == number, ComplaintEvent.action == "replied")
        )


@pytest.mark.parametrize("mode", ["plain", "safe"])
def test_post_same_message_three_times_one_effect_same_reply(app, client, mode):
    helpers.shop(app)
    number = open_case(app)
    xml = push_xml(HANDLER, text=f"回复 {number} 已联系商家，明天答复", msg_id=7001234567890123456)

    answers = [pusher(app).post(client, xml, mode) for _ in range(3)]

    assert [a.status for a in answers] == [200, 200, 200]
    assert answers[0].reply.startswith(f"已回复 {number}")
    assert answers[1].reply == answers[0].reply == answers[2].reply
    assert _replies(app, number) == 1
    assert count(app, OAInbound) == 1


def test_post_same_event_three_times_one_binding_same_reply(app, client):
    helpers.shop(app)
    with app.app_context():
        person = people.add_staff(people.find_station("测试商圈服务站"), "新同事", "handler")
        scene = people.create_invite(person).scene
        db.session.commit()

    answers = [
        event(app, client, "oa-new-follower", "subscribe", f"qrscene_{scene}", create_time=1764000200)
        for _ in range(3)
    ]

    assert {a.reply for a in answers} == {answers[0].reply}
    assert "绑定成功" in answers[0].reply  # the retries do not say "already used"
    assert count(app, OAInbound) == 1
    assert count(app, Staff, Staff.oa_openid == "oa-new-follower") == 1


def test_post_events_with_another_create_time_are_new(app, client):
    event(app, client, "oa-someone", "subscribe", create_time=1764000300)
    event(app, client, "oa-someone", "subscribe", create_time=1764000301)
    assert count(app, OAInbound) == 2


def test_post_concurrent_deliveries_of_one_message_one_effect(app, client):
    """Retries racing the first delivery (another worker process, say) still have one effect."""
    helpers.shop(app)
    number = open_case(app)
    xml = push_xml(HANDLER, text=f"回复 {number} 同时到达的重试", msg_id=7001234567890000001)
    push = pusher(app)
    results, errors = [], []
    start = threading.Barrier(4)

    def deliver():
        try:
            start.wait(timeout=10)
            results.append(push.post(app.test_client(), xml, "safe"))
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert not errors
    assert [r.status for r in results] == [200] * 4
    assert len({r.reply for r in results}) == 1 and results[0].reply.startswith(f"已回复 {number}")
    assert _replies(app, number) == 1
    assert count(app, OAInbound) == 1


# --- refusals ------------------------------------------------------------------------------------------


def test_post_forged_signature_403_nothing_processed(app, client):
    helpers.shop(app)
    number = open_case(app)
    query, body = pusher(app).wrap(push_xml(HANDLER, text=f"受理 {number}"), "plain")
    query["signature"] = "f" * 40

    assert_refused(raw_post(client, query, body), 403)
    assert count(app, OAInbound) == 0
    assert count(app, Complaint, Complaint.status == "accepted") == 0


def test_post_signed_with_another_token_403(app, client):
    helpers.shop(app)
    other = OAPush("not-our-token", app.config["WECHAT_OA_AES_KEY"], app.config["WECHAT_OA_APPID"])
    for mode in ("plain", "safe"):
        assert_refused(raw_post(client, *other.wrap(push_xml(HANDLER, text="待办"), mode)), 403)
    assert count(app, OAInbound) == 0


def test_post_safe_mode_forged_msg_signature_403(app, client):
    helpers.shop(app)
    number = open_case(app)
    query, body = pusher(app).wrap(push_xml(HANDLER, text=f"受理 {number}"), "safe")
    query["msg_signature"] = "0" * 40
    assert_refused(raw_post(client, query, body), 403)
    assert count(app, OAInbound) == 0 and count(app, Complaint, Complaint.status == "accepted") == 0


def _safe_envelope(app, encrypted: str, timestamp="1764000000", nonce="12345") -> tuple[dict, bytes]:
    token = app.config["WECHAT_OA_TOKEN"]
    query = signed_query(app, timestamp, nonce)
    query.update(encrypt_type="aes", msg_signature=sign(token, timestamp, nonce, encrypted))
    body = f"<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    return query, body.encode()


@pytest.mark.parametrize(
    "encrypted", ["bm90IHJlYWxseSBlbmNyeXB0ZWQ=", "%%%not-base64%%%", "QUFBQQ==", "A" * 64]
)
def test_post_undecryptable_400_no_crash(app, client, encrypted):
    assert_refused(raw_post(client, *_safe_envelope(app, encrypted)), 400)
    assert count(app, OAInbound) == 0


def test_post_encrypted_with_another_key_refused(app, client):
    token, appid = app.config["WECHAT_OA_TOKEN"], app.config["WECHAT_OA_APPID"]
    packed = WeChatCrypto(token, OTHER_AES_KEY, appid).encrypt_message(
        push_xml(HANDLER, text="待办"), "1", "2"
    )
    encrypted = packed.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    res = raw_post(client, *_safe_envelope(app, encrypted))
    assert res.status_code in (400, 403) and res.get_data() == b"success"
    assert count(app, OAInbound) == 0


def test_post_encrypted_for_another_appid_403(app, client):
    token, key = app.config["WECHAT_OA_TOKEN"], app.config["WECHAT_OA_AES_KEY"]
    packed = WeChatCrypto(token, key, "wx-someone-else").encrypt_message(
        push_xml(HANDLER, text="待办"), "1", "2"
    )
    encrypted = packed.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    assert_refused(raw_post(client, *_safe_envelope(app, encrypted)), 403)


def test_post_safe_mode_without_encrypt_element_400(app, client):
    query = {**signed_query(app), "encrypt_type": "aes", "msg_signature": "0" * 40}
    assert_refused(raw_post(client, query, push_xml(HANDLER, text="待办").encode()), 400)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE xml [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<xml><ToUserName>gh</ToUserName><FromUserName>oa-handler-1</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&lol9;</Content><MsgId>1</MsgId></xml>"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>gh</ToUserName><FromUserName>oa-handler-1</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>2</MsgId></xml>"""

PARAMETER_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<xml><FromUserName>oa-handler-1</FromUserName><MsgType>text</MsgType><Content>x</Content></xml>"""

NESTED = "<xml>" + "<a>" * 50 + "x" + "</a>" * 50 + "</xml>"

MALFORMED = {
    "not-xml": "hello",
    "truncated": "<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName>",
    "json": '{"MsgType": "text", "Content": "待办"}',
    "wrong-root": "<root><MsgType>text</MsgType></root>",
    "no-sender": "<xml><ToUserName>gh</ToUserName><MsgType>text</MsgType><Content>x</Content></xml>",
    "no-msgtype": "<xml><ToUserName>gh</ToUserName><FromUserName>oa-x</FromUserName></xml>",
    "bad-msgid": "<xml><FromUserName>oa-x</FromUserName><MsgType>text</MsgType><MsgId>abc</MsgId></xml>",
    "empty": "",
    "billion-laughs": BILLION_LAUGHS,
    "xxe": XXE,
    "parameter-entity": PARAMETER_ENTITY,
    "too-deep": NESTED,
    "too-wide": "<xml>" + "<a>x</a>" * 1000 + "</xml>",
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_post_malformed_or_hostile_xml_400(app, client, name):
    helpers.shop(app)
    assert_refused(raw_post(client, signed_query(app), MALFORMED[name].encode()), 400)
    assert count(app, OAInbound) == 0


@pytest.mark.parametrize("name", ["billion-laughs", "xxe", "truncated", "wrong-root"])
def test_post_hostile_xml_inside_safe_mode_400(app, client, name):
    """The decrypted document is checked like the outer one."""
    crypto = pusher(app).crypto()
    packed = crypto.encrypt_message(MALFORMED[name], "12345", "1764000000")
    encrypted = packed.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    assert_refused(raw_post(client, *_safe_envelope(app, encrypted)), 400)
    assert count(app, OAInbound) == 0


def test_post_one_megabyte_body_413(app, client):
    body = b"<xml><Content>" + b"A" * (1024 * 1024) + b"</Content></xml>"
    assert_refused(raw_post(client, signed_query(app), body), 413)


def test_post_without_token_configured_403(app, client, monkeypatch):
    query, body = pusher(app).wrap(push_xml(HANDLER, text="待办"))
    monkeypatch.setitem(app.config, "WECHAT_OA_TOKEN", None)
    assert_refused(raw_post(client, query, body), 403)


def test_post_plaintext_refused_when_encrypted_only(app, client, monkeypatch):
    helpers.shop(app)
    monkeypatch.setitem(app.config, "WECHAT_OA_ENCRYPTED_ONLY", True)
    assert_refused(raw_post(client, *pusher(app).wrap(push_xml(HANDLER, text="待办"), "plain")), 403)
    assert say(app, client, HANDLER, "帮助", "safe").status == 200


def test_post_safe_mode_without_aes_key_400(app, client, monkeypatch):
    query, body = pusher(app).wrap(push_xml(HANDLER, text="待办"), "safe")
    monkeypatch.setitem(app.config, "WECHAT_OA_AES_KEY", None)
    assert_refused(raw_post(client, query, body), 400)


def test_post_reply_text_cannot_break_out_of_cdata(app, client):
    helpers.shop(app)
    number = open_case(app)
    sneaky = "]]></Content><MsgType><![CDATA[news]]></MsgType><Content><![CDATA[x"
    with app.app_context():
        c = db.session.scalar(sa.select(Complaint).where(Complaint.number == number))
        c.description = "开线了" + sneaky
        db.session.commit()

    for mode in ("plain", "safe"):
        res = say(app, client, HANDLER, f"查看 {number}", mode)
        assert res.status == 200
        assert sneaky in res.reply  # read back intact, and still a text reply
    plain = say(app, client, HANDLER, f"查看 {number}")
    root = ET.fromstring(plain.body)
    assert [n.text for n in root.iter("MsgType")] == ["text"]


def test_post_method_get_without_params_is_not_html(app, client):
    res = client.get(CALLBACK_PATH)
    assert res.get_data() == b"success" and res.status_code == 403


def test_invite_model_untouched_by_refusals(app, client):
    """Refused pushes touch nothing, not even binding tokens."""
    helpers.shop(app)
    with app.app_context():
        person = people.add_staff(people.find_station("测试商圈服务站"), "新同事", "handler")
        code = people.create_invite(person).code
        db.session.commit()
    query, body = pusher(app).wrap(push_xml("oa-intruder", text=f"绑定 {code}"))
    query["signature"] = "1" * 40
    assert_refused(raw_post(client, query, body), 403)
    assert count(app, StaffInvite, StaffInvite.used_at.is_not(None)) == 0


def test_post_unexpected_failure_is_not_recorded_so_the_retry_runs(app, client, monkeypatch):
    helpers.shop(app)
    number = open_case(app)
    xml = push_xml(HANDLER, text=f"受理 {number}", msg_id=7001234567890000099)
    real = chat.answer
    monkeypatch.setitem(app.config, "PROPAGATE_UNEXPECTED", False)
    monkeypatch.setattr(chat, "answer", lambda incoming: 1 / 0)

    broken = pusher(app).post(client, xml, "safe")

    assert broken.status == 500 and broken.body == b"success" and broken.mimetype == "text/plain"
    assert count(app, OAInbound) == 0
    monkeypatch.setattr(chat, "answer", real)
    assert pusher(app).post(client, xml, "safe").reply.startswith(f"已受理 {number}")
    assert count(app, OAInbound) == 1


def test_prune_inbound_forgets_old_messages_and_a_recent_retry_still_has_one_effect(app, client, runner):
    helpers.shop(app)
    number = open_case(app)
    xml = push_xml(HANDLER, text=f"回复 {number} 已联系商家", msg_id=7001234567890199999)
    first = pusher(app).post(client, xml, "plain")
    with app.app_context():
        eight_days_ago = utcnow() - dt.timedelta(days=8)
        db.session.execute(
            sa.insert(OAInbound),
            [
                {
                    "dedup_key": f"old-{i}",
                    "from_openid": HANDLER,
                    "msg_type": "text",
                    "received_at": eight_days_ago,
                }
                for i in range(5)
            ],
        )
        db.session.commit()
        assert callback.prune_inbound(batch=2) == 5  # three batches
        assert callback.prune_inbound() == 0

    result = runner.invoke(args=["worker", "run", "--once"])
    assert result.exit_code == 0, result.output
    assert "oa.prune_inbound" in result.output
    assert count(app, OAInbound) == 1
    retry = pusher(app).post(client, xml, "plain")  # WeChat's retry of the kept message
    assert retry.reply == first.reply and _replies(app, number) == 1


def test_prune_inbound_keeps_at_least_a_day(app):
    with app.app_context():
        db.session.add(OAInbound(dedup_key="recent", from_openid="oa-x", msg_type="text"))
        db.session.commit()
        keep = app.config["OA_INBOUND_KEEP_DAYS"]
        assert callback.prune_inbound(now=utcnow() + dt.timedelta(days=keep) - dt.timedelta(hours=1)) == 0
        assert callback.prune_inbound(now=utcnow() + dt.timedelta(days=keep, hours=1)) == 1
