"""The WeChat emulator speaks the protocol: plain HTTP against it, no app involved."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from PIL import Image

from app.dev.wechat_emulator import EmulatorControl
from tests.conftest import TEST_MP_APPID, TEST_MP_SECRET, TEST_OA_APPID
from wechat import SANDBOX_MP_APPID, SANDBOX_MP_SECRET

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def wx(wechat_api_base, emulator):
    """A requests session and the emulator's base URL."""
    with requests.Session() as http:
        yield http, wechat_api_base


def _stable(wx, appid=TEST_MP_APPID, secret=TEST_MP_SECRET, **extra):
    http, base = wx
    body = {"grant_type": "client_credential", "appid": appid, "secret": secret, **extra}
    return http.post(f"{base}/cgi-bin/stable_token", json=body, timeout=5).json()


def _wxacode(wx, token, **body):
    http, base = wx
    return http.post(f"{base}/wxa/getwxacodeunlimit", params={"access_token": token}, json=body, timeout=5)


def _jscode(wx, **params):
    http, base = wx
    query = {"appid": TEST_MP_APPID, "secret": TEST_MP_SECRET, "grant_type": "authorization_code", **params}
    return http.get(f"{base}/sns/jscode2session", params=query, timeout=5).json()


def test_stable_token_same_token_for_every_caller_force_rotates(wx):
    first = _stable(wx)
    second = _stable(wx)
    assert first["access_token"] == second["access_token"]
    assert 7000 < second["expires_in"] <= 7200

    forced = _stable(wx, force_refresh=True)

    assert forced["access_token"] != first["access_token"]
    assert _stable(wx)["access_token"] == forced["access_token"]
    old = _wxacode(wx, first["access_token"], scene="ABC234XY").json()
    assert old["errcode"] == 40001  # a forced refresh ends the previous token at once


def test_stable_token_concurrent_callers_all_get_one_token(wx):
    with ThreadPoolExecutor(max_workers=8) as pool:
        tokens = set(pool.map(lambda _: _stable(wx)["access_token"], range(16)))

    assert len(tokens) == 1


@pytest.mark.parametrize(
    ("override", "errcode"),
    [
        ({"secret": "wrong"}, 40125),
        ({"appid": "wx-unknown"}, 40013),
        ({"grant_type": "password"}, 40002),
        ({"appid": ""}, 41002),
    ],
)
def test_stable_token_bad_credentials_refused(wx, override, errcode):
    http, base = wx
    body = {"grant_type": "client_credential", "appid": TEST_MP_APPID, "secret": TEST_MP_SECRET, **override}

    answer = http.post(f"{base}/cgi-bin/stable_token", json=body, timeout=5).json()

    assert answer["errcode"] == errcode and "rid:" in answer["errmsg"]
    assert "access_token" not in answer


def test_stable_token_body_not_json_answers_47001(wx):
    http, base = wx
    assert http.post(f"{base}/cgi-bin/stable_token", data="appid=x", timeout=5).json()["errcode"] == 47001


def test_cgi_bin_token_new_each_call_previous_still_valid_for_a_while(wx):
    http, base = wx
    params = {"grant_type": "client_credential", "appid": TEST_MP_APPID, "secret": TEST_MP_SECRET}
    first = http.get(f"{base}/cgi-bin/token", params=params, timeout=5).json()["access_token"]
    second = http.get(f"{base}/cgi-bin/token", params=params, timeout=5).json()["access_token"]

    assert first != second
    assert _wxacode(wx, first, scene="ABC234XY").status_code == 200


def test_jscode2session_checks_every_parameter(wx, emulator):
    code = emulator.login_code("alice")["code"]

    assert _jscode(wx, js_code=code, grant_type="client_credential")["errcode"] == 40002
    assert _jscode(wx, js_code=code, secret="wrong")["errcode"] == 40125
    assert _jscode(wx)["errcode"] == 41008
    answer = _jscode(wx, js_code=code)
    assert set(answer) == {"session_key", "openid", "unionid"}
    assert answer["openid"] == emulator.login_code("alice")["openid"]


def test_jscode2session_openid_per_app_unionid_per_person(wx, emulator):
    mp = emulator.login_code("alice")
    oa = emulator.login_code("alice", appid=TEST_OA_APPID)
    other = emulator.login_code("bob")

    assert mp["openid"] != oa["openid"]
    assert mp["unionid"] == oa["unionid"] != other["unionid"]


