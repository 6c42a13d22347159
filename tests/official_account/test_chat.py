"""Working complaints in the official-account chat: every command, through signed pushes to `/wechat/oa`."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.complaints import deadlines
from app.complaints.models import Complaint, ComplaintEvent, Status
from app.complaints.texts import DECLINE_REASONS
from app.core.extensions import db
from app.core.timeutil import utcnow
from app.directory.models import Station
from app.notifications.models import OutboxMessage
from app.staff.models import Staff, StaffRole
from app.stores.models import Store
from tests import factories, helpers
from tests.official_account.test_callback import HANDLER, count, open_case, say

SUPERVISOR = "oa-sup-1"
MISSING = "T000000000000"  # a number no complaint has
MERCHANT = "oa-merchant-1"
API = "/api/mp/v1"


def not_found(number: str) -> str:
    return f"未找到投诉“{number}”，请核对编号。已转交其他站点的投诉，您将不能再查看。"


def complaint(app, number: str) -> Complaint:
    with app.app_context():
        c = db.session.scalar(sa.select(Complaint).where(Complaint.number == number))
        db.session.expunge(c)
        return c


def events(app, number: str) -> list[tuple[str, str, str, str]]:
    """(action, actor, channel, text) of the complaint's timeline."""
    with app.app_context():
        rows = db.session.scalars(
            sa.select(ComplaintEvent)
            .join(Complaint)
            .where(Complaint.number == number)
            .order_by(ComplaintEvent.id)
        ).all()
        return [(e.action, e.actor, e.channel, e.text) for e in rows]


def other_station_worker(app, openid: str = "oa-elsewhere") -> None:
    """A handler bound to a station that is not responsible for helpers.shop's store."""
    with app.app_context():
        station = factories.station(name="别处服务站")
        db.session.add(Staff(name="外站员", role=StaffRole.HANDLER, station=station, oa_openid=openid))
        db.session.commit()


@pytest.fixture
def shop(app):
    return helpers.shop(app)


# --- 待办 / 查看 / 帮助 ------------------------------------------------------------------------------


def test_todo_lists_open_cases_most_urgent_first(app, client, shop):
    later = open_case(app)
    sooner = open_case(app, filed_at=utcnow() - dt.timedelta(days=3))
    with app.app_context():
        store = db.session.scalar(sa.select(Store))
        factories.complaint(store, status=Status.CLOSED)  # not open: not listed
        db.session.commit()

    reply = say(app, client, HANDLER, "待办").reply

    lines = reply.splitlines()
    assert lines[0].startswith("待处理投诉 2 件")
    assert lines[1].startswith(f"1. {sooner} 优衣坊服饰 已提交")
    assert lines[2].startswith(f"2. {later} ")
    assert "前" in lines[1]


def test_todo_empty(app, client, shop):
    assert say(app, client, HANDLER, "待办").reply == "目前没有待处理的投诉。"


def test_todo_many_cases_fit_one_bubble(app, client, shop):
    with app.app_context():
        store = db.session.scalar(sa.select(Store))
        store.name = "名字很长很长很长很长很长很长很长很长的一家服饰旗舰店" * 2
        for _ in range(14):
            factories.complaint(store)
        db.session.commit()
    reply = say(app, client, HANDLER, "待办").reply
    assert len(reply.encode()) <= 2048
    assert reply.splitlines()[0].startswith("待处理投诉 10+ 件") and "另有更多" in reply


def test_view_shows_details_and_sets_context(app, client, shop):
    number = open_case(app, amount=699)

    reply = say(app, client, HANDLER, f"查看 {number}").reply

    assert reply.startswith(f"{number}（投诉·已提交）")
    offered = "现在可以：受理、不予受理、回复、转办"  # the state table's actions for a station, by chat word
    for part in ("店铺：优衣坊服饰", "商品质量", "退款", "699.00", "张三 13812345678", "期限：", offered):
        assert part in reply
    with app.app_context():
        person = db.session.scalar(sa.select(Staff).where(Staff.oa_openid == HANDLER))
        assert person.context_complaint_id == complaint(app, number).id
        assert dt.timedelta(minutes=29) < person.context_until - utcnow() <= dt.timedelta(minutes=30)


def test_view_long_description_fits_one_bubble(app, client, shop):
    number = open_case(app)
    with app.app_context():
        c = db.session.scalar(sa.select(Complaint).where(Complaint.number == number))
        c.description = "很长的描述" * 100
        db.session.commit()
    reply = say(app, client, HANDLER, f"查看 {number}").reply
    assert len(reply.encode()) <= 2048 and "…" in reply


