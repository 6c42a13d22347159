"""Staff and merchant contacts: `flask staff ...`, one-time invites, binding by code, QR scan and unbinding."""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

import pytest
import sqlalchemy as sa
from PIL import Image

from app.core.extensions import db
from app.core.timeutil import utcnow
from app.official_account.models import OAInbound
from app.staff import people as staff_service
from app.staff.models import Staff, StaffInvite, StaffRole
from app.stores.models import Store
from tests import helpers
from tests.official_account.test_callback import HANDLER, count, event, open_case, say

NEWBIE = "oa-newbie"


def add_person(app, name: str = "新同事") -> int:
    with app.app_context():
        person = staff_service.add_staff(
            staff_service.find_station("测试商圈服务站"), name, StaffRole.HANDLER
        )
        db.session.commit()
        return person.id


class Token(NamedTuple):
    id: int
    code: str
    scene: str


def invite(app, staff_id: int) -> Token:
    with app.app_context():
        row = staff_service.create_invite(db.session.get(Staff, staff_id))
        token = Token(row.id, row.code, row.scene)
        db.session.commit()
        return token


def person(app, staff_id: int) -> Staff:
    with app.app_context():
        row = db.session.get(Staff, staff_id)
        db.session.expunge(row)
        return row


@pytest.fixture
def shop(app):
    return helpers.shop(app)


# --- flask staff ... -----------------------------------------------------------------------------------


def test_staff_add_prints_the_new_id(app, runner, shop):
    result = runner.invoke(
        args=["staff", "add", "--station", "测试商圈服务站", "--name", "赵六", "--role", "supervisor"]
    )
    assert result.exit_code == 0, result.output
    staff_id = int(result.stdout.strip())
    added = person(app, staff_id)
    assert (added.name, added.role, added.station_id, added.oa_openid) == (
        "赵六",
        StaffRole.SUPERVISOR,
        shop["service_id"],
        None,
    )
    assert f"编号 {staff_id}" in result.stderr


def test_staff_add_by_station_id_and_errors(app, runner, shop):
    ok = runner.invoke(args=["staff", "add", "--station", str(shop["office_id"]), "--name", "钱七"])
    assert ok.exit_code == 0 and person(app, int(ok.stdout)).role == StaffRole.HANDLER
    missing = runner.invoke(args=["staff", "add", "--station", "月球站", "--name", "x"])
    assert missing.exit_code != 0 and "未找到该站点" in missing.output
    blank = runner.invoke(args=["staff", "add", "--station", "测试商圈服务站", "--name", "  "])
    assert blank.exit_code != 0 and "姓名" in blank.output


def test_staff_add_merchant_by_code_or_uscc(app, runner, shop):
    by_code = runner.invoke(args=["staff", "add-merchant", "--store", shop["code"].lower(), "--name", "店长"])
    assert by_code.exit_code == 0, by_code.output
    with app.app_context():
        uscc = db.session.get(Store, shop["store_id"]).uscc
    by_uscc = runner.invoke(args=["staff", "add-merchant", "--store", uscc, "--name", "副店长"])
    assert by_uscc.exit_code == 0, by_uscc.output
    for out in (by_code, by_uscc):
        added = person(app, int(out.stdout))
        assert added.role == StaffRole.MERCHANT and added.store_id == shop["store_id"]
    unknown = runner.invoke(args=["staff", "add-merchant", "--store", "NOPE0000", "--name", "x"])
    assert unknown.exit_code != 0 and "未找到该店铺" in unknown.output


def test_staff_list_shows_binding_state(app, runner, shop):
    add_person(app, "未绑定的人")
    out = runner.invoke(args=["staff", "list", "--station", "测试商圈服务站"]).output
    assert re.search(r"王站长\t处理人员\t测试商圈服务站\t已绑定", out)
    assert re.search(r"未绑定的人\t处理人员\t测试商圈服务站\t未绑定", out)
    assert "李所长" not in out  # another station
    assert "李所长" in runner.invoke(args=["staff", "list"]).output


