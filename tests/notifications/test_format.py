"""Outbox payloads become WeChat `data` that WeChat accepts: every value within its type's limit.

The values are checked with the emulator's own rules (app.dev.wechat_emulator.value_problem), which stand for
WeChat's and are written apart from the formatter.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.complaints.texts import CATEGORIES, DEADLINE_KINDS, STATUS
from app.core.config import ConfigError, Settings
from app.dev.wechat_emulator import value_problem
from app.notifications import format, notify

CONFIG = {
    "WECHAT_MP_TPL_PROGRESS": "tpl-progress",
    "WECHAT_OA_TPL_NEW_COMPLAINT": "tpl-new",
    "WECHAT_OA_TPL_DEADLINE": "tpl-deadline",
}
FILED = dt.datetime(2026, 11, 22, 2, 30, tzinfo=dt.UTC)  # 10:30 in China
LONGEST_STORE = "长" * 100  # Store.name is String(100)
LONG_TEXT = (
    "买的羽绒服第二天就开线了，\n要求退款但店员推给厂家。\r\n\t还说这是正常现象，让我自己去找厂家售后。"
)


def _row(channel: str, template: str, payload: dict, created_at=FILED):
    return SimpleNamespace(channel=channel, template=template, payload=payload, created_at=created_at)


def _progress(**overrides) -> dict:
    payload = {
        "number": "T261122ABCDEF",
        "status": STATUS["submitted"],
        "store": "优衣坊服饰",
        "text": "投诉已提交，由测试商圈服务站负责处理。",
        "time": "2026-11-22 10:30",
        "page": "pages/complaint/detail?number=T261122ABCDEF",
    }
    payload.update(overrides)
    return payload


def _staff(**overrides) -> dict:
    payload = {
        "number": "T261122ABCDEF",
        "store": "优衣坊服饰",
        "category": CATEGORIES["quality"],
        "received": "2026-11-22 10:30",
        "deadline": "11-23 10:30",
        "summary": "新投诉",
    }
    payload.update(overrides)
    return payload


def _accepted(data: dict, *, template_message: bool) -> None:
    for key, value in data.items():
        assert value_problem(key, value, template_message=template_message) is None, (key, value)
        assert format.problem(key, value, channel="template" if template_message else "subscribe") is None


def test_progress_message_maps_fields_to_template_keys():
    message = format.render(_row("subscribe", notify.PROGRESS_TEMPLATE, _progress()), CONFIG)

    assert message.template_id == "tpl-progress"
    assert message.page == "pages/complaint/detail?number=T261122ABCDEF"
    assert message.data == {
        "character_string1": "T261122ABCDEF",
        "phrase2": "已提交",
        "thing3": "投诉已提交，由测试商圈服务站负责处理。",
        "time4": "2026-11-22 10:30",
        "thing5": "优衣坊服饰",
    }
    _accepted(message.data, template_message=False)


def test_free_text_cut_to_twenty_with_ellipsis_and_one_line():
    message = format.render(_row("subscribe", notify.PROGRESS_TEMPLATE, _progress(text=LONG_TEXT)), CONFIG)

    text = message.data["thing3"]
    assert len(text) == 20 and text.endswith("…")
    assert "\n" not in text and "\r" not in text and "\t" not in text
    assert text.startswith("买的羽绒服第二天就开线了， 要求退款")
    _accepted(message.data, template_message=False)


@pytest.mark.parametrize("status", list(STATUS))
def test_every_status_is_a_valid_phrase(status):
    value = format.fit("phrase2", STATUS[status])

    assert value_problem("phrase2", value, template_message=False) is None
    assert 1 <= len(value) <= 5


def test_status_with_parenthesis_keeps_its_head():
    assert format.fit("phrase2", "暂停（检测鉴定中）") == "暂停"


@pytest.mark.parametrize("category", list(CATEGORIES))
@pytest.mark.parametrize("store", ["优衣坊服饰", LONGEST_STORE, "A" * 100, "店" * 19 + "\n" + "铺" * 30])
def test_longest_store_names_and_every_category_fit_both_channels(store, category):
    sub = format.render(_row("subscribe", notify.PROGRESS_TEMPLATE, _progress(store=store)), CONFIG)
    staff = format.render(
        _row("template", notify.STAFF_NEW, _staff(store=store, category=CATEGORIES[category])), CONFIG
    )

    _accepted(sub.data, template_message=False)
    _accepted(staff.data, template_message=True)
    assert len(sub.data["thing5"]) <= 20 and len(staff.data["thing2"]) <= 20
    assert staff.data["thing3"] == CATEGORIES[category]


@pytest.mark.parametrize("kind", list(DEADLINE_KINDS.values()))
def test_deadline_alert_summaries_fit(kind):
    for summary in (f"已超期：{kind}", f"督办：{kind}"):
        message = format.render(_row("template", notify.STAFF_DEADLINE, _staff(summary=summary[:20])), CONFIG)
        _accepted(message.data, template_message=True)
        assert message.template_id == "tpl-deadline"


def test_staff_alert_times_get_their_year_and_lose_the_uncertain_mark():
    message = format.render(
        _row("template", notify.STAFF_NEW, _staff(deadline="11-25 18:00（待确认）")), CONFIG
    )

    assert message.data["time4"] == "2026-11-22 10:30"
    assert message.data["time5"] == "2026-11-25 18:00"
    _accepted(message.data, template_message=True)


def test_template_message_leaves_out_an_empty_value_subscribe_fills_it():
    staff = format.render(_row("template", notify.STAFF_DEADLINE, _staff(deadline="")), CONFIG)
    sub = format.render(_row("subscribe", notify.PROGRESS_TEMPLATE, _progress(time="", text="  \n ")), CONFIG)

    assert "time4" not in staff.data and staff.data["thing3"] == "新投诉"
    assert sub.data["time4"] == "2026-11-22 10:30"  # the row's own time
    assert sub.data["thing3"] == "无"
    _accepted(sub.data, template_message=False)


def test_template_values_at_most_twenty_whatever_the_type():
    message = format.render(_row("template", notify.STAFF_NEW, _staff(number="T" + "9" * 40)), CONFIG)

    assert message.data["character_string1"] == ("T" + "9" * 40)[:20]
    _accepted(message.data, template_message=True)


@pytest.mark.parametrize(
    ("text", "ref", "expected"),
    [
        ("2026-11-22 10:30", FILED, "2026-11-22 10:30"),
        ("11-25 18:00", FILED, "2026-11-25 18:00"),
        ("01-03 09:00", dt.datetime(2026, 12, 30, tzinfo=dt.UTC), "2027-01-03 09:00"),
        ("12-30 09:00", dt.datetime(2027, 1, 2, tzinfo=dt.UTC), "2026-12-30 09:00"),
        ("2026-11-22T02:30:00+00:00", FILED, "2026-11-22 10:30"),
        ("2026年11月22日 10:30", FILED, "2026-11-22 10:30"),
        ("02-30 10:00", FILED, None),
        ("下周一", FILED, None),
        ("", FILED, None),
    ],
)
def test_format_time(text, ref, expected):
    assert format.format_time(text, ref) == expected


def test_format_time_from_datetime_in_china_time():
    assert format.format_time(dt.datetime(2026, 11, 22, 16, 5, tzinfo=dt.UTC)) == "2026-11-23 00:05"


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("amount5", "699", "699.00元"),
        ("amount5", "1,234.5 元", "1234.50元"),
        ("amount5", "12345678901", ""),
        ("name6", "张三丰", "张三丰"),
        ("name6", "欧阳" * 8, "欧阳" * 5),
        ("name6", "Alexander von Humboldt-Smith", "Alexander von Humbol"),
        ("character_string1", "T2611 22中ABC", "T261122ABC"),
        ("number7", "共 3 件", "3"),
        ("phone_number8", "138-1234-5678 转 8", "138-1234-56788"),
        ("short_thing9", "非常非常长的说明", "非常非常…"),
    ],
)
def test_fit_by_type(key, value, expected):
    out = format.fit(key, value)
    assert out == expected
    if out:
        assert value_problem(key, out, template_message=False) is None


TYPED_KEYS = [
    "thing1",
    "short_thing2",
    "phrase3",
    "name4",
    "character_string5",
    "number6",
    "letter7",
    "symbol8",
    "time9",
    "date10",
    "amount11",
    "phone_number12",
    "car_number13",
]


@settings(max_examples=300, deadline=None)
@given(key=st.sampled_from(TYPED_KEYS), value=st.text(max_size=80), template=st.booleans())
def test_fit_never_makes_a_value_wechat_refuses(key, value, template):
    out = format.fit(key, value, channel="template" if template else "subscribe", ref=FILED)
    if out:
        assert value_problem(key, out, template_message=template) is None, (key, value, out)


def test_field_map_overridden_by_setting():
    config = dict(
        CONFIG, WECHAT_TEMPLATE_FIELDS='{"progress": {"number": "character_string7", "text": "thing9"}}'
    )
    message = format.render(_row("subscribe", notify.PROGRESS_TEMPLATE, _progress()), config)

    assert message.data == {
        "character_string7": "T261122ABCDEF",
        "thing9": "投诉已提交，由测试商圈服务站负责处理。",
    }
    staff = format.render(
        _row("template", notify.STAFF_NEW, _staff()), config
    )  # other templates keep defaults
    assert set(staff.data) == set(format.DEFAULT_FIELDS[notify.STAFF_NEW].values())


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WECHAT_TEMPLATE_FIELDS", "{not json"),
        ("WECHAT_TEMPLATE_FIELDS", '{"progress": ["thing1"]}'),
        ("WECHAT_MP_STATE", "beta"),
        ("OUTBOX_MAX_ATTEMPTS", "0"),
    ],
)
def test_bad_message_settings_refused_at_start(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        Settings.from_env()


def test_message_settings_read_from_env(monkeypatch):
    monkeypatch.setenv("WECHAT_MP_TPL_PROGRESS", "abc")
    monkeypatch.setenv("OUTBOX_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("OUTBOX_RETRY_BASE_SECONDS", "2.5")
    s = Settings.from_env()
    assert (s.WECHAT_MP_TPL_PROGRESS, s.OUTBOX_MAX_ATTEMPTS, s.OUTBOX_RETRY_BASE_SECONDS) == ("abc", 3, 2.5)
    assert s.to_flask()["WECHAT_MP_STATE"] == "formal"


def test_missing_template_id_is_empty():
    config = dict(CONFIG, WECHAT_OA_TPL_DEADLINE="")
    deadline = format.render(_row("template", notify.STAFF_DEADLINE, _staff()), config)

    assert deadline.template_id == "" and deadline.data["character_string1"] == "T261122ABCDEF"


def test_custom_text_and_unknown_rows():
    message = format.render(_row("custom", "", {"text": "您好，\n请补充购物凭证。"}), CONFIG)
    assert message.text == "您好， 请补充购物凭证。"
    with pytest.raises(format.FormatError):
        format.render(_row("custom", "", {"text": " "}), CONFIG)
    with pytest.raises(format.FormatError):
        format.render(_row("sms", "x", {}), CONFIG)
    with pytest.raises(format.FormatError):
        format.render(_row("template", "no_such_template", _staff()), CONFIG)
