"""A report (举报) end to end: filed through the mini-program API, verified and extended in the chat, a
case opened on the staff page, concluded at the command line; the named reporter is told each decision;
the store's merchant sees nothing of it at any step (Order 121 Art. 36, 37)."""

import sqlalchemy as sa

from app.complaints.models import Complaint, ComplaintEvent
from app.consumers.models import InboxMessage
from app.core.extensions import db
from app.notifications.models import OutboxMessage
from app.staff.models import Staff, StaffRole
from tests import helpers
from tests.official_account.test_callback import say
from tests.staff_web.test_pages import BASE, login_as, page, post

API = "/api/mp/v1"
SUPERVISOR, MERCHANT = "oa-sup-1", "oa-merchant-1"
FACTS = "该店冷柜里在售的酸奶已过保质期三天，12月5日购买时发现，店员称照常销售。"


def _office_handler(app, shop) -> None:
    with app.app_context():
        db.session.add(
            Staff(
                name="陈科员", role=StaffRole.HANDLER, station_id=shop["office_id"], oa_openid="oa-office-1"
            )
        )
        db.session.commit()


def test_loop_report_verified_extended_opened_concluded_reporter_told_merchant_sees_nothing(
    app, client, runner, emulator, oauth, wechat_api_base
):
    shop = helpers.shop(app, merchant=True)
    _office_handler(app, shop)
    alice = helpers.login(client, emulator, "alice")
    report = helpers.body(
        kind="report", category="food_safety", demand="other", description=FACTS, amount=None
    )
    filed = client.post(
        f"{API}/stores/{shop['code']}/complaints", json=report, headers={**alice, **helpers.key()}
    )
    assert filed.status_code == 201, filed.get_json()
    answer = filed.get_json()["data"]
    number = answer["number"]
    assert answer["status_label"] == "核查中" and "完成核查，决定是否立案" in answer["next_step"]["text"]
    with app.app_context():  # the reporter's own notice names a report's words, not a complaint's
        case = db.session.scalar(sa.select(Complaint).where(Complaint.number == number))
        notice = db.session.scalar(
            sa.select(OutboxMessage).where(
                OutboxMessage.complaint_id == case.id, OutboxMessage.channel == "subscribe"
            )
        )
        assert notice.payload["status"] == "核查中"
        titles = db.session.scalars(
            sa.select(InboxMessage.title).where(InboxMessage.complaint_id == case.id)
        ).all()
        assert titles == ["举报已提交"]

    # the same facts again by the same person: not handled again (Art. 35), nothing created
    again = client.post(
        f"{API}/stores/{shop['code']}/complaints", json=report, headers={**alice, **helpers.key()}
    )
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "report_repeated"
    assert number in again.get_json()["error"]["message"]

    # the chat: a handler may not extend; the supervisor approves it once
    assert (
        "现在可以：立案、不予立案、回复、转办、拆分"
        in say(app, client, "oa-office-1", f"查看 {number}").reply
    )
    refused = say(app, client, "oa-office-1", f"延期 {number} 需调取监控录像").reply
    assert refused.startswith("延长核查或处理期限须经负责人批准")
    extended = say(app, client, SUPERVISOR, f"延期 {number} 需调取监控录像").reply
    assert extended.startswith(f"{number} 核查期限已延长，至")
    assert (
        say(app, client, SUPERVISOR, f"延期 {number} 再延").reply == "核查期限只能延长一次（15 个工作日）。"
    )

    # the staff page: 立案
    login_as(client, wechat_api_base, SUPERVISOR)
    html = page(client, number).get_data(as_text=True)
    assert (
        "核查中" in html
        and "立案" in html
        and "不予立案" in html
        and "受理" not in html.replace("不予立案", "")
    )
    opened = post(client, number, "open_case", {"text": "现场检查属实"})
    assert opened.status_code == 303, opened.get_data(as_text=True)
    # once opened, the head may give the decision 30 more days, once (penalty procedure rules Art. 64)
    assert "延长处理期限（负责人批准）" in page(client, number).get_data(as_text=True)
    extended = say(app, client, SUPERVISOR, f"延期 {number} 案情复杂，需委托检验").reply
    assert extended.startswith(f"{number} 处理期限已延长，至")
    assert "只能由负责人批准延长一次" in say(app, client, SUPERVISOR, f"延期 {number} 再延").reply

    # the command line: 结案
    with app.app_context():
        sup_id = db.session.scalar(sa.select(Staff.id).where(Staff.oa_openid == SUPERVISOR))
    done = runner.invoke(args=["complaints", "conclude", number, "penalised", "--staff", str(sup_id)])
    assert done.exit_code == 0 and "已结案" in done.output, done.output

    # the named reporter was told each decision, and the notices are on the timeline
    detail = client.get(f"{API}/complaints/{number}", headers=alice).get_json()["data"]
    assert detail["status_label"] == "已结案" and detail["outcome_label"] == "已依法作出行政处罚决定"
    actions = [t["action"] for t in detail["timeline"]]
    assert actions.count("reporter_notified") == 2 and "verification_extended" in actions
    assert detail["next_step"] is None and not any(detail["actions"].values())
    inbox = client.get(f"{API}/inbox", headers=alice).get_json()["data"]["items"]
    bodies = " ".join(i.get("body") or i.get("text", "") for i in inbox)
    assert "决定立案调查" in bodies and "已依法作出行政处罚决定" in bodies

    # the merchant: nothing, anywhere
    assert say(app, client, MERCHANT, "待办").reply == "目前没有待处理的投诉。"
    assert "未找到投诉" in say(app, client, MERCHANT, f"查看 {number}").reply
    client.delete_cookie("oa_staff", path="/oa", domain=BASE.removeprefix("https://"))
    login_as(client, wechat_api_base, MERCHANT)
    assert page(client, number).status_code == 404
    with app.app_context():
        merchant_id = db.session.scalar(sa.select(Staff.id).where(Staff.oa_openid == MERCHANT))
        complaint_id = db.session.scalar(sa.select(Complaint.id).where(Complaint.number == number))
        to_merchant = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.complaint_id == complaint_id, OutboxMessage.staff_id == merchant_id)
        )
        assert to_merchant == 0
        channels = set(
            db.session.scalars(
                sa.select(ComplaintEvent.channel).where(ComplaintEvent.complaint_id == complaint_id)
            )
        )
        assert {"oa", "h5", "cli"} <= channels
