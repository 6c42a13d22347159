"""wechat.api against the emulator: what each call sends, returns and raises."""

from __future__ import annotations

import io
import socket

import pytest
from PIL import Image

from wechat import api


@pytest.fixture
def ctx_emulator(app, emulator):
    with app.app_context():
        yield emulator


@pytest.fixture
def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_code_to_session_valid_code_returns_identity(ctx_emulator):
    minted = ctx_emulator.login_code("alice")

    session = api.code_to_session(minted["code"])

    assert session.openid == minted["openid"]
    assert session.unionid == minted["unionid"]
    assert len(session.session_key) == 24  # base64 of 16 bytes, as WeChat sends it


@pytest.mark.parametrize(
    ("setup", "errcode"),
    [("unknown", 40029), ("used", 40163), ("busy", -1), ("limited", 45011)],
)
def test_code_to_session_refusals_raise_api_error_with_errcode(ctx_emulator, setup, errcode):
    code = ctx_emulator.login_code("bob")["code"]
    if setup == "unknown":
        code = code[::-1]
    elif setup == "used":
        api.code_to_session(code)
    elif setup == "busy":
        ctx_emulator.fault("jscode2session", errcode=-1)
    else:
        ctx_emulator.set_limits(jscode2session_per_user_per_minute=0)

    with pytest.raises(api.WeChatAPIError) as raised:
        api.code_to_session(code)

    assert raised.value.errcode == errcode
    assert "rid:" in raised.value.errmsg


def test_code_to_session_http_error_raises_unreachable(ctx_emulator):
    ctx_emulator.fault("jscode2session", "http", status=502)

    with pytest.raises(api.WeChatUnreachable, match="502"):
        api.code_to_session(ctx_emulator.login_code("carol")["code"])


def test_code_to_session_closed_port_raises_unreachable(app, closed_port, monkeypatch):
    monkeypatch.setitem(app.config, "WECHAT_API_BASE", f"http://127.0.0.1:{closed_port}")
    with app.app_context(), pytest.raises(api.WeChatUnreachable, match="ConnectionError"):
        api.code_to_session("0a1b2c3d4e5f60718293a4b5c6d7e8f9")


def test_code_to_session_slow_answer_raises_unreachable(app, ctx_emulator, monkeypatch):
    monkeypatch.setitem(app.config, "WECHAT_HTTP_TIMEOUT", 0.2)
    ctx_emulator.fault("jscode2session", "delay", seconds=0.6)

    with pytest.raises(api.WeChatUnreachable, match="Timeout"):
        api.code_to_session(ctx_emulator.login_code("dave")["code"])


def test_get_user_phone_number_code_returns_number_once(ctx_emulator):
    code = ctx_emulator.phone_code("13800138000")

    phone = api.get_user_phone_number(code)

    assert phone == api.PhoneNumber("13800138000", "13800138000", "86")
    with pytest.raises(api.WeChatAPIError) as raised:
        api.get_user_phone_number(code)
    assert raised.value.errcode == 40029
    [first, second] = ctx_emulator.calls("getuserphonenumber")
    assert first["json"] == {"code": code} and first["query"]["access_token"]
    assert (first["errcode"], second["errcode"]) == (0, 40029)


def test_get_user_phone_number_foreign_number_keeps_country_code(ctx_emulator):
    phone = api.get_user_phone_number(ctx_emulator.phone_code("91234567", country_code="852"))

    assert (phone.phone_number, phone.pure_phone_number, phone.country_code) == (
        "+852 91234567",
        "91234567",
        "852",
    )


@pytest.mark.parametrize(
    ("content", "suggest", "label"),
    [
        ("店家态度很好，已经解决。", "pass", 100),
        ("加微信领红包", "review", 10001),
        ("可以代开发票", "risky", 20006),
    ],
)
def test_msg_sec_check_v2_reads_result_suggest(ctx_emulator, content, suggest, label):
    openid = api.code_to_session(ctx_emulator.login_code("erin")["code"]).openid

    result = api.msg_sec_check(openid, content, scene=2)

    assert (result.suggest, result.label, result.passed) == (suggest, label, suggest == "pass")
    assert result.trace_id
    sent = ctx_emulator.calls("msg_sec_check")[0]["json"]
    assert sent == {"content": content, "version": 2, "scene": 2, "openid": openid}


def test_msg_sec_check_configured_words_change_the_verdict(ctx_emulator):
    openid = api.code_to_session(ctx_emulator.login_code("frank")["code"]).openid
    ctx_emulator.set_sec_words(risky=["假一赔十"], review=[])

    assert api.msg_sec_check(openid, "承诺假一赔十").suggest == "risky"
    assert api.msg_sec_check(openid, "加微信领红包").suggest == "pass"


def test_msg_sec_check_user_never_seen_raises_api_error(ctx_emulator):
    with pytest.raises(api.WeChatAPIError) as raised:
        api.msg_sec_check("oNeverLoggedIn000000000000000", "你好")

    assert raised.value.errcode == 40003