def test_staff_invite_prints_code_and_saves_the_qr(app, runner, emulator, shop, tmp_path):
    staff_id = add_person(app)
    out = tmp_path / "invite.png"

    result = runner.invoke(args=["staff", "invite", str(staff_id), "--qr-out", str(out)])

    assert result.exit_code == 0, result.output
    code = re.search(r"绑定码：(\d{6})", result.output).group(1)
    url = re.search(r"二维码内容：(\S+)", result.output).group(1)
    assert str(out) in result.output
    with app.app_context():
        row = db.session.scalar(sa.select(StaffInvite).where(StaffInvite.staff_id == staff_id))
        assert row.code == code and row.scene.startswith("bind:") and len(row.scene) <= 64
        assert dt.timedelta(hours=23, minutes=59) < row.expires_at - utcnow() <= dt.timedelta(hours=24)
    (call,) = emulator.calls("qrcode_create")
    assert call["json"] == {
        "expire_seconds": 86400,
        "action_name": "QR_STR_SCENE",
        "action_info": {"scene": {"scene_str": row.scene}},
    }
    with Image.open(out) as img:
        assert img.format == "PNG"
        zxingcpp = pytest.importorskip("zxingcpp")
        assert [b.text for b in zxingcpp.read_barcodes(img.convert("RGB"))] == [url]


def test_staff_invite_qr_failure_still_gives_the_code(app, runner, emulator, shop, tmp_path):
    staff_id = add_person(app)
    emulator.fault("qrcode_create", errcode=-1)

    result = runner.invoke(args=["staff", "invite", str(staff_id), "--qr-out", str(tmp_path / "x.png")])

    assert result.exit_code == 0, result.output
    assert re.search(r"绑定码：\d{6}", result.output) and "未能生成二维码" in result.output
    assert not (tmp_path / "x.png").exists()
    assert count(app, StaffInvite) == 1


def test_staff_invite_unknown_or_inactive(app, runner, shop):
    assert "未找到该工作人员" in runner.invoke(args=["staff", "invite", "999999"]).output
    staff_id = add_person(app)
    with app.app_context():
        db.session.get(Staff, staff_id).active = False
        db.session.commit()
    assert "已停用" in runner.invoke(args=["staff", "invite", str(staff_id)]).output


def test_staff_unbind_cli(app, runner, shop, client):
    with app.app_context():
        staff_id = db.session.scalar(sa.select(Staff.id).where(Staff.oa_openid == HANDLER))
    result = runner.invoke(args=["staff", "unbind", str(staff_id)])
    assert result.exit_code == 0 and "已解除" in result.output
    assert person(app, staff_id).oa_openid is None
    assert "尚未绑定" in runner.invoke(args=["staff", "unbind", str(staff_id)]).output
    assert "绑定" in say(app, client, HANDLER, "待办").reply  # a stranger now


# --- binding ---------------------------------------------------------------------------------------------


def test_bind_by_code_in_chat(app, client, shop):
    staff_id = add_person(app)
    token = invite(app, staff_id)

    reply = say(app, client, NEWBIE, f"绑定 {token.code}").reply

    assert reply.startswith("绑定成功！您好，新同事（测试商圈服务站·处理人员）")
    assert person(app, staff_id).oa_openid == NEWBIE
    with app.app_context():
        row = db.session.get(StaffInvite, token.id)
        assert row.used_at is not None and row.used_by_openid == NEWBIE
    assert say(app, client, NEWBIE, "待办").reply == "目前没有待处理的投诉。"


def test_bind_code_fullwidth_and_without_space(app, client, shop):
    token = invite(app, add_person(app))
    fullwidth = "".join(chr(ord(ch) + 0xFEE0) for ch in token.code)
    assert say(app, client, NEWBIE, f"绑定{fullwidth}").reply.startswith("绑定成功")


def test_bind_by_subscribe_with_qrscene(app, client, shop):
    staff_id = add_person(app)
    token = invite(app, staff_id)

    res = event(app, client, NEWBIE, "subscribe", f"qrscene_{token.scene}", mode="safe")

    assert res.status == 200 and res.reply.startswith("绑定成功")
    assert person(app, staff_id).oa_openid == NEWBIE


