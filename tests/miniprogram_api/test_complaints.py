"""Filing and following complaints through the API, on PostgreSQL/SQLite, WeChat via the emulator."""

import json
import re
import threading
import time
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import create_app
from app.complaints.filing import replay as filing_replay
from app.complaints.models import Complaint, ComplaintEvent, ContentCheck, Status
from app.consumers.models import InboxMessage
from app.core import redis_client
from app.core.extensions import db
from app.core.redis_client import get_redis
from app.core.timeutil import today_cn
from app.notifications.models import OutboxMessage
from app.stores import codes
from tests import factories, helpers

API = "/api/mp/v1"


def _file(client, headers, code, **overrides):
    return client.post(
        f"{API}/stores/{code}/complaints",
        json=helpers.body(**overrides),
        headers={**headers, **helpers.key()},
    )


def _rows(app, model=Complaint):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_options_lists_codes_and_labels(client):
    data = client.get(f"{API}/complaint-options").get_json()["data"]
    assert {"code": "food_safety", "label": "食品安全", "hint": ""} in data["categories"]
    assert [d["code"] for d in data["demands"]] == [
        "return",
        "refund",
        "exchange",
        "compensation",
        "first_payout",
        "apology",
        "other",
    ]
    assert {k["code"] for k in data["kinds"]} == {"complaint", "report"}
    assert data["limits"]["description"] == {"min": 10, "max": 500}
    assert "个人信息" in data["privacy_notice"]


def test_file_complaint_returns_number_station_deadlines(app, client, emulator):
    shop = helpers.shop(app)
    headers = helpers.login(client, emulator)
    resp = _file(client, headers, shop["code"])
    assert resp.status_code == 201, resp.get_json()
    data = resp.get_json()["data"]
    assert data["number"].startswith("T") and data["status"] == "submitted"
    assert data["station"]["name"] == "测试商圈服务站"
    assert [d["kind"] for d in data["deadlines"]] == ["first_response", "accept_decline"]
    assert all(d["party"] == "station" for d in data["deadlines"])
    assert data["next_step"]["party"] == "station" and data["next_step"]["text"].startswith(
        "测试商圈服务站将在"
    )
    assert data["deadline_uncertain"] in (True, False)
    with app.app_context():
        c = db.session.scalar(sa.select(Complaint))
        assert c.amount == Decimal("699.00")
        assert c.routing_rule == "circle_station"
        assert c.content_check == ContentCheck.PASS
        assert c.commitments_snapshot[0]["terms"]["days"] == 15
        assert c.events[0].action == "submitted"
        outbox = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert {(o.channel, o.recipient) for o in outbox} == {
            ("subscribe", c.consumer.openid),
            ("template", "oa-handler-1"),
        }
        assert db.session.scalar(sa.select(sa.func.count()).select_from(InboxMessage)) == 1


