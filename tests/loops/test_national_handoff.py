"""A case moves to the national 12315 platform: filed through the API, handed off on the command line,
shown to the consumer with its national number, its clocks stopped, and counted apart in the figures."""

import datetime as dt

import sqlalchemy as sa

from app.complaints.models import Complaint, ComplaintDeadline
from app.core.extensions import db
from app.core.timeutil import today_cn
from app.figures import kpis
from tests import helpers

API = "/api/mp/v1"


def test_handoff_stops_the_clocks_shows_the_number_and_leaves_the_figures(app, client, runner, emulator):
    shop = helpers.shop(app)
    alice = helpers.login(client, emulator, "alice")
    filed = client.post(
        f"{API}/stores/{shop['code']}/complaints",
        json=helpers.body(merchant_first=False),
        headers={**alice, **helpers.key()},
    )
    assert filed.status_code in (200, 201), filed.get_json()
    number = filed.get_json()["data"]["number"]
    today = today_cn().isoformat()

    args = ["complaints", "handoff", number, "--national-number", "3205-2026-000123", "--date", today]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    again = runner.invoke(args=args)  # a retry changes nothing
    assert again.exit_code == 0, again.output
    other = runner.invoke(args=[*args[:3], "--national-number", "999", "--date", today])
    assert other.exit_code == 1 and "另一案件编号" in other.output
    bad = runner.invoke(args=[*args[:3], "--national-number", "编号<script>", "--date", today])
    assert bad.exit_code == 1 and "字母、数字" in bad.output
    future = (today_cn() + dt.timedelta(days=2)).isoformat()
    late = runner.invoke(args=[*args[:3], "--national-number", "3205-2026-000123", "--date", future])
    assert late.exit_code == 1 and "不能晚于今天" in late.output

    detail = client.get(f"{API}/complaints/{number}", headers=alice).get_json()["data"]
    assert detail["national_case"] == {"number": "3205-2026-000123", "filed_on": today}
    assert [e["action"] for e in detail["timeline"]].count("handed_off_national") == 1
    assert "3205-2026-000123" in detail["timeline"][-1]["text"]
    assert not any(d["overdue"] for d in detail["deadlines"])

    with app.app_context():
        complaint = db.session.scalar(sa.select(Complaint).where(Complaint.number == number))
        open_rows = db.session.scalars(
            sa.select(ComplaintDeadline).where(
                ComplaintDeadline.complaint_id == complaint.id,
                ComplaintDeadline.met_at.is_(None),
                ComplaintDeadline.cancelled_at.is_(None),
            )
        ).all()
        assert open_rows == []
        far = dt.datetime.now(dt.UTC) + dt.timedelta(days=60)
        scope = kpis.make_scope(today_cn(), today_cn() + dt.timedelta(days=30), now=far)
        figures = {f.key: f for f in kpis.compute(scope)}
        assert figures["handed_off"].denominator == 1
        assert figures["on_time_check"].denominator == 0  # its decision would fall due in the period
