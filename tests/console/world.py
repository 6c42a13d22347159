"""A small district for the console tests, accounts at three levels, and a browser-like client login."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.accounts import service as accounts
from app.audit.log import Actor
from app.core.extensions import db
from app.directory.models import BusinessCircle, Region, Station, StationKind
from app.stores.models import CommitmentKind
from tests import factories

PASSWORD = "correct-horse-42"
#: A cheaper Argon2id cost for the tests (still Argon2id, still verified for real on every login).
FAST_HASH = {"CONSOLE_ARGON2_MEMORY_KIB": 1024, "CONSOLE_ARGON2_TIME_COST": 1}
ORIGIN = "https://yidian.example.cn"


def build(app) -> dict:
    """Centre ─┬─ office A ── station A (circle A: store A)
               └─ office B ── station B (circle B: store B)
    Accounts: admin (centre, administrator), op-a (office A, operator), view-a (station A, viewer),
    admin-b (office B, administrator)."""
    with app.app_context():
        district = factories.region("测试区")
        centre = factories.station(StationKind.CENTER_12315, name="测试区12315中心", region=district)
        office_a = factories.station(StationKind.REGULATORY_OFFICE, name="甲市场监管所", parent=centre)
        office_b = factories.station(StationKind.REGULATORY_OFFICE, name="乙市场监管所", parent=centre)
        station_a = factories.station(name="甲商圈服务站", parent=office_a)
        station_b = factories.station(name="乙商圈服务站", parent=office_b)
        circle_a = factories.circle("甲商圈", station=station_a, region=district)
        circle_b = factories.circle("乙商圈", station=station_b, region=district)
        store_a = factories.store(name="甲记面馆", circle=circle_a, region=district)
        store_b = factories.store(name="乙家超市", circle=circle_b, region=district)
        factories.commitment(store_a, CommitmentKind.NO_REASON_RETURN, {"days": 7, "exclusions": ["食品"]})
        db.session.flush()
        actor = Actor.cli()
        for username, station, role in (
            ("admin", centre, "administrator"),
            ("op-a", office_a, "operator"),
            ("view-a", station_a, "viewer"),
            ("admin-b", office_b, "administrator"),
        ):
            accounts.create_user(username, station, role, PASSWORD, actor)
        db.session.commit()
        return {
            "code_a": store_a.active_code.code,
            "code_b": store_b.active_code.code,
            "uscc_a": store_a.uscc,
            "store_a": store_a.id,
            "centre": centre.id,
            "office_a": office_a.id,
            "station_a": station_a.id,
            "office_b": office_b.id,
        }


def login(client, username: str, password: str = PASSWORD, **extra):
    return client.post(
        "/admin/login",
        data={"username": username, "password": password, **extra},
        headers={"Origin": ORIGIN},
    )


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def csrf(client) -> str:
    return csrf_of(client.get("/admin/").get_data(as_text=True))


def post(client, path: str, data: dict | None = None, **kw):
    """A form POST as the browser sends it: the page's CSRF token and a same-site Origin."""
    return client.post(
        path, data={"csrf_token": csrf(client), **(data or {})}, headers={"Origin": ORIGIN}, **kw
    )


def add_regions(app, ids: dict) -> dict:
    """Streets under the district for offices A and B (甲街道, 乙街道), and a community under 甲街道."""
    with app.app_context():
        district = db.session.scalar(sa.select(Region).where(Region.name == "测试区"))
        street_a = factories.region("甲街道", parent=district)
        street_b = factories.region("乙街道", parent=district)
        community = factories.region("甲一社区", parent=street_a)
        db.session.get(Station, ids["office_a"]).region = street_a
        db.session.get(Station, ids["office_b"]).region = street_b
        circle_b = db.session.scalar(sa.select(BusinessCircle).where(BusinessCircle.name == "乙商圈"))
        circle_a = db.session.scalar(sa.select(BusinessCircle).where(BusinessCircle.name == "甲商圈"))
        db.session.commit()
        return {
            **ids,
            "district": district.id,
            "street_a": street_a.id,
            "street_b": street_b.id,
            "community": community.id,
            "circle_a": circle_a.id,
            "circle_b": circle_b.id,
        }


def check_pages(client, account: str, pages, ids: dict, *, refused: tuple[str, ...] = ()) -> None:
    """Each (method, path template, {account: status}) of a role table, as `account`: the status, never a
    traceback, the console's 404 page, and for a 422 the form's problems (each text in `refused`)."""
    for method, template, expected in pages:
        path = template.format(**ids)
        resp = client.get(path) if method == "GET" else post(client, path)
        text = resp.get_data(as_text=True)
        assert resp.status_code == expected[account], (account, method, path, text[:300])
        assert "Traceback" not in text
        if resp.status_code == 404:
            assert "不在本账号的管辖范围内" in text
        if resp.status_code == 422:
            assert all(r in text for r in refused), (path, text[-800:])
