"""The whole loop a consumer and a station live through, over HTTP and the staff CLI."""

import io

import sqlalchemy as sa

from app.complaints.models import Complaint
from app.core.extensions import db
from app.staff.models import Staff
from tests import helpers, images

API = "/api/mp/v1"


def test_loop_file_with_photo_station_works_it_consumer_confirms_and_rates(app, client, runner, emulator):
    shop = helpers.shop(app)
    alice = helpers.login(client, emulator, "alice")
    photo = client.post(
        f"{API}/uploads",
        headers=alice,
        data={"file": (io.BytesIO(images.jpeg(gps=True)), "receipt.jpg", "image/jpeg")},
        content_type="multipart/form-data",
    )
    assert photo.status_code == 201, photo.get_json()
    photo_id = photo.get_json()["data"]["id"]

    filed = client.post(
        f"{API}/stores/{shop['code']}/complaints",
        json=helpers.body(evidence=[photo_id], amount="120"),
        headers={**alice, **helpers.key()},
    )
    assert filed.status_code == 201, filed.get_json()
    number = filed.get_json()["data"]["number"]

    with app.app_context():
        handler_id = db.session.scalar(sa.select(Staff.id).where(Staff.oa_openid == "oa-handler-1"))
    for args in (
        ["complaints", "accept", number, "--staff", str(handler_id)],
        ["complaints", "reply", number, "已约商家明天下午到服务站调解", "--staff", str(handler_id)],
        ["complaints", "resolve", number, "agreement", "--amount", "120", "--staff", str(handler_id)],
    ):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output

    detail = client.get(f"{API}/complaints/{number}", headers=alice).get_json()["data"]
    assert detail["status"] == "resolved" and detail["amount_recovered"] == "120.00"
    texts = [t["text"] for t in detail["timeline"]]
    assert any("已约商家明天下午到服务站调解" in t for t in texts)
    assert any("挽回经济损失 120.00 元" in t for t in texts)
    assert detail["evidence"] == [photo_id]
    assert detail["actions"]["confirm"] is True
    assert {d["kind"]: d["met"] for d in detail["deadlines"]}["first_response"] is True

    assert (
        client.post(f"{API}/complaints/{number}/confirm", headers=alice, json={"resolved": True}).status_code
        == 200
    )
    rated = client.post(
        f"{API}/complaints/{number}/rating", headers=alice, json={"rating": 5, "comment": "很快"}
    )
    assert rated.get_json()["data"]["status"] == "closed" and rated.get_json()["data"]["rating"] == 5

    inbox = client.get(f"{API}/inbox", headers=alice).get_json()["data"]
    assert inbox["total"] >= 4  # submitted, accepted, replied, resolved

    listing = runner.invoke(args=["complaints", "show", number])
    assert "resolved" in listing.output and "accepted" in listing.output
    with app.app_context():
        assert db.session.scalar(sa.select(Complaint.status)).value == "closed"


def test_loop_transfer_cli_to_named_station(app, client, runner, emulator):
    shop = helpers.shop(app)
    alice = helpers.login(client, emulator)
    number = client.post(
        f"{API}/stores/{shop['code']}/complaints", json=helpers.body(), headers={**alice, **helpers.key()}
    ).get_json()["data"]["number"]
    result = runner.invoke(
        args=["complaints", "transfer", number, "测试市场监管所", "涉及计量器具，需监管所处理"]
    )
    assert result.exit_code == 0, result.output
    detail = client.get(f"{API}/complaints/{number}", headers=alice).get_json()["data"]
    assert detail["station"]["name"] == "测试市场监管所" and detail["status"] == "submitted"
    bad = runner.invoke(args=["complaints", "resolve", number, "agreement"])
    assert bad.exit_code != 0 and "当前状态下不能进行此操作" in bad.output
