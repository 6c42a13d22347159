"""`/wechat/oa` under generated pushes (hypothesis): whatever WeChat, or someone holding the token, sends,
the answer is never a server error and is always what WeChat accepts (XML or `success`).

Properly signed pushes, plaintext and safe mode, on PostgreSQL and SQLite: chat commands with arbitrary
arguments from a bound handler and from strangers, events with arbitrary names and keys, messages of any
type with odd fields, and bodies that are not XML at all.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.cli.sandbox import push_xml
from tests import helpers
from tests.official_account.test_callback import HANDLER, pusher, raw_post, signed_query

FUZZ = helpers.fuzz_settings(60)
WORDS = [
    "待办",
    "查看",
    "回复",
    "受理",
    "不予受理",
    "转办",
    "暂停",
    "恢复",
    "办结",
    "和解",
    "协商不成",
    "绑定",
    "解绑",
    "帮助",
]
SENDERS = st.sampled_from([HANDLER, "oa-sup-1", "oa-stranger", "", "x" * 200])
#: What WeChat's server can put in its XML (no control characters but tab and newline); bodies that are
#: not XML are the last test's.
ANY_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"], include_characters="\t\n"),
    max_size=300,
)
COMMANDS = st.builds(
    lambda w, sep, rest: w + sep + rest,
    st.sampled_from(WORDS),
    st.sampled_from(["", " ", "\u3000"]),
    ANY_TEXT,
)


def accepted_by_wechat(status: int, body: bytes) -> bool:
    return status < 500 and (body == b"success" or body.lstrip().startswith(b"<xml>"))


@pytest.fixture
def shop(app):
    return helpers.shop(app)


@FUZZ
@given(sender=SENDERS, text=st.one_of(COMMANDS, ANY_TEXT), mode=st.sampled_from(["plain", "safe"]))
def test_text_messages(app, client, shop, sender, text, mode):
    res = pusher(app).post(client, push_xml(sender, text=text), mode)
    assert accepted_by_wechat(res.status, res.body), (res.status, res.body[:200])


@FUZZ
@given(
    sender=SENDERS,
    event=st.one_of(
        st.sampled_from(["subscribe", "unsubscribe", "SCAN", "CLICK", "VIEW", "LOCATION"]), ANY_TEXT
    ),
    key=st.one_of(st.none(), st.just("qrscene_"), st.builds(lambda s: "qrscene_" + s, ANY_TEXT), ANY_TEXT),
    create_time=st.integers(min_value=0, max_value=2**40),
)
def test_events(app, client, shop, sender, event, key, create_time):
    xml = push_xml(sender, event=event, event_key=key, create_time=create_time)
    res = pusher(app).post(client, xml, "plain")
    assert accepted_by_wechat(res.status, res.body), (res.status, res.body[:200])


FIELD = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"], exclude_characters="<>&]"),
    max_size=40,
)


@FUZZ
@given(
    msg_type=st.one_of(
        st.sampled_from(["text", "image", "voice", "video", "event", "link", "location"]), FIELD
    ),
    fields=st.dictionaries(
        st.sampled_from(
            ["Content", "MsgId", "CreateTime", "Event", "EventKey", "PicUrl", "MediaId", "Ticket"]
        ),
        FIELD,
    ),
    drop=st.sets(st.sampled_from(["ToUserName", "FromUserName", "CreateTime", "MsgType"])),
)
def test_messages_with_odd_fields(app, client, shop, msg_type, fields, drop):
    base = {
        "ToUserName": "gh_sandbox_oa",
        "FromUserName": HANDLER,
        "CreateTime": "1764000000",
        "MsgType": msg_type,
    }
    items = {k: v for k, v in {**base, **fields}.items() if k not in drop}
    xml = "<xml>" + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in items.items()) + "</xml>"
    res = raw_post(client, signed_query(app), xml.encode())
    assert accepted_by_wechat(res.status_code, res.get_data()), (res.status_code, res.get_data()[:200])


@FUZZ
@given(body=st.one_of(st.binary(max_size=2000), st.text(max_size=500).map(str.encode)))
def test_bodies_that_are_not_wechat_xml(app, client, shop, body):
    res = raw_post(client, signed_query(app), body)
    assert accepted_by_wechat(res.status_code, res.get_data()), (res.status_code, res.get_data()[:200])
