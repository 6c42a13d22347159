"""The console's first page says what needs attention in the account's subtree, and a case of the
subtree opens read-only, with the complainant's name and phone for administrators only."""

from __future__ import annotations

import datetime as dt

import pytest

from app.complaints.models import ContentCheck, Status
from app.core.extensions import db
from app.core.timeutil import utcnow
from app.stores import codes
from tests import factories
from tests.console.world import build, login


@pytest.fixture
def world(app):
    ids = build(app)
    with app.app_context():
        filed = utcnow() - dt.timedelta(days=20)  # its 7 working days to accept or decline have passed
        late_a = factories.complaint(codes.store_of(ids["code_a"]), filed_at=filed)
        paused = factories.complaint(codes.store_of(ids["code_a"]), filed_at=filed, status=Status.SUSPENDED)
        fresh_a = factories.complaint(codes.store_of(ids["code_a"]))
        late_b = factories.complaint(codes.store_of(ids["code_b"]), filed_at=filed)
        fresh_a.content_check = ContentCheck.REVIEW  # waits for a person; office B's case does not count
        db.session.commit()
        ids.update(late_a=late_a.number, paused=paused.number, fresh_a=fresh_a.number, late_b=late_b.number)
    return ids


def _late_section(html: str) -> str:
    return html[html.index('id="late"') :]


def test_the_first_page_lists_what_is_late_in_the_subtree_only(client, world):
    login(client, "op-a")
    html = client.get("/admin/").get_data(as_text=True)
    assert "今日待办" in html and "<strong>1</strong>件已超期未办" in html
    late = _late_section(html)
    assert world["late_a"] in late and "已超期" in late
    # one row for the case, with each of its late clocks
    assert late.count(f">{world['late_a']}</a>") == 1 and late.count("已超期") >= 2
    assert world["late_b"] not in late  # office B's
    assert world["paused"] not in late  # a suspended mediation's clock is paused
    assert world["fresh_a"] not in late
    assert "<strong>1</strong>件内容待人工审核" in html and "按时初查率" in html
    login(client, "admin")  # the centre sees both offices
    assert "<strong>2</strong>件已超期未办" in client.get("/admin/").get_data(as_text=True)
    login(client, "view-a")  # a viewer reads, and is offered nothing to decide
    viewer = client.get("/admin/").get_data(as_text=True)
    assert world["late_a"] in _late_section(viewer) and "件内容待人工审核" not in viewer


def test_a_case_opens_read_only_with_personal_data_for_administrators_only(client, world):
    number = world["late_a"]
    login(client, "op-a")
    page = client.get(f"/admin/cases/{number}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and number in html
    assert "处理期限" in html and "时间线" in html and "受理或不予受理" in html
    assert "13812345678" not in html and "仅管理员可见" in html
    assert 'method="post"' not in html.split("</header>", 1)[1]  # read-only: no form to act with
    found = client.get("/admin/cases", query_string={"number": number[-6:].lower()})
    assert found.status_code == 303 and found.headers["Location"].endswith(f"/admin/cases/{number}")
    for other in (f"/admin/cases/{world['late_b']}", "/admin/cases/T000000000000"):
        refused = client.get(other)
        assert refused.status_code == 404 and "不在本账号的管辖范围内" in refused.get_data(as_text=True)
    assert client.get("/admin/cases", query_string={"number": world["late_b"]}).status_code == 404
    login(client, "admin")
    assert "13812345678" in client.get(f"/admin/cases/{number}").get_data(as_text=True)
    login(client, "admin-b")
    assert client.get(f"/admin/cases/{number}").status_code == 404
