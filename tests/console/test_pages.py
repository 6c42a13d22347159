"""Every console page for every role, subtree scoping, and the store, code, import and poster flows."""

from __future__ import annotations

import base64
import datetime as dt
import io

import pypdfium2
import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image

from app.audit.models import AuditEntry
from app.core.extensions import db
from app.core.timeutil import today_cn
from app.directory.models import Station
from app.staff import people
from app.staff.models import Staff, StaffInvite
from app.stores.models import Commitment, CommitmentKind, CredentialKind, Store, StoreScanDaily
from tests import factories
from tests.console.world import ORIGIN, build, csrf, login, post

# (method, path, {account: expected status}); {a} is store A's code, {b} store B's.
# admin: centre administrator; op-a: office A operator; view-a: station A viewer; admin-b: office B administrator.
PAGES = [
    ("GET", "/admin/", {"admin": 200, "op-a": 200, "view-a": 200, "admin-b": 200}),
    ("GET", "/admin/stores?q=面", {"admin": 200, "op-a": 200, "view-a": 200, "admin-b": 200}),
    ("GET", "/admin/stores/{a}", {"admin": 200, "op-a": 200, "view-a": 200, "admin-b": 404}),
    ("GET", "/admin/stores/{b}", {"admin": 200, "op-a": 404, "view-a": 404, "admin-b": 200}),
    ("GET", "/admin/stores/ABCDEFGH", {"admin": 404, "op-a": 404, "view-a": 404, "admin-b": 404}),
    ("POST", "/admin/stores/{a}", {"admin": 303, "op-a": 303, "view-a": 403, "admin-b": 404}),
    ("POST", "/admin/stores/{a}/reissue", {"admin": 422, "op-a": 422, "view-a": 403, "admin-b": 404}),
    ("GET", "/admin/posters.pdf?store={a}", {"admin": 200, "op-a": 200, "view-a": 200, "admin-b": 404}),
    ("GET", "/admin/posters.pdf?circle=乙商圈", {"admin": 200, "op-a": 404, "view-a": 404, "admin-b": 200}),
    (
        "GET",
        "/admin/posters.pdf?circle=没有这个商圈",
        {"admin": 404, "op-a": 404, "view-a": 404, "admin-b": 404},
    ),
    ("GET", "/admin/imports", {"admin": 200, "op-a": 403, "view-a": 403, "admin-b": 403}),
    ("POST", "/admin/imports", {"admin": 400, "op-a": 403, "view-a": 403, "admin-b": 403}),
    ("POST", "/admin/imports/confirm", {"admin": 410, "op-a": 403, "view-a": 403, "admin-b": 403}),
    ("GET", "/admin/imports/template-stores.csv", {"admin": 200, "op-a": 200, "view-a": 200, "admin-b": 200}),
    ("GET", "/admin/credentials", {"admin": 200, "op-a": 200, "view-a": 200, "admin-b": 200}),
    ("GET", "/admin/integrity", {"admin": 200, "op-a": 200, "view-a": 200, "admin-b": 200}),
    ("GET", "/admin/stations", {"admin": 200, "op-a": 200, "view-a": 200, "admin-b": 200}),
    ("GET", "/admin/stations/new", {"admin": 200, "op-a": 200, "view-a": 403, "admin-b": 200}),
    ("GET", "/admin/stations/{sa}", {"admin": 200, "op-a": 200, "view-a": 200, "admin-b": 404}),
    ("GET", "/admin/stations/0", {"admin": 404, "op-a": 404, "view-a": 404, "admin-b": 404}),
    ("POST", "/admin/stations", {"admin": 422, "op-a": 422, "view-a": 403, "admin-b": 422}),
    ("POST", "/admin/stations/{ob}/close", {"admin": 409, "op-a": 404, "view-a": 403, "admin-b": 403}),
    ("GET", "/admin/staff", {"admin": 200, "op-a": 200, "view-a": 200, "admin-b": 200}),
    ("POST", "/admin/staff", {"admin": 404, "op-a": 404, "view-a": 403, "admin-b": 404}),
    ("POST", "/admin/staff/999999/invite", {"admin": 404, "op-a": 404, "view-a": 403, "admin-b": 404}),
    ("POST", "/admin/staff/x/unbind", {"admin": 404, "op-a": 404, "view-a": 403, "admin-b": 404}),
    ("GET", "/admin/audit", {"admin": 200, "op-a": 200, "view-a": 200, "admin-b": 200}),
    ("GET", "/admin/figures", {"admin": 200, "op-a": 200, "view-a": 200, "admin-b": 200}),
    (
        "GET",
        "/admin/figures?station={sa}&by=week",
        {"admin": 200, "op-a": 200, "view-a": 200, "admin-b": 404},
    ),
    ("GET", "/admin/figures/on_time_check", {"admin": 200, "op-a": 200, "view-a": 200, "admin-b": 200}),
    (
        "GET",
        "/admin/figures/close_median?station={ob}",
        {"admin": 200, "op-a": 404, "view-a": 404, "admin-b": 200},
    ),
    ("GET", "/admin/figures/no_such_figure", {"admin": 404, "op-a": 404, "view-a": 404, "admin-b": 404}),
    ("GET", "/admin/map", {"admin": 200, "op-a": 200, "view-a": 200, "admin-b": 200}),
    ("GET", "/admin/map?circle=乙商圈", {"admin": 200, "op-a": 404, "view-a": 404, "admin-b": 200}),
    ("GET", "/admin/map/stores.geojson", {"admin": 200, "op-a": 200, "view-a": 200, "admin-b": 200}),
    ("GET", "/admin/exports/cases.csv", {"admin": 200, "op-a": 200, "view-a": 200, "admin-b": 200}),
    ("GET", "/admin/exports/cases.xlsx", {"admin": 200, "op-a": 200, "view-a": 200, "admin-b": 200}),
    (
        "GET",
        "/admin/exports/cases.csv?personal=1",
        {"admin": 200, "op-a": 403, "view-a": 403, "admin-b": 200},
    ),
    (
        "GET",
        "/admin/exports/cases.csv?station={ob}",
        {"admin": 200, "op-a": 404, "view-a": 404, "admin-b": 200},
    ),
    ("GET", "/admin/handoff", {"admin": 200, "op-a": 200, "view-a": 403, "admin-b": 200}),
    ("POST", "/admin/handoff", {"admin": 404, "op-a": 404, "view-a": 403, "admin-b": 404}),
    ("GET", "/admin/replies", {"admin": 200, "op-a": 200, "view-a": 403, "admin-b": 200}),
    ("POST", "/admin/replies/999999", {"admin": 404, "op-a": 404, "view-a": 403, "admin-b": 404}),
    ("GET", "/admin/review", {"admin": 200, "op-a": 200, "view-a": 403, "admin-b": 200}),
    ("POST", "/admin/review/T000000000000", {"admin": 404, "op-a": 404, "view-a": 403, "admin-b": 404}),
    ("GET", "/admin/exports/cases.pdf", {"admin": 404, "op-a": 404, "view-a": 404, "admin-b": 404}),
    ("POST", "/admin/exports/cases.pdf", {"admin": 404, "op-a": 404, "view-a": 404, "admin-b": 404}),
    (
        "POST",
        "/admin/exports/cases.xlsx?personal=1",
        {"admin": 303, "op-a": 403, "view-a": 403, "admin-b": 303},
    ),
    (
        "POST",
        "/admin/exports/cases.xlsx?station={ob}",
        {"admin": 303, "op-a": 404, "view-a": 404, "admin-b": 303},
    ),
    ("GET", "/admin/exports", {"admin": 200, "op-a": 200, "view-a": 200, "admin-b": 200}),
    ("GET", "/admin/exports/999999", {"admin": 404, "op-a": 404, "view-a": 404, "admin-b": 404}),
    ("GET", "/admin/exports/x/download", {"admin": 404, "op-a": 404, "view-a": 404, "admin-b": 404}),
    ("GET", "/admin/figures/stores", {"admin": 200, "op-a": 200, "view-a": 200, "admin-b": 200}),
    ("GET", "/admin/figures/stores?station={ob}", {"admin": 200, "op-a": 404, "view-a": 404, "admin-b": 200}),
    ("GET", "/admin/users", {"admin": 200, "op-a": 403, "view-a": 403, "admin-b": 200}),
    ("POST", "/admin/users", {"admin": 404, "op-a": 403, "view-a": 403, "admin-b": 404}),
    ("POST", "/admin/users/view-a/disable", {"admin": 303, "op-a": 403, "view-a": 403, "admin-b": 404}),
]
ACCOUNTS = ["admin", "op-a", "view-a", "admin-b"]


