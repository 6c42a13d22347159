"""Printable QR codes: one PNG per store that decodes to PUBLIC_BASE_URL/s/<code>, and a manifest."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_Q

from app.core.extensions import db
from app.stores import codes, qr_export
from tests import factories

BASE = "https://yidian.example.cn"


@pytest.fixture
def shops(app):
    """Two circles (3 and 2 stores), one store outside any circle, one store whose code was reissued."""
    with app.app_context():
        city = factories.city()
        other = factories.circle("清风里步行街", station=city["service"], region=city["region"])
        names = ["蜀香阁火锅", "素锦女装", "万悦生活超市"]
        for name in names:
            factories.store(name=name, circle=city["circle"], region=city["region"])
        factories.store(name="王记生煎", circle=other)
        reissued = factories.store(name="布衣坊/汉服:定制*店?", circle=other)
        factories.store(name="仁和大药房（湖滨路店）", region=city["region"])
        db.session.commit()
        new = codes.revoke_and_reissue(reissued.active_code.code, "标签破损")
        db.session.commit()
        return {"circle": city["circle"].name, "reissued": new.code}


def _manifest(path: Path) -> list[dict]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens the Chinese names correctly
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _sample_matrix(path: Path) -> list[list[bool]]:
    """Read the modules back from the picture: find the quiet zone, then sample each module's centre."""
    img = Image.open(path).convert("L")
    side = img.width  # the QR part is the top square; text is printed below it
    qr = img.crop((0, 0, side, side))
    px = qr.load()
    first_dark = next(x for x in range(side) if any(px[x, y] < 128 for y in range(side)))
    box = first_dark // 4  # the quiet zone is exactly four modules wide
    modules = side // box
    return [
        [px[c * box + box // 2, r * box + box // 2] < 128 for c in range(modules)] for r in range(modules)
    ]


def _expected_matrix(url: str) -> list[list[bool]]:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=4)
    qr.add_data(url)
    qr.make(fit=True)
    return qr.get_matrix()


def test_qr_export_all_stores_png_and_manifest(app, runner, shops, tmp_path):
    out = tmp_path / "codes"
    result = runner.invoke(args=["codes", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "已导出 6 个店铺二维码" in result.output

    rows = _manifest(out / "manifest.csv")
    assert len(rows) == 6
    assert set(rows[0]) >= {"code", "name", "url", "circle", "station"}
    for row in rows:
        assert row["url"] == f"{BASE}/s/{row['code']}"
        assert codes.is_well_formed(row["code"])
        png = out / row["file"]
        assert png.exists() and png.name.startswith(row["code"] + "_") and png.suffix == ".png"
        with Image.open(png) as img:
            assert img.format == "PNG" and img.height > img.width  # the name and code sit under the QR
    by_name = {r["name"]: r for r in rows}
    assert by_name["仁和大药房（湖滨路店）"]["circle"] == ""
    assert by_name["仁和大药房（湖滨路店）"]["station"] == "测试市场监管所"  # the region's office answers
    assert by_name["蜀香阁火锅"]["station"] == "测试商圈服务站"
    # Only the active code of a store whose code was reissued; the file name is safe everywhere.
    reissued = by_name["布衣坊/汉服:定制*店?"]
    assert reissued["code"] == shops["reissued"]
    assert reissued["file"] == f"{shops['reissued']}_布衣坊汉服定制店.png"
    assert sorted(p.name for p in out.glob("*.png")) == sorted(r["file"] for r in rows)


def test_qr_export_one_circle(app, runner, shops, tmp_path):
    out = tmp_path / "mall"
    result = runner.invoke(args=["codes", "export", "--out", str(out), "--circle", shops["circle"]])
    assert result.exit_code == 0, result.output
    rows = _manifest(out / "manifest.csv")
    assert sorted(r["name"] for r in rows) == sorted(["蜀香阁火锅", "素锦女装", "万悦生活超市"])
    assert {r["circle"] for r in rows} == {shops["circle"]}
    assert len(list(out.glob("*.png"))) == 3


def test_qr_export_unknown_circle_fails(runner, shops, tmp_path):
    result = runner.invoke(args=["codes", "export", "--out", str(tmp_path / "x"), "--circle", "不存在的商圈"])
    assert result.exit_code != 0
    assert "未找到该商圈" in result.output


def test_qr_export_modules_match_store_url(app, shops, tmp_path):
    """Without any decoder: the printed modules equal the matrix of the URL, quiet zone included."""
    with app.app_context():
        result = qr_export.export(tmp_path, base_url=BASE)
    rows = _manifest(result.manifest)
    for row in rows:
        matrix = _sample_matrix(tmp_path / row["file"])
        assert matrix == _expected_matrix(f"{BASE}/s/{row['code']}")
        assert not any(matrix[r][c] for r in range(4) for c in range(len(matrix)))  # white quiet zone


def test_qr_export_decodes_to_store_url(app, shops, tmp_path):
    import zxingcpp  # pinned in requirements-dev.txt

    with app.app_context():
        result = qr_export.export(tmp_path, base_url=BASE)
    rows = _manifest(result.manifest)
    for row in rows:
        with Image.open(tmp_path / row["file"]) as img:
            found = zxingcpp.read_barcodes(img.convert("RGB"))
        assert [(b.format, b.text) for b in found] == [
            (zxingcpp.BarcodeFormat.QRCode, f"{BASE}/s/{row['code']}")
        ]
        assert found[0].ec_level in ("Q", "H")


def test_qr_export_without_cjk_font_still_writes_png_with_warning(app, runner, shops, tmp_path, monkeypatch):
    monkeypatch.setattr(qr_export, "find_cjk_font", lambda: None)
    out = tmp_path / "nofont"
    result = runner.invoke(args=["codes", "export", "--out", str(out), "--circle", shops["circle"]])
    assert result.exit_code == 0, result.output
    assert "未找到中文字体" in result.output
    rows = _manifest(out / "manifest.csv")
    assert len(rows) == 3
    for row in rows:
        assert _sample_matrix(out / row["file"]) == _expected_matrix(row["url"])


def test_qr_export_name_printed_under_code_with_cjk_font():
    font = qr_export.find_cjk_font()  # noto-cjk-sans-otc is pinned in requirements.txt: it must be found
    assert font is not None
    url = f"{BASE}/s/ABCDEFGH"
    with_name = qr_export.render(url, "蜀香阁火锅", "ABCDEFGH", font)
    other_name = qr_export.render(url, "素锦女装", "ABCDEFGH", font)
    side = with_name.width
    text_area = with_name.crop((0, side, side, with_name.height))
    assert text_area.getextrema()[0] < 64  # dark text under the QR code
    assert with_name.crop((0, 0, side, side)).tobytes() == other_name.crop((0, 0, side, side)).tobytes()
    assert text_area.tobytes() != other_name.crop((0, side, side, other_name.height)).tobytes()
    # A very long name is wrapped to two lines and cut with an ellipsis instead of overflowing.
    long = qr_export.render(url, "湖滨万悦广场负一层美食街" * 4, "ABCDEFGH", font)
    assert long.width == side and long.height > with_name.height


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("素锦女装", "ABCDEFGH_素锦女装.png"),
        ("仁和大药房（湖滨路店）", "ABCDEFGH_仁和大药房(湖滨路店).png"),
        ('a/b\\c:d*e?f"g<h>i|j', "ABCDEFGH_abcdefghij.png"),
        ("  . 空 格 .  ", "ABCDEFGH_空_格.png"),
        ("///", "ABCDEFGH.png"),
    ],
)
def test_qr_export_safe_filename(name, expected):
    assert qr_export.safe_filename("ABCDEFGH", name) == expected
