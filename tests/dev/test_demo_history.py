"""The demo's year of history: made through the real filing and flows at past moments, so every stored
deadline is what the working-day calendar gives from its start; nothing of it waits to be sent; the
figures and the publicity pages have cases; a second run changes nothing."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import sqlalchemy as sa

from app.calendar import workcal
from app.complaints import deadlines
from app.complaints.models import Complaint, ComplaintDeadline, ComplaintEvent
from app.core.extensions import db
from app.core.timeutil import as_utc, today_cn, utcnow
from app.dev import demo
from app.figures import kpis
from app.notifications.models import OutboxMessage, OutboxStatus
from app.publicity import cases


def test_a_year_of_history_through_the_real_flows(app, runner, emulator):
    with app.app_context():
        demo.seed()
        db.session.commit()
    made = runner.invoke(args=["demo", "history", "--per-month", "4"])
    assert made.exit_code == 0, made.output
    assert "演示历史：已生成" in made.output
    with app.app_context():
        rows = db.session.scalars(
            sa.select(Complaint).where(Complaint.idempotency_key.like("demo-history-%"))
        ).all()
        assert 40 <= len(rows) <= 48  # four a month; a draw the rules refuse is skipped, as a person would be
        statuses = Counter(c.status.value for c in rows)
        assert len(statuses) >= 5 and statuses["closed"] > len(rows) / 3, statuses
        now, first = utcnow(), today_cn() - dt.timedelta(days=366)
        assert all(first <= as_utc(c.created_at).date() and as_utc(c.created_at) < now for c in rows)
        # Every step happened at its own past moment, in order.
        for c in rows:
            moments = [as_utc(e.at) for e in sorted(c.events, key=lambda e: e.id)]
            assert moments == sorted(moments) and moments[-1] < now, c.number
        # Each stored deadline is what the calendar gives from its start (rule sets of their day included).
        cal = workcal.load()
        checked = 0
        for row in db.session.scalars(
            sa.select(ComplaintDeadline)
            .join(Complaint)
            .where(Complaint.idempotency_key.like("demo-history-%"))
        ):
            again = deadlines.recompute(row, cal)
            if again is not None:  # None: a wall-clock limit in hours, which no calendar moves
                assert again.ends_at == as_utc(row.due_at), (row.complaint.number, row.kind)
                checked += 1
        assert checked > len(rows)
        # Nothing of the past goes out now.
        waiting = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxMessage)
            .join(Complaint, OutboxMessage.complaint_id == Complaint.id)
            .where(
                Complaint.idempotency_key.like("demo-history-%"),
                OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)),
            )
        )
        assert waiting == 0
        # The figures and the publicity pages have something to show.
        figures = {f.key: f for f in kpis.compute(kpis.make_scope(first, today_cn()))}
        assert figures["on_time_check"].denominator > 10 and figures["recovered"].value > 0
        assert figures["first_response_median"].denominator > 10
        published = db.session.scalar(
            sa.select(sa.func.count()).select_from(Complaint).where(cases.published())
        )
        assert published > len(rows) / 3
        events = db.session.scalar(sa.select(sa.func.count()).select_from(ComplaintEvent))
    again = runner.invoke(args=["demo", "history"])
    assert again.exit_code == 0 and "未做任何修改" in again.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ComplaintEvent)) == events
