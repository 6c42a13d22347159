"""POST /api/mp/v1/session and `login_required`, against the WeChat emulator over real HTTP."""

from __future__ import annotations

import socket

import pytest
import sqlalchemy as sa
from flask import Blueprint

from app import create_app
from app.consumers import login
from app.consumers.models import Consumer
from app.core import redis_client
from app.core.config import ConfigError
from app.core.extensions import db
from app.core.texts import ERRORS, FIELDS
from miniprogram_api import envelope
from miniprogram_api.auth import current_consumer, login_required
from miniprogram_api.envelope import ok

SESSION = "/api/mp/v1/session"
WHOAMI = "/__test__/whoami"


def _with_protected_route(application):
    """Register a tiny login_required route, rendered by the API's error handlers, on a fresh app."""
    bp = Blueprint("test_protected", __name__, url_prefix="/__test__")

    @bp.get("/whoami")
    @login_required
    def whoami():
        consumer = current_consumer()
        return ok({"consumer_id": consumer.id, "openid": consumer.openid})

    envelope.register_error_handlers(bp)
    application.register_blueprint(bp)
    return application


def _dispose(application) -> None:
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def protected_app(app, app_config):
    application = _with_protected_route(create_app(dict(app_config)))
    yield application
    _dispose(application)


@pytest.fixture(scope="module")
def sandbox_app(app, app_config):
    """The same database and Redis, but no mini-program credentials: sandbox mode."""
    config = dict(app_config, WECHAT_SANDBOX=True, WECHAT_MP_APPID=None, WECHAT_MP_SECRET=None)
    application = _with_protected_route(create_app(config))
    yield application
    _dispose(application)


@pytest.fixture
def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _login(client, code):
    return client.post(SESSION, json={"code": code})


def _consumers(app) -> list[Consumer]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Consumer).order_by(Consumer.id)).all()
        db.session.expunge_all()
        return list(rows)


def _assert_error(resp, status: int, code: str):
    assert resp.status_code == status, resp.get_data(as_text=True)
    error = resp.get_json()["error"]
    assert error["code"] == code
    assert error["message"] == ERRORS[code]
    return error


# -- success ----------------------------------------------------------------------------------------


def test_session_valid_code_creates_consumer_and_returns_token(app, client, emulator):
    minted = emulator.login_code("alice")
    resp = _login(client, minted["code"])

    assert resp.status_code == 200
    data = resp.get_json()["data"]
    assert set(data) == {"token", "expires_in", "consumer", "sandbox"}
    assert data["sandbox"] is False
    assert data["expires_in"] == app.config["SESSION_TTL_SECONDS"]
    assert data["consumer"]["has_phone"] is False
    [consumer] = _consumers(app)
    assert data["consumer"]["id"] == consumer.id
    assert consumer.openid == minted["openid"]
    assert consumer.unionid == minted["unionid"]
    assert consumer.session_key and consumer.last_login_at is not None
    assert consumer.sandbox is False
    # The session_key WeChat gave stays on the server.
    body = resp.get_data(as_text=True)
    assert consumer.session_key not in body and "session_key" not in body


def test_session_same_user_again_same_consumer_newest_session_key(app, client, emulator):
    first = _login(client, emulator.login_code("bob")["code"]).get_json()["data"]
    [before] = _consumers(app)
    second = _login(client, emulator.login_code("bob")["code"]).get_json()["data"]
    [after] = _consumers(app)

    assert first["consumer"]["id"] == second["consumer"]["id"] == after.id
    assert after.session_key != before.session_key
    assert after.last_login_at >= before.last_login_at


def test_session_login_needs_no_access_token(client, emulator):
    assert _login(client, emulator.login_code("carol")["code"]).status_code == 200
    assert [c["endpoint"] for c in emulator.calls()] == ["jscode2session"]
    call = emulator.calls("jscode2session")[0]
    assert call["query"]["appid"] == "wx-test-mp" and call["query"]["grant_type"] == "authorization_code"
    assert "access_token" not in call["query"]


def test_session_token_opens_login_required_route(app, protected_app, emulator):
    api = protected_app.test_client()
    data = _login(api, emulator.login_code("dave")["code"]).get_json()["data"]

    resp = api.get(WHOAMI, headers={"Authorization": f"Bearer {data['token']}"})

    assert resp.status_code == 200
    assert resp.get_json()["data"]["consumer_id"] == data["consumer"]["id"]


# -- WeChat's refusals --------------------------------------------------------------------------------


def test_session_unknown_code_answers_code_invalid(app, client, emulator):
    _assert_error(_login(client, "0a1b2c3d4e5f60718293a4b5c6d7e8f9"), 400, "wechat_code_invalid")
    assert _consumers(app) == []
    assert emulator.calls("jscode2session")[0]["errcode"] == 40029


