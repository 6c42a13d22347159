"""Console accounts through HTTP and the CLI: login, lockout, TOTP, session expiry, CSRF, audit."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
import sqlalchemy as sa

from app.accounts.models import ConsoleUser
from app.accounts.service import LOCKOUT_FAILURES, LOCKOUT_MINUTES
from app.audit.models import AuditEntry
from app.core.extensions import db
from tests.console.world import ORIGIN, PASSWORD, build, csrf, login, post


def test_login_page_has_the_named_fields(app, client):
    html = client.get("/admin/login").get_data(as_text=True)
    assert 'name="username"' in html and 'name="password"' in html
    assert "登录" in html


def test_pages_send_anonymous_visitors_to_the_login(app, client):
    build(app)
    resp = client.get("/admin/stores?q=面")
    assert resp.status_code == 303
    assert resp.headers["Location"].startswith("/admin/login?next=")


def test_login_then_logout(app, client):
    build(app)
    resp = login(client, "admin")
    assert resp.status_code == 303 and resp.headers["Location"] == "/admin/"
    cookie = client.get_cookie("console", path="/admin")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Strict"
    assert "测试区12315中心" in client.get("/admin/").get_data(as_text=True)
    resp = post(client, "/admin/logout")
    assert resp.status_code == 303
    assert client.get("/admin/").status_code == 303


def test_wrong_password_is_refused_in_chinese(app, client):
    build(app)
    resp = login(client, "admin", "wrong-password-1")
    assert resp.status_code == 401
    assert "用户名或密码错误" in resp.get_data(as_text=True)
    resp = login(client, "nobody", "wrong-password-1")
    assert resp.status_code == 401
    assert "用户名或密码错误" in resp.get_data(as_text=True)


def test_repeated_failures_lock_the_account(app, client):
    build(app)
    for _ in range(LOCKOUT_FAILURES - 1):
        assert login(client, "op-a", "wrong-password-1").status_code == 401
    resp = login(client, "op-a", "wrong-password-1")
    assert resp.status_code == 429
    assert f"{LOCKOUT_MINUTES} 分钟后再试" in resp.get_data(as_text=True)
    # Even the right password is refused while locked.
    resp = login(client, "op-a")
    assert resp.status_code == 429 and "已锁定" in resp.get_data(as_text=True)
    assert client.get_cookie("console", path="/admin") is None
    # When the lock has passed, the right password works again.
    with app.app_context():
        user = db.session.scalar(sa.select(ConsoleUser).where(ConsoleUser.username == "op-a"))
        user.locked_until = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        db.session.commit()
    assert login(client, "op-a").status_code == 303


def test_totp_second_factor(app, client, runner):
    build(app)
    result = runner.invoke(args=["admin", "totp", "admin"])
    assert result.exit_code == 0, result.output
    secret = pyotp.parse_uri(result.output.strip()).secret
    resp = login(client, "admin")
    assert resp.status_code == 401 and "动态码" in resp.get_data(as_text=True)
    resp = login(client, "admin", totp="000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    assert resp.status_code == 401 and "动态码错误" in resp.get_data(as_text=True)
    assert login(client, "admin", totp=pyotp.TOTP(secret).now()).status_code == 303


def test_session_ends_when_the_account_is_disabled(app, client, runner):
    build(app)
    login(client, "view-a")
    assert client.get("/admin/").status_code == 200
    result = runner.invoke(args=["admin", "disable", "view-a"])
    assert result.exit_code == 0 and "已停用" in result.output
    assert client.get("/admin/").status_code == 303
    resp = login(client, "view-a")
    assert resp.status_code == 403 and "已停用" in resp.get_data(as_text=True)


def test_session_expires(app, client, monkeypatch):
    build(app)
    login(client, "admin")
    assert client.get("/admin/").status_code == 200
    monkeypatch.setitem(app.config, "CONSOLE_SESSION_SECONDS", -1)  # older than the absolute limit
    assert client.get("/admin/").status_code == 303
    monkeypatch.setitem(app.config, "CONSOLE_SESSION_SECONDS", 3600)
    monkeypatch.setitem(app.config, "CONSOLE_IDLE_SECONDS", -1)  # idle longer than allowed
    assert client.get("/admin/").status_code == 303


def test_forms_need_the_csrf_token_and_a_same_site_origin(app, client):
    ids = build(app)
    login(client, "admin")
    path = f"/admin/stores/{ids['code_a']}"
    resp = client.post(path, data={"name": "改名"}, headers={"Origin": ORIGIN})
    assert resp.status_code == 403 and "表单已失效" in resp.get_data(as_text=True)
    token = csrf(client)
    resp = client.post(
        path, data={"csrf_token": token, "name": "改名"}, headers={"Origin": "https://evil.example"}
    )
    assert resp.status_code == 403
    resp = client.post(path, data={"csrf_token": "x" + token, "name": "改名"}, headers={"Origin": ORIGIN})
    assert resp.status_code == 403
    resp = login(client, "admin")
    resp = client.post(
        "/admin/login",
        data={"username": "admin", "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert resp.status_code == 403


def test_cli_add_list_disable_and_audit(app, runner):
    ids = build(app)
    result = runner.invoke(
        args=["admin", "add-user", "clerk", "--station", "甲商圈服务站", "--role", "viewer"],
        input="a-long-password\n",
    )
    assert result.exit_code == 0, result.output
    assert "clerk" in result.output and "只读" in result.output
    again = runner.invoke(
        args=[
            "admin",
            "add-user",
            "clerk",
            "--station",
            "甲商圈服务站",
            "--role",
            "viewer",
            "--password",
            "a-long-password",
        ]
    )
    assert again.exit_code == 1 and "已被使用" in again.output
    short = runner.invoke(
        args=[
            "admin",
            "add-user",
            "clerk2",
            "--station",
            "甲商圈服务站",
            "--role",
            "viewer",
            "--password",
            "short",
        ]
    )
    assert short.exit_code == 1 and "密码至少 10 位" in short.output
    bad_role = runner.invoke(
        args=[
            "admin",
            "add-user",
            "clerk3",
            "--station",
            "甲商圈服务站",
            "--role",
            "boss",
            "--password",
            "a-long-password",
        ]
    )
    assert bad_role.exit_code == 1 and "角色只能是" in bad_role.output
    listing = runner.invoke(args=["admin", "list"])
    assert "clerk\t只读\t甲商圈服务站\t启用" in listing.output
    assert runner.invoke(args=["admin", "disable", "clerk"]).exit_code == 0
    assert "已停用" in runner.invoke(args=["admin", "list"]).output
    with app.app_context():
        rows = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.target == "clerk").order_by(AuditEntry.id)
        ).all()
        assert [(r.action, r.via) for r in rows] == [("user.create", "cli"), ("user.disable", "cli")]
        assert rows[0].station_id == ids["station_a"]
        assert rows[1].before["active"] is True and rows[1].after["active"] is False
        assert "password_hash" not in rows[0].after
        stored = db.session.scalar(
            sa.select(ConsoleUser.password_hash).where(ConsoleUser.username == "clerk")
        )
        assert stored.startswith("$argon2id$")


def test_audit_entries_cannot_be_edited(app, runner):
    build(app)
    with app.app_context():
        entry = db.session.scalars(sa.select(AuditEntry)).first()
        entry.actor = "someone-else"
        with pytest.raises(RuntimeError, match="append-only"):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.scalars(sa.select(AuditEntry)).first())
        with pytest.raises(RuntimeError, match="append-only"):
            db.session.flush()
        db.session.rollback()
