"""Regions and business circles in the console: every page for every role, scoping, create, rename, move
(cycles refused), audited. PostgreSQL and SQLite."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.core.extensions import db
from app.directory.models import BusinessCircle, Region
from tests.console.world import add_regions, build, check_pages, login, post

# admin: centre (top: every region); op-a: office A (甲街道 and below); view-a: station A (no region);
# admin-b: office B (乙街道).
PAGES = [
    ("GET", "/admin/regions", {"admin": 200, "op-a": 200, "view-a": 200, "admin-b": 200}),
    ("GET", "/admin/regions/new", {"admin": 200, "op-a": 200, "view-a": 403, "admin-b": 200}),
    ("GET", "/admin/regions/{district}", {"admin": 200, "op-a": 404, "view-a": 404, "admin-b": 404}),
    ("GET", "/admin/regions/{street_a}", {"admin": 200, "op-a": 200, "view-a": 404, "admin-b": 404}),
    ("GET", "/admin/regions/{street_b}", {"admin": 200, "op-a": 404, "view-a": 404, "admin-b": 200}),
    ("GET", "/admin/regions/x", {"admin": 404, "op-a": 404, "view-a": 404, "admin-b": 404}),
    ("POST", "/admin/regions", {"admin": 422, "op-a": 422, "view-a": 403, "admin-b": 422}),
    ("POST", "/admin/regions/{street_a}", {"admin": 422, "op-a": 422, "view-a": 403, "admin-b": 404}),
    ("POST", "/admin/regions/0", {"admin": 404, "op-a": 404, "view-a": 403, "admin-b": 404}),
    ("GET", "/admin/circles/new", {"admin": 200, "op-a": 200, "view-a": 403, "admin-b": 200}),
    ("GET", "/admin/circles/{circle_a}", {"admin": 200, "op-a": 200, "view-a": 200, "admin-b": 404}),
    ("GET", "/admin/circles/{circle_b}", {"admin": 200, "op-a": 404, "view-a": 404, "admin-b": 200}),
    ("GET", "/admin/circles/-1", {"admin": 404, "op-a": 404, "view-a": 404, "admin-b": 404}),
    ("POST", "/admin/circles", {"admin": 422, "op-a": 422, "view-a": 403, "admin-b": 422}),
    ("POST", "/admin/circles/{circle_b}", {"admin": 422, "op-a": 404, "view-a": 403, "admin-b": 422}),
]
ACCOUNTS = ["admin", "op-a", "view-a", "admin-b"]
# What each account's list shows, and what it must not.
LISTED = {
    "admin": (["测试区", "甲街道", "乙街道", "甲商圈", "乙商圈"], []),
    "op-a": (["甲街道", "甲一社区", "甲商圈"], ["乙街道", "乙商圈"]),
    "view-a": (["甲商圈", "本辖区没有区域"], ["甲街道", "乙商圈"]),
    "admin-b": (["乙街道", "乙商圈"], ["甲街道", "甲商圈"]),
}


@pytest.mark.parametrize("account", ACCOUNTS)
def test_every_page_for_every_role(app, client, account):
    ids = add_regions(app, build(app))
    login(client, account)
    check_pages(client, account, PAGES, ids, refused=("未保存，请修改以下内容", "请填写"))
    text = client.get("/admin/regions").get_data(as_text=True)
    shown, hidden = LISTED[account]
    for name in shown:
        assert name in text, (account, name)
    for name in hidden:
        assert name not in text, (account, name)
    if account == "view-a":  # read only: the form has no save button
        form = client.get(f"/admin/circles/{ids['circle_a']}").get_data(as_text=True)
        assert "readonly" in form and "保存</button>" not in form


def _region(app, name: str) -> Region | None:
    with app.app_context():
        region = db.session.scalar(sa.select(Region).where(Region.name == name))
        if region is not None:
            db.session.expunge(region)
        return region


def _audit(app, prefix: str) -> list[tuple[str, str, dict | None, dict | None]]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action.like(f"{prefix}.%")).order_by(AuditEntry.id)
        ).all()
        return [(r.action, r.target, r.before, r.after) for r in rows]


def test_regions_create_rename_move_refuse_cycles_within_the_scope(app, client):
    ids = add_regions(app, build(app))
    login(client, "op-a")
    refused = [
        ({"name": "甲二社区", "parent": "乙街道"}, "请选择本辖区内的区域作为上级"),
        ({"name": "甲二社区", "parent": ""}, "请选择本辖区内的区域作为上级"),
        ({"name": "甲二社区", "parent": "没有这个区"}, "区域“没有这个区”不存在，请先新建"),
        ({"name": "甲/二", "parent": "甲街道"}, "区域名称不能包含 /"),
        ({"name": "乙街道", "parent": "甲街道"}, "区域“乙街道”已存在"),
        ({"name": "长" * 65, "parent": "甲街道"}, "最多 64 个字符"),
        ({"name": "", "parent": "甲街道"}, "请填写"),
    ]
    for form, message in refused:
        resp = post(client, "/admin/regions", form)
        assert resp.status_code == 422 and message in resp.get_data(as_text=True), form
    assert _region(app, "甲二社区") is None and _audit(app, "region") == []

    resp = post(client, "/admin/regions", {"name": "甲二社区", "parent": "测试区/甲街道"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("done=region_saved")
    assert "区域已保存" in client.get(resp.headers["Location"]).get_data(as_text=True)
    # Its own region keeps its parent; another of its regions moves (the parent given by name).
    resp = post(client, f"/admin/regions/{ids['street_a']}", {"name": "甲街道", "parent": "甲一社区"})
    assert resp.status_code == 422 and "不能改变本账号所在区域的上级" in resp.get_data(as_text=True)
    resp = post(client, f"/admin/regions/{ids['community']}", {"name": "甲一新社区", "parent": "甲二社区"})
    assert resp.status_code == 303
    assert _region(app, "甲一新社区").parent_id == _region(app, "甲二社区").id
    # Resubmitting the same form changes nothing and audits nothing more.
    assert (
        post(
            client, f"/admin/regions/{ids['community']}", {"name": "甲一新社区", "parent": "甲二社区"}
        ).status_code
        == 303
    )

    login(client, "admin")
    resp = post(client, f"/admin/regions/{ids['street_a']}", {"name": "甲街道", "parent": "甲一新社区"})
    text = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "区域的上下级形成循环：甲街道 → 甲一新社区 → 甲二社区 → 甲街道" in text
    assert _region(app, "甲街道").parent_id == ids["district"]
    resp = post(client, f"/admin/regions/{ids['street_a']}", {"name": "甲街道", "parent": "甲街道"})
    assert resp.status_code == 422 and "形成循环" in resp.get_data(as_text=True)
    # The top moves anything anywhere, a top-level region included.
    assert post(client, "/admin/regions", {"name": "另一区", "parent": ""}).status_code == 303
    assert (
        post(client, f"/admin/regions/{ids['street_b']}", {"name": "乙街道", "parent": "另一区"}).status_code
        == 303
    )
    assert _region(app, "乙街道").parent_id == _region(app, "另一区").id

    assert _audit(app, "region") == [
        ("region.create", "甲二社区", None, {"name": "甲二社区", "parent": "测试区/甲街道"}),
        (
            "region.update",
            "甲一新社区",
            {"name": "甲一社区", "parent": "测试区/甲街道"},
            {"name": "甲一新社区", "parent": "测试区/甲街道/甲二社区"},
        ),
        ("region.create", "另一区", None, {"name": "另一区", "parent": ""}),
        ("region.update", "乙街道", {"parent": "测试区"}, {"parent": "另一区"}),
    ]
    # The audit page shows them in Chinese.
    assert "修改区域" in client.get("/admin/audit").get_data(as_text=True)


def test_circles_create_edit_move_within_the_scope(app, client):
    ids = add_regions(app, build(app))
    login(client, "op-a")
    refused = [
        ({"name": "甲新市场", "region": "甲一社区", "station": "乙商圈服务站"}, "请选择本站或下级站点"),
        ({"name": "甲新市场", "region": "乙街道", "station": "甲商圈服务站"}, "请选择本辖区内的区域"),
        ({"name": "甲新市场", "region": "无名区", "station": "甲商圈服务站"}, "区域“无名区”不存在"),
        ({"name": "甲新市场", "region": "", "station": "无名站"}, "站点“无名站”不存在"),
        ({"name": "乙商圈", "region": "", "station": "甲商圈服务站"}, "商圈“乙商圈”已存在"),
        ({"name": "甲" * 101, "region": "", "station": "甲商圈服务站"}, "最多 100 个字符"),
        ({"name": "甲新市场", "region": "", "station": ""}, "请填写"),
    ]
    for form, message in refused:
        resp = post(client, "/admin/circles", form)
        assert resp.status_code == 422 and message in resp.get_data(as_text=True), form
    resp = post(
        client, "/admin/circles", {"name": "甲新市场", "region": "甲一社区", "station": "甲商圈服务站"}
    )
    assert resp.status_code == 303 and resp.headers["Location"].endswith("done=circle_saved")
    # Circle A's region (the district) is outside op-a's regions but may stay while it is renamed.
    resp = post(
        client,
        f"/admin/circles/{ids['circle_a']}",
        {"name": "甲商圈（东区）", "region": "测试区", "station": "甲市场监管所"},
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)[-800:]
    # The top gives circle B to station A: from then on office A sees it, office B does not.
    login(client, "admin")
    resp = post(
        client,
        f"/admin/circles/{ids['circle_b']}",
        {"name": "乙商圈", "region": "测试区/乙街道", "station": "甲商圈服务站"},
    )
    assert resp.status_code == 303
    login(client, "op-a")
    assert client.get(f"/admin/circles/{ids['circle_b']}").status_code == 200
    login(client, "admin-b")
    assert client.get(f"/admin/circles/{ids['circle_b']}").status_code == 404
    with app.app_context():
        new = db.session.scalar(sa.select(BusinessCircle).where(BusinessCircle.name == "甲新市场"))
        assert new.station.name == "甲商圈服务站" and new.region.name == "甲一社区"
    assert _audit(app, "circle") == [
        (
            "circle.create",
            "甲新市场",
            None,
            {"name": "甲新市场", "region": "测试区/甲街道/甲一社区", "station": "甲商圈服务站"},
        ),
        (
            "circle.update",
            "甲商圈（东区）",
            {"name": "甲商圈", "station": "甲商圈服务站"},
            {"name": "甲商圈（东区）", "station": "甲市场监管所"},
        ),
        (
            "circle.update",
            "乙商圈",
            {"region": "测试区", "station": "乙商圈服务站"},
            {"region": "测试区/乙街道", "station": "甲商圈服务站"},
        ),
    ]