def test_session_code_used_twice_answers_code_used(app, client, emulator):
    code = emulator.login_code("erin")["code"]
    assert _login(client, code).status_code == 200

    _assert_error(_login(client, code), 400, "wechat_code_used")
    assert len(_consumers(app)) == 1


def test_session_user_over_minute_quota_answers_rate_limited(app, client, emulator):
    emulator.set_limits(jscode2session_per_user_per_minute=1)
    assert _login(client, emulator.login_code("frank")["code"]).status_code == 200

    _assert_error(_login(client, emulator.login_code("frank")["code"]), 429, "wechat_rate_limited")


def test_session_wechat_system_busy_answers_busy(app, client, emulator):
    emulator.fault("jscode2session", errcode=-1)

    _assert_error(_login(client, emulator.login_code("grace")["code"]), 503, "wechat_busy")
    assert _consumers(app) == []


def test_session_wechat_http_500_answers_unavailable(app, client, emulator):
    emulator.fault("jscode2session", "http", status=500)

    _assert_error(_login(client, emulator.login_code("heidi")["code"]), 503, "wechat_unavailable")


def test_session_wechat_slower_than_timeout_answers_unavailable(app, client, emulator, monkeypatch):
    monkeypatch.setitem(app.config, "WECHAT_HTTP_TIMEOUT", 0.2)
    emulator.fault("jscode2session", "delay", seconds=0.6)

    _assert_error(_login(client, emulator.login_code("ivan")["code"]), 503, "wechat_unavailable")


def test_session_wechat_unreachable_answers_unavailable(app, client, closed_port, monkeypatch):
    monkeypatch.setitem(app.config, "WECHAT_API_BASE", f"http://127.0.0.1:{closed_port}")

    _assert_error(_login(client, "0a1b2c3d4e5f60718293a4b5c6d7e8f9"), 503, "wechat_unavailable")
    assert _consumers(app) == []


def test_session_wrong_app_secret_answers_wechat_error(app, client, emulator, monkeypatch):
    monkeypatch.setitem(app.config, "WECHAT_MP_SECRET", "not-the-secret")

    _assert_error(_login(client, emulator.login_code("judy")["code"]), 502, "wechat_error")
    assert emulator.calls("jscode2session")[0]["errcode"] == 40125


# -- bad input ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [{}, {"code": ""}, {"code": "   "}, {"code": 12345}, {"code": ["a"]}, {"code": None}, ["code"], "code"],
    ids=["missing", "empty", "blank", "number", "list", "null", "array-body", "string-body"],
)
def test_session_bad_code_field_answers_422_with_fields(client, emulator, body):
    resp = client.post(SESSION, json=body)

    error = _assert_error(resp, 422, "validation_failed")
    assert error["fields"] == {"code": FIELDS["code_required"]}
    assert emulator.calls() == []


def test_session_body_not_json_answers_422_invalid_json(client, emulator):
    resp = client.post(SESSION, data="code=abc", content_type="application/x-www-form-urlencoded")

    error = _assert_error(resp, 422, "invalid_json")
    assert error["fields"] == {"code": FIELDS["code_required"]}
    assert emulator.calls() == []


def test_session_code_far_too_long_refused_without_calling_wechat(client, emulator):
    _assert_error(_login(client, "x" * 500), 400, "wechat_code_invalid")
    assert emulator.calls() == []


# -- tokens ---------------------------------------------------------------------------------------------


def test_login_required_no_header_answers_login_required(protected_app):
    _assert_error(protected_app.test_client().get(WHOAMI), 401, "login_required")


@pytest.mark.parametrize("header", ["Basic YWxpY2U6c2VjcmV0", "Bearer", "Bearer    ", "token-without-scheme"])
def test_login_required_malformed_header_answers_token_invalid(protected_app, header):
    resp = protected_app.test_client().get(WHOAMI, headers={"Authorization": header})

    _assert_error(resp, 401, "token_invalid")


def test_login_required_tampered_token_answers_token_invalid(protected_app, emulator):
    api = protected_app.test_client()
    token = _login(api, emulator.login_code("kate")["code"]).get_json()["data"]["token"]
    payload, signature = token.rsplit(".", 1)
    forged = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + signature

    for bad in (forged, token[:-3], token + "x", "not-a-token"):
        resp = api.get(WHOAMI, headers={"Authorization": f"Bearer {bad}"})
        _assert_error(resp, 401, "token_invalid")