def test_view_by_number_tail_and_fullwidth(app, client, shop):
    number = open_case(app)
    assert say(app, client, HANDLER, f"查看 {number[-6:].lower()}").reply.startswith(number)
    fullwidth = "".join(chr(ord(ch) + 0xFEE0) for ch in number)
    assert say(app, client, HANDLER, f"查看{fullwidth}").reply.startswith(number)


def test_view_unknown_number_not_found(app, client, shop):
    assert "未找到投诉“T000000000000”" in say(app, client, HANDLER, "查看 T000000000000").reply
    assert "请写明投诉编号" in say(app, client, HANDLER, "查看").reply


@pytest.mark.parametrize("text", ["代办", "已电话联系商家，约明天上午到站调解"])
def test_plain_text_after_view_never_reaches_the_consumer(app, client, shop, text):
    """Issue 12 point 8: `代办` (a slip for `待办`) was once sent to the consumer as the station's reply."""
    number = open_case(app)
    say(app, client, HANDLER, f"查看 {number}")

    reply = say(app, client, HANDLER, text).reply

    assert "没有发给消费者" in reply and f"回复 {number} 内容" in reply
    assert [e for e in events(app, number) if e[0] == "replied"] == []
    assert count(app, OutboxMessage, OutboxMessage.channel == "subscribe") == 0


def test_plain_text_after_thirty_minutes_gets_help(app, client, shop):
    number = open_case(app)
    say(app, client, HANDLER, f"查看 {number}")
    with app.app_context():
        person = db.session.scalar(sa.select(Staff).where(Staff.oa_openid == HANDLER))
        person.context_until = utcnow() - dt.timedelta(seconds=1)
        db.session.commit()

    reply = say(app, client, HANDLER, "这句话不该成为回复").reply

    assert reply.startswith("可用指令") and "没有发给消费者" not in reply
    assert [e for e in events(app, number) if e[0] == "replied"] == []


@pytest.mark.parametrize("text", ["帮助", "你好", "help", "恢复原价后退款"])
def test_help_and_unknown_text_answer_with_the_help(app, client, shop, text):
    reply = say(app, client, HANDLER, text).reply
    assert reply.startswith("可用指令") and "不予受理" in reply


def test_help_lists_each_roles_actions_from_the_state_table(app, client, emulator, merchant_shop):
    station = say(app, client, HANDLER, "帮助").reply.splitlines()
    merchant = say(app, client, MERCHANT, "帮助").reply.splitlines()
    words = [line.split()[0] for line in station[3:-1]]
    # the table's order: the complaint's path, then the report's own (a handler may not extend)
    assert words == [
        "受理",
        "不予受理",
        "回复",
        "转办",
        "暂停",
        "恢复",
        "办结",
        "拆分",
        "立案",
        "不予立案",
        "结案",
    ]
    supervisor = say(app, client, SUPERVISOR, "帮助").reply.splitlines()
    assert [line.split()[0] for line in supervisor[3:-1]] == [*words[:8], "延期", *words[8:]]
    assert [line.split()[0] for line in merchant[3:-1]] == ["回复", "和解", "协商不成"]
    assert station[-1].startswith("解绑") and merchant[-1].startswith("解绑")


def test_view_offers_only_what_the_state_allows(app, client, shop):
    number = open_case(app)
    say(app, client, HANDLER, f"受理 {number}")
    assert say(app, client, HANDLER, f"查看 {number}").reply.endswith(
        "现在可以：回复、转办、暂停、办结、拆分（发送“帮助”查看用法）"
    )
    say(app, client, HANDLER, f"办结 {number} 调解成功")
    with app.app_context():
        c = db.session.scalar(sa.select(Complaint).where(Complaint.number == number))
        c.status = Status.CLOSED
        db.session.commit()
    assert say(app, client, HANDLER, f"查看 {number}").reply.endswith("该投诉现在没有需要您办理的事项。")
    refused = say(app, client, HANDLER, f"回复 {number} 还有问题吗").reply  # nothing goes to a closed case
    assert refused == "当前状态下不能进行此操作（该投诉目前为“已结案”）。"
    assert [e[0] for e in events(app, number)].count("replied") == 0


# --- station actions ----------------------------------------------------------------------------------