def test_msg_sec_check_bad_arguments_refused_before_any_call(ctx_emulator):
    with pytest.raises(ValueError):
        api.msg_sec_check("o", "你好", scene=9)
    with pytest.raises(ValueError):
        api.msg_sec_check("o", "字" * 2501)
    assert ctx_emulator.calls() == []


def test_get_wxa_code_unlimited_returns_png_of_requested_width(ctx_emulator):
    png = api.get_wxa_code_unlimited("ABC234XY", "pages/store/index", width=300)

    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert image.size == (300, 300)
    [call] = ctx_emulator.calls("getwxacodeunlimit")
    assert call["json"] == {
        "scene": "ABC234XY",
        "page": "pages/store/index",
        "check_path": False,
        "env_version": "release",
        "width": 300,
    }
    assert call["content_type"] == "image/png"


@pytest.mark.parametrize("scene", ["x" * 33, "店铺码", "a b", ""])
def test_get_wxa_code_unlimited_invalid_scene_raises_40169(ctx_emulator, scene):
    assert not api.is_valid_scene(scene)

    with pytest.raises(api.WeChatAPIError) as raised:
        api.get_wxa_code_unlimited(scene, "pages/store/index")

    assert raised.value.errcode == 40169
    assert "invalid length for scene" in raised.value.errmsg


def test_get_wxa_code_unlimited_leading_slash_page_raises_41030(ctx_emulator):
    with pytest.raises(api.WeChatAPIError) as raised:
        api.get_wxa_code_unlimited("ABC234XY", "/pages/store/index")

    assert raised.value.errcode == 41030


def test_get_wxa_code_unlimited_unreleased_page_only_with_check_path(app, ctx_emulator, monkeypatch):
    ctx_emulator.register_app("wx-released", "released-secret", pages=["pages/index/index"])
    monkeypatch.setitem(app.config, "WECHAT_MP_APPID", "wx-released")
    monkeypatch.setitem(app.config, "WECHAT_MP_SECRET", "released-secret")

    assert api.get_wxa_code_unlimited("ABC234XY", "pages/store/index").startswith(api.PNG_SIGNATURE)
    with pytest.raises(api.WeChatAPIError) as raised:
        api.get_wxa_code_unlimited("ABC234XY", "pages/store/index", check_path=True)
    assert raised.value.errcode == 41030


def test_get_wxa_code_unlimited_token_fetch_failure_raises_unreachable(ctx_emulator):
    ctx_emulator.fault("stable_token", "http", status=503)

    with pytest.raises(api.WeChatUnreachable, match="503"):
        api.get_wxa_code_unlimited("ABC234XY", "pages/store/index")
    assert ctx_emulator.calls("getwxacodeunlimit") == []


def test_get_wxa_code_unlimited_token_refused_raises_api_error(ctx_emulator):
    ctx_emulator.fault("stable_token", errcode=-1)

    with pytest.raises(api.WeChatAPIError) as raised:
        api.get_wxa_code_unlimited("ABC234XY", "pages/store/index")

    assert raised.value.errcode == -1


def test_scene_rule_accepts_store_codes_and_punctuation():
    assert api.is_valid_scene("ABC234XY")
    assert api.is_valid_scene("c=ABC234XY&v=1")
    assert api.is_valid_scene("x" * 32)
    assert not api.is_valid_scene("x" * 33)


@pytest.mark.parametrize(
    ("generate", "prefix"),
    [(api.generate_urllink, "https://wxaurl.cn/"), (api.generate_scheme, "weixin://dl/business/?t=")],
)
def test_mini_program_links_open_the_page_with_the_query_for_the_days_asked(ctx_emulator, generate, prefix):
    import time

    before = time.time()
    link = generate("pages/store/index", "code=ABCDEFGH", days=7, env_version="trial")
    assert link.url.startswith(prefix)
    assert before + 7 * 86400 <= link.expires_at <= time.time() + 7 * 86400
    (made,) = ctx_emulator.links()
    assert (
        made["url"] == link.url and made["path"] == "pages/store/index" and made["query"] == "code=ABCDEFGH"
    )
    assert made["env_version"] == "trial"
    assert abs(made["expires_at"] - link.expires_at) < 5


def test_mini_program_link_refusals_and_bad_arguments(ctx_emulator):
    with pytest.raises(api.WeChatAPIError) as refused:
        api.generate_urllink("/pages/store/index")  # a leading slash is not a page
    assert refused.value.errcode == 40165
    with pytest.raises(ValueError):
        api.generate_scheme("pages/store/index", days=31)  # WeChat's limit is 30 days
    ctx_emulator.fault("generatescheme", kind="http", status=502)
    with pytest.raises(api.WeChatUnreachable):
        api.generate_scheme("pages/store/index")