def test_bind_by_scan_of_an_existing_follower(app, client, shop):
    staff_id = add_person(app)
    token = invite(app, staff_id)

    res = event(app, client, NEWBIE, "SCAN", token.scene)

    assert res.reply.startswith("绑定成功")
    assert person(app, staff_id).oa_openid == NEWBIE
    with app.app_context():
        assert db.session.scalar(sa.select(OAInbound.msg_type)) == "event:scan"


def test_bind_token_is_single_use(app, client, shop):
    staff_id = add_person(app)
    token = invite(app, staff_id)
    say(app, client, NEWBIE, f"绑定 {token.code}")

    again_code = say(app, client, "oa-someone-else", f"绑定 {token.code}").reply
    again_scan = event(app, client, "oa-someone-else", "SCAN", token.scene).reply

    assert "已使用过" in again_code and "已使用过" in again_scan
    assert person(app, staff_id).oa_openid == NEWBIE
    assert count(app, Staff, Staff.oa_openid == "oa-someone-else") == 0


def test_bind_expired_token_refused(app, client, shop):
    staff_id = add_person(app)
    token = invite(app, staff_id)
    with app.app_context():
        db.session.get(StaffInvite, token.id).expires_at = utcnow() - dt.timedelta(seconds=1)
        db.session.commit()

    assert "已过期" in say(app, client, NEWBIE, f"绑定 {token.code}").reply
    assert "已过期" in event(app, client, NEWBIE, "subscribe", f"qrscene_{token.scene}").reply
    assert person(app, staff_id).oa_openid is None


def test_bind_unknown_code_or_scene(app, client, shop):
    assert "无效" in say(app, client, NEWBIE, "绑定 000000").reply
    assert "6 位数字" in say(app, client, NEWBIE, "绑定 12ab").reply
    assert "无效" in event(app, client, NEWBIE, "SCAN", "bind:no-such-scene").reply


def test_bind_openid_already_bound_to_someone_else_refused(app, client, shop):
    staff_id = add_person(app)
    token = invite(app, staff_id)

    reply = say(app, client, HANDLER, f"绑定 {token.code}").reply

    assert "已绑定其他工作人员" in reply and "解绑" in reply
    assert person(app, staff_id).oa_openid is None
    with app.app_context():
        assert db.session.get(StaffInvite, token.id).used_at is None  # still usable by the right person


def test_bind_again_to_the_same_person_is_harmless(app, client, shop):
    with app.app_context():
        staff_id = db.session.scalar(sa.select(Staff.id).where(Staff.oa_openid == HANDLER))
    token = invite(app, staff_id)
    assert "无需重复绑定" in say(app, client, HANDLER, f"绑定 {token.code}").reply


def test_bind_new_phone_replaces_the_old_openid(app, client, shop):
    with app.app_context():
        staff_id = db.session.scalar(sa.select(Staff.id).where(Staff.oa_openid == HANDLER))
    token = invite(app, staff_id)
    assert say(app, client, "oa-new-phone", f"绑定 {token.code}").reply.startswith("绑定成功")
    assert person(app, staff_id).oa_openid == "oa-new-phone"
    assert (
        "绑定" in say(app, client, HANDLER, "待办").reply
        and "待处理" not in say(app, client, HANDLER, "待办").reply
    )


def test_new_invite_retires_the_unused_old_one(app, client, shop):
    staff_id = add_person(app)
    old = invite(app, staff_id)
    new = invite(app, staff_id)
    assert "已过期" in say(app, client, NEWBIE, f"绑定 {old.code}").reply
    assert say(app, client, NEWBIE, f"绑定 {new.code}").reply.startswith("绑定成功")


def test_invite_codes_unique_among_live_invites(app, shop):
    with app.app_context():
        station = staff_service.find_station("测试商圈服务站")
        people = [staff_service.add_staff(station, f"人{i}", "handler") for i in range(30)]
        codes = [staff_service.create_invite(p).code for p in people]
        db.session.commit()
    assert len(set(codes)) == 30 and all(re.fullmatch(r"\d{6}", c) for c in codes)