def test_reply_command_reaches_the_consumer(app, client, shop):
    number = open_case(app)

    reply = say(app, client, HANDLER, f"回复 {number} 请提供购物小票照片").reply

    assert reply == f"已回复 {number}：请提供购物小票照片"
    assert events(app, number)[-1][:3] == ("replied", "staff", "oa")
    with app.app_context():
        c = db.session.scalar(sa.select(Complaint).where(Complaint.number == number))
        assert c.first_response_at is not None
        assert count(app, OutboxMessage, OutboxMessage.channel == "subscribe") == 1


def test_reply_without_text_shows_usage(app, client, shop):
    number = open_case(app)
    assert "回复 号 内容" in say(app, client, HANDLER, f"回复 {number}").reply


def test_accept_then_accept_again_is_a_domain_error(app, client, shop):
    number = open_case(app)

    first = say(app, client, HANDLER, f"受理 {number}").reply
    again = say(app, client, HANDLER, f"受理 {number}").reply

    assert first.startswith(f"已受理 {number}。调解期限：")
    assert complaint(app, number).status == Status.ACCEPTED
    assert again == "当前状态下不能进行此操作（该投诉目前为“已受理”）。"
    assert [e[0] for e in events(app, number)].count("accepted") == 1


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        ("3", "not_consumer_dispute"),
        ("too_old", "too_old"),
        ("已向法院起诉", "already_handled"),
        ("１ 属于税务部门职责", "not_within_authority"),
    ],
)
def test_decline_reason_by_number_code_or_words(app, client, shop, reason, code):
    number = open_case(app)

    reply = say(app, client, HANDLER, f"不予受理 {number} {reason}").reply

    assert reply.startswith(f"已对 {number} 作出不予受理决定")
    c = complaint(app, number)
    assert c.status == Status.DECLINED
    assert events(app, number)[-1][0] == "declined"
    with app.app_context():
        event = db.session.scalar(sa.select(ComplaintEvent).where(ComplaintEvent.action == "declined"))
        assert event.reason_code == code


@pytest.mark.parametrize(
    "reason", ["", "不想处理", "材料不全，且已超过三年", "\u19da"]
)  # a digit int() refuses
def test_decline_unclear_reason_lists_the_options(app, client, shop, reason):
    number = open_case(app)
    reply = say(app, client, HANDLER, f"不予受理 {number} {reason}".strip()).reply
    assert reply.startswith("请注明不予受理的理由")
    assert all(f"{i}. " in reply for i in range(1, len(DECLINE_REASONS) + 1))
    assert complaint(app, number).status == Status.SUBMITTED


def test_transfer_then_the_old_station_may_not_act(app, client, shop):
    number = open_case(app)

    reply = say(app, client, HANDLER, f"转办 {number} 测试市场监管所 涉及无证经营，属监管所管辖").reply

    assert reply == f"已将 {number} 转交测试市场监管所。"
    assert complaint(app, number).station_id == shop["office_id"]
    assert say(app, client, HANDLER, f"受理 {number}").reply == not_found(number)


def test_transfer_usage_and_unknown_station(app, client, shop):
    number = open_case(app)
    usage = say(app, client, HANDLER, f"转办 {number}").reply
    assert "转办 号 站点序号 原因" in usage and "1. 测试区12315中心（12315 投诉举报中心）" in usage
    assert f"例如：转办 {number} 1 属地管辖（转给测试区12315中心）" in usage  # a real station
    assert "测试商圈服务站" not in usage  # not the station it is at
    assert "未找到站点“月球站”" in say(app, client, HANDLER, f"转办 {number} 月球站 太远").reply
    assert "没有序号为“2147483648”的站点" in say(app, client, HANDLER, f"转办 {number} 2147483648 太远").reply
    assert complaint(app, number).station_id == shop["service_id"]


def test_transfer_by_the_number_in_the_list(app, client, shop):
    number = open_case(app)
    usage = say(app, client, HANDLER, f"转办 {number}").reply
    position = next(line.split(".")[0] for line in usage.splitlines() if "测试市场监管所" in line)

    reply = say(app, client, HANDLER, f"转办 {number} {position} 涉及计量器具").reply

    assert reply == f"已将 {number} 转交测试市场监管所。"
    assert complaint(app, number).station_id == shop["office_id"]


