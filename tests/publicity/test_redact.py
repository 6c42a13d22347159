"""Redaction against hostile free texts: nothing personal survives, ordinary facts do."""

import pytest

from app.publicity.redact import redact

# (text, what must not survive, what must survive)
HOSTILE = [
    ("我叫张伟，电话13812345678，要求退款。", ["张伟", "13812345678"], ["要求退款"]),
    ("手机 138 1234 5678，微信同号", ["1234", "5678"], ["微信同号"]),
    ("手机138-1234-5678或+86 139.8765.4321", ["1234", "4321", "8765"], []),
    ("座机（0512）6789-1234，分机无", ["6789", "0512"], ["分机无"]),
    ("电话：０５１２－６７８９１２３４", ["６７８９"], []),
    ("号码是一三八一二三四五六七八，打不通", ["一二三四五六七八"], ["打不通"]),
    ("身份证32058119900101123X，护照另附", ["32058119900101123X", "19900101"], ["护照另附"]),
    ("身份证号 320581 1990 0101 123x", ["320581", "123x"], []),
    ("旧身份证320581900101123也可以", ["320581900101123"], ["也可以"]),
    ("收货地址：苏州市姑苏区人民路128号3栋402室，谢谢", ["人民路128号", "402室"], ["谢谢"]),
    ("我家住在园区星湖街88号，离店很近", ["星湖街88号"], ["离店很近"]),
    ("送到金鸡湖小区5栋2单元301室", ["5栋2单元301室"], []),
    ("店员李娜态度很差，经理陈建国也不管。", ["李娜", "陈建国"], ["态度很差", "也不管"]),
    ("联系人欧阳娜娜，张先生和王女士都在场", ["欧阳", "娜娜", "张先生", "王女士"], ["都在场"]),
    ("姓名：赵 小 明，其余略", ["赵 小 明", "小 明"], ["其余略"]),
    ("收银员小刘不给开发票", ["小刘"], ["不给开发票"]),
    ("王\u200b五的电话1\u200b3812345678", ["王五", "13812345678"], []),
    (
        "微信号 zhang_san88，QQ 12345678，邮箱 zs@example.com",
        ["zhang_san88", "12345678", "zs@example.com"],
        [],
    ),
    ("订单号 202611201234567890 查不到", ["202611201234567890"], ["查不到"]),
]

BENIGN = [
    "2026-11-20 买的羽绒服，699.00 元，第二天就开线了。",
    "商品质量有问题，要求退货退款。",
    "店里说 7 天无理由退货，结果不给退。",
]


@pytest.mark.parametrize(("text", "gone", "kept"), HOSTILE)
def test_hostile_texts_lose_every_personal_detail(text, gone, kept):
    out = redact(text)
    for secret in gone:
        assert secret not in out, (text, out)
    for fact in kept:
        assert fact in out, (text, out)
    assert "［" in out


@pytest.mark.parametrize("text", BENIGN)
def test_ordinary_facts_are_left_alone(text):
    assert redact(text) == text


def test_empty_and_none():
    assert redact("") == "" and redact(None) == ""
