"""A small city with one store whose cases cover every publication rule."""

import datetime as dt
from decimal import Decimal

import pytest

from app.complaints.models import ContentCheck, Status
from app.core.extensions import db
from app.core.timeutil import utcnow
from tests import factories

HOSTILE = "我叫张伟，电话13812345678，家住人民路128号3栋402室。店员李娜态度很差，羽绒服开线不给退。"


def _case(store, *, status=Status.CLOSED, kind="complaint", check=ContentCheck.PASS, days_ago=30, **fields):
    filed = utcnow() - dt.timedelta(days=days_ago)
    c = factories.complaint(store, kind=kind, filed_at=filed)
    c.status, c.content_check, c.description = status, check, HOSTILE
    if status in (Status.RESOLVED, Status.CLOSED):
        c.accepted_at = filed + dt.timedelta(hours=5)
        c.first_response_at = filed + dt.timedelta(hours=5)
        c.resolved_at = filed + dt.timedelta(days=3)
        c.outcome = fields.pop("outcome", "agreement")
        c.amount_recovered = fields.pop("amount_recovered", Decimal("20"))
    if status == Status.CLOSED:
        c.closed_at = filed + dt.timedelta(days=4)
    for k, v in fields.items():
        setattr(c, k, v)
    return c


@pytest.fixture
def published_world(ctx):
    city = factories.city()
    store = factories.store(
        name="优衣坊服饰",
        circle=city["circle"],
        region=city["region"],
        latitude=Decimal("31.3"),
        longitude=Decimal("120.6"),
    )
    other = factories.store(name="隔壁小店", circle=city["circle"], region=city["region"])
    db.session.flush()
    cases = {
        "published": _case(store),
        "published_other_store": _case(other, category="service"),
        "report": _case(store, kind="report"),
        "under_review": _case(store, check=ContentCheck.REVIEW),
        "check_pending": _case(store, check=ContentCheck.PENDING),
        "open": _case(store, status=Status.ACCEPTED),
        "withdrawn_outcome": _case(store, outcome="withdrawn"),
        "handed_off": _case(store, national_case_number="X1", handed_off_at=utcnow()),
    }
    db.session.commit()
    return {"city": city, "store": store, "other": other, "cases": cases, "code": store.active_code.code}