@pytest.mark.parametrize("account", ACCOUNTS)
def test_every_page_for_every_role(app, client, account):
    ids = build(app)
    login(client, account)
    for method, template, expected in PAGES:
        path = template.format(a=ids["code_a"], b=ids["code_b"], sa=ids["station_a"], ob=ids["office_b"])
        resp = client.get(path) if method == "GET" else post(client, path)
        resp.get_data()  # a streamed export runs to its end within the request context
        assert resp.status_code == expected[account], (
            account,
            method,
            path,
            resp.get_data(as_text=True)[:300],
        )
        if resp.status_code != 303 and resp.mimetype == "text/html":
            text = resp.get_data(as_text=True)
            assert "Traceback" not in text and "Internal" not in text
        if resp.status_code == 404:
            assert "不在本账号的管辖范围内" in resp.get_data(as_text=True)


def test_search_finds_by_name_uscc_and_code_within_the_subtree(app, client):
    ids = build(app)
    login(client, "op-a")
    for q in ("甲记", ids["uscc_a"], ids["code_a"].lower()):
        html = client.get("/admin/stores", query_string={"q": q}).get_data(as_text=True)
        assert "甲记面馆" in html, q
    html = client.get("/admin/stores", query_string={"q": ids["code_b"]}).get_data(as_text=True)
    assert "乙家超市" not in html and "没有找到" in html
    login(client, "admin")
    html = client.get("/admin/stores", query_string={"q": ""}).get_data(as_text=True)
    assert "甲记面馆" in html and "乙家超市" in html