def test_bind_wrong_codes_are_rate_limited(app, client, shop):
    token = invite(app, add_person(app))
    wrong = "999999" if token.code != "999999" else "888888"
    for _ in range(staff_service.BIND_FAILURES_PER_HOUR):
        assert "无效" in say(app, client, NEWBIE, f"绑定 {wrong}").reply

    assert "次数过多" in say(app, client, NEWBIE, f"绑定 {token.code}").reply
    assert count(app, Staff, Staff.oa_openid == NEWBIE) == 0
    assert say(app, client, "oa-another-phone", f"绑定 {token.code}").reply.startswith("绑定成功")


def test_inactive_person_cannot_bind(app, client, shop):
    staff_id = add_person(app)
    token = invite(app, staff_id)
    with app.app_context():
        db.session.get(Staff, staff_id).active = False
        db.session.commit()
    assert "已停用" in say(app, client, NEWBIE, f"绑定 {token.code}").reply


def test_merchant_binds_like_staff(app, client, runner):
    shop = helpers.shop(app)
    staff_id = int(
        runner.invoke(args=["staff", "add-merchant", "--store", shop["code"], "--name", "店长"]).stdout
    )
    token = invite(app, staff_id)
    assert "优衣坊服饰·商家联系人" in say(app, client, NEWBIE, f"绑定 {token.code}").reply


# --- unbinding and strangers -------------------------------------------------------------------------


def test_unbind_in_chat(app, client, shop):
    reply = say(app, client, HANDLER, "解绑").reply
    assert reply.startswith("已解除绑定（王站长）")
    assert count(app, Staff, Staff.oa_openid == HANDLER) == 0
    assert say(app, client, HANDLER, "解绑").reply == "本微信尚未绑定工作人员身份，无需解绑。"


@pytest.mark.parametrize("text", ["待办", "查看 {n}", "受理 {n}", "回复 {n} 你好", "帮助", "随便说说"])
def test_stranger_gets_a_polite_answer_and_no_data(app, client, shop, text):
    number = open_case(app)

    reply = say(app, client, "oa-stranger", text.format(n=number)).reply

    assert reply.startswith("您好！本公众号供消费维权站点工作人员")
    assert "绑定" in reply and "12315" in reply
    assert number not in reply and "优衣坊" not in reply


def test_stranger_follows_and_is_told_how_to_bind(app, client, shop):
    assert "绑定" in event(app, client, "oa-stranger", "subscribe").reply
    assert "欢迎回来，王站长" in event(app, client, HANDLER, "subscribe").reply
    assert "欢迎回来" in event(app, client, HANDLER, "SCAN", "some-other-scene").reply


# --- flask sandbox oa-say ------------------------------------------------------------------------------


def test_sandbox_oa_say_plays_a_worker(app, runner, shop):
    token = invite(app, add_person(app))

    bound = runner.invoke(args=["sandbox", "oa-say", "--openid", NEWBIE, "--encrypt", f"绑定 {token.code}"])
    todo = runner.invoke(args=["sandbox", "oa-say", "--openid", NEWBIE, "--compat", "待办"])
    bye = runner.invoke(args=["sandbox", "oa-say", "--openid", NEWBIE, "--event", "unsubscribe"])

    assert bound.exit_code == 0 and bound.output.startswith("绑定成功"), bound.output
    assert todo.output.strip() == "目前没有待处理的投诉。"
    assert bye.exit_code == 0 and "success" in bye.output
    assert count(app, OAInbound) == 3


def test_sandbox_oa_say_scan_event_and_retry(app, runner, shop):
    staff_id = add_person(app)
    token = invite(app, staff_id)
    args = ["sandbox", "oa-say", "--openid", NEWBIE, "--event", "subscribe", "--event-key", token.scene]
    first = runner.invoke(args=[*args, "--create-time", "1764000000"])
    retry = runner.invoke(args=[*args, "--create-time", "1764000000", "--encrypt"])
    assert first.output.startswith("绑定成功") and retry.output == first.output
    assert person(app, staff_id).oa_openid == NEWBIE


def test_sandbox_oa_say_refused_push_fails(app, runner, shop, monkeypatch):
    monkeypatch.setitem(app.config, "WECHAT_OA_ENCRYPTED_ONLY", True)
    result = runner.invoke(args=["sandbox", "oa-say", "--openid", NEWBIE, "帮助"])
    assert result.exit_code != 0 and "HTTP 403" in result.output
