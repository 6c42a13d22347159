"""`flask codes wxacode`: mini-program codes saved as PNG, fetched from the emulator."""

from __future__ import annotations

import pytest
from PIL import Image

from app.core.extensions import db
from app.core.texts import ERRORS
from app.stores import codes
from tests import factories


@pytest.fixture
def store_codes(app):
    """Three stores; the third one's first code was revoked (and reissued)."""
    with app.app_context():
        stores = [factories.store(name=f"小程序码测试店{i}") for i in range(3)]
        db.session.flush()
        revoked = stores[2].active_code.code
        codes.revoke_and_reissue(revoked, "misprinted")
        db.session.commit()
        active = sorted(s.active_code.code for s in stores)
    return {"active": active, "revoked": revoked}


def _png_size(path) -> tuple[int, int]:
    with Image.open(path) as image:
        assert image.format == "PNG"
        image.verify()
        return image.size


def test_wxacode_one_code_saved_as_png(app, runner, emulator, store_codes, tmp_path):
    code = store_codes["active"][0]
    out = tmp_path / "shop.png"

    result = runner.invoke(args=["codes", "wxacode", code.lower(), "--out", str(out)])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(out)
    assert _png_size(out) == (430, 430)
    [call] = emulator.calls("getwxacodeunlimit")
    assert call["json"]["scene"] == code
    assert call["json"]["page"] == app.config["WECHAT_MP_STORE_PAGE"] == "pages/store/index"
    assert call["json"]["check_path"] is False


def test_wxacode_out_directory_names_file_after_code(runner, emulator, store_codes, tmp_path):
    code = store_codes["active"][1]

    result = runner.invoke(args=["codes", "wxacode", code, "--out", str(tmp_path), "--width", "600"])

    assert result.exit_code == 0, result.output
    assert _png_size(tmp_path / f"{code}.png") == (600, 600)


def test_wxacode_all_saves_every_active_code(runner, emulator, store_codes, tmp_path):
    out = tmp_path / "print"

    result = runner.invoke(args=["codes", "wxacode", "--all", "--out", str(out)])

    assert result.exit_code == 0, result.output
    assert sorted(p.stem for p in out.glob("*.png")) == store_codes["active"]
    assert store_codes["revoked"] not in {p.stem for p in out.glob("*.png")}
    assert all(_png_size(p) == (430, 430) for p in out.glob("*.png"))
    assert len(emulator.calls("stable_token")) == 1  # one token for the whole batch


def test_wxacode_all_skip_existing_resumes(runner, emulator, store_codes, tmp_path):
    first = store_codes["active"][0]
    assert runner.invoke(args=["codes", "wxacode", first, "--out", str(tmp_path)]).exit_code == 0

    result = runner.invoke(args=["codes", "wxacode", "--all", "--out", str(tmp_path), "--skip-existing"])

    assert result.exit_code == 0, result.output
    assert "跳过已有 1 个" in result.output
    assert [c["json"]["scene"] for c in emulator.calls("getwxacodeunlimit")] == store_codes["active"]


def test_wxacode_unknown_code_clear_error_no_call(runner, emulator, store_codes, tmp_path):
    result = runner.invoke(args=["codes", "wxacode", "NOPE2345", "--out", str(tmp_path / "x.png")])

    assert result.exit_code != 0
    assert ERRORS["store_not_found"] in result.output
    assert not (tmp_path / "x.png").exists()
    assert emulator.calls() == []


def test_wxacode_revoked_code_refused(runner, emulator, store_codes, tmp_path):
    result = runner.invoke(
        args=["codes", "wxacode", store_codes["revoked"], "--out", str(tmp_path / "x.png")]
    )

    assert result.exit_code != 0
    assert ERRORS["code_revoked"] in result.output


def test_wxacode_wechat_refusal_reported_and_nothing_written(runner, emulator, store_codes, tmp_path):
    emulator.fault("getwxacodeunlimit", errcode=45009, errmsg="reach max api daily quota limit")
    out = tmp_path / "x.png"

    result = runner.invoke(args=["codes", "wxacode", store_codes["active"][0], "--out", str(out)])

    assert result.exit_code != 0
    assert "errcode 45009" in result.output and "reach max api daily quota limit" in result.output
    assert list(tmp_path.iterdir()) == []


def test_wxacode_all_stops_at_failure_and_says_how_many_were_saved(runner, emulator, store_codes, tmp_path):
    emulator.fault("getwxacodeunlimit", "delay", seconds=0)  # first call passes
    emulator.fault("getwxacodeunlimit", "http", status=502)  # second fails

    result = runner.invoke(args=["codes", "wxacode", "--all", "--out", str(tmp_path)])

    assert result.exit_code != 0
    assert "无法连接微信服务" in result.output and "已保存 1 个" in result.output
    assert [p.stem for p in tmp_path.glob("*.png")] == [store_codes["active"][0]]


@pytest.mark.parametrize("args", [[], ["ABCDEFGH", "--all"]], ids=["neither", "both"])
def test_wxacode_needs_exactly_one_of_code_and_all(runner, tmp_path, args):
    result = runner.invoke(args=["codes", "wxacode", *args, "--out", str(tmp_path)])

    assert result.exit_code == 2
    assert "二者选一" in result.output
