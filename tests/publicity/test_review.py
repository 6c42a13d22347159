"""Texts WeChat's check leaves to a person: they go to a person at once when WeChat can never check them,
the recheck does not stop at them, and a person decides in the console or the CLI whether the complaint
may be published (audited, a retry changes nothing, only within the account's subtree)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.complaints import content_check
from app.complaints.models import Complaint, ComplaintEvent, ContentCheck, Status
from app.core.extensions import db
from app.core.timeutil import utcnow
from app.publicity import cases, jobs
from app.stores import codes
from tests import factories, helpers
from tests.console.world import build, login, post

API = "/api/mp/v1"


def _file(client, emulator, code: str, user: str = "alice") -> str:
    resp = client.post(
        f"{API}/stores/{code}/complaints",
        json=helpers.body(),
        headers={**helpers.login(client, emulator, user), **helpers.key()},
    )
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["data"]["number"]


def _check(app, number: str) -> ContentCheck:
    with app.app_context():
        return db.session.scalar(sa.select(Complaint.content_check).where(Complaint.number == number))


def test_a_text_wechat_can_never_check_goes_to_a_person_at_once(app, client, emulator):
    shop = helpers.shop(app)
    emulator.fault("msg_sec_check", errcode=61010, errmsg="user in invalid state", times=1)
    assert _check(app, _file(client, emulator, shop["code"])) == ContentCheck.REVIEW
    emulator.fault("msg_sec_check", kind="http", status=502, times=1)  # WeChat away: asked again later
    assert _check(app, _file(client, emulator, shop["code"], "bob")) == ContentCheck.PENDING


def test_the_recheck_goes_past_a_text_only_a_person_can_judge(app, client, emulator):
    shop = helpers.shop(app)
    emulator.fault("msg_sec_check", kind="http", status=502, times=2)
    first, second = _file(client, emulator, shop["code"]), _file(client, emulator, shop["code"], "bob")
    assert _check(app, first) == _check(app, second) == ContentCheck.PENDING
    emulator.fault("msg_sec_check", errcode=61010, errmsg="user in invalid state", times=1)
    with app.app_context():
        assert content_check.recheck_pending() == 2
        db.session.commit()
    assert (_check(app, first), _check(app, second)) == (ContentCheck.REVIEW, ContentCheck.PASS)


def _under_review(app, code: str, *, ended: bool = True) -> str:
    with app.app_context():
        filed = utcnow() - dt.timedelta(days=20)
        c = factories.complaint(codes.store_of(code), filed_at=filed)
        c.content_check = ContentCheck.REVIEW
        if ended:
            c.status, c.outcome = Status.CLOSED, "agreement"
            c.accepted_at, c.resolved_at, c.closed_at = (
                filed,
                filed + dt.timedelta(days=3),
                filed + dt.timedelta(days=4),
            )
        db.session.commit()
        return c.number


def _published(app, number: str) -> bool:
    with app.app_context():
        jobs.run(force=True)
        return (
            db.session.scalar(sa.select(sa.func.count()).where(cases.published(), Complaint.number == number))
            == 1
        )


def test_a_person_decides_in_the_console_within_the_subtree_audited_once(app, client):
    ids = build(app)
    number = _under_review(app, ids["code_a"])
    assert not _published(app, number)  # under review: never published
    login(client, "admin-b")  # office B: not its case
    assert number not in client.get("/admin/review").get_data(as_text=True)
    assert post(client, f"/admin/review/{number}", {"decision": "publish"}).status_code == 404
    login(client, "op-a")
    page = client.get("/admin/review").get_data(as_text=True)
    assert number in page and "可以公示" in page and "不予公示" in page
    assert post(client, f"/admin/review/{number}", {"decision": "maybe"}).status_code == 422
    resp = post(client, f"/admin/review/{number}", {"decision": "publish"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("done=review_publish")
    assert post(client, f"/admin/review/{number}", {"decision": "publish"}).status_code == 303  # a retry
    assert _check(app, number) == ContentCheck.CLEARED and _published(app, number)
    assert number not in client.get("/admin/review").get_data(as_text=True)
    assert (
        post(client, f"/admin/review/{number}", {"decision": "withhold"}).status_code == 303
    )  # changed mind
    assert _check(app, number) == ContentCheck.WITHHELD and not _published(app, number)
    with app.app_context():
        entries = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action.like("content.%")).order_by(AuditEntry.id)
        ).all()
        assert [(e.action, e.actor, e.target) for e in entries] == [
            ("content.publish", "op-a", number),
            ("content.withhold", "op-a", number),
        ]
        c = db.session.scalar(sa.select(Complaint).where(Complaint.number == number))
        events = [e for e in c.events if e.action == "content_reviewed"]
        assert [e.text for e in events] == ["内容已人工审核：可以公示。", "内容已人工审核：不予公示。"]
        assert not any(e.visible_to_consumer for e in events)


def test_a_text_that_passed_or_a_report_is_not_for_review(app, client):
    ids = build(app)
    with app.app_context():
        c = factories.complaint(codes.store_of(ids["code_a"]))
        c.content_check = ContentCheck.PASS
        report = factories.complaint(codes.store_of(ids["code_a"]), kind="report")
        report.content_check = ContentCheck.REVIEW
        db.session.commit()
        numbers = c.number, report.number
    login(client, "op-a")
    assert report.number not in client.get("/admin/review").get_data(as_text=True)
    for number in numbers:
        resp = post(client, f"/admin/review/{number}", {"decision": "publish"})
        assert resp.status_code == 409 and "不在人工审核范围内" in resp.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(ComplaintEvent)
                .where(ComplaintEvent.action == "content_reviewed")
            )
            == 0
        )


def test_the_cli_lists_and_decides_audited(app, runner):
    ids = build(app)
    number = _under_review(app, ids["code_a"], ended=False)
    listed = runner.invoke(args=["publicity", "review", "list"])
    assert listed.exit_code == 0 and number in listed.output and "甲记面馆" in listed.output
    done = runner.invoke(args=["publicity", "review", "decide", number, "withhold"])
    assert done.exit_code == 0 and "不予公示" in done.output
    again = runner.invoke(args=["publicity", "review", "decide", number, "withhold"])
    assert again.exit_code == 0 and "未做修改" in again.output
    wrong = runner.invoke(args=["publicity", "review", "decide", number, "maybe"])
    assert wrong.exit_code != 0
    assert "没有待人工审核" in runner.invoke(args=["publicity", "review", "list"]).output
    with app.app_context():
        entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action.like("content.%"))).all()
        assert [(e.action, e.via) for e in entries] == [("content.withhold", "cli")]