def test_jscode2session_code_of_another_app_is_invalid(wx, emulator):
    code = emulator.login_code("alice", appid=SANDBOX_MP_APPID)["code"]

    assert _jscode(wx, js_code=code)["errcode"] == 40029
    sandbox = _jscode(wx, js_code=code, appid=SANDBOX_MP_APPID, secret=SANDBOX_MP_SECRET)
    assert "unionid" not in sandbox and sandbox["openid"]


def test_getwxacodeunlimit_token_checked_first(wx):
    assert _wxacode(wx, "", scene="ABC234XY").json()["errcode"] == 41001
    assert _wxacode(wx, "bogus", scene="ABC234XY").json()["errcode"] == 40001


def test_getwxacodeunlimit_success_is_png_failure_is_json(wx):
    token = _stable(wx)["access_token"]

    ok = _wxacode(wx, token, scene="ABC234XY", page="pages/store/index", width=2000)
    bad = _wxacode(wx, token, scene="含中文")

    assert ok.headers["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(ok.content)) as image:
        assert image.size == (1280, 1280)  # width is clamped like WeChat does
    assert bad.headers["Content-Type"].startswith("application/json")
    assert bad.json()["errcode"] == 40169


def test_getwxacodeunlimit_hyaline_has_transparent_background(wx):
    token = _stable(wx)["access_token"]

    resp = _wxacode(wx, token, scene="ABC234XY", is_hyaline=True)

    with Image.open(io.BytesIO(resp.content)) as image:
        assert image.mode == "RGBA"
        assert image.getpixel((0, 0))[3] == 0


def test_msg_sec_check_version_1_answers_87014_for_risky(wx):
    http, base = wx
    token = _stable(wx)["access_token"]
    url = f"{base}/wxa/msg_sec_check"

    risky = http.post(url, params={"access_token": token}, json={"content": "代开发票"}, timeout=5).json()
    clean = http.post(url, params={"access_token": token}, json={"content": "你好"}, timeout=5).json()

    assert risky["errcode"] == 87014
    assert clean == {"errcode": 0, "errmsg": "ok"}


def test_faults_fail_the_next_calls_then_clear(wx, emulator):
    emulator.fault("stable_token", errcode=-1, times=2)

    assert [_stable(wx).get("errcode") for _ in range(3)] == [-1, -1, None]
    emulator.fault("stable_token", "http", status=500, times=None)
    http, base = wx
    assert http.post(f"{base}/cgi-bin/stable_token", json={}, timeout=5).status_code == 500
    emulator.clear_faults()
    assert "access_token" in _stable(wx)


def test_faults_delay_holds_the_answer(wx, emulator):
    emulator.fault("stable_token", "delay", seconds=0.3)
    started = time.monotonic()

    assert "access_token" in _stable(wx)
    assert time.monotonic() - started >= 0.3


def test_calls_log_every_api_call_with_secrets_masked(wx, emulator):
    code = emulator.login_code("alice")["code"]
    _stable(wx)
    _jscode(wx, js_code=code)

    calls = emulator.calls()
    assert [c["endpoint"] for c in calls] == ["stable_token", "jscode2session"]
    assert calls[0]["json"]["secret"] == "***" and calls[1]["query"]["secret"] == "***"
    assert calls[1]["query"]["js_code"] == code
    emulator.reset()
    assert emulator.calls() == []


def test_control_unknown_fault_endpoint_refused(wechat_api_base):
    resp = requests.post(f"{wechat_api_base}/__emulator__/faults", json={"endpoint": "nope"}, timeout=5)

    assert resp.status_code == 400


def test_emulator_runs_standalone_from_the_command_line():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app.dev.wechat_emulator",
            "--port",
            str(port),
            "--appid",
            "wx-cli",
            "--secret",
            "s3",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        control = EmulatorControl(f"http://127.0.0.1:{port}", timeout=1)
        for _ in range(100):
            try:
                code = control.login_code("alice", appid="wx-cli")
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        else:
            pytest.fail("the emulator did not start")
        answer = requests.get(
            f"http://127.0.0.1:{port}/sns/jscode2session",
            params={
                "appid": "wx-cli",
                "secret": "s3",
                "js_code": code["code"],
                "grant_type": "authorization_code",
            },
            timeout=5,
        ).json()
        assert answer["openid"] == code["openid"]
        sandbox_apps = {
            a["appid"]
            for a in requests.get(f"http://127.0.0.1:{port}/__emulator__/apps", timeout=5).json()["apps"]
        }
        assert {"wx-cli", SANDBOX_MP_APPID} <= sandbox_apps
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
