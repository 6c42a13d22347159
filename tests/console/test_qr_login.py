"""Console login by scanning the official account's QR with a bound WeChat: through the real callback
(signed pushes), Redis and the emulator's qrcode/create. PostgreSQL and SQLite."""

from __future__ import annotations

import re

from app.core.extensions import db
from app.staff.models import Staff, StaffRole
from tests.console.world import ORIGIN, PASSWORD, build
from tests.official_account.test_callback import event


def _token(html: str) -> str:
    return re.search(r'name="token" value="([0-9a-f]{32})"', html).group(1)


def _add_user(runner, username: str, role: str, staff_id: int):
    args = [
        "admin",
        "add-user",
        username,
        "--station",
        "甲商圈服务站",
        "--role",
        role,
        "--password",
        PASSWORD,
    ]
    return runner.invoke(args=[*args, "--staff", str(staff_id)])


def _claim(browser, token: str):
    return browser.post(
        "/admin/login/wechat", data={"token": token, "next": "/admin/"}, headers={"Origin": ORIGIN}
    )


def test_bound_staff_logs_in_by_scanning(app, client, runner):
    ids = build(app)
    with app.app_context():
        wang = Staff(name="王站长", role=StaffRole.HANDLER, station_id=ids["station_a"], oa_openid="oa-wang")
        db.session.add_all(
            [wang, Staff(name="李四", role=StaffRole.HANDLER, station_id=ids["station_a"], oa_openid="oa-li")]
        )
        db.session.commit()
        wang_id = wang.id
    result = _add_user(runner, "wang", "operator", wang_id)
    assert result.exit_code == 0, result.output

    page = client.get("/admin/login/wechat")
    assert page.status_code == 200 and 'id="login-qr"' in page.get_data(as_text=True)
    token = _token(page.get_data(as_text=True))
    resp = _claim(client, token)
    assert resp.status_code == 401 and "尚未收到扫码确认" in resp.get_data(as_text=True)

    assert "没有关联监管后台账号" in event(app, client, "oa-li", "SCAN", f"login:{token}").reply
    assert "已确认登录监管后台（账号 wang）" in event(app, client, "oa-wang", "SCAN", f"login:{token}").reply
    other = app.test_client()  # someone who decoded the QR, without this browser's secret
    assert _claim(other, token).status_code == 401
    resp = _claim(client, token)
    assert resp.status_code == 303 and resp.headers["Location"] == "/admin/"
    assert "wang（操作员" in client.get("/admin/").get_data(as_text=True)
    assert _claim(client, token).status_code == 401  # spent
    again = event(app, client, "oa-wang", "SCAN", f"login:{token}", create_time=1_900_000_000)  # a new scan
    assert "已失效" in again.reply


def test_disabled_or_unbound_staff_cannot_log_in_by_scanning(app, client, runner):
    ids = build(app)
    with app.app_context():
        wang = Staff(name="王站长", role=StaffRole.HANDLER, station_id=ids["station_a"], oa_openid="oa-wang")
        db.session.add(wang)
        db.session.commit()
        wang_id = wang.id
    _add_user(runner, "wang", "viewer", wang_id)
    runner.invoke(args=["admin", "disable", "wang"])
    token = _token(client.get("/admin/login/wechat").get_data(as_text=True))
    assert "没有关联监管后台账号" in event(app, client, "oa-wang", "SCAN", f"login:{token}").reply
    assert _claim(client, token).status_code == 401
    bad = _add_user(runner, "zhao", "viewer", 999999)
    assert bad.exit_code == 1 and "工作人员编号 999999 不存在" in bad.output