def test_every_choice_by_number_and_chinese_name(app, client, shop):
    number = open_case(app)
    say(app, client, HANDLER, f"受理 {number}")
    options = say(app, client, HANDLER, f"暂停 {number}").reply
    assert "1. 商品或服务需鉴定、检测\n2. 当事人申请回避" in options and "recusal" not in options
    assert say(app, client, HANDLER, f"暂停 {number} 2").reply.startswith(
        f"{number} 已暂停（当事人申请回避）"
    )
    say(app, client, HANDLER, f"恢复 {number}")
    terminate = say(app, client, HANDLER, f"办结 {number} 4").reply
    assert "1. 一方无正当理由不参加或明确拒绝调解" in terminate and "party_absent" not in terminate
    done = say(app, client, HANDLER, f"办结 {number} 1 300").reply
    assert done.startswith(f"{number} 已办结：调解达成协议，挽回经济损失 300.00 元")


def test_decisions_cite_the_rules_the_complaint_was_filed_under(app, client, shop):
    number = open_case(app)
    with app.app_context():  # filed before 2026-04-15: the 2022 interim measures apply
        db.session.scalar(sa.select(Complaint).where(Complaint.number == number)).rule_set = "interim2022"
        db.session.commit()
    decline = say(app, client, HANDLER, f"不予受理 {number}").reply
    assert "《市场监督管理投诉举报处理暂行办法》第十五条" in decline and "6. 法律、法规、规章" in decline
    assert "第十六条" not in decline and "冒用" not in decline  # an Order 121 ground only
    say(app, client, HANDLER, f"受理 {number}")
    terminate = say(app, client, HANDLER, f"办结 {number} 终止").reply
    assert (
        "暂行办法》第二十一条" in terminate and "四十五个工作日" in terminate and "主体资格" not in terminate
    )
    done = say(app, client, HANDLER, f"办结 {number} 终止 4").reply
    assert done.startswith(f"{number} 已办结：终止调解")
    assert "第二十一条第五项" in events(app, number)[-1][3]


def test_suspend_for_testing_then_resume(app, client, shop):
    number = open_case(app)
    say(app, client, HANDLER, f"受理 {number}")

    paused = say(app, client, HANDLER, f"暂停 {number} 送市质检院检测").reply
    assert paused.startswith(f"{number} 已暂停（商品或服务需鉴定、检测）")
    assert complaint(app, number).status == Status.SUSPENDED
    assert "送市质检院检测" in events(app, number)[-1][3]

    resumed = say(app, client, HANDLER, f"恢复 {number}").reply
    assert resumed.startswith(f"{number} 已恢复处理。")
    assert complaint(app, number).status == Status.ACCEPTED


def test_suspend_for_recusal_and_unclear_reason(app, client, shop):
    number = open_case(app)
    say(app, client, HANDLER, f"受理 {number}")
    assert "检测" in say(app, client, HANDLER, f"暂停 {number} 出差").reply
    assert complaint(app, number).status == Status.ACCEPTED
    say(app, client, HANDLER, f"暂停 {number} 回避")
    with app.app_context():
        event = db.session.scalar(sa.select(ComplaintEvent).where(ComplaintEvent.action == "suspended"))
        assert event.reason_code == "recusal"


def test_resolve_with_amount_recovered(app, client, shop):
    number = open_case(app)
    say(app, client, HANDLER, f"受理 {number}")

    reply = say(app, client, HANDLER, f"办结 {number} 调解成功 699元").reply

    assert reply == f"{number} 已办结：调解达成协议，挽回经济损失 699.00 元。等待消费者确认。"
    c = complaint(app, number)
    assert c.status == Status.RESOLVED and c.outcome == "agreement" and str(c.amount_recovered) == "699.00"
    assert events(app, number)[-1][:3] == ("resolved", "staff", "oa")


def test_resolve_terminated_needs_a_reason(app, client, shop):
    number = open_case(app)
    say(app, client, HANDLER, f"受理 {number}")

    options = say(app, client, HANDLER, f"办结 {number} 终止").reply
    assert options.startswith("终止调解需注明理由") and "7. " in options
    assert complaint(app, number).status == Status.ACCEPTED

    done = say(app, client, HANDLER, f"办结 {number} 终止 双方无法达成协议").reply
    assert "终止调解" in done
    c = complaint(app, number)
    assert c.outcome == "terminated" and c.status == Status.RESOLVED
    with app.app_context():
        event = db.session.scalar(sa.select(ComplaintEvent).where(ComplaintEvent.action == "resolved"))
        assert event.reason_code == "no_agreement"


