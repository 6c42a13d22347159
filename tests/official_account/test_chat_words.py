"""No English and no internal code in any chat answer: every command and its error paths, for a handler,
a supervisor, a merchant and a stranger, through the real signed callback. Only a case number, 12315 and
QR may appear in Latin letters (tests.helpers.english_words)."""

from __future__ import annotations

import datetime as dt

import pytest

from app.core.timeutil import utcnow
from tests import helpers
from tests.official_account.test_callback import HANDLER, event, open_case, say
from tests.official_account.test_chat import MERCHANT, MISSING, SUPERVISOR, _file


@pytest.fixture
def shop(app):
    return helpers.shop(app, merchant=True)


def converse(app, client, openid: str, lines: list[str]) -> dict[str, str]:
    """Each line sent in turn; the answers whose text has a word no reader should see."""
    found = {}
    for line in lines:
        reply = say(app, client, openid, line).reply
        assert reply, line  # every command is answered
        if helpers.english_words(reply):
            found[line] = reply
    return found


def station_lines(a: str, b: str, c: str) -> list[str]:
    """A station worker's day: `a` worked from filing to resolution with every slip on the way, `b`
    declined, `c` transferred."""
    return [
        "帮助",
        "你好",
        "代办",
        "待办",
        "查看",
        f"查看 {MISSING}",
        f"查看 {a}",
        f"查看 {a[-6:]}",
        "随手写的一句话",  # plain text after 查看: not sent to the consumer
        "受理",
        f"回复 {a}",
        f"暂停 {a}",
        f"恢复 {a}",
        f"办结 {a} 1",
        f"和解 {a} 已退款",
        f"协商不成 {a}",
        f"不予受理 {a}",
        f"不予受理 {a} 99",
        f"不予受理 {a} 看心情",
        f"转办 {a}",
        f"转办 {a} 99 属地管辖",
        f"转办 {a} 1",
        f"转办 {a} 不存在的站点 属地管辖",
        f"受理 {a}",
        f"受理 {a}",
        f"不予受理 {a} 1",
        f"回复 {a} 您好，已联系商家。",
        f"暂停 {a}",
        f"暂停 {a} 99",
        f"暂停 {a} 看心情",
        f"暂停 {a} 1 送检",
        f"暂停 {a} 1",
        f"办结 {a}",
        f"恢复 {a}",
        f"恢复 {a}",
        f"办结 {a}",
        f"办结 {a} 9",
        f"办结 {a} 终止",
        f"办结 {a} 终止 99",
        f"办结 {a} 1 负五元",
        f"办结 {a} 1 -5",
        f"办结 {a} 1 99999999999",
        f"办结 {a} 1 200",
        f"回复 {a} 还有问题吗",
        f"查看 {a}",
        f"不予受理 {b} 1 不属于本站职责",
        f"查看 {b}",
        f"转办 {c} 1 属地管辖",
        f"查看 {c}",
        "绑定",
        "绑定 12",
        "绑定 123456",
        "待办",
    ]


def test_a_handlers_chat_is_all_chinese(app, client, shop):
    a, b, c = open_case(app), open_case(app), open_case(app)
    assert converse(app, client, HANDLER, station_lines(a, b, c)) == {}
    assert converse(app, client, HANDLER, ["解绑", "解绑", "你好"]) == {}


def test_a_supervisors_chat_is_all_chinese(app, client, shop):
    a, b, c = open_case(app), open_case(app), open_case(app)
    assert converse(app, client, SUPERVISOR, station_lines(a, b, c)) == {}


def test_a_merchants_chat_is_all_chinese(app, client, emulator, shop):
    first = _file(app, client, emulator, shop["code"], amount="120")
    second = _file(app, client, emulator, shop["code"], amount="80")
    lines = [
        "帮助",
        "代办",
        "待办",
        f"查看 {first}",
        "明天下午三点请到店",
        f"受理 {first}",
        f"办结 {first} 1",
        f"回复 {first}",
        f"和解 {first}",
        f"和解 {first} 已退款 很多钱",
        f"和解 {first} 已退款 -3",
        f"回复 {first} 您好，可以到店换新",
        f"和解 {first} 已全额退款 120",
        f"回复 {first} 再说两句",
        f"协商不成 {first}",
        f"协商不成 {second}",
        f"协商不成 {second}",
        f"查看 {second}",
        f"查看 {MISSING}",
        "待办",
    ]
    assert converse(app, client, MERCHANT, lines) == {}


def test_a_strangers_chat_is_all_chinese(app, client, shop):
    answers = [event(app, client, "o-stranger", "subscribe").reply]
    answers += [
        say(app, client, "o-stranger", line).reply for line in ("你好", "待办", "绑定 123456", "解绑")
    ]
    assert [a for a in answers if helpers.english_words(a)] == []


def test_dates_read_as_on_the_case_page(app, client, shop):
    """待办 and 查看 name a day as the staff page does (`12月8日（星期二）前，剩余 1 个工作日`), never `12-09 00:00`;
    a station asked for by a number not in the list is told so, not to write the station's full name."""
    late = open_case(app, filed_at=utcnow() - dt.timedelta(days=20))
    todo = say(app, client, HANDLER, "待办").reply.splitlines()[1]
    assert todo.startswith(f"1. {late} 优衣坊服饰 已提交 站点首次响应：") and "已超期" in todo
    assert "月" in todo and "日（星期" in todo and "-" not in todo
    say(app, client, HANDLER, f"回复 {late} 您好")
    latest = next(
        line for line in say(app, client, HANDLER, f"查看 {late}").reply.splitlines() if "最近" in line
    )
    assert "日（星期" in latest and "-" not in latest
    wrong = say(app, client, HANDLER, f"转办 {late} 9 属地管辖").reply
    assert wrong.startswith("没有序号为“9”的站点") and "1. " in wrong


def test_a_missing_number_is_shown_with_the_command_typed(app, client, shop):
    """`受理` alone answers with an example of `受理 <编号>`, not of another command."""
    for word in ("查看", "受理", "办结", "暂停"):
        reply = say(app, client, HANDLER, word).reply
        assert f"例如：{word} T" in reply, (word, reply)
