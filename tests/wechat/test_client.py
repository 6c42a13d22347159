"""wechat.client: base URLs, the stable_token fetch, the token shared through Redis, Redis outages."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from wechatpy import WeChatClient
from wechatpy.client.api.base import BaseWeChatAPI

from app import create_app
from app.core import redis_client
from app.core.extensions import db
from app.core.redis_client import get_redis
from tests.conftest import TEST_MP_APPID, TEST_MP_SECRET, TEST_OA_APPID
from wechat import SANDBOX_MP_APPID, api
from wechat.client import (
    TOKEN_REFRESH_MARGIN,
    StableTokenClient,
    TokenStorage,
    mp_client,
    oa_client,
    reset_clients,
)

ROOT = Path(__file__).resolve().parents[2]
TOKEN_KEY = f"wechatpy:{TEST_MP_APPID}_access_token"


def _dead_redis():
    # Built like the app's own client (one attempt, short timeouts), aimed at a port nobody listens on.
    return redis_client.connect("redis://127.0.0.1:1/0")


def test_mp_client_every_api_group_points_at_api_base(app, wechat_api_base):
    with app.app_context():
        client = mp_client()

        assert client.appid == TEST_MP_APPID
        cgi_bin, wxa = client.API_BASE_URL, client.wxa.API_BASE_URL
        assert cgi_bin == f"{wechat_api_base}/cgi-bin/"
        assert wxa == f"{wechat_api_base}/"
        for name, group in vars(client).items():
            if isinstance(group, BaseWeChatAPI) and getattr(group, "API_BASE_URL", None):
                assert group.API_BASE_URL.startswith(wechat_api_base), name
        assert mp_client() is client  # cached per app
    assert WeChatClient.API_BASE_URL == "https://api.weixin.qq.com/cgi-bin/"  # no global change


def test_access_token_fetched_with_stable_token_and_stored_in_redis(app, emulator):
    with app.app_context():
        token = mp_client().access_token

        [call] = emulator.calls("stable_token")
        assert call["method"] == "POST"
        assert call["json"] == {
            "grant_type": "client_credential",
            "appid": TEST_MP_APPID,
            "secret": "***",  # the emulator masks it in its log
            "force_refresh": False,
        }
        assert emulator.calls("token") == []
        assert json.loads(get_redis().get(TOKEN_KEY)) == token
        assert 0 < get_redis().ttl(TOKEN_KEY) <= 7200 - TOKEN_REFRESH_MARGIN


def test_access_token_another_worker_reuses_the_shared_token(app, emulator):
    with app.app_context():
        first = mp_client()
        token = first.access_token
        reset_clients(app)  # what a second gunicorn worker starts with: no client, no memory
        second = mp_client()

        assert second is not first
        assert second.access_token == token
        assert len(emulator.calls("stable_token")) == 1


def test_access_token_another_process_reuses_the_shared_token(app, emulator, tmp_path):
    env = dict(
        os.environ,
        APP_ENV="test",
        INSTANCE_PATH=str(tmp_path),
        SECRET_KEY="test-secret",
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=app.config["REDIS_URL_EFFECTIVE"],
        WECHAT_API_BASE=app.config["WECHAT_API_BASE"],
        WECHAT_MP_APPID=TEST_MP_APPID,
        WECHAT_MP_SECRET=TEST_MP_SECRET,
    )
    script = (
        "from app import create_app\n"
        "from wechat.client import mp_client\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    print(mp_client().access_token)\n"
    )
    other = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert other.returncode == 0, other.stderr
    other_token = other.stdout.strip().splitlines()[-1]

    with app.app_context():
        assert mp_client().access_token == other_token
        assert json.loads(get_redis().get(TOKEN_KEY)) == other_token
    assert len(emulator.calls("stable_token")) == 1


def test_access_token_redis_down_still_fetched_and_used(app, emulator, monkeypatch):
    monkeypatch.setitem(app.extensions, "redis", _dead_redis())
    with app.app_context():
        client = mp_client()
        token = client.access_token
        png = api.get_wxa_code_unlimited("ABC234XY", "pages/store/index")

        assert token
        assert png.startswith(api.PNG_SIGNATURE)
        # The process keeps its copy: no second fetch for the second call.
        assert client.access_token == token
        assert len(emulator.calls("stable_token")) == 1


def test_access_token_rejected_token_replaced_and_call_retried_once(app, emulator):
    with app.app_context():
        old = mp_client().access_token
        emulator.invalidate_tokens(TEST_MP_APPID)  # e.g. someone called cgi-bin/token with our secret

        png = api.get_wxa_code_unlimited("ABC234XY", "pages/store/index")

        assert png.startswith(api.PNG_SIGNATURE)
        new = json.loads(get_redis().get(TOKEN_KEY))
        assert new != old
        codes = [c["errcode"] for c in emulator.calls("getwxacodeunlimit")]
        assert codes == [40001, 0]
        assert [c["json"]["force_refresh"] for c in emulator.calls("stable_token")] == [False, False]


def test_access_token_always_rejected_gives_up_after_forced_refresh(app, emulator):
    with app.app_context():
        assert mp_client().access_token
        emulator.fault("getwxacodeunlimit", errcode=40001, times=None)

        with pytest.raises(api.WeChatAPIError) as raised:
            api.get_wxa_code_unlimited("ABC234XY", "pages/store/index")

        assert raised.value.errcode == 40001
        assert len(emulator.calls("getwxacodeunlimit")) == 2  # the call and one retry, no loop
        # stable_token kept answering with the refused token, so the client forced a new one.
        assert [c["json"]["force_refresh"] for c in emulator.calls("stable_token")] == [False, False, True]


def test_oa_client_has_its_own_token(app, emulator):
    with app.app_context():
        mp_token, oa_token = mp_client().access_token, oa_client().access_token

        assert oa_client().appid == TEST_OA_APPID
        assert mp_token != oa_token
        assert sorted(c["json"]["appid"] for c in emulator.calls("stable_token")) == sorted(
            [TEST_MP_APPID, TEST_OA_APPID]
        )


def test_mp_client_sandbox_uses_placeholder_credentials_on_the_same_base(app, app_config, emulator):
    sandbox = create_app(dict(app_config, WECHAT_SANDBOX=True, WECHAT_MP_APPID=None, WECHAT_MP_SECRET=None))
    try:
        with sandbox.app_context():
            client = mp_client()
            assert client.appid == SANDBOX_MP_APPID
            assert client.access_token  # the emulator knows the sandbox placeholder app
            assert emulator.calls("stable_token")[0]["json"]["appid"] == SANDBOX_MP_APPID
    finally:
        with sandbox.app_context():
            db.engine.dispose()


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        ),
        0,
    )
    while len(body) < length:
        body += conn.recv(65536)
    return head


def test_post_json_survives_a_kept_alive_connection_closed_by_the_server():
    """WeChat (like any server) closes idle keep-alive connections; one closed just as it is reused must
    not turn a text check into "unreachable". A real socket server answers once, then drops the kept
    connection when the next request arrives on it; the client sends that request again on a new one."""
    answer = json.dumps({"errcode": 0, "result": {"suggest": "pass", "label": 100}, "trace_id": "t"}).encode()
    response = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: keep-alive\r\n"
        + f"Content-Length: {len(answer)}\r\n\r\n".encode()
        + answer
    )
    server = socket.create_server(("127.0.0.1", 0))
    seen = {"connections": 0, "requests": 0}

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            seen["connections"] += 1
            with conn:
                if _read_request(conn):
                    seen["requests"] += 1
                    conn.sendall(response)
                if seen["connections"] == 1 and _read_request(conn):
                    seen["requests"] += 1  # dropped without an answer
                    continue
                if seen["connections"] > 1:
                    while _read_request(conn):
                        seen["requests"] += 1
                        conn.sendall(response)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        port = server.getsockname()[1]
        client = StableTokenClient(
            "wx-keepalive",
            "s",
            api_base=f"http://127.0.0.1:{port}/",
            storage=TokenStorage(lambda: None),
            timeout=3,
        )
        client._memo = (time.monotonic() + 60, "token")  # no token fetch in this test
        body = {"content": "x", "version": 2, "scene": 1, "openid": "o"}
        assert client.post_json("wxa/msg_sec_check", body)["result"]["suggest"] == "pass"
        assert client.post_json("wxa/msg_sec_check", body)["result"]["suggest"] == "pass"
        assert seen == {"connections": 2, "requests": 3}
    finally:
        server.close()