def test_login_required_token_signed_with_other_secret_answers_token_invalid(app, protected_app, emulator):
    api = protected_app.test_client()
    _login(api, emulator.login_code("liam")["code"])
    [consumer] = _consumers(app)
    with app.app_context():
        app.config["SECRET_KEY"], saved = "another-secret", app.config["SECRET_KEY"]
        try:
            foreign = login.issue_token(consumer)
        finally:
            app.config["SECRET_KEY"] = saved

    _assert_error(api.get(WHOAMI, headers={"Authorization": f"Bearer {foreign}"}), 401, "token_invalid")


def test_login_required_expired_token_answers_token_invalid(app, protected_app, emulator):
    api = protected_app.test_client()
    _login(api, emulator.login_code("mia")["code"])
    [consumer] = _consumers(app)
    with app.app_context():
        expired = login.issue_token(consumer, ttl=-1)
        fresh = login.issue_token(consumer, ttl=60)

    _assert_error(api.get(WHOAMI, headers={"Authorization": f"Bearer {expired}"}), 401, "token_invalid")
    assert api.get(WHOAMI, headers={"Authorization": f"Bearer {fresh}"}).status_code == 200


def test_login_required_consumer_deleted_answers_token_invalid(app, protected_app, emulator):
    api = protected_app.test_client()
    token = _login(api, emulator.login_code("noah")["code"]).get_json()["data"]["token"]
    with app.app_context():
        db.session.execute(sa.delete(Consumer))
        db.session.commit()

    _assert_error(api.get(WHOAMI, headers={"Authorization": f"Bearer {token}"}), 401, "token_invalid")


def test_login_required_redis_down_token_still_accepted(app, protected_app, emulator, monkeypatch):
    api = protected_app.test_client()
    token = _login(api, emulator.login_code("olivia")["code"]).get_json()["data"]["token"]
    dead = redis_client.connect("redis://127.0.0.1:1/0")
    monkeypatch.setitem(protected_app.extensions, "redis", dead)

    assert api.get(WHOAMI, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert _login(api, emulator.login_code("olivia")["code"]).status_code == 200


# -- sandbox mode ---------------------------------------------------------------------------------------


def test_session_sandbox_any_code_is_a_sandbox_identity(app, sandbox_app, emulator):
    api = sandbox_app.test_client()
    first = _login(api, "demo-user-1")
    again = _login(api, "demo-user-1")
    other = _login(api, "demo-user-2")

    assert first.status_code == 200
    data = first.get_json()["data"]
    assert data["sandbox"] is True
    assert again.get_json()["data"]["consumer"]["id"] == data["consumer"]["id"]
    assert other.get_json()["data"]["consumer"]["id"] != data["consumer"]["id"]
    consumers = _consumers(app)
    assert len(consumers) == 2
    assert all(c.sandbox and c.openid.startswith("sandbox-") and c.session_key == "" for c in consumers)
    assert emulator.calls() == []  # no WeChat call for a sandbox login
    resp = api.get(WHOAMI, headers={"Authorization": f"Bearer {data['token']}"})
    assert resp.get_json()["data"]["consumer_id"] == data["consumer"]["id"]


def test_session_sandbox_empty_code_still_422(sandbox_app):
    _assert_error(_login(sandbox_app.test_client(), ""), 422, "validation_failed")


def test_login_required_sandbox_token_refused_outside_sandbox(sandbox_app, protected_app):
    token = _login(sandbox_app.test_client(), "demo-user-3").get_json()["data"]["token"]

    resp = protected_app.test_client().get(WHOAMI, headers={"Authorization": f"Bearer {token}"})

    _assert_error(resp, 401, "token_invalid")


def test_session_production_never_sandbox_even_if_flag_set(app, client, emulator, monkeypatch):
    monkeypatch.setitem(app.config, "APP_ENV", "production")
    monkeypatch.setitem(app.config, "WECHAT_SANDBOX", True)

    _assert_error(_login(client, "demo-user-4"), 400, "wechat_code_invalid")
    assert _consumers(app) == []
    assert len(emulator.calls("jscode2session")) == 1


def test_create_app_production_without_credentials_refused(app_config):
    with pytest.raises(ConfigError, match="WECHAT_MP_APPID"):
        create_app(dict(app_config, APP_ENV="production"))


# -- contract ----------------------------------------------------------------------------------------------


def test_openapi_session_operation_described_without_session_key(client):
    doc = client.get("/api/mp/v1/openapi.json").get_json()

    op = doc["paths"]["/api/mp/v1/session"]["post"]
    assert op["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/SessionIn"
    }
    assert {"400", "422", "429", "503"} <= set(op["responses"])
    out = doc["components"]["schemas"]["SessionOut"]
    assert set(out["properties"]) == {"token", "expires_in", "consumer", "sandbox"}
    for schema in doc["components"]["schemas"].values():
        assert "session_key" not in schema.get("properties", {})
