"""Which cases are published, the public pages, and the store's moderated right of reply."""

import pytest
import sqlalchemy as sa

from app.core.extensions import db
from app.publicity import cases, jobs, replies
from app.publicity.models import ReplyStatus, StoreReply
from app.staff.models import Staff, StaffRole

SECRETS = ("张伟", "13812345678", "人民路", "402", "李娜", "张三")


def _numbers(listing):
    return {i["number"] for i in listing["items"]}


def test_only_ended_checked_complaints_are_published_after_the_worker_redacts_them(published_world):
    w = published_world
    _, before = cases.for_store(w["code"])
    assert before["total"] == 0  # nothing until the summaries are prepared
    prepared, _ = jobs.run(force=True)
    assert prepared == 2  # the published case of each store; nothing else is even redacted
    _, listing = cases.for_store(w["code"])
    assert _numbers(listing) == {w["cases"]["published"].number}
    item = listing["items"][0]
    assert item["summary"].startswith("我叫［姓名］，电话［号码］")
    assert not any(s in item["summary"] for s in SECRETS)
    assert item["station"] == "测试商圈服务站" and item["outcome_label"] == "调解达成协议"
    assert item["store"] == {"name": "优衣坊服饰", "code": w["code"]}
    _, circle = cases.for_circle(w["city"]["circle"].id)
    assert _numbers(circle) == {w["cases"]["published"].number, w["cases"]["published_other_store"].number}
    assert jobs.run()[0] == 0  # idempotent


def test_public_pages_show_cases_without_personal_data(published_world, client):
    w = published_world
    jobs.run(force=True)
    page = client.get(f"/publicity/stores/{w['code']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "优衣坊服饰" in html and "［姓名］" in html
    assert "共 1 件" in html
    assert not any(s in html for s in SECRETS)
    circle = client.get(f"/publicity/circles/{w['city']['circle'].id}").get_data(as_text=True)
    assert "共 2 件" in circle and "隔壁小店" in circle and not any(s in circle for s in SECRETS)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/publicity/stores/NOSUCH22", 404),
        ("/publicity/stores/%00", 404),
        ("/publicity/circles/999999", 404),
        ("/publicity/circles/abc", 404),
        ("/publicity/circles/99999999999999999999", 404),
        ("/publicity/stores/{code}?page=0", 400),
        ("/publicity/stores/{code}?page=99999999", 400),
        ("/publicity/stores/{code}?page=x", 400),
    ],
)
def test_bad_addresses_get_a_chinese_page_never_a_500(published_world, client, path, status):
    resp = client.get(path.format(code=published_world["code"]))
    assert resp.status_code == status
    assert "<html" in resp.get_data(as_text=True)


def test_a_reply_shows_only_once_the_station_approved_it(published_world, client, runner):
    w = published_world
    jobs.run(force=True)
    number = w["cases"]["published"].number
    merchant = Staff(name="店长", role=StaffRole.MERCHANT, store=w["store"])
    stranger = Staff(name="别家店长", role=StaffRole.MERCHANT, store=w["other"])
    db.session.add_all([merchant, stranger])
    db.session.commit()
    with pytest.raises(Exception) as refused:
        replies.submit(number, "不是我们的顾客", stranger)
    assert refused.value.code == "reply_not_allowed"
    with pytest.raises(Exception) as unpublished:
        replies.submit(w["cases"]["under_review"].number, "回应", merchant)
    assert unpublished.value.code == "published_case_not_found"
    db.session.rollback()

    submit = ["publicity", "reply", "submit", number, "--text", "已为顾客张伟退款，电话13812345678"]
    result = runner.invoke(args=[*submit, "--staff", str(merchant.id)])
    assert result.exit_code == 0, result.output
    again = runner.invoke(args=[*submit, "--staff", str(merchant.id)])
    assert again.exit_code == 0, again.output  # the same reply again changes nothing
    listed = runner.invoke(args=["publicity", "reply", "list"])
    assert number in listed.output and "13812345678" not in listed.output
    assert "已为顾客" not in client.get(f"/publicity/stores/{w['code']}").get_data(as_text=True)

    reply_id = replies.pending()[0].id
    rejected = runner.invoke(args=["publicity", "reply", "reject", str(reply_id), "--note", "含个人信息"])
    assert rejected.exit_code == 0 and "未通过审核" in rejected.output
    twice = runner.invoke(args=["publicity", "reply", "approve", str(reply_id)])
    assert twice.exit_code == 1 and "已审核过" in twice.output
    resubmit = runner.invoke(args=["publicity", "reply", "submit", number, "--text", "已全额退款并致歉。"])
    assert resubmit.exit_code == 0, resubmit.output
    approved = runner.invoke(args=["publicity", "reply", "approve", str(reply_id)])
    assert approved.exit_code == 0 and "已公开" in approved.output
    html = client.get(f"/publicity/stores/{w['code']}").get_data(as_text=True)
    assert "商家回应" in html and "已全额退款并致歉。" in html
    db.session.expire_all()
    assert replies.pending() == []
    exists = runner.invoke(args=["publicity", "reply", "submit", number, "--text", "再说一次"])
    assert exists.exit_code == 1 and "已有店铺回应" in exists.output
    db.session.expire_all()
    assert replies.pending() == [] and w["cases"]["published"].id is not None
    stored = db.session.scalars(sa.select(StoreReply)).one()
    assert stored.status == ReplyStatus.APPROVED and "13812345678" not in stored.text
