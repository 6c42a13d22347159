"""Closing a station from the console: its open cases handed to a chosen station, each through the
complaint's transfer (timeline, consumer told, the new station alerted), then closed; audited; all or
nothing; a retry hands over nothing twice. Every role. PostgreSQL and SQLite."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.complaints.models import Complaint, ComplaintEvent, Status
from app.core.extensions import db
from app.directory.models import Station, StationKind
from app.notifications.models import OutboxMessage
from app.staff.models import Staff, StaffRole
from app.stores.models import Store
from tests import factories
from tests.console.world import build, check_pages, login, post

# {sa}: station A (office A's); {ob}: office B; {c}: the centre.
PAGES = [
    ("GET", "/admin/stations/{sa}/hand-over", {"admin": 200, "op-a": 200, "view-a": 403, "admin-b": 404}),
    ("GET", "/admin/stations/{ob}/hand-over", {"admin": 200, "op-a": 404, "view-a": 403, "admin-b": 403}),
    ("GET", "/admin/stations/{c}/hand-over", {"admin": 403, "op-a": 404, "view-a": 403, "admin-b": 404}),
    ("GET", "/admin/stations/x/hand-over", {"admin": 404, "op-a": 404, "view-a": 403, "admin-b": 404}),
    ("POST", "/admin/stations/{sa}/hand-over", {"admin": 422, "op-a": 422, "view-a": 403, "admin-b": 404}),
    ("POST", "/admin/stations/{ob}/hand-over", {"admin": 422, "op-a": 404, "view-a": 403, "admin-b": 403}),
]
ACCOUNTS = ["admin", "op-a", "view-a", "admin-b"]


@pytest.mark.parametrize("account", ACCOUNTS)
def test_every_role(app, client, account):
    ids = build(app)
    login(client, account)
    ids = {"sa": ids["station_a"], "ob": ids["office_b"], "c": ids["centre"]}
    check_pages(client, account, PAGES, ids, refused=("请填写移交原因", "请选择本站或下级的一个站点接收投诉"))


def _closing_world(app, ids: dict) -> dict:
    """A temporary station under office A with two open cases and a closed one; a bound handler at
    station A to receive them."""
    with app.app_context():
        temp = factories.station(
            StationKind.SERVICE_STATION, name="甲临时服务站", parent=db.session.get(Station, ids["office_a"])
        )
        store = db.session.get(Store, ids["store_a"])
        numbers = []
        for status in (Status.SUBMITTED, Status.ACCEPTED, Status.CLOSED):
            c = factories.complaint(store, status=status)
            c.station = temp
            numbers.append(c.number)
        db.session.add(
            Staff(
                name="甲站长",
                role=StaffRole.HANDLER,
                station=db.session.get(Station, ids["station_a"]),
                oa_openid="oa-handler-a",
            )
        )
        db.session.commit()
        return {**ids, "temp": temp.id, "numbers": numbers}


def _cases(app, numbers) -> dict[str, str]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(Complaint.number, Station.name)
            .join(Station, Station.id == Complaint.station_id)
            .where(Complaint.number.in_(numbers))
        )
        return dict(rows.all())


def test_hand_over_then_close_once(app, client):
    ids = _closing_world(app, build(app))
    open_a, open_b, closed = ids["numbers"]
    login(client, "op-a")
    page = client.get(f"/admin/stations/{ids['temp']}/hand-over").get_data(as_text=True)
    assert "未办结的投诉 2 件" in page and open_a in page and closed not in page
    assert "乙商圈服务站" not in page  # another subtree's station is never offered

    path = f"/admin/stations/{ids['temp']}/hand-over"
    refused = [
        ({"to": str(ids["temp"]), "reason": "合并"}, "不能移交给要撤销的站点本身"),
        ({"to": str(ids["office_b"]), "reason": "合并"}, "请选择本站或下级的一个站点接收投诉"),
        ({"to": "x", "reason": "合并"}, "请选择本站或下级的一个站点接收投诉"),
        ({"to": str(ids["station_a"]), "reason": "  "}, "请填写移交原因"),
        ({"to": str(ids["station_a"]), "reason": "长" * 501}, "移交原因最多 500 个字"),
    ]
    for form, message in refused:
        resp = post(client, path, form)
        assert resp.status_code == 422 and message in resp.get_data(as_text=True), form
    assert set(_cases(app, ids["numbers"]).values()) == {"甲临时服务站"}

    resp = post(client, path, {"to": str(ids["station_a"]), "reason": "站点合并"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("done=handed_over")
    assert "未办结的投诉已全部转办，站点已撤销" in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert _cases(app, ids["numbers"]) == {
        open_a: "甲商圈服务站",
        open_b: "甲商圈服务站",
        closed: "甲临时服务站",
    }
    page = client.get(f"/admin/stations/{ids['temp']}").get_data(as_text=True)
    assert "该站点已撤销" in page and ">保存<" not in page and "撤销该站点" not in page  # nothing to do there
    with app.app_context():
        assert db.session.get(Station, ids["temp"]).closed_at is not None
        events = db.session.execute(
            sa.select(Complaint.number, ComplaintEvent.channel, ComplaintEvent.text)
            .join(Complaint, Complaint.id == ComplaintEvent.complaint_id)
            .where(ComplaintEvent.action == "transferred")
            .order_by(ComplaintEvent.id)
        ).all()
        assert [(n, ch) for n, ch, _ in events] == [(open_a, "console"), (open_b, "console")]
        assert all("已转交甲商圈服务站处理。原因：站点合并" in t for _, _, t in events)
        alerts = db.session.scalars(
            sa.select(OutboxMessage.recipient).where(OutboxMessage.channel == "template")
        ).all()
        assert alerts.count("oa-handler-a") == 2  # the receiving station is alerted for each case
        audit = db.session.execute(
            sa.select(AuditEntry.action, AuditEntry.before, AuditEntry.after)
            .where(AuditEntry.action.like("station.%"))
            .order_by(AuditEntry.id)
        ).all()
        assert audit == [
            (
                "station.hand_over",
                {"open_cases": [open_a, open_b]},
                {"station": "甲商圈服务站", "reason": "站点合并"},
            ),
            ("station.close", {"closed": False}, {"closed": True}),
        ]
        events_before = db.session.scalar(sa.select(sa.func.count()).select_from(ComplaintEvent))
    # A retry (the same POST again) hands over nothing twice.
    resp = post(client, path, {"to": str(ids["station_a"]), "reason": "站点合并"})
    assert resp.status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ComplaintEvent)) == events_before
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action.like("station.%"))
            )
            == 2
        )


def test_a_station_that_still_serves_something_changes_nothing(app, client):
    ids = _closing_world(app, build(app))
    with app.app_context():
        factories.circle("甲临时市场", station=db.session.get(Station, ids["temp"]))
        db.session.commit()
    login(client, "admin")
    resp = post(
        client,
        f"/admin/stations/{ids['temp']}/hand-over",
        {"to": str(ids["station_a"]), "reason": "站点合并"},
    )
    assert resp.status_code == 409 and "1 个商圈由它服务" in resp.get_data(as_text=True)
    assert set(_cases(app, ids["numbers"]).values()) == {"甲临时服务站"}  # all or nothing
    with app.app_context():
        assert db.session.get(Station, ids["temp"]).closed_at is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action.like("station.%"))
            )
            == 0
        )
