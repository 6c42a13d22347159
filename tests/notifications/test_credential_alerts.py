"""Credential expiry alerts through the outbox: 30 days, 7 days and the day, once each, to the responsible
station and the bound merchant contact, as official-account template messages (delivered through the
emulator); renewed credentials start again. PostgreSQL and SQLite."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.core.extensions import db
from app.dev.wechat_emulator import value_problem
from app.notifications import credential_alerts
from app.notifications import delivery as outbox
from app.notifications.models import CredentialAlert, OutboxMessage, OutboxStatus
from app.staff.models import Staff, StaffRole
from app.stores.models import CredentialKind
from tests import factories
from tests.conftest import TEST_TPL_CREDENTIAL_EXPIRY

TODAY = dt.date(2026, 12, 7)


def _world(valid_until: dt.date):
    city = factories.city()
    store = factories.store(name="翠苑面馆", circle=city["circle"], region=city["region"])
    cred = factories.credential(
        store, CredentialKind.FOOD_LICENCE, valid_until=valid_until, number="JY1320000001"
    )
    db.session.add_all(
        [
            Staff(name="王站长", role=StaffRole.HANDLER, station=city["service"], oa_openid="oa-handler"),
            Staff(name="没绑定", role=StaffRole.HANDLER, station=city["service"]),
            Staff(name="店长", role=StaffRole.MERCHANT, store=store, oa_openid="oa-merchant"),
        ]
    )
    db.session.commit()
    return cred


def _texts() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for row in db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)):
        out.setdefault(row.recipient, []).append(row.payload["text"])
    return out


def test_three_stages_once_each(ctx):
    cred = _world(TODAY + dt.timedelta(days=30))
    assert credential_alerts.sweep(TODAY) == 1
    assert credential_alerts.sweep(TODAY) == 0  # a second run (or a second worker) sends nothing again
    db.session.commit()
    texts = _texts()
    assert set(texts) == {"oa-handler", "oa-merchant"}
    assert (
        "翠苑面馆的食品经营许可证（编号 JY1320000001）还有 30 天到期（2027年1月6日）"
        in texts["oa-handler"][0]
    )
    assert texts["oa-merchant"][0].startswith("【证照到期提醒】您店铺“翠苑面馆”")
    for day in range(1, 23):  # nothing until 7 days before
        assert credential_alerts.sweep(TODAY + dt.timedelta(days=day)) == 0
    assert credential_alerts.sweep(TODAY + dt.timedelta(days=23)) == 1
    assert credential_alerts.sweep(TODAY + dt.timedelta(days=24)) == 0
    assert credential_alerts.sweep(TODAY + dt.timedelta(days=30)) == 1
    db.session.commit()
    texts = _texts()
    assert len(texts["oa-handler"]) == 3 and "还有 7 天到期" in texts["oa-handler"][1]
    assert "今天到期" in texts["oa-handler"][2]
    stages = db.session.scalars(sa.select(CredentialAlert.stage).order_by(CredentialAlert.id)).all()
    assert stages == ["d30", "d7", "d0"]
    # Renewed: the new end date has its own three alerts.
    cred.valid_until = TODAY + dt.timedelta(days=30 + 365)
    db.session.commit()
    assert credential_alerts.sweep(TODAY + dt.timedelta(days=31)) == 0
    assert credential_alerts.sweep(TODAY + dt.timedelta(days=365)) == 1


def test_late_start_sends_only_the_most_urgent_stage(ctx):
    _world(TODAY + dt.timedelta(days=5))
    assert credential_alerts.sweep(TODAY) == 1
    db.session.commit()
    assert db.session.scalars(sa.select(CredentialAlert.stage)).all() == ["d7"]
    assert "还有 5 天到期" in _texts()["oa-handler"][0]


def test_long_expired_credentials_are_left_alone(ctx):
    _world(TODAY - dt.timedelta(days=credential_alerts.LATE_DAYS + 1))
    assert credential_alerts.sweep(TODAY) == 0


def test_sent_as_template_messages_wechat_accepts_outside_the_48_hour_window(ctx, emulator):
    _world(TODAY + dt.timedelta(days=7))
    credential_alerts.sweep(TODAY)
    db.session.commit()
    rows = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(r.channel, r.template) for r in rows] == [("template", "credential_expiry")] * 2
    ids = [r.id for r in rows]
    for outbox_id in ids:
        assert outbox.deliver(outbox_id) == "sent"
        assert outbox.deliver(outbox_id) == "sent"  # a retry sends nothing more
    messages = {m["openid"]: m for m in emulator.messages("template")}
    assert set(messages) == {"oa-handler", "oa-merchant"} and len(emulator.calls("template_send")) == 2
    assert emulator.calls("custom_send") == []  # no customer-service text (dead after 48 hours)
    station = messages["oa-handler"]
    assert station["template_id"] == TEST_TPL_CREDENTIAL_EXPIRY
    assert station["data"] == {
        "thing1": "翠苑面馆",
        "thing2": "食品经营许可证",
        "character_string3": "JY1320000001",
        "thing4": "12月14日",
        "thing5": "还有 7 天到期",
        "thing6": "请督促商户办理延续并在后台更新",
    }
    assert messages["oa-merchant"]["data"]["thing6"] == "请及时办理，过期后扫码页显示已过期"
    for message in messages.values():
        for key, value in message["data"].items():
            assert value_problem(key, value, template_message=True) is None
    assert "url" not in station or not station["url"]  # no complaint page to link


def test_template_id_not_configured_is_dead_and_names_the_setting(app, ctx, emulator, monkeypatch):
    monkeypatch.setitem(app.config, "WECHAT_OA_TPL_CREDENTIAL_EXPIRY", "")
    _world(TODAY)
    credential_alerts.sweep(TODAY)
    db.session.commit()
    outbox_id = db.session.scalars(sa.select(OutboxMessage.id).order_by(OutboxMessage.id)).first()
    assert outbox.deliver(outbox_id) == "dead"
    row = db.session.get(OutboxMessage, outbox_id)
    assert row.status == OutboxStatus.DEAD
    assert row.last_error == "WECHAT_OA_TPL_CREDENTIAL_EXPIRY not set"
    assert emulator.calls("template_send") == []
