"""Issue 4's whole loop in safe mode: the consumer files in the mini-program, the handler is alerted on the
official account, replies and closes the case by chat (AES-encrypted pushes), the consumer sees each step,
gets a subscribe message, confirms and rates — over the real app, Redis, the worker and the emulator."""

from tests import helpers
from tests.conftest import TEST_TPL_NEW_COMPLAINT, TEST_TPL_PROGRESS
from tests.notifications.test_delivery import allow, file
from tests.official_account.test_callback import HANDLER, say

API = "/api/mp/v1"


def _worker(runner) -> None:
    result = runner.invoke(args=["worker", "run", "--once"])
    assert result.exit_code == 0, result.output


def test_oa_loop_file_alert_chat_reply_close_confirm_rate(app, client, runner, emulator):
    shop = helpers.shop(app)
    alice = helpers.login(client, emulator, "alice")
    allow(client, emulator, alice, "alice")  # one subscribe allowance for the progress template
    number = file(client, alice, shop["code"])

    _worker(runner)
    [alert] = emulator.messages("template")
    assert alert["openid"] == HANDLER and alert["template_id"] == TEST_TPL_NEW_COMPLAINT
    assert alert["url"].endswith(f"/oa/complaints/{number}")
    assert all(len(v) <= 20 and "\n" not in v for v in alert["data"].values())

    for text, expected in (
        (f"受理 {number}", "已受理"),
        (f"回复 {number} 已联系店长，明天上午给您答复退款方案", "已回复"),
    ):
        res = say(app, client, HANDLER, text, "safe")
        assert res.status == 200 and expected in res.reply, res.reply

    detail = client.get(f"{API}/complaints/{number}", headers=alice).get_json()["data"]
    assert detail["status"] == "accepted"
    assert any("已联系店长" in t["text"] for t in detail["timeline"])

    _worker(runner)
    [progress] = emulator.messages("subscribe")  # one allowance → exactly one subscribe message
    assert progress["template_id"] == TEST_TPL_PROGRESS and progress["data"]["character_string1"] == number
    inbox = client.get(f"{API}/inbox", headers=alice).get_json()["data"]
    assert inbox["total"] >= 3  # submitted, accepted, replied: everything also waits in the in-app inbox

    res = say(app, client, HANDLER, f"办结 {number} 调解成功 199.5", "safe", msg_id=7001234567899990001)
    assert "挽回经济损失 199.50 元" in res.reply
    again = say(app, client, HANDLER, f"办结 {number} 调解成功 199.5", "safe", msg_id=7001234567899990001)
    assert again.reply == res.reply  # WeChat's retry of the same message: same answer, no second effect

    detail = client.get(f"{API}/complaints/{number}", headers=alice).get_json()["data"]
    assert detail["status"] == "resolved" and detail["amount_recovered"] == "199.50"
    assert [t["action"] for t in detail["timeline"]].count("resolved") == 1

    assert (
        client.post(f"{API}/complaints/{number}/confirm", headers=alice, json={"resolved": True}).status_code
        == 200
    )
    rated = client.post(f"{API}/complaints/{number}/rating", headers=alice, json={"rating": 5})
    assert rated.get_json()["data"]["status"] == "closed" and rated.get_json()["data"]["rating"] == 5