def test_edit_store_makes_a_new_commitment_version_and_the_scan_shows_it(app, client):
    ids = build(app)
    code = ids["code_a"]
    assert client.get(f"/api/mp/v1/stores/{code}").get_json()["data"]["name"] == "甲记面馆"
    login(client, "op-a")
    resp = post(
        client,
        f"/admin/stores/{code}",
        {
            "name": "甲记面馆（新店）",
            "return_days": "15",
            "return_exclusions": "食品",
            "merchant_phone": "13912345678",
        },
    )
    assert resp.status_code == 303 and resp.headers["Location"].endswith("done=saved")
    assert "已保存" in client.get(resp.headers["Location"]).get_data(as_text=True)
    data = client.get(f"/api/mp/v1/stores/{code}").get_json()["data"]
    assert data["name"] == "甲记面馆（新店）"
    with app.app_context():
        versions = db.session.scalars(
            sa.select(Commitment)
            .where(Commitment.store_id == ids["store_a"], Commitment.kind == CommitmentKind.NO_REASON_RETURN)
            .order_by(Commitment.version)
        ).all()
        assert [(c.version, c.terms["days"]) for c in versions] == [(1, 7), (2, 15)]
        assert versions[0].superseded_at is not None and versions[1].superseded_at is None
        entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "store.update")).one()
        assert entry.actor == "op-a" and entry.via == "console"
        assert entry.before["name"] == "甲记面馆" and entry.after["name"] == "甲记面馆（新店）"
        assert entry.before["return_days"] == "7" and entry.after["return_days"] == "15"
        assert entry.station_id == ids["station_a"]
    # Saving the same values again changes nothing and writes no audit entry.
    resp = post(
        client,
        f"/admin/stores/{code}",
        {"name": "甲记面馆（新店）", "return_days": "15", "return_exclusions": "食品"},
    )
    assert resp.headers["Location"].endswith("done=unchanged")
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action == "store.update")
            )
            == 1
        )