def test_file_same_key_same_body_same_complaint(app, client, emulator):
    shop = helpers.shop(app)
    headers = {**helpers.login(client, emulator), **helpers.key()}
    first = client.post(f"{API}/stores/{shop['code']}/complaints", json=helpers.body(), headers=headers)
    again = client.post(f"{API}/stores/{shop['code']}/complaints", json=helpers.body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json()["data"]["number"] == again.get_json()["data"]["number"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _rows(app) == 1


def test_file_same_key_other_body_conflict(app, client, emulator):
    shop = helpers.shop(app)
    headers = {**helpers.login(client, emulator), **helpers.key()}
    client.post(f"{API}/stores/{shop['code']}/complaints", json=helpers.body(), headers=headers)
    resp = client.post(
        f"{API}/stores/{shop['code']}/complaints", json=helpers.body(amount="1.00"), headers=headers
    )
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "idempotency_conflict"
    assert _rows(app) == 1


def test_file_concurrent_duplicates_create_exactly_one(app, client, emulator):
    shop = helpers.shop(app)
    headers = {**helpers.login(client, emulator), **helpers.key()}
    results = []

    def send():
        with app.test_client() as c:
            r = c.post(f"{API}/stores/{shop['code']}/complaints", json=helpers.body(), headers=headers)
            results.append((r.status_code, r.get_json()["data"]["number"]))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8
    assert {status for status, _ in results} == {201}
    assert len({number for _, number in results}) == 1
    assert _rows(app) == 1


def _send(client, code, headers, **overrides):
    return client.post(f"{API}/stores/{code}/complaints", json=helpers.body(**overrides), headers=headers)


def test_replay_answered_from_the_database_when_redis_lost_it_even_after_the_code_was_revoked(
    app, client, emulator
):
    shop = helpers.shop(app)
    headers = {**helpers.login(client, emulator), **helpers.key()}
    first = _send(client, shop["code"], headers)
    with app.app_context():
        get_redis().flushdb()  # a Redis restart without persistence: the stored answers are gone
        codes.revoke_and_reissue(shop["code"], "lost")
        db.session.commit()
    again = _send(client, shop["code"], headers)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["data"]["number"] == first.get_json()["data"]["number"]
    other = _send(client, shop["code"], headers, amount="1.00")
    assert other.status_code == 409 and other.get_json()["error"]["code"] == "idempotency_conflict"
    assert _rows(app) == 1


def test_concurrent_duplicates_with_redis_down_create_exactly_one(app, emulator, monkeypatch):
    shop = helpers.shop(app)
    with app.test_client() as c:
        headers = {**helpers.login(c, emulator), **helpers.key()}
    monkeypatch.setitem(app.extensions, "redis", redis_client.connect("redis://127.0.0.1:1/0"))
    results = []

    def send():
        with app.test_client() as c:
            r = _send(c, shop["code"], headers)
            results.append((r.status_code, r.get_json()["data"]["number"]))

    try:
        threads = [threading.Thread(target=send) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        redis_client.reset_breaker()
    assert {status for status, _ in results} == {201} and len(results) == 6
    assert len({number for _, number in results}) == 1
    assert _rows(app) == 1


def test_concurrent_copies_of_a_refused_filing_are_each_refused(app, emulator):
    """The first copy fails (risky text): the copies waiting for it wake up, find no answer and try by
    themselves, and get the same refusal; nothing is saved, nobody waits out the full wait."""
    emulator.set_sec_words(risky=["违禁词甲"])
    shop = helpers.shop(app)
    with app.test_client() as c:
        headers = {**helpers.login(c, emulator), **helpers.key()}
    results = []

    def send():
        with app.test_client() as c:
            r = _send(c, shop["code"], headers, description="这家店卖违禁词甲，请依法处理，谢谢。")
            results.append((r.status_code, r.get_json()["error"]["code"]))

    started = time.monotonic()
    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [(422, "content_risky")] * 4
    assert time.monotonic() - started < filing_replay.WAIT_SECONDS
    assert _rows(app) == 0


def test_a_stored_answer_is_only_replayed_to_its_own_consumer(app, client, emulator):
    """The answer kept in Redis carries the token holder's fingerprint: another identity that somehow
    holds the same consumer id (a row id reused after a deletion) gets no replay from it."""
    shop = helpers.shop(app)
    headers = {**helpers.login(client, emulator, "first-holder"), **helpers.key()}
    first = _send(client, shop["code"], headers)
    assert first.status_code == 201
    with app.app_context():
        (key,) = get_redis().keys("cf:a:*")
        stored = json.loads(get_redis().get(key))
        stored["openid_hash"] = "0" * 16  # as if issued to somebody else
        get_redis().set(key, json.dumps(stored))
    again = _send(client, shop["code"], headers)
    assert (
        again.status_code == 201 and again.get_json()["data"]["number"] == first.get_json()["data"]["number"]
    )
    assert _rows(app) == 1  # answered from the database, for the right consumer


def test_no_station_at_all_is_said_plainly_and_nothing_saved(app, client, emulator):
    """A directory without a 12315 centre is a setup error: the filing is refused with a message that
    sends the consumer to the hotline, not a 500."""
    with app.app_context():
        store = factories.store(region=factories.region())  # no station, no circle, no office, no centre
        db.session.commit()
        code = store.active_code.code
    resp = _send(client, code, {**helpers.login(client, emulator), **helpers.key()})
    assert resp.status_code == 503 and resp.get_json()["error"]["code"] == "no_responsible_station"
    assert "12315" in resp.get_json()["error"]["message"]
    assert _rows(app) == 0


def test_file_missing_key_refused_nothing_saved(app, client, emulator):
    shop = helpers.shop(app)
    headers = helpers.login(client, emulator)
    resp = client.post(f"{API}/stores/{shop['code']}/complaints", json=helpers.body(), headers=headers)
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "idempotency_key_required"
    assert _rows(app) == 0


def test_file_without_login_401(app, client):
    shop = helpers.shop(app)
    resp = client.post(f"{API}/stores/{shop['code']}/complaints", json=helpers.body(), headers=helpers.key())
    assert resp.status_code == 401


def test_file_every_bad_field_named(app, client, emulator):
    shop = helpers.shop(app)
    headers = helpers.login(client, emulator)
    resp = _file(
        client,
        headers,
        shop["code"],
        kind="lawsuit",
        category="",
        demand=5,
        description="太短",
        amount="12.345",
        purchase_date="2099-01-01",
        phone="12345",
        evidence=["a"] * 10,
    )
    assert resp.status_code == 422
    fields = resp.get_json()["error"]["fields"]
    assert set(fields) == {
        "kind",
        "category",
        "demand",
        "description",
        "amount",
        "purchase_date",
        "phone",
        "evidence",
    }
    assert "两位小数" in fields["amount"] and "晚于今天" in fields["purchase_date"]
    assert _rows(app) == 0


def test_file_complaint_requires_real_name_and_phone_report_does_not(app, client, emulator):
    shop = helpers.shop(app)
    headers = helpers.login(client, emulator)
    resp = _file(client, headers, shop["code"], name=None, phone=None)
    assert resp.status_code == 422
    assert set(resp.get_json()["error"]["fields"]) == {"name", "phone"}
    resp = _file(
        client, headers, shop["code"], kind="report", category="false_advertising", name=None, phone=None
    )
    assert resp.status_code == 201
    with app.app_context():
        c = db.session.scalar(sa.select(Complaint))
        assert c.anonymous is True and c.routing_rule == "region_regulatory_office"
        assert c.station.name == "测试市场监管所"


def test_file_too_old_purchase_refused(app, client, emulator):
    shop = helpers.shop(app)
    resp = _file(client, helpers.login(client, emulator), shop["code"], purchase_date="2023-01-01")
    assert resp.status_code == 422 and "三年" in resp.get_json()["error"]["fields"]["purchase_date"]


def test_file_unknown_and_revoked_store(app, client, emulator):
    shop = helpers.shop(app)
    headers = helpers.login(client, emulator)
    assert _file(client, headers, codes.generate()).status_code == 404
    with app.app_context():
        codes.revoke_and_reissue(shop["code"])
        db.session.commit()
    resp = _file(client, headers, shop["code"])
    assert resp.status_code == 410 and resp.get_json()["error"]["code"] == "code_revoked"
    assert _rows(app) == 0


def test_file_non_json_and_garbage_bodies_4xx(app, client, emulator):
    shop = helpers.shop(app)
    headers = {**helpers.login(client, emulator), **helpers.key()}
    url = f"{API}/stores/{shop['code']}/complaints"
    assert (
        client.post(url, data="{not json", headers=headers, content_type="application/json").status_code
        == 400
    )
    assert client.post(url, data="[1,2]", headers=headers, content_type="application/json").status_code == 422
    assert client.post(url, data="", headers=headers).status_code == 422
    assert _rows(app) == 0


def test_nul_characters_anywhere_are_refused_and_change_nothing(app, client, emulator):
    """PostgreSQL stores no NUL character: found by tests/miniprogram_api/test_api_fuzz.py as a 500."""
    shop = helpers.shop(app)
    headers = helpers.login(client, emulator)
    url = f"{API}/stores/{shop['code']}/complaints"
    bad = helpers.body(description="买的羽绒服第二天就开线了，\u0000要求退款。", name="张\u0000三")
    resp = client.post(url, json=bad, headers={**headers, **helpers.key()})
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "validation_failed"
    resp = client.post(f"{API}/subscriptions", json={"results": {"\u0000": "accept"}}, headers=headers)
    assert resp.status_code == 422 and resp.get_json()["error"]["fields"]
    number = client.post(url, json=helpers.body(), headers={**headers, **helpers.key()}).get_json()["data"][
        "number"
    ]
    resp = client.post(
        f"{API}/complaints/{number}/messages", json={"text": "补充\u0000说明"}, headers=headers
    )
    assert resp.status_code == 422
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Complaint.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(ComplaintEvent.id))) == 1  # no message added


def test_file_risky_text_refused_review_text_marked(app, client, emulator):
    shop = helpers.shop(app)
    emulator.set_sec_words(risky=["违禁词甲"], review=["待审词乙"])
    headers = helpers.login(client, emulator)
    resp = _file(client, headers, shop["code"], description="店员说了违禁词甲，态度非常恶劣。")
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "content_risky"
    assert _rows(app) == 0
    resp = _file(client, headers, shop["code"], description="店员推销待审词乙，态度非常恶劣。")
    assert resp.status_code == 201
    with app.app_context():
        c = db.session.scalar(sa.select(Complaint))
        assert c.content_check == ContentCheck.REVIEW
        assert any(e.action == "content_review" and not e.visible_to_consumer for e in c.events)


def test_file_wechat_down_still_filed_check_retried(app, client, runner, emulator):
    shop = helpers.shop(app)
    headers = helpers.login(client, emulator)
    emulator.fault("msg_sec_check", kind="http", status=502, times=1)
    resp = _file(client, headers, shop["code"])
    assert resp.status_code == 201
    with app.app_context():
        assert db.session.scalar(sa.select(Complaint.content_check)) == ContentCheck.PENDING
    result = runner.invoke(args=["worker", "run", "--once"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(sa.select(Complaint.content_check)) == ContentCheck.PASS


def test_file_rate_limit_same_store_per_day(app, client, emulator):
    shop = helpers.shop(app)
    headers = helpers.login(client, emulator)
    for i in range(3):
        assert (
            _file(
                client, headers, shop["code"], description=f"第{i}次：商品质量问题很严重，要求退款。"
            ).status_code
            == 201
        )
    resp = _file(client, headers, shop["code"], description="第四次：商品质量问题很严重，要求退款。")
    assert resp.status_code == 429 and resp.get_json()["error"]["code"] == "rate_limited_store_day"
    assert _rows(app) == 3


def _file_from(client, headers, code, address):
    extra = {"X-Forwarded-For": address}
    return client.post(
        f"{API}/stores/{code}/complaints", json=helpers.body(), headers={**headers, **helpers.key(), **extra}
    )


def _outcomes(responses):
    return [(r.status_code, (r.get_json().get("error") or {}).get("code")) for r in responses]


def test_address_limit_counts_the_forwarded_address_behind_a_trusted_proxy(app, app_config, emulator):
    proxied = create_app({**app_config, "TRUSTED_PROXIES": 1, "COMPLAINTS_PER_ADDRESS_HOUR": 2})
    client = proxied.test_client()
    shop = helpers.shop(app)
    sent = [
        _file_from(client, helpers.login(client, emulator, user), shop["code"], address)
        for user, address in (
            ("p1", "203.0.113.5"),
            ("p2", "203.0.113.5"),
            ("p3", "203.0.113.5"),
            ("p4", "203.0.113.9"),
        )
    ]
    assert _outcomes(sent) == [(201, None), (201, None), (429, "rate_limited_address"), (201, None)]
    assert _rows(app) == 3
    with proxied.app_context():
        db.engine.dispose()


def test_forwarded_address_ignored_without_a_trusted_proxy(app, client, emulator, monkeypatch):
    monkeypatch.setitem(app.config, "COMPLAINTS_PER_ADDRESS_HOUR", 2)
    shop = helpers.shop(app)
    sent = [
        _file_from(client, helpers.login(client, emulator, user), shop["code"], address)
        for user, address in (("q1", "203.0.113.1"), ("q2", "203.0.113.2"), ("q3", "203.0.113.3"))
    ]
    assert _outcomes(sent) == [(201, None), (201, None), (429, "rate_limited_address")]


def test_file_abuse_signals_flagged_not_refused(app, client, emulator):
    shop = helpers.shop(app)
    same = "买到的饮料过期了，要求十倍赔偿，请处理。"
    for user in ("u1", "u2", "u3"):
        resp = _file(
            client, helpers.login(client, emulator, user), shop["code"], description=same, phone="13900000000"
        )
        assert resp.status_code == 201
    with app.app_context():
        last = db.session.scalars(sa.select(Complaint).order_by(Complaint.id.desc())).first()
        assert set(last.abuse_flags) == {"near_identical", "shared_phone"}
        flagged = db.session.scalar(sa.select(ComplaintEvent).where(ComplaintEvent.action == "abuse_flags"))
        assert flagged.visible_to_consumer is False


def test_merchant_first_from_enrolment_data_the_station_calls_the_merchant(app, client, emulator):
    """A store enrolled with a merchant contact and phone but no merchant account bound: the store page
    offers merchant-first, the filing takes it, and the station is alerted at once with whom to call."""
    shop = helpers.shop(app, merchant_contact="王经理", merchant_phone="13800000000")
    page = client.get(f"{API}/stores/{shop['code']}").get_json()["data"]
    assert page["merchant_first"] is True
    data = _file(client, helpers.login(client, emulator), shop["code"], amount="120").get_json()["data"]
    assert data["status"] == "merchant_negotiating" and data["merchant_first"] is True
    with app.app_context():
        call = db.session.scalar(sa.select(ComplaintEvent).where(ComplaintEvent.action == "merchant_call"))
        assert call.visible_to_consumer is False
        assert "王经理（13800000000）" in call.text and "请其在" in call.text
        # Timeline texts are stored and read later, maybe next year: their dates always name the year.
        first = db.session.scalar(sa.select(ComplaintEvent).where(ComplaintEvent.action == "merchant_first"))
        for text in (call.text, first.text):
            assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日（星期.）", text), text
        alerts = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.channel == "template")).all()
        assert alerts and all(
            json.dumps(a.payload, ensure_ascii=False).count("首问负责：请致电商户") for a in alerts
        )
    detail = client.get(
        f"{API}/complaints/{data['number']}", headers=helpers.login(client, emulator)
    ).get_json()
    assert "王经理" not in json.dumps(detail, ensure_ascii=False)  # the consumer does not see the note


def test_no_merchant_first_without_a_merchant_phone(app, client, emulator):
    shop = helpers.shop(app, merchant_contact="王经理", merchant_phone="")
    assert client.get(f"{API}/stores/{shop['code']}").get_json()["data"]["merchant_first"] is False
    data = _file(client, helpers.login(client, emulator), shop["code"], amount="120", merchant_first=True)
    assert data.get_json()["data"]["status"] == "submitted"


def test_merchant_first_default_under_500(app, client, emulator):
    shop = helpers.shop(app, merchant=True)
    resp = _file(client, helpers.login(client, emulator), shop["code"], amount="120")
    data = resp.get_json()["data"]
    assert data["status"] == "merchant_negotiating" and data["merchant_first"] is True
    assert {d["kind"] for d in data["deadlines"]} == {"merchant_reply", "merchant_settle"}
    resp = _file(client, helpers.login(client, emulator, "bob"), shop["code"], amount="900")
    assert resp.get_json()["data"]["status"] == "submitted"


@pytest.mark.parametrize("path", ["/complaints", "/inbox"])
def test_pages_out_of_range_are_refused_with_a_message(app, client, emulator, path):
    headers = helpers.login(client, emulator)
    for query in ("page=0", "page=99999999999999999999", "page=10001", "per_page=51", "page=²", "page=x"):
        resp = client.get(f"{API}{path}?{query}", headers=headers)  # a huge page was a 500 (offset overflow)
        assert resp.status_code == 422 and "页码" in resp.get_json()["error"]["fields"]["page"], query
    assert client.get(f"{API}{path}?page=10000&per_page=50", headers=headers).status_code == 200


def test_my_complaints_and_detail_only_mine(app, client, emulator):
    shop = helpers.shop(app)
    alice = helpers.login(client, emulator, "alice")
    bob = helpers.login(client, emulator, "bob")
    number = _file(client, alice, shop["code"]).get_json()["data"]["number"]
    listing = client.get(f"{API}/complaints", headers=alice).get_json()["data"]
    assert listing["total"] == 1 and listing["items"][0]["number"] == number
    assert client.get(f"{API}/complaints", headers=bob).get_json()["data"]["total"] == 0
    detail = client.get(f"{API}/complaints/{number}", headers=alice).get_json()["data"]
    assert detail["timeline"][0]["action"] == "submitted"
    assert detail["commitments_snapshot"][0]["kind"] == "no_reason_return"
    resp = client.get(f"{API}/complaints/{number}", headers=bob)
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "complaint_not_found"
    assert client.post(f"{API}/complaints/{number}/withdraw", headers=bob, json={}).status_code == 404


def test_any_number_form_finds_mine_and_anothers_answers_as_none(app, client, emulator):
    shop = helpers.shop(app)
    alice = helpers.login(client, emulator, "alice")
    bob = helpers.login(client, emulator, "bob")
    number = _file(client, alice, shop["code"]).get_json()["data"]["number"]
    fullwidth = "".join(chr(ord(ch) + 0xFEE0) for ch in number)
    for typed in (number.lower(), fullwidth, f" {number} "):
        resp = client.get(f"{API}/complaints/{typed}", headers=alice)
        assert resp.status_code == 200 and resp.get_json()["data"]["number"] == number, typed
    # Issue 11 point 5: someone else's complaint is answered exactly as one that does not exist.
    for method, path, body in (
        ("get", "", None),
        ("post", "/withdraw", {}),
        ("post", "/rating", {"rating": 5}),
    ):
        theirs = getattr(client, method)(f"{API}/complaints/{number}{path}", headers=bob, json=body)
        none = getattr(client, method)(f"{API}/complaints/T000000000000{path}", headers=bob, json=body)
        assert theirs.status_code == none.status_code == 404 and theirs.get_json() == none.get_json()
    assert client.get(f"{API}/complaints/{number}", headers=alice).get_json()["data"]["status"] != "withdrawn"


def test_consumer_actions_withdraw_then_forbidden(app, client, emulator):
    shop = helpers.shop(app)
    alice = helpers.login(client, emulator)
    number = _file(client, alice, shop["code"]).get_json()["data"]["number"]
    resp = client.post(
        f"{API}/complaints/{number}/messages", headers=alice, json={"text": "补充：小票照片稍后上传。"}
    )
    assert resp.status_code == 200
    resp = client.post(
        f"{API}/complaints/{number}/withdraw", headers=alice, json={"reason": "已和店家协商好"}
    )
    assert resp.get_json()["data"]["status"] == "withdrawn"
    resp = client.post(f"{API}/complaints/{number}/confirm", headers=alice, json={"resolved": True})
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "invalid_transition"
    resp = client.post(f"{API}/complaints/{number}/withdraw", headers=alice, json={})
    assert resp.status_code == 409


def test_subscriptions_and_inbox(app, client, emulator):
    shop = helpers.shop(app)
    alice = helpers.login(client, emulator)
    resp = client.post(
        f"{API}/subscriptions", headers=alice, json={"results": {"TPL-PROGRESS": "accept", "TPL-X": "reject"}}
    )
    assert resp.get_json()["data"]["remaining"] == {"TPL-PROGRESS": 1, "TPL-X": 0}
    assert client.post(f"{API}/subscriptions", headers=alice, json={"results": "accept"}).status_code == 422
    _file(client, alice, shop["code"])
    inbox = client.get(f"{API}/inbox", headers=alice).get_json()["data"]
    assert inbox["unread"] == 1 and inbox["items"][0]["title"] == "投诉已提交"
    assert inbox["items"][0]["read"] is False


def test_inbox_reading_changes_nothing_marking_read_is_its_own_call(app, client, emulator):
    shop = helpers.shop(app)
    alice = helpers.login(client, emulator)
    bob = helpers.login(client, emulator, "bob")
    _file(client, alice, shop["code"])
    _file(client, alice, shop["code"], description="第二次投诉：收银员多收了五元钱，没有退还给我")
    _file(client, bob, shop["code"])
    for _ in range(2):  # listing twice: still unread
        listed = client.get(f"{API}/inbox", headers=alice).get_json()["data"]
        assert listed["unread"] == 2 and [i["read"] for i in listed["items"]] == [False, False]
    assert client.get(f"{API}/inbox/unread", headers=alice).get_json()["data"] == {"unread": 2}

    newest, older = (i["id"] for i in listed["items"])
    bobs = client.get(f"{API}/inbox", headers=bob).get_json()["data"]["items"][0]["id"]
    marked = client.post(f"{API}/inbox/read", headers=alice, json={"ids": [newest, bobs]})
    assert marked.status_code == 200 and marked.get_json()["data"] == {"marked": 1, "unread": 1}
    again = client.post(f"{API}/inbox/read", headers=alice, json={"ids": [newest]})
    assert again.get_json()["data"] == {"marked": 0, "unread": 1}  # a retry changes nothing
    assert client.get(f"{API}/inbox/unread", headers=bob).get_json()["data"] == {
        "unread": 1
    }  # not alice's to mark
    items = client.get(f"{API}/inbox", headers=alice).get_json()["data"]["items"]
    assert {i["id"]: i["read"] for i in items} == {newest: True, older: False}

    assert client.post(f"{API}/inbox/read", headers=alice, json={"all": True}).get_json()["data"] == {
        "marked": 1,
        "unread": 0,
    }


@pytest.mark.parametrize(
    "body",
    [{}, {"ids": []}, {"ids": "1"}, {"ids": [True]}, {"ids": [0]}, {"all": False}, {"ids": [1], "all": True}],
)
def test_inbox_mark_read_refuses_unclear_requests(app, client, emulator, body):
    alice = helpers.login(client, emulator)
    resp = client.post(f"{API}/inbox/read", headers=alice, json=body)
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["code"] == "validation_failed" and "ids" in error["fields"]


def test_status_enum_values_stable():
    assert [s.value for s in Status][:3] == ["submitted", "merchant_negotiating", "with_station"]


def test_phone_bound_from_wechat_code_then_used_for_complaint(app, client, emulator):
    shop = helpers.shop(app)
    alice = helpers.login(client, emulator)
    code = emulator.phone_code("13900001111")
    resp = client.post(f"{API}/session/phone", headers=alice, json={"code": code})
    assert resp.status_code == 200 and resp.get_json()["data"]["phone"] == "139****1111"
    resp = _file(client, alice, shop["code"], phone=None)
    assert resp.status_code == 201
    with app.app_context():
        assert db.session.scalar(sa.select(Complaint.phone)) == "13900001111"


def test_phone_bad_code_or_number_refused(app, client, emulator):
    alice = helpers.login(client, emulator)
    resp = client.post(f"{API}/session/phone", headers=alice, json={"code": "no-such-code"})
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "phone_code_invalid"
    resp = client.post(f"{API}/session/phone", headers=alice, json={"phone": "110"})
    assert resp.status_code == 422
    resp = client.post(f"{API}/session/phone", headers=alice, json={"phone": "+86 138-1234-5678"})
    assert resp.get_json()["data"]["phone"] == "138****5678"


def _national(client, headers, number, **body):
    return client.post(f"{API}/complaints/{number}/national-case", headers=headers, json=body)


def test_consumer_records_filing_at_12315_clocks_stop_station_alerted_retry_changes_nothing(
    app, client, emulator
):
    """The consumer filed the same case on the national platform: the number and date are kept, the
    station's clocks stop, its staff are alerted once; the same call again changes nothing, another
    number is refused, and the consumer is no longer offered the action."""
    shop = helpers.shop(app)
    alice = helpers.login(client, emulator)
    number = _file(client, alice, shop["code"]).get_json()["data"]["number"]
    detail = client.get(f"{API}/complaints/{number}", headers=alice).get_json()["data"]
    assert detail["actions"]["hand_off_national"] is True and detail["national_case"] is None

    def alerts_and_events():
        with app.app_context():
            c = db.session.scalar(sa.select(Complaint).where(Complaint.number == number))
            alerts = db.session.scalar(
                sa.select(sa.func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.complaint_id == c.id, OutboxMessage.staff_id.is_not(None))
            )
            events = [e.action for e in c.events]
            running = [d.kind for d in c.deadlines if d.met_at is None and d.cancelled_at is None]
            return alerts, events, running

    alerts_before, _events, running = alerts_and_events()
    assert running  # the station's clocks run
    today = today_cn().isoformat()
    resp = _national(client, alice, number, national_case_number="1320211202612070001", filed_on=today)
    assert resp.status_code == 200, resp.get_json()
    data = resp.get_json()["data"]
    assert data["national_case"] == {"number": "1320211202612070001", "filed_on": today}
    assert data["actions"]["hand_off_national"] is False
    assert "全国12315平台" in data["timeline"][-1]["text"]
    alerts, events, running = alerts_and_events()
    assert running == [] and events.count("handed_off_national") == 1
    assert alerts > alerts_before  # the station's staff know why their clocks stopped

    again = _national(client, alice, number, national_case_number="1320211202612070001", filed_on=today)
    assert again.status_code == 200 and alerts_and_events() == (alerts, events, running)
    other = _national(client, alice, number, national_case_number="1320211202612079999", filed_on=today)
    assert other.status_code == 409 and other.get_json()["error"]["code"] == "already_handed_off"
    assert "另一案件编号" in other.get_json()["error"]["message"]
    assert alerts_and_events() == (alerts, events, running)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"national_case_number": "1320211202612070001"}, "filed_on"),
        ({"national_case_number": "1320211202612070001", "filed_on": "2026-13-01"}, "filed_on"),
        ({"national_case_number": "1320211202612070001", "filed_on": "2099-01-01"}, "national_filed_on"),
        ({"national_case_number": "编号一", "filed_on": "2026-12-01"}, "national_case_number"),
        ({"national_case_number": 1320211202612070001, "filed_on": "2026-12-01"}, "national_case_number"),
        ({"filed_on": "2026-12-01"}, "national_case_number"),
    ],
)
def test_a_bad_national_case_is_refused_in_chinese_and_changes_nothing(app, client, emulator, body, field):
    shop = helpers.shop(app)
    alice = helpers.login(client, emulator)
    number = _file(client, alice, shop["code"]).get_json()["data"]["number"]
    resp = _national(client, alice, number, **body)
    assert resp.status_code == 422, resp.get_json()
    error = resp.get_json()["error"]
    assert error["code"] == "validation_failed" and field in error["fields"]
    assert helpers.english_words(error["fields"][field]) == []
    with app.app_context():
        c = db.session.scalar(sa.select(Complaint).where(Complaint.number == number))
        assert c.handed_off_at is None and c.national_case_number is None