def test_resolve_terminated_by_reason_number_with_amount(app, client, shop):
    number = open_case(app)
    say(app, client, HANDLER, f"受理 {number}")

    done = say(app, client, HANDLER, f"办结 {number} 终止 2 50").reply

    assert done.startswith(f"{number} 已办结：终止调解，挽回经济损失 50.00 元")
    with app.app_context():
        event = db.session.scalar(sa.select(ComplaintEvent).where(ComplaintEvent.action == "resolved"))
        assert event.reason_code == "no_agreement"


def test_resolve_bad_outcome_or_amount(app, client, shop):
    number = open_case(app)
    say(app, client, HANDLER, f"受理 {number}")
    options = say(app, client, HANDLER, f"办结 {number} 搞定了").reply
    assert "1. 调解达成协议\n2. 双方自行和解\n3. 投诉人撤回\n4. 终止调解" in options
    assert not any(code in options for code in ("agreement", "settled", "terminated"))
    assert "金额" in say(app, client, HANDLER, f"办结 {number} 和解 12.345").reply
    assert complaint(app, number).status == Status.ACCEPTED


# --- who may act ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        "查看 {n}",
        "受理 {n}",
        "回复 {n} 越权回复",
        "不予受理 {n} 1",
        "办结 {n} 和解",
        "转办 {n} 别处服务站 试试",
    ],
)
def test_another_stations_worker_is_refused(app, client, shop, command):
    number = open_case(app)
    other_station_worker(app)

    reply = say(app, client, "oa-elsewhere", command.format(n=number)).reply

    # Issue 11 point 5: the same answer as for a number that does not exist.
    missing = say(app, client, "oa-elsewhere", command.format(n=MISSING)).reply
    assert reply == not_found(number) and missing == not_found(MISSING)
    assert complaint(app, number).status == Status.SUBMITTED
    assert [e[0] for e in events(app, number)] == []  # the factory writes no timeline
    assert number not in say(app, client, "oa-elsewhere", "待办").reply


def test_another_stations_worker_cannot_guess_by_tail(app, client, shop):
    number = open_case(app)
    other_station_worker(app)
    assert "未找到投诉" in say(app, client, "oa-elsewhere", f"查看 {number[-6:]}").reply


def test_supervisor_works_cases_of_stations_below(app, client, shop):
    number = open_case(app)
    assert number in say(app, client, SUPERVISOR, "待办").reply
    assert say(app, client, SUPERVISOR, f"受理 {number}").reply.startswith(f"已受理 {number}")


def test_inactive_staff_is_a_stranger(app, client, shop):
    number = open_case(app)
    with app.app_context():
        person = db.session.scalar(sa.select(Staff).where(Staff.oa_openid == HANDLER))
        person.active = False
        db.session.commit()
    reply = say(app, client, HANDLER, f"查看 {number}").reply
    assert "绑定" in reply and number not in reply


# --- merchants -----------------------------------------------------------------------------------------


def _file(app, client, emulator, code: str, **body) -> str:
    headers = helpers.login(client, emulator, "alice")
    res = client.post(
        f"{API}/stores/{code}/complaints", json=helpers.body(**body), headers={**headers, **helpers.key()}
    )
    assert res.status_code == 201, res.get_json()
    return res.get_json()["data"]["number"]


@pytest.fixture
def merchant_shop(app):
    return helpers.shop(app, merchant=True)


def test_merchant_replies_while_negotiating(app, client, emulator, merchant_shop):
    number = _file(app, client, emulator, merchant_shop["code"], amount="120")
    assert complaint(app, number).status == Status.MERCHANT_NEGOTIATING

    assert number in say(app, client, MERCHANT, "待办").reply
    view = say(app, client, MERCHANT, f"查看 {number}").reply
    assert number in view and "13812345678" not in view and "张三" not in view  # no identity for stores
    reply = say(app, client, MERCHANT, f"回复 {number} 您好，可以到店换新").reply

    assert reply == f"已回复 {number}：您好，可以到店换新"
    action, actor, channel, text = events(app, number)[-1]
    assert (action, actor, channel) == ("merchant_replied", "merchant", "oa")
    assert "可以到店换新" in text


def test_merchant_settles_with_amount(app, client, emulator, merchant_shop):
    number = _file(app, client, emulator, merchant_shop["code"], amount="120")

    reply = say(app, client, MERCHANT, f"和解 {number} 已全额退款 120").reply

    assert reply.startswith(f"已告知消费者 {number} 已协商解决")
    c = complaint(app, number)
    assert c.status == Status.RESOLVED and c.outcome == "settled" and str(c.amount_recovered) == "120.00"