def test_edit_store_refuses_bad_values_in_chinese_and_changes_nothing(app, client):
    ids = build(app)
    login(client, "op-a")
    resp = post(
        client,
        f"/admin/stores/{ids['code_a']}",
        {"name": "新名字", "return_days": "3", "merchant_phone": "abc"},
    )
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "无理由退货天数" in html and "商户电话" in html
    assert 'value="新名字"' in html  # the form keeps what was typed
    with app.app_context():
        assert db.session.get(Store, ids["store_a"]).name == "甲记面馆"
    # A station outside the account's subtree may not be named.
    resp = post(client, f"/admin/stores/{ids['code_a']}", {"station": "乙商圈服务站"})
    assert resp.status_code == 422 and "只能指定本站或下级站点" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Store, ids["store_a"]).station_id is None


def test_reissue_code_with_a_reason(app, client):
    ids = build(app)
    old = ids["code_a"]
    login(client, "op-a")
    resp = post(client, f"/admin/stores/{old}/reissue", {"reason": "二维码被覆盖"})
    assert resp.status_code == 303
    new = resp.headers["Location"].split("/admin/stores/")[1].split("?")[0]
    assert new != old
    assert client.get(f"/api/mp/v1/stores/{old}").status_code == 410
    assert client.get(f"/api/mp/v1/stores/{new}").status_code == 200
    html = client.get(f"/admin/stores/{new}").get_data(as_text=True)
    assert "已作废" in html and "二维码被覆盖" in html
    # The old code still finds the store in the console; a second reissue of it makes no third code.
    resp = post(client, f"/admin/stores/{old}/reissue", {"reason": "重复提交"})
    assert resp.headers["Location"].split("/admin/stores/")[1].split("?")[0] == new
    with app.app_context():
        entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "code.reissue")).all()
        assert len(entries) == 1
        assert entries[0].before == {"code": old} and entries[0].after == {
            "code": new,
            "reason": "二维码被覆盖",
        }


STORES_CSV_BAD = (
    "店铺名称,统一社会信用代码,所属商圈,无理由退货天数\r\n"
    "新开的店,91320581MA1XXXXX00,甲商圈,7\r\n"
    "另一家店,{uscc},甲商圈,3\r\n"
)


def _upload(client, body: str, name: str = "stores.csv", kind: str = "stores"):
    return post(
        client,
        "/admin/imports",
        {"kind": kind, "file": (io.BytesIO(body.encode("utf-8")), name)},
        content_type="multipart/form-data",
    )


def test_import_with_a_bad_row_lists_every_problem_and_writes_nothing(app, client):
    ids = build(app)
    login(client, "admin")
    resp = _upload(client, STORES_CSV_BAD.format(uscc=ids["uscc_a"]))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert '第 2 行，"统一社会信用代码" 列：' in html.replace("&#34;", '"')
    assert '第 3 行，"无理由退货天数" 列：' in html.replace("&#34;", '"')
    assert "确认导入" not in html
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Store)) == 2


def test_import_preview_then_confirm_once(app, client):
    ids = build(app)
    login(client, "admin")
    body = f"店铺名称,统一社会信用代码,所属商圈,无理由退货天数\r\n甲记面馆,{ids['uscc_a']},甲商圈,30\r\n"
    resp = _upload(client, body)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "检查通过" in html and "更新 1" in html
    with app.app_context():  # the preview wrote nothing
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Commitment)) == 1
    token = html.split('name="token" value="')[1].split('"')[0]
    resp = post(client, "/admin/imports/confirm", {"token": token, "filename": "stores.csv"})
    assert resp.status_code == 200 and "导入完成" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Commitment)) == 2
        entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "import.stores")).one()
        assert entry.after == {"created": 0, "updated": 1, "unchanged": 0} and entry.target == "stores.csv"
    # A retry of the confirmation writes nothing twice.
    resp = post(client, "/admin/imports/confirm", {"token": token, "filename": "stores.csv"})
    assert resp.status_code == 410
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Commitment)) == 2


def test_import_refuses_other_files_in_chinese(app, client):
    build(app)
    login(client, "admin")
    resp = _upload(client, "x", name="stores.xls")
    assert resp.status_code == 400 and ".xlsx" in resp.get_data(as_text=True)
    resp = _upload(client, "", name="stores.csv")
    assert resp.status_code == 400 and "文件是空的" in resp.get_data(as_text=True)


def test_import_template_has_the_chinese_headers(app, client):
    build(app)
    login(client, "view-a")
    resp = client.get("/admin/imports/template-stores.csv")
    text = resp.get_data().decode("utf-8-sig")
    assert text.startswith("店铺名称,统一社会信用代码,经营地址")


def decode_pdf_qr_codes(data: bytes) -> list[str]:
    """Render every page and read its QR code (pypdfium2 + zxing-cpp), as a phone camera would."""
    pdf = pypdfium2.PdfDocument(data)
    found = []
    for page in pdf:
        image = page.render(scale=1.5).to_pil()
        found.extend(r.text for r in zxingcpp.read_barcodes(image))
    return found


def test_posters_pdf_for_a_circle_decodes_to_the_store_urls(app, client):
    ids = build(app)
    login(client, "admin")
    resp = client.get("/admin/posters.pdf", query_string={"circle": "甲商圈", "size": "a4"})
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert decode_pdf_qr_codes(resp.get_data()) == [f"https://yidian.example.cn/s/{ids['code_a']}"]
    # The whole subtree of the account when nothing is named.
    resp = client.get("/admin/posters.pdf")
    urls = decode_pdf_qr_codes(resp.get_data())
    assert sorted(urls) == sorted(f"https://yidian.example.cn/s/{c}" for c in (ids["code_a"], ids["code_b"]))