def test_merchant_gives_up_then_may_no_longer_act(app, client, emulator, merchant_shop):
    number = _file(app, client, emulator, merchant_shop["code"], amount="120")

    reply = say(app, client, MERCHANT, f"协商不成 {number}").reply

    assert reply == f"{number} 已交由测试商圈服务站处理。"
    assert complaint(app, number).status == Status.WITH_STATION
    refused = say(app, client, MERCHANT, f"回复 {number} 再说两句").reply
    assert refused == "当前状态下不能进行此操作（该投诉目前为“待站点处理”）。"
    assert number not in say(app, client, MERCHANT, "待办").reply
    assert say(app, client, HANDLER, f"受理 {number}").reply.startswith(f"已受理 {number}")


def test_merchant_never_sees_a_report(app, client, emulator, merchant_shop):
    number = _file(app, client, emulator, merchant_shop["code"], kind="report", amount=None)

    assert number not in say(app, client, MERCHANT, "待办").reply
    assert say(app, client, MERCHANT, f"查看 {number}").reply == not_found(number)
    assert say(app, client, MERCHANT, f"回复 {number} 我知道是谁").reply == not_found(number)
    assert "未找到投诉" in say(app, client, MERCHANT, f"查看 {number[-6:]}").reply


def test_merchant_and_staff_commands_stay_apart(app, client, emulator, merchant_shop):
    number = _file(app, client, emulator, merchant_shop["code"], amount="120")
    assert say(app, client, MERCHANT, f"受理 {number}").reply == "该指令供站点工作人员使用。"
    assert say(app, client, HANDLER, f"和解 {number} 好").reply == "该指令供商家联系人使用。"
    assert (
        say(app, client, MERCHANT, "帮助").reply.startswith("可用指令")
        and "和解" in say(app, client, MERCHANT, "帮助").reply
    )
    assert complaint(app, number).status == Status.MERCHANT_NEGOTIATING


def test_merchant_context_reply(app, client, emulator, merchant_shop):
    number = _file(app, client, emulator, merchant_shop["code"], amount="120")
    say(app, client, MERCHANT, f"查看 {number}")
    reply = say(app, client, MERCHANT, "明天下午三点请到店").reply
    assert "没有发给消费者" in reply and f"回复 {number} 内容" in reply
    assert "merchant_replied" not in [e[0] for e in events(app, number)]
    assert say(app, client, MERCHANT, f"回复 {number} 明天下午三点请到店").reply.startswith(
        f"已回复 {number}"
    )
    assert events(app, number)[-1][0] == "merchant_replied"


# --- safe mode, end to end -----------------------------------------------------------------------------


def test_whole_case_in_safe_mode(app, client, shop):
    number = open_case(app)
    steps = [
        ("待办", number),
        (f"查看 {number}", "现在可以"),
        (f"受理 {number}", "已受理"),
        (f"回复 {number} 已约双方周五到站调解", "已回复"),
        (f"暂停 {number} 鉴定", "已暂停"),
        (f"恢复 {number}", "已恢复"),
        (f"办结 {number} 调解成功 300", "挽回经济损失 300.00 元"),
    ]
    for text, expected in steps:
        res = say(app, client, HANDLER, text, "safe")
        assert res.status == 200 and expected in res.reply, (text, res.reply)
    assert [e[0] for e in events(app, number)] == ["accepted", "replied", "suspended", "resumed", "resolved"]
    assert {e[2] for e in events(app, number)} == {"oa"}


def test_complaint_station_is_unchanged_for_other_tests(app, shop):
    """helpers.shop routes the store to its service station (the tests above rely on it)."""
    number = open_case(app)
    with app.app_context():
        assert complaint(app, number).station_id == db.session.scalar(
            sa.select(Station.id).where(Station.name == "测试商圈服务站")
        )


def test_view_reads_deadlines_in_plain_chinese_with_year_and_why(app, client, shop):
    # Filed Mon 28 Dec 2026: 7 working days end Thu 7 Jan 2027 (元旦 by law), which 2027's notice may move.
    number = open_case(app, filed_at=dt.datetime(2026, 12, 28, 2, 0, tzinfo=dt.UTC))
    reply = say(app, client, HANDLER, f"查看 {number}").reply
    when = deadlines.date_words(dt.date(2027, 1, 7), utcnow())
    line = next(line for line in reply.splitlines() if line.startswith("期限："))
    assert f"受理或不予受理，{when}前，" in line
    assert "（2027 年调休安排尚未公布，按法定节假日推算）" in line
    assert "accept_decline" not in reply and "待确认" not in line