def test_posters_cli(app, runner, tmp_path):
    ids = build(app)
    out = tmp_path / "posters.pdf"
    result = runner.invoke(args=["codes", "posters", "--circle", "甲商圈", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert decode_pdf_qr_codes(out.read_bytes()) == [f"https://yidian.example.cn/s/{ids['code_a']}"]
    result = runner.invoke(args=["codes", "posters", "--circle", "没有", "--out", str(out)])
    assert result.exit_code == 1 and "未找到该商圈" in result.output


def test_audit_page_filters_and_scope(app, client, runner):
    ids = build(app)
    login(client, "op-a")
    post(client, f"/admin/stores/{ids['code_a']}", {"name": "甲记面馆二号"})
    login(client, "admin-b")
    post(client, f"/admin/stores/{ids['code_b']}", {"name": "乙家超市二号"})
    login(client, "admin")
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "甲记面馆二号" in html and "乙家超市二号" in html and "创建账号" in html
    html = client.get("/admin/audit", query_string={"actor": "op-a"}).get_data(as_text=True)
    assert "甲记面馆二号" in html and "乙家超市二号" not in html
    html = client.get("/admin/audit", query_string={"action": "user.create"}).get_data(as_text=True)
    assert "甲记面馆二号" not in html and "创建账号" in html
    html = client.get("/admin/audit", query_string={"since": "2000-01-01", "until": "2000-01-02"}).get_data(
        as_text=True
    )
    assert "没有符合条件的记录" in html
    login(client, "view-a")  # station A sees only its subtree's entries
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "甲记面馆二号" in html and "乙家超市二号" not in html


def test_administrator_manages_accounts_within_the_subtree(app, client):
    ids = build(app)
    login(client, "admin-b")
    resp = post(
        client,
        "/admin/users",
        {
            "username": "clerk-b",
            "password": "a-long-password",
            "station_id": str(ids["office_b"]),
            "role": "operator",
        },
    )
    assert resp.status_code == 303
    resp = post(
        client,
        "/admin/users",
        {
            "username": "clerk-x",
            "password": "a-long-password",
            "station_id": str(ids["office_a"]),
            "role": "viewer",
        },
    )
    assert resp.status_code == 404
    resp = post(
        client,
        "/admin/users",
        {
            "username": "Bad Name",
            "password": "a-long-password",
            "station_id": str(ids["office_b"]),
            "role": "viewer",
        },
    )
    assert resp.status_code == 422 and "用户名只能由" in resp.get_data(as_text=True)
    html = client.get("/admin/users").get_data(as_text=True)
    assert "clerk-b" in html and "view-a" not in html
    assert post(client, "/admin/users/admin-b/disable").status_code == 409  # not oneself
    login(client, "clerk-b", "a-long-password")
    assert client.get("/admin/").status_code == 200
    login(client, "admin")
    html = client.get("/admin/users").get_data(as_text=True)
    assert "clerk-b" in html and "view-a" in html
    _ = ORIGIN, csrf


def test_staff_add_invite_bind_and_unbind(app, client, emulator):
    ids = build(app)
    login(client, "op-a")
    resp = post(
        client,
        "/admin/staff",
        {"name": "王站长", "role": "handler", "phone": "13800000000", "station_id": str(ids["station_a"])},
    )
    assert resp.status_code == 303
    resp = post(
        client, "/admin/staff", {"name": "越权", "role": "handler", "station_id": str(ids["office_b"])}
    )
    assert resp.status_code == 404
    with app.app_context():
        person = db.session.scalars(sa.select(Staff).where(Staff.name == "王站长")).one()
        staff_id = person.id
    resp = post(client, f"/admin/staff/{staff_id}/invite")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    code = html.split('id="invite-code">')[1].split("<")[0]
    assert len(code) == 6 and code.isdigit()
    png = base64.b64decode(html.split('src="data:image/png;base64,')[1].split('"')[0])
    qr_text = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]
    with app.app_context():
        invite = db.session.scalars(sa.select(StaffInvite).where(StaffInvite.staff_id == staff_id)).one()
        assert invite.code == code
        assert qr_text and qr_text[0]  # the URL WeChat (the emulator) made for the invite's scene
        people.bind_by_code("oa-wang", code)
        people.set_following("oa-wang", False)
        db.session.commit()
    html = client.get("/admin/staff").get_data(as_text=True)
    assert "已绑定，未关注公众号" in html and "收不到投诉提醒" in html
    assert post(client, f"/admin/staff/{staff_id}/unbind").status_code == 303
    with app.app_context():
        assert db.session.get(Staff, staff_id).oa_openid is None
        actions = db.session.scalars(
            sa.select(AuditEntry.action).where(AuditEntry.action.like("staff.%")).order_by(AuditEntry.id)
        ).all()
        assert actions == ["staff.add", "staff.invite", "staff.unbind"]
    login(client, "admin-b")  # another subtree: the person does not exist for them
    assert post(client, f"/admin/staff/{staff_id}/invite").status_code == 404
    assert "王站长" not in client.get("/admin/staff").get_data(as_text=True)


def test_stations_create_move_refuse_cycles_and_close(app, client):
    ids = build(app)
    login(client, "op-a")
    form = {
        "name": "甲二号联络站",
        "kind": "liaison_station",
        "parent": "甲商圈服务站",
        "phone": "0510-85200000",
        "circles": "甲二号市场",
    }
    resp = post(client, "/admin/stations", form)
    assert resp.status_code == 303, resp.get_data(as_text=True)
    resp = post(client, "/admin/stations", {**form, "name": "越界站", "parent": "乙市场监管所"})
    assert resp.status_code == 422 and "请选择本站或下级站点作为上级" in resp.get_data(as_text=True)
    resp = post(
        client,
        "/admin/stations",
        {"name": "甲市场监管所", "kind": "regulatory_office", "parent": "甲商圈服务站"},
    )
    assert resp.status_code == 422 and "不能改变本账号所在站点的上级" in resp.get_data(as_text=True)
    resp = post(
        client,
        "/admin/stations",
        {"name": "乙商圈服务站", "kind": "service_station", "parent": "甲市场监管所"},
    )
    assert resp.status_code == 422 and "其他辖区" in resp.get_data(as_text=True)
    login(client, "admin")
    resp = post(
        client,
        "/admin/stations",
        {"name": "甲市场监管所", "kind": "regulatory_office", "parent": "甲二号联络站"},
    )
    assert resp.status_code == 422 and "上级站点形成循环" in resp.get_data(as_text=True)
    with app.app_context():
        new = db.session.scalars(sa.select(Station).where(Station.name == "甲二号联络站")).one()
        assert new.parent_id == ids["station_a"]
        new_id = new.id
        factories.complaint(db.session.get(Store, ids["store_a"]))
        db.session.commit()
    # Station A still serves a circle, has a station below it and an open case: refused, each named.
    resp = post(client, f"/admin/stations/{ids['station_a']}/close")
    text = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert "1 件未办结的投诉" in text and "1 个商圈由它服务" in text and "1 个下级站点" in text
    # The new station once its circle moves away: closed, and routing never picks it.
    resp = post(
        client,
        "/admin/stations",
        {"name": "甲商圈服务站", "kind": "service_station", "circles": "甲二号市场"},
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)[-1500:]
    assert post(client, f"/admin/stations/{new_id}/close").status_code == 303
    with app.app_context():
        assert db.session.get(Station, new_id).closed_at is not None
        actions = db.session.scalars(
            sa.select(AuditEntry.action).where(AuditEntry.action.like("station.%")).order_by(AuditEntry.id)
        ).all()
        assert actions == ["station.create", "station.update", "station.close"]
    assert "已撤销" in client.get("/admin/stations").get_data(as_text=True)


def test_found_by_fuzzing_nul_and_far_dates_are_4xx_or_ignored(app, client):
    """A NUL in a code, a name or a username (PostgreSQL refuses it in a query), and a filter date whose
    China midnight is outside the datetime range."""
    build(app)
    login(client, "admin")
    assert client.get("/admin/stores/%00").status_code == 404
    assert client.get("/admin/posters.pdf", query_string={"store": "\x00"}).status_code == 404
    assert client.get("/admin/posters.pdf", query_string={"circle": "甲\x00"}).status_code == 404
    assert client.get("/admin/posters.pdf", query_string={"station": "\x00"}).status_code == 404
    assert post(client, "/admin/users/a%00b/disable").status_code == 404
    assert (
        client.get(
            "/admin/audit", query_string={"actor": "a\x00", "since": "0001-01-01", "until": "9999-12-31"}
        ).status_code
        == 200
    )


def test_credentials_page_lists_expiring_and_expired_within_the_subtree(app, client):
    ids = build(app)
    with app.app_context():
        today = today_cn()
        store_a = db.session.get(Store, ids["store_a"])
        factories.credential(
            store_a, CredentialKind.FOOD_LICENCE, valid_until=today + dt.timedelta(days=5), number="JYA001"
        )
        factories.credential(
            store_a,
            CredentialKind.BUSINESS_LICENCE,
            valid_until=today - dt.timedelta(days=2),
            number="YYA002",
        )
        factories.credential(
            store_a,
            CredentialKind.HEALTH_CERTIFICATE,
            valid_until=today + dt.timedelta(days=300),
            number="JKA003",
        )
        store_b = db.session.scalars(sa.select(Store).where(Store.name == "乙家超市")).one()
        factories.credential(store_b, CredentialKind.FOOD_LICENCE, valid_until=today, number="JYB001")
        db.session.commit()
    login(client, "op-a")
    html = client.get("/admin/credentials").get_data(as_text=True)
    assert "YYA002" in html and "已过期 2 天" in html and "JYA001" in html and "还有 5 天" in html
    assert "JKA003" not in html and "JYB001" not in html
    assert html.index("YYA002") < html.index("JYA001")  # most urgent first
    login(client, "admin")
    assert "JYB001" in client.get("/admin/credentials").get_data(as_text=True)


def test_integrity_page_lists_within_the_subtree(app, client):
    ids = build(app)
    with app.app_context():
        today = today_cn()
        for store_id in (
            ids["store_a"],
            db.session.scalars(sa.select(Store.id).where(Store.name == "乙家超市")).one(),
        ):
            db.session.add(StoreScanDaily(store_id=store_id, day=today, scans=500))
        db.session.commit()
    login(client, "op-a")
    html = client.get("/admin/integrity").get_data(as_text=True)
    assert "甲记面馆" in html and "乙家超市" not in html and "500" in html
